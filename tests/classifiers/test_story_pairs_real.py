"""The real-article story set (classifiers/data/corpora/story_pairs_real) is what its README says: every event a
real VNTC article with at least one retelling in other words, and pairs that match the items."""

from __future__ import annotations

import json
import re
from collections import defaultdict

from classifiers import DATA_DIR

FOLDER = DATA_DIR / "corpora" / "story_pairs_real"


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FOLDER / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def test_every_event_is_a_real_article_with_retellings_in_other_words():
    items = {row["id"]: row for row in _rows("items.jsonl")}
    stories = defaultdict(list)
    for row in items.values():
        stories[row["story_id"]].append(row)
    assert len(stories) >= 50 and sum(r["kind"] == "rewrite" for r in items.values()) >= 60
    for story, rows in stories.items():
        original = [r for r in rows if r["kind"] == "original"]
        assert len(original) == 1 and original[0]["source"].startswith("VNTC test split #"), story
        for rewrite in (r for r in rows if r["kind"] == "rewrite"):
            assert rewrite["title"] != original[0]["title"] and rewrite["outlet"]
            a = _shingles(original[0]["title"] + " " + original[0]["text"])
            b = _shingles(rewrite["title"] + " " + rewrite["text"])
            assert len(a & b) / len(a | b) < 0.3, rewrite["id"]  # told again, not copied


def test_pairs_name_items_and_hard_negatives_are_other_events_of_one_kind_within_three_days():
    items = {row["id"]: row for row in _rows("items.jsonl")}
    pairs = _rows("pairs.jsonl")
    assert sum(p["same_story"] for p in pairs) >= 60
    for pair in pairs:
        a, b = items[pair["a"]], items[pair["b"]]
        assert pair["same_story"] == (a["story_id"] == b["story_id"])
        if not pair["same_story"]:
            assert a["group"] == b["group"] and pair["hours_apart"] <= 72
