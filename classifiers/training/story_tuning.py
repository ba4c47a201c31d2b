"""Choose the story clusterer's threshold (``classifiers.cluster_threshold``) and ``cluster_min_link`` on the
provincial TRAINING split only, replayed as a realistic stream (run by a developer, never at run time):

    python -m classifiers.training.story_tuning [--json OUT]

Why: the pair model is fitted on training pairs of one province within 3 days, where one pair in five is one
story, because the training items are spread over a year (0.4 a day a province). A province's real stream is far
denser: many events a week, several of one kind, and news from elsewhere; there one pair in fifty or fewer is
one story, and at a threshold chosen for the sparse split wrong merges equal right ones.

How, without touching held-out rows:

- **Out-of-fold probabilities.** The training stories are split in two halves (by story, so no story is on both
  sides); a pair model fitted (as ``ship stories`` fits it) on one half scores the other half's pairs, so the
  threshold is not chosen on pairs the model saw.
- **A denser stream.** Each half is replayed as a stream with its stories' times compressed (a story keeps the
  hours between its items; stories move closer together) and, in some scenarios, real VNTC news of the 80%
  training split (MIT) mixed in as items of the province at a few a day: other events of the same kinds
  (accidents, epidemics, arrests...) told in real newsroom Vietnamese.
- **The clusterer's own decision.** Each item is compared with its ``cluster_candidates`` nearest earlier items
  within ``cluster_days`` and decided by :func:`classifiers.runtime.clusters.choose_story`, the function the
  pipeline runs.
- **Chosen by** the mean pairwise F1 over the scenarios (every two items of one province within 3 days is a
  labelled pair; a VNTC item is its own story), BCubed F1 reported beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.runtime.clusters import ClusterSettings, Sketch, choose_story, close_in_time
from classifiers.training.province_benchmark import _bcubed
from classifiers.training.ship import DEFAULT_VNTC, fit_pair_model, story_items, story_pairs

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97)
MIN_LINKS = (0.1, 0.2, 0.35, 0.5)
# (name, compression of the stories' times, VNTC items a day a province). The training split has 0.4 items a day
# a province over ~325 days; each half 0.2.
SCENARIOS = (("x10", 10, 0.0), ("x10+vntc2", 10, 2.0), ("x20+vntc4", 20, 4.0), ("x5+vntc1", 5, 1.0))
SEED = 0


@dataclasses.dataclass
class Row:
    sketch: Sketch
    province: str
    story: str


def _half(story_id: str) -> int:
    return zlib.crc32(story_id.encode()) % 2


def _distractors(count_per_province: dict[str, int], embedder: Any, max_chars: int, vntc: Path) -> list[Row]:
    """Real VNTC news (80% training split) as items of each province, their places found by its relevance."""
    from classifiers.runtime.clusters import sketches
    from classifiers.training.topic_data import vntc_split
    from pipeline.core.profiles import load_profile
    from pipeline.core.relevance import RelevanceMatcher
    from pipeline.core.text import normalize

    train, _ = vntc_split(vntc)
    rng = random.Random(SEED)
    pool = rng.sample(train, min(len(train), sum(count_per_province.values())))
    out: list[Row] = []
    start = 0
    for province, count in sorted(count_per_province.items()):
        matcher = RelevanceMatcher(load_profile(province))
        items = []
        for n, row in enumerate(pool[start:start + count]):
            item = {"id": f"vntc-{province}-{n}", "title": normalize(row["title"], keep_newlines=False),
                    "text": normalize(row["text"]), "lead": "", "source": "vntc", "published_at": None}
            item["places"] = matcher.match(item["title"], item["text"], normalized=True).places
            items.append(item)
        start += count
        out.extend(Row(s, province, s.item_id) for s in sketches(items, embedder, max_chars))
    return out


def _compress(rows: list[Row], factor: float) -> list[Row]:
    """Stories moved ``factor`` times closer together; a story keeps the hours between its items."""
    first: dict[str, float] = {}
    for row in rows:
        first[row.story] = min(first.get(row.story, row.sketch.hours or 0.0), row.sketch.hours or 0.0)
    origin = min(first.values())
    out = []
    for row in rows:
        anchor = first[row.story]
        hours = origin + (anchor - origin) / factor + ((row.sketch.hours or 0.0) - anchor)
        out.append(Row(dataclasses.replace(row.sketch, hours=hours, cluster_id=row.sketch.item_id),
                       row.province, row.story))
    return out


def _spread(rows: list[Row], begin: float, end: float, rng: random.Random) -> list[Row]:
    return [Row(dataclasses.replace(r.sketch, hours=rng.uniform(begin, end), cluster_id=r.sketch.item_id),
                r.province, r.story) for r in rows]


def replay(rows: list[Row], settings: ClusterSettings, model: tuple[np.ndarray, float]) -> dict[str, str]:
    """The stream, one item at a time in time order per province, decided as the clusterer decides."""
    cluster_of: dict[str, str] = {}
    by_province: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_province[row.province].append(row)
    for group in by_province.values():
        group.sort(key=lambda r: (r.sketch.hours, r.sketch.item_id))
        seen: list[Sketch] = []
        members: dict[str, list[Sketch]] = defaultdict(list)
        for row in group:
            sketch = dataclasses.replace(row.sketch, cluster_id=row.sketch.item_id)
            window = [s for s in seen if close_in_time(sketch, s, settings.days)]
            if window:
                sims = np.array([float(sketch.vector @ s.vector) for s in window])
                nearest = [window[i] for i in np.argsort(-sims, kind="stable")[:settings.candidates]]
                best = choose_story(sketch, nearest, members.__getitem__, settings, model)
                if best is not None:
                    sketch.cluster_id = best[1].cluster_id
            members[sketch.cluster_id].append(sketch)
            seen.append(sketch)
            cluster_of[sketch.item_id] = sketch.cluster_id
    return cluster_of


def _counts(rows: list[Row], cluster_of: dict[str, str], days: float) -> tuple[int, int, int, int]:
    tp = fp = fn = total = 0
    by_province: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_province[row.province].append(row)
    for group in by_province.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if not close_in_time(a.sketch, b.sketch, days):
                    continue
                total += 1
                same, together = a.story == b.story, cluster_of[a.sketch.item_id] == cluster_of[b.sketch.item_id]
                tp += same and together
                fp += (not same) and together
                fn += same and not together
    return tp, fp, fn, total


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def tune(vntc: Path = DEFAULT_VNTC) -> dict[str, Any]:
    from classifiers.runtime.clusters import sketches
    from classifiers.runtime.embed import get_embedder
    from pipeline.core.settings import Settings

    settings = Settings()
    base = ClusterSettings.from_settings(settings)
    embedder = get_embedder(settings.get_str("classifiers.fast_embedder"))
    items = story_items("train")
    marks = sketches(items, embedder, base.max_chars)
    halves: list[list[tuple[dict[str, Any], Sketch]]] = [[], []]
    for item, mark in zip(items, marks, strict=True):
        halves[_half(item["story_id"])].append((item, mark))
    models = []
    for k in (0, 1):
        fit_items = [i for i, _ in halves[1 - k]]
        x, y = story_pairs(fit_items, [m for _, m in halves[1 - k]])
        weights, bias = fit_pair_model(x, y)
        models.append((np.asarray(weights, dtype=np.float64), bias))
    most = max(rate / factor for _, factor, rate in SCENARIOS)
    span_days = {}
    for k in (0, 1):
        for item, mark in halves[k]:
            lo, hi = span_days.get(item["province"], (mark.hours, mark.hours))
            span_days[item["province"]] = (min(lo, mark.hours), max(hi, mark.hours))
    # Enough VNTC items for the scenario that needs most (items a day x compressed span).
    need = {p: int(most * (hi - lo) / 24) + 1 for p, (lo, hi) in span_days.items()}
    pool = _distractors(need, embedder, base.max_chars, vntc)
    scenarios = []
    for name, factor, rate in SCENARIOS:
        streams = []
        for k in (0, 1):
            rows = _compress([Row(m, i["province"], i["story_id"]) for i, m in halves[k]], factor)
            rng = random.Random(f"{SEED}-{name}-{k}")
            extra: list[Row] = []
            for province in sorted(span_days):
                hours = [r.sketch.hours for r in rows if r.province == province]
                begin, end = min(hours), max(hours)
                count = int(rate * (end - begin) / 24)
                mine = [r for r in pool if r.province == province]
                extra.extend(_spread(rng.sample(mine, min(count, len(mine))), begin, end, rng))
            streams.append((rows + extra, models[k]))
        scenarios.append((name, factor, rate, streams))
    grid = []
    for threshold in THRESHOLDS:
        for min_link in MIN_LINKS:
            chosen = dataclasses.replace(base, threshold=threshold, min_link=min_link)
            per = {}
            for name, _, _, streams in scenarios:
                tp = fp = fn = total = 0
                bp = br = n = 0.0
                for rows, model in streams:
                    cluster_of = replay(rows, chosen, model)
                    a, b, c, d = _counts(rows, cluster_of, chosen.days)
                    tp, fp, fn, total = tp + a, fp + b, fn + c, total + d
                    p, r = _bcubed({row.sketch.item_id: row.story for row in rows}, cluster_of)
                    bp, br, n = bp + p * len(rows), br + r * len(rows), n + len(rows)
                precision = tp / (tp + fp) if tp + fp else 1.0
                recall = tp / (tp + fn) if tp + fn else 1.0
                per[name] = {"pairwise": [round(precision, 4), round(recall, 4), round(_f1(precision, recall), 4)],
                             "tp": tp, "fp": fp, "fn": fn, "pairs": total, "same_story_share": round((tp + fn) / total, 4),
                             "bcubed": [round(bp / n, 4), round(br / n, 4), round(_f1(bp / n, br / n), 4)]}
            grid.append({"threshold": threshold, "min_link": min_link, "scenarios": per,
                         "mean_pairwise_f1": round(float(np.mean([v["pairwise"][2] for v in per.values()])), 4),
                         "mean_bcubed_f1": round(float(np.mean([v["bcubed"][2] for v in per.values()])), 4)})
    best = max(grid, key=lambda g: (g["mean_pairwise_f1"], g["mean_bcubed_f1"], g["min_link"]))
    return {"chosen": {"threshold": best["threshold"], "min_link": best["min_link"]}, "best": best,
            "scenarios": [{"name": n, "compression": f, "vntc_per_day": r} for n, f, r, _ in scenarios],
            "grid": grid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vntc", type=Path, default=DEFAULT_VNTC)
    parser.add_argument("--json", type=Path, help="write the whole grid here")
    args = parser.parse_args()
    result = tune(args.vntc)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for row in result["grid"]:
        print(row["threshold"], row["min_link"], row["mean_pairwise_f1"], row["mean_bcubed_f1"],
              " ".join(f"{k}:{v['pairwise']}/{v['same_story_share']}" for k, v in row["scenarios"].items()))
    print("chosen", json.dumps(result["chosen"]))


if __name__ == "__main__":
    main()
