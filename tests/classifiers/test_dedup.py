"""Near-duplicates: copies with 3% and 10% of words changed are found, unrelated texts are not, across runs."""

from __future__ import annotations

import random

import pytest

from classifiers.runtime.dedup import NearDuplicates
from pipeline.bench.classify import WORDS
from pipeline.core.settings import Settings


@pytest.fixture(scope="module")
def articles() -> list[dict]:
    """40 distinct article-length texts (varied words, a shared opening as press releases have)."""
    rng = random.Random(3)
    out = []
    for n in range(40):
        sentences = ["Theo Ủy ban nhân dân tỉnh Thái Nguyên, công tác triển khai đã đạt kết quả bước đầu."]
        for _ in range(rng.randint(8, 12)):
            sentences.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 20))).capitalize() + ".")
        out.append({"id": f"a{n}", "title": f"Tin số {n}", "text": " ".join(sentences), "relevant": True,
                    "published_at": f"2026-01-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"})
    return out

_NEAR = NearDuplicates.from_settings(Settings())
DEFAULT = {"threshold": _NEAR.threshold, "num_perm": _NEAR.num_perm, "min_words": _NEAR.min_words, "days": _NEAR.days}


def _edited(item: dict, share: float, rng: random.Random, number: int) -> dict:
    tokens = item["text"].split(" ")
    for index in rng.sample(range(len(tokens)), k=max(1, int(len(tokens) * share))):
        tokens[index] = rng.choice(["ngày", "hôm", "nay", "tỉnh", "xã", "mới", "đã", "được"])
    return {**item, "id": f"copy{number}", "text": " ".join(tokens),
            "published_at": item["published_at"].replace("2026-", "2027-")}


@pytest.mark.parametrize("share", [0.03, 0.10])
def test_copies_with_edited_words_point_to_the_original(store, articles, share):
    near = NearDuplicates(**DEFAULT)
    near(articles, store)
    assert not any(a.get("duplicate_of") for a in articles), "distinct articles are not copies of each other"
    rng = random.Random(1)
    copies = [_edited(a, share, rng, n) for n, a in enumerate(articles)]
    near(copies, store)
    found = sum(1 for copy, original in zip(copies, articles, strict=True) if copy.get("duplicate_of") == original["id"])
    assert found >= len(articles) - 1


def test_unrelated_articles_are_not_duplicates(store, articles):
    near = NearDuplicates(**DEFAULT)
    near(articles[:20], store)
    later = [dict(a) for a in articles[20:]]
    near(later, store)
    assert not any(a.get("duplicate_of") for a in later)


def test_copies_are_found_against_items_of_an_earlier_run(store, articles):
    NearDuplicates(**DEFAULT)(articles[:5], store)
    restarted = NearDuplicates(**DEFAULT)  # a new process: the index is rebuilt from the store
    copy = _edited(articles[2], 0.03, random.Random(2), 99)
    restarted([copy], store)
    assert copy["duplicate_of"] == articles[2]["id"]


def test_a_copy_of_a_copy_points_to_the_earliest_item(store, articles):
    near = NearDuplicates(**DEFAULT)
    near([articles[0]], store)
    first = _edited(articles[0], 0.03, random.Random(3), 1)
    near([first], store)
    second = {**_edited(first, 0.03, random.Random(4), 2), "published_at": "2028-01-01T00:00:00Z"}
    near([second], store)
    assert first["duplicate_of"] == articles[0]["id"] and second["duplicate_of"] == articles[0]["id"]


def test_earlier_days_signature_records_are_merged_and_still_found(store, articles):
    NearDuplicates(**DEFAULT)(articles[:3], store)
    NearDuplicates(**DEFAULT)(articles[3:6], store)
    records = store.list_records("state", where={"kind": "minhash_batch"})
    for record in records:  # make them yesterday's
        store.delete_record("state", record["id"])
        store.put_record("state", record["id"], {**record, "created_at": "2000-01-01T00:00:00Z"})
    restarted = NearDuplicates(**{**DEFAULT, "days": 100000})
    assert len(store.list_records("state", where={"kind": "minhash_batch"})) == 2, "building it writes nothing"
    copy = _edited(articles[4], 0.03, random.Random(5), 7)
    restarted([copy], store)
    merged = [r for r in store.list_records("state", where={"kind": "minhash_batch"}) if r["created_at"] < "2001"]
    assert len(merged) == 1, "the first batch merged yesterday's records into one"
    assert copy["duplicate_of"] == articles[4]["id"]
