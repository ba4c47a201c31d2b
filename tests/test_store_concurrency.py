"""The dashboard reads while the pipeline writes: neither may see an error."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from pipeline.bench import enriched_items
from pipeline.home import Home
from pipeline.store import ItemQuery


def _writer(home_path: str, batches: int, errors) -> None:
    home = Home(home_path)
    try:
        with home.open_store() as store:
            for n in range(batches):
                store.upsert_items(enriched_items(home, 200, seed=100 + n))
                first = store.search(ItemQuery(limit=1)).items
                if first:  # an analyst decision from the "other side" at the same time
                    store.update_item(first[0]["id"], {"status": "reviewing"}, actor="worker", action="status")
    except Exception as exc:  # reported to the parent
        errors.put(f"writer: {type(exc).__name__}: {exc}")


def test_reading_while_the_pipeline_writes_raises_no_error(home: Home, tmp_path: Path):
    ctx = mp.get_context("spawn")
    errors = ctx.Queue()
    writer = ctx.Process(target=_writer, args=(str(home.path), 15, errors))
    writer.start()
    seen_totals = []
    with home.open_store() as store:
        while writer.is_alive():
            seen_totals.append(store.search(ItemQuery(text="sạt lở", limit=20)).total)
            store.count_by("topics", ItemQuery(relevant=True))
            store.histogram(ItemQuery())
            items = store.search(ItemQuery(sort="urgency", limit=5)).items
            if items:
                store.update_item(items[-1]["id"], {"assignee": "lan"}, actor="lan", action="assign")
        writer.join(60)
        assert writer.exitcode == 0
        assert errors.empty(), errors.get()
        store.refresh()
        assert store.count_items() == 15 * 200
        assert store.search(ItemQuery(limit=0, include_duplicates=True)).total == 15 * 200
    assert seen_totals == sorted(seen_totals)  # search only ever moves forward
