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
