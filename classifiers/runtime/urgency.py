"""Urgency of an item for the analysts' queue, with its reasons in Vietnamese.

``urgency = Σ weight_part × part`` over flags (the strongest flag, by flag weight), reach (source kind and
how many outlets carried the story), recency (halving every ``urgency_half_life_hours``) and negative
tone toward the province. Weights are data (``data/urgency.yaml``); every part that adds a noticeable share
becomes a reason, so the number is never shown alone.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from classifiers.runtime.lexicon import load_yaml
from pipeline.core import vocabulary
from pipeline.core.settings import Settings
from pipeline.core.timeutil import now_utc, parse_iso

URGENCY_FILE = "urgency.yaml"
FLAG_VN = {code: label[:1].lower() + label[1:] for code, label in vocabulary.labels("flags").items()}


class Urgency:
    def __init__(self, config: dict[str, Any] | None = None, half_life_hours: float | None = None):
        cfg = config or load_yaml(URGENCY_FILE)
        self.weights = {k: float(v) for k, v in cfg["weights"].items()}
        self.flag_weights = {k: float(v) for k, v in cfg["flag_weights"].items()}
        self.source_kinds = {k: float(v) for k, v in cfg["source_kinds"].items()}
        self.full_reach = max(2, int(cfg["outlets_for_full_reach"]))
        self.reason_min = float(cfg["reason_min"])
        self.half_life_hours = (half_life_hours if half_life_hours is not None
                                else Settings().get_float("classifiers.urgency_half_life_hours"))

    def score(self, item: dict[str, Any], outlets: int = 1, now: datetime | None = None) -> tuple[float, list[str]]:
        parts: list[tuple[float, str]] = []
        # Only flags that stand count: a flag an analyst rejected stays on the item as history, not here.
        flags = [(f["score"] * self.flag_weights.get(f["name"], 0.5), f) for f in vocabulary.raised_flags(item)]
        if flags:
            value, strongest = max(flags, key=lambda x: x[0])
            others = [FLAG_VN.get(f["name"], f["name"]) for _, f in flags if f is not strongest]
            reason = f"cờ \"{FLAG_VN.get(strongest['name'], strongest['name'])}\" điểm {strongest['score']:.2f}"
            if others:
                reason += f" (cùng cờ: {', '.join(others)})"
            parts.append((self.weights["flags"] * value, reason))
        kind = item.get("source_kind") or ""
        kind_reach = self.source_kinds.get(kind, 0.2)
        story_reach = math.log(max(outlets, 1)) / math.log(self.full_reach)
        reach = min(1.0, max(kind_reach, story_reach) + (0.2 * story_reach if outlets > 1 else 0.0))
        reason = f"độ lan tỏa: nguồn {kind or 'không rõ loại'}"
        if outlets > 1:
            reason += f", {outlets} cơ quan báo chí cùng đưa tin"
        parts.append((self.weights["reach"] * reach, reason))
        hours = _age_hours(item, now or now_utc())
        if hours is not None:
            recency = 0.5 ** (max(hours, 0.0) / self.half_life_hours)
            parts.append((self.weights["recency"] * recency, f"mới đăng {_age_vn(hours)}"))
        tone = item.get("tone") or {}
        if tone.get("label") == "tieu_cuc":
            parts.append((self.weights["tone"] * float(tone.get("score", 0.0)),
                          f"sắc thái tiêu cực về tỉnh ({float(tone.get('score', 0.0)):.2f})"))
        total = min(1.0, sum(value for value, _ in parts))
        reasons = [f"{reason} (+{value:.2f})" for value, reason in sorted(parts, key=lambda p: -p[0])
                   if value >= self.reason_min]
        return round(total, 3), reasons


def _age_hours(item: dict[str, Any], now: datetime) -> float | None:
    """Hours since publication; None for an item whose date is unknown: an old article fetched today is not
    news, so it never earns recency from its fetch time."""
    stamp = item.get("published_at") if item.get("date_source") != "none" else None
    if not stamp:
        return None
    try:
        return (now - parse_iso(stamp)).total_seconds() / 3600
    except (ValueError, TypeError):
        return None


def _age_vn(hours: float) -> str:
    if hours < 1:
        return "dưới 1 giờ trước"
    if hours < 48:
        return f"{int(hours)} giờ trước"
    return f"{int(hours // 24)} ngày trước"


def rescore(item: dict[str, Any], store: Any) -> tuple[float, list[str]]:
    """An item's urgency again, after an analyst added or rejected a flag (setting ``pipeline.urgency_rescorer``):
    the same parts as the pipeline's, with the story's outlet count as stored."""
    from classifiers.runtime.clusters import cluster_record_id

    outlets = 1
    if item.get("cluster_id"):
        record = store.get_record("state", cluster_record_id(item["cluster_id"]))
        outlets = int(record.get("outlet_count", 1)) if record else 1
    return Urgency().score(item, outlets)
