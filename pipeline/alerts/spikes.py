"""Spikes: more coverage than usual, judged against the same time of the week before, robustly, knowing the
calendar.

One rule for the dashboard's daily chart and for spike alerts:

- **Same time of week.** A count is compared with the counts at the same time in the weeks before (the same
  weekday for a day, the same hours of the same weekday for a window of hours): Monday mornings and Sunday nights
  differ, and comparing with "the last 14 days" mixes them.
- **Robust to outliers.** The expectation is the median of those weeks and the spread their median absolute
  deviation (at least the Poisson spread of the median, so that a quiet series is not judged by a spread of 0):
  one earlier spike, or last year's holiday, moves neither.
- **Calendar-aware.** Coverage that an event of the calendar explains (pipeline/alerts/calendar.py) is set aside
  before judging, so Tết or Quốc khánh coverage does not alert while an accident or a rumour on those days does.
  Flags are never set aside: the calendar changes expected volume, not what counts as false or harmful.

A spike needs all three: at least ``min_count`` items, ``factor`` times the expectation, and ``min_z`` spreads
above it.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pipeline.alerts.calendar import Calendar, Occurrence
from pipeline.core.store.base import FACET_FIELDS, ItemQuery, Store
from pipeline.core.text import normalize, words

# The series of everything a query matches, beside the facet fields.
TOTAL = "total"
# Poisson floor of the spread: a series that is always 0 must still rise by a few items to be judged high.
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Baseline:
    expected: float
    spread: float
    samples: tuple[float, ...]


def _median(values: list[float]) -> float:
    values.sort()
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def robust_baseline(samples: Sequence[float]) -> Baseline:
    """Median and scaled median absolute deviation, the spread floored at the Poisson spread of the median."""
    if not samples:
        return Baseline(0.0, 1.0, ())
    expected = float(_median([float(s) for s in samples]))
    mad = float(_median([abs(s - expected) for s in samples])) * _MAD_TO_SIGMA
    return Baseline(expected, max(mad, math.sqrt(max(expected, 1.0))), tuple(float(s) for s in samples))


@dataclass(frozen=True)
class Thresholds:
    factor: float
    min_count: int
    min_z: float


@dataclass(frozen=True)
class Judgement:
    count: float
    expected: float
    spread: float
    ratio: float
    z: float
    spike: bool


def judge(count: float, samples: Sequence[float], thresholds: Thresholds) -> Judgement:
    base = robust_baseline(samples)
    ratio = count / max(base.expected, 1.0)
    z = (count - base.expected) / base.spread
    spike = count >= thresholds.min_count and ratio >= thresholds.factor and z >= thresholds.min_z
    return Judgement(count, base.expected, base.spread, ratio, z, spike)


# ---------------------------------------------------------------------------------------------- days (charts)
@dataclass(frozen=True)
class DaySpike:
    day: str  # YYYY-MM-DD, Vietnam time
    count: int
    baseline: float  # median of the same weekday in the weeks before
    ratio: float
    explained: int = 0  # items the calendar's events explain, set aside before judging
    events: tuple[str, ...] = ()


def find_spikes(daily: Sequence[tuple[str, int]], weeks: int, thresholds: Thresholds,
                explained: Mapping[str, int] | None = None,
                events: Mapping[str, Sequence[str]] | None = None) -> list[DaySpike]:
    """Days whose count, less what the calendar explains, is a spike against the same weekday of the ``weeks``
    weeks before (days without items count as 0). A day with fewer than half of those weeks of history behind
    it is not judged."""
    if not daily:
        return []
    counts = {day: count for day, count in daily}
    first = date.fromisoformat(daily[0][0])
    explained = explained or {}
    out = []
    for day_text, count in daily:
        day = date.fromisoformat(day_text)
        history = [day - timedelta(days=7 * k) for k in range(1, weeks + 1)]
        history = [d for d in history if d >= first]
        if len(history) < max(1, weeks // 2):
            continue
        unexplained = count - explained.get(day_text, 0)
        verdict = judge(unexplained, [counts.get(d.isoformat(), 0) for d in history], thresholds)
        if verdict.spike:
            out.append(DaySpike(day_text, count, verdict.expected, verdict.ratio, explained.get(day_text, 0),
                                tuple((events or {}).get(day_text, ()))))
    return out


def event_days(calendar: Calendar, start: datetime, end: datetime) -> dict[str, list[Occurrence]]:
    """Local day -> the occurrences whose coverage runs that day."""
    days: dict[str, list[Occurrence]] = {}
    for occurrence in calendar.occurrences(start, end):
        day = occurrence.coverage_start
        while day <= occurrence.coverage_end:
            days.setdefault(day.isoformat(), []).append(occurrence)
            day += timedelta(days=1)
    return days


def explained_by_day(store: Store, query: ItemQuery, calendar: Calendar, start: datetime, end: datetime
                     ) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Per local day, how many items of ``query`` the calendar's events explain, and the events' names: what
    the daily chart sets aside before judging spikes. One histogram per occurrence in the span."""
    explained: Counter[str] = Counter()
    names: dict[str, list[str]] = {}
    for occurrence in calendar.occurrences(start, end):
        expected = event_query(query, occurrence, start, end)
        if expected is not None:
            for day, count in store.histogram(expected):
                explained[day] = max(explained[day], count)  # two events the same day: the larger explains
        day = occurrence.coverage_start
        while day <= occurrence.coverage_end:
            names.setdefault(day.isoformat(), []).append(occurrence.event.name)
            day += timedelta(days=1)
    return dict(explained), names


def _and(first: str | None, second: str) -> str:
    return f"({first}) AND ({second})" if first else second


def event_query(base: ItemQuery, occurrence: Occurrence, start: datetime, end: datetime) -> ItemQuery | None:
    """The items of ``base`` within [start, end) that an occurrence's ordinary coverage accounts for: they match
    the event's query and carry one of its topics (those of ``base`` too, when it asks for topics)."""
    event = occurrence.event
    lo, hi = max(start, occurrence.start), min(end, occurrence.end)
    if lo >= hi:
        return None
    topics = event.topics
    if base.topics:
        topics = tuple(t for t in base.topics if t in event.topics) if event.topics else base.topics
        if not topics:
            return None
    return base.with_(text=_and(base.text, event.query), topics=topics, date_from=lo, date_to=hi, limit=0, offset=0)


# ---------------------------------------------------------------------------------------------- windows (alerts)
@dataclass(frozen=True)
class SpikeSettings:
    window_hours: float
    weeks: int
    min_weeks: int
    thresholds: Thresholds
    fields: tuple[str, ...]
    size: int
    step_minutes: int

    @classmethod
    def from_settings(cls, settings: Any, overrides: Mapping[str, Any] | None = None) -> SpikeSettings:
        over = {k: v for k, v in (overrides or {}).items() if v is not None}
        return cls(
            window_hours=float(over.get("window_hours", settings.get_float("alerts.spike_window_hours"))),
            weeks=int(over.get("weeks", settings.get_int("alerts.spike_weeks"))),
            min_weeks=settings.get_int("alerts.spike_min_weeks"),
            thresholds=Thresholds(float(over.get("factor", settings.get_float("alerts.spike_factor"))),
                                  int(over.get("min_count", settings.get_int("alerts.spike_min_count"))),
                                  float(over.get("min_z", settings.get_float("alerts.spike_min_z")))),
            fields=tuple(over.get("fields") or settings.get_list("alerts.spike_fields")),
            size=settings.get_int("alerts.spike_values"),
            step_minutes=settings.get_int("alerts.spike_step_minutes"),
        )


@dataclass
class Finding:
    """One series that rose: what, by how much, against what, and what the calendar set aside."""

    field: str
    value: str
    count: int
    explained: int
    expected: float
    ratio: float
    z: float
    window_start: datetime
    window_end: datetime
    samples: tuple[float, ...] = ()
    events: tuple[str, ...] = ()
    reasons: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.field}:{self.value}"


def spike_fields(wanted: Iterable[str]) -> list[str]:
    """The series the store can count: the total and the facet fields it knows (a field another part of the
    product has not added yet is skipped, not an error)."""
    return [name for name in wanted if name == TOTAL or name in FACET_FIELDS]


def _counts(store: Store, query: ItemQuery, name: str, size: int) -> dict[str, int]:
    if name == TOTAL:
        return {"": store.search(query.with_(limit=0, offset=0)).total}
    return dict(store.count_by(name, query, size=size))


class _BaselineCache:
    """Counts of the weeks before change only when late items arrive: computed once per step (ten minutes by
    default), not on every tick. Keyed by whatever names the store (its home) and the query."""

    def __init__(self) -> None:
        self._data: dict[tuple[Any, ...], dict[str, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], dict[str, int]]) -> dict[str, int]:
        with self._lock:
            if key in self._data:
                return self._data[key]
        value = compute()
        with self._lock:
            if len(self._data) > 5000:
                self._data.clear()
            self._data[key] = value
        return value


BASELINES = _BaselineCache()


def _floor(moment: datetime, minutes: int) -> datetime:
    step = max(1, minutes) * 60
    return datetime.fromtimestamp(int(moment.timestamp()) // step * step, tz=moment.tzinfo)


def _anchor(now: datetime, minutes: int, k: int, weeks: int) -> datetime:
    """Where week ``k``'s baseline window ends (before shifting it back k weeks): ``now`` floored to the step,
    each week offset by a fraction of the step, so that the weeks are recounted on different ticks instead of
    all on one."""
    offset = timedelta(seconds=max(1, minutes) * 60 * (k % max(weeks, 1)) / max(weeks, 1))
    return _floor(now - offset, minutes) + offset


def detect(store: Store, base: ItemQuery, now: datetime, settings: SpikeSettings, calendar: Calendar | None = None,
           cache_key: Any = None) -> list[Finding]:
    """The series of ``base`` that spike in the window ending ``now``, largest rise first.

    Counts per value come from the store's facet counts (``count_by``) over the window and over the same window
    one, two... ``weeks`` weeks before; the calendar's events under way set their ordinary coverage aside.
    """
    window = timedelta(hours=settings.window_hours)
    start = now - window
    base = base.with_(limit=0, offset=0, sort="published_at")
    if not _has_history(store, base, now, settings, cache_key):
        return []
    active = calendar.occurrences(start, now) if calendar else []
    findings: list[Finding] = []
    for name in spike_fields(settings.fields):
        current = _counts(store, base.with_(date_from=start, date_to=now), name, settings.size)
        if not current:
            continue
        weeks = []
        for k in range(1, settings.weeks + 1):
            at = _anchor(now, settings.step_minutes, k, settings.weeks)
            end = at - timedelta(days=7 * k)
            key = (cache_key, repr(base), name, at, k, settings.window_hours, settings.size)
            weeks.append(BASELINES.get(key, lambda e=end, n=name: _counts(
                store, base.with_(date_from=e - window, date_to=e), n, settings.size)))
        explained = _explained(store, base, name, start, now, active, settings.size)
        for value, count in current.items():
            set_aside = explained.get(value, 0)
            verdict = judge(count - set_aside, [week.get(value, 0) for week in weeks], settings.thresholds)
            if verdict.spike:
                findings.append(Finding(
                    name, value, count, set_aside, verdict.expected, verdict.ratio, verdict.z, start, now,
                    tuple(week.get(value, 0) for week in weeks),
                    tuple(o.label() for o in active if set_aside),
                ))
    return sorted(findings, key=lambda f: (-f.z, f.key))


def _has_history(store: Store, base: ItemQuery, now: datetime, settings: SpikeSettings, cache_key: Any) -> bool:
    """A home needs ``min_weeks`` weeks of items before anything can be unusual: a new office's first day is not
    a spike of everything."""
    before = now - timedelta(days=7 * settings.min_weeks)
    key = (cache_key, repr(base), "history", _floor(now, 24 * 60), settings.min_weeks)
    held = BASELINES.get(key, lambda: {"": store.search(base.with_(date_to=before, limit=0)).total})
    return held[""] > 0


def _explained(store: Store, base: ItemQuery, name: str, start: datetime, end: datetime,
               active: Sequence[Occurrence], size: int) -> dict[str, int]:
    """Per value of a field, the window's items that the events under way explain. Flags are never explained;
    a topic only by an event that names it."""
    if not active or name == "flags":
        return {}
    out: Counter[str] = Counter()
    for occurrence in active:
        query = event_query(base, occurrence, start, end)
        if query is None:
            continue
        for value, count in _counts(store, query, name, size).items():
            if name == "topics" and value not in occurrence.event.topics:
                continue
            out[value] = max(out[value], count)  # two events at once: the larger explains
    return dict(out)


# ---------------------------------------------------------------------------------------------- reasons
# Function syllables and phrases too common in Vietnamese news to say why coverage rose.
STOP_SYLLABLES = frozenset([
    "và", "của", "các", "những", "là", "có", "được", "trong", "cho", "với", "đã", "tại", "về", "này", "một", "không",
    "theo", "từ", "để", "khi", "đến", "ra", "sẽ", "thì", "cũng", "như", "vào", "lại", "nhiều", "đang", "còn", "nên",
    "sau", "trên", "bị", "do", "hơn", "nhưng", "mà", "rằng", "việc", "đó", "ở", "hai", "bốn", "năm", "sáu",
    "bảy", "tám", "chín", "mười", "ngày", "tháng", "giờ", "lúc", "hôm", "nay", "qua", "đây", "số", "vụ", "đi",
    "tỉnh", "xã", "huyện", "phường", "ông", "bà", "anh", "chị", "người",
])
STOP_PHRASES = frozenset([
    "thành phố", "cơ quan", "chức năng", "cho biết", "thông tin", "sự kiện", "nhân dân", "chính quyền", "địa phương",
    "ủy ban", "uỷ ban", "đồng chí", "lực lượng", "tổ chức", "hoạt động", "ghi nhận", "phóng viên",
])
_NUMBER = re.compile(r"^\d+$")
_CLAUSE = re.compile(r"[,.;:!?()\[\]\"“”‘’–—…/|]+|\s-\s")


def _terms(text: str) -> set[str]:
    """Lower-cased syllables and two-syllable words of a title and lead, without function words or numbers
    (Vietnamese writes most words as two syllables: "sạt lở", "tin giả"); a pair never spans punctuation."""
    found: set[str] = set()
    for clause in _CLAUSE.split(normalize(text, keep_newlines=False)):
        tokens = [w.lower() for w in words(clause)]
        content = [len(t) > 1 and not _NUMBER.match(t) and t not in STOP_SYLLABLES for t in tokens]
        found.update(t for t, keep in zip(tokens, content, strict=True) if keep)
        for n in range(len(tokens) - 1):
            phrase = f"{tokens[n]} {tokens[n + 1]}"
            if content[n] and content[n + 1] and phrase not in STOP_PHRASES:
                found.add(phrase)
    return found


def top_terms(window_items: Sequence[Mapping[str, Any]], baseline_items: Sequence[Mapping[str, Any]],
              limit: int = 5) -> list[tuple[str, int]]:
    """Terms far more frequent in the window's items than in ordinary coverage: (term, items holding it). A term
    of a headline weighs twice one of the lead alone; a two-word phrase is preferred to the words it is made of
    when it explains as many items."""
    def document_frequency(items: Sequence[Mapping[str, Any]]) -> tuple[Counter[str], Counter[float]]:
        held: Counter[str] = Counter()
        weight: Counter[float] = Counter()
        for entry in items:
            title = _terms(str(entry.get("title") or ""))
            lead = _terms(str(entry.get("lead") or str(entry.get("text") or "")[:300])) - title
            held.update(title | lead)
            weight.update({term: 1.0 for term in title})
            weight.update({term: 0.5 for term in lead})
        return held, weight

    (window, weights), (history, _) = document_frequency(window_items), document_frequency(baseline_items)
    n_w, n_b = max(len(window_items), 1), max(len(baseline_items), 1)
    floor = max(2, math.ceil(0.2 * n_w))
    scored = []
    for term, df in window.items():
        if df < floor:
            continue
        lift = ((df + 0.5) / (n_w + 1)) / ((history.get(term, 0) + 0.5) / (n_b + 1))
        if lift >= 2:
            scored.append((lift * math.log1p(weights[term]), term, df))
    phrases = {term: df for _, term, df in scored if " " in term}
    kept = [(score, term, df) for score, term, df in scored if " " in term or not any(
        term in phrase.split() and pdf >= 0.8 * df for phrase, pdf in phrases.items())]
    kept.sort(key=lambda s: (-s[0], s[1]))
    return [(term, df) for _, term, df in kept[:limit]]


def explain(store: Store, base: ItemQuery, finding: Finding, weeks: int, sample: int = 200) -> dict[str, Any]:
    """Why a series rose: the top terms, stories and sources behind the rise (computed once per spike, when it
    is first found, not on every tick)."""
    series = base.with_(limit=0, offset=0)
    if finding.field != TOTAL:
        series = series.with_(**{finding.field: (finding.value,)})
    window = series.with_(date_from=finding.window_start, date_to=finding.window_end)
    items = store.search(window.with_(limit=sample, sort="urgency")).items
    span = finding.window_end - finding.window_start
    # Ordinary coverage of the weeks before (all of the rule's items, not only the series, which may have had
    # none): what the window's words are compared with.
    history: list[dict[str, Any]] = []
    ordinary = base.with_(limit=0, offset=0)
    per_week = max(10, sample // max(weeks, 1))
    for k in range(1, weeks + 1):
        shift = timedelta(days=7 * k)
        history += store.search(ordinary.with_(date_from=finding.window_start - shift - span * 3,
                                               date_to=finding.window_end - shift, limit=per_week)).items
    stories = []
    for cluster_id, count in store.count_by("cluster_id", window, size=3):
        lead = store.search(window.with_(cluster_id=(cluster_id,), limit=1, sort="urgency")).items
        if lead:
            stories.append({"item_id": lead[0]["id"], "title": lead[0].get("title") or lead[0].get("url"),
                            "items": count, "url": lead[0].get("url"), "cluster_id": cluster_id})
    return {
        "terms": [{"term": term, "items": df} for term, df in top_terms(items, history)],
        "stories": stories,
        "sources": [{"source": source, "items": count} for source, count in store.count_by("source", window, size=3)],
    }
