"""The digest's "tích cực" section takes only stories the tone classifier is confident are positive."""

from __future__ import annotations

from datetime import date

from pipeline.core.store.base import ItemQuery
from pipeline.documents.document import EntryList
from pipeline.reports.build import build_digest
from pipeline.reports.periods import Period
from tests.reports.conftest import ISSUED_ON
from tests.reports.seed import DAY, FESTIVAL_TITLE


def _entries(document, heading_start: str) -> list:
    blocks = document.blocks
    start = next(i for i, b in enumerate(blocks) if getattr(b, "text", "").startswith(heading_start))
    return next(b for b in blocks[start + 1:] if isinstance(b, EntryList)).entries


def test_a_doubtful_positive_stays_out_of_the_positive_section(seeded):
    home, _ = seeded
    with home.open_store() as store:
        items = store.search(ItemQuery(limit=500)).items
        festival = next(i for i in items if i.get("title") == FESTIVAL_TITLE)
        period = Period.containing("day", date.fromisoformat(DAY))
        document, _ = build_digest(home, store, period, ISSUED_ON, "1")
        assert any(e.title == FESTIVAL_TITLE for e in _entries(document, "II."))
        for item in items:
            if item.get("cluster_id") == festival.get("cluster_id") or item["id"] == festival["id"]:
                store.update_item(item["id"], {"tone": {**item["tone"], "score": 0.45}}, actor="t", action="test")
        store.refresh()
        document, _ = build_digest(home, store, period, ISSUED_ON, "2")
        assert not any(e.title == FESTIVAL_TITLE for e in _entries(document, "II."))


def test_a_positive_story_in_another_language_needs_its_own_higher_bar(seeded):
    """Foreign press: the tone head that reads it alone is right less often, so "tích cực" takes it only from
    ``digest.positive_min_score_other_languages`` (0.9) where Vietnamese needs ``positive_min_score`` (0.7)."""
    home, _ = seeded
    period = Period.containing("day", date.fromisoformat(DAY))
    with home.open_store() as store:
        items = store.search(ItemQuery(limit=500)).items
        festival = next(i for i in items if i.get("title") == FESTIVAL_TITLE)
        story = [i for i in items if i.get("cluster_id") == festival.get("cluster_id") or i["id"] == festival["id"]]
        for version, (lang, score, listed) in enumerate(
                (("vi", 0.8, True), ("en", 0.8, False), ("en", 0.95, True)), start=3):
            for item in story:
                store.update_item(item["id"], {"tone": {**item["tone"], "score": score}, "lang": lang},
                                  actor="t", action="test")
            store.refresh()
            document, _ = build_digest(home, store, period, ISSUED_ON, str(version))
            assert any(e.title == FESTIVAL_TITLE for e in _entries(document, "II.")) is listed, (lang, score)
