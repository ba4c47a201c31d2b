"""Relevance speed: items per second of the province matcher on synthetic items."""

from __future__ import annotations

import time
from typing import Any

from pipeline.bench.synthetic import synthetic_items
from pipeline.core.profiles import Profile
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.text import normalize


def benchmark(profile: Profile, n: int = 2000, seed: int = 7) -> dict[str, Any]:
    """Items per second of :meth:`RelevanceMatcher.match` on synthetic items, with and without the
    normalisation pass (the pipeline normalises once and passes ``normalized=True``)."""
    items = [(i["title"], i["text"]) for i in synthetic_items(profile, n, seed=seed)]
    started = time.perf_counter()
    matcher = RelevanceMatcher(profile)
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    relevant = sum(matcher.match(title, text).relevant for title, text in items)
    raw_s = time.perf_counter() - started
    prepared = [(normalize(title), normalize(text)) for title, text in items]
    started = time.perf_counter()
    for title, text in prepared:
        matcher.match(title, text, normalized=True)
    normalized_s = time.perf_counter() - started
    chars = sum(len(title) + len(text) for title, text in items)
    return {
        "province": profile.id, "items": len(items), "mean_chars": round(chars / max(len(items), 1)),
        "relevant": relevant, "compile_ms": round(compile_s * 1000, 1),
        "items_per_s": round(len(items) / raw_s), "items_per_s_prenormalised": round(len(items) / normalized_s),
    }
