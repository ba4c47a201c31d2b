"""The dashboard reads while the pipeline writes: neither may see an error."""

from __future__ import annotations

import subprocess
import sys

from pipeline.bench.core import enriched_items
from pipeline.core.home import Home
from pipeline.core.store import ItemQuery
from tests.conftest import REPO

BATCHES = 15
BATCH = 200


def write_batches(home_path: str, batches: int) -> None:
    """The pipeline's side, run in its own process: batches of items, and a decision now and then."""
    home = Home(home_path)
    with home.open_store() as store:
        for n in range(batches):
            store.upsert_items(enriched_items(home, BATCH, seed=100 + n))
            first = store.search(ItemQuery(limit=1)).items
            if first:
                store.update_item(first[0]["id"], {"status": "reviewing"}, actor="worker", action="status")


def test_reading_while_the_pipeline_writes_raises_no_error(home: Home):
    code = f"from tests.core.store.test_store_concurrency import write_batches; write_batches({str(home.path)!r}, {BATCHES})"
    writer = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stderr=subprocess.PIPE, text=True)
    seen_totals = []
    with home.open_store() as store:
        while writer.poll() is None:
            seen_totals.append(store.search(ItemQuery(text="sạt lở", limit=20)).total)
            store.count_by("topics", ItemQuery(relevant=True))
            store.histogram(ItemQuery())
            items = store.search(ItemQuery(sort="urgency", limit=5)).items
            if items:
                store.update_item(items[-1]["id"], {"assignee": "lan"}, actor="lan", action="assign")
        stderr = writer.stderr.read()
        assert writer.returncode == 0, stderr
        store.refresh()
        assert store.count_items() == BATCHES * BATCH
        assert store.search(ItemQuery(limit=0, include_duplicates=True)).total == BATCHES * BATCH
    assert len(seen_totals) > 1
    assert seen_totals == sorted(seen_totals)  # search only ever moves forward
