"""Spikes: days when far more was written about the province than usual."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Spike:
    day: str  # YYYY-MM-DD, Vietnam time
    count: int
    baseline: float  # median of the days before
    ratio: float


def find_spikes(daily: list[tuple[str, int]], baseline_days: int, factor: float, min_count: int) -> list[Spike]:
    """Days whose count is at least ``min_count`` and ``factor`` times the median of the ``baseline_days``
    days before (days without items count as 0; the median, so one earlier spike does not hide the next).
    A day with less than half its baseline window of history is not judged."""
    counts = {day: count for day, count in daily}
    spikes = []
    for day_text, count in daily:
        day = date.fromisoformat(day_text)
        window = [counts.get((day - timedelta(days=back)).isoformat(), 0) for back in range(1, baseline_days + 1)]
        first = date.fromisoformat(daily[0][0])
        if (day - first).days < baseline_days // 2 or count < min_count:
            continue
        baseline = statistics.median(window)
        if count >= factor * max(baseline, 1.0):
            spikes.append(Spike(day_text, count, baseline, count / max(baseline, 1.0)))
    return spikes
