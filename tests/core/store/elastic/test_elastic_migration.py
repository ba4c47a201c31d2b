"""`diemtin store migrate`: an embedded home copied into Elasticsearch (and back) gives the analyst the
same queue, the same records, audit trail, captures and vectors; an interrupted copy resumes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from es_server import fresh_prefix

from pipeline.bench.core import enriched_items
from pipeline.core.home import Home
from pipeline.core.settings import Settings
from pipeline.core.store import ItemQuery, Store, StoreError, open_store
from pipeline.core.store.elastic import ElasticStore, make_client
from pipeline.core.store.elastic_setup import drop_indices
from pipeline.core.store.migrate import copy_store, verify

DASHBOARD_QUEUE = ItemQuery(relevant=True, sort="urgency", limit=200)


def _fill(home: Home) -> list[dict]:
    items = enriched_items(home, 120, seed=3)
    with home.open_store() as store:
        store.upsert_items(items)
        store.put_record("cases", "c1", {"title": "Vụ việc", "item_ids": [items[0]["id"]], "status": "open"})
        store.put_record("users", "lan", {"role": "analyst"})
        store.update_item(items[1]["id"], {"status": "verified"}, actor="lan", action="status", reason="đã xác minh")
        store.audit("lan", "create", "case", "c1", after={"status": "open"})
        store.put_capture(items[0]["id"], "<html>Bắc Kạn</html>".encode(), "sha", "2025-07-10T04:00:00Z",
                          items[0]["url"])
        store.put_vectors("items", [i["id"] for i in items[:50]],
                          np.random.default_rng(1).normal(size=(50, 16)).astype(np.float32))
        store.enqueue_raw([{"url": "https://a.vn/pending", "text": "chưa xử lý"}])
    return items


@pytest.fixture
def prefix(es_url: str):
    name = fresh_prefix()
    yield name
    client = make_client(es_url, Settings())
    drop_indices(client, name)
    client.close()


def _queue(store: Store) -> tuple[int, list[float], list[tuple[str, str]]]:
    """What the analyst sees: how many, in which urgency order, each item with its status (ties in
    urgency may come in either order)."""
    result = store.search(DASHBOARD_QUEUE)
    return (result.total, [i.get("urgency") for i in result.items],
            sorted((i["id"], i["status"]) for i in result.items))


def test_migrated_store_gives_the_same_queue_both_ways(home: Home, es_url: str, prefix: str, tmp_path: Path, cli):
    items = _fill(home)
    env = {"DIEMTIN_STORE__INDEX_PREFIX": prefix}
    out = json.loads(cli("store", "migrate", "--from", str(home.path), "--to-url", es_url, env=env).stdout)
    assert out["ok"] and out["checksum_mismatches"] == 0 and out["copied"]["items"] == len(items)
    assert not list(home.path.glob("migrate-*.json"))  # the checkpoint goes once verified

    settings = Settings({"store": {"index_prefix": prefix}})
    with home.open_store() as embedded, open_store(es_url, home.path, settings) as elastic:
        assert _queue(elastic) == _queue(embedded)
        assert elastic.list_records("cases") == embedded.list_records("cases")
        assert elastic.list_audit() == embedded.list_audit()
        assert elastic.get_capture(items[0]["id"])["html"] == "<html>Bắc Kạn</html>".encode()
        assert elastic.raw_counts()["pending"] == 1
        probe = np.random.default_rng(2).normal(size=16).astype(np.float32)
        assert [i for i, _ in elastic.knn("items", probe, 5)] == [i for i, _ in embedded.knn("items", probe, 5)]

    # And back into a fresh embedded home (the library the command calls; the command starts slowly).
    back = Home.init(tmp_path / "back", "thai-nguyen")  # an empty home: the copy brings every record
    with open_store(es_url, home.path, settings) as elastic, back.open_store() as returned:
        copy_store(elastic, returned, tmp_path / "back.json")
        assert verify(elastic, returned)["ok"]
    with home.open_store() as original, back.open_store() as returned:
        assert _queue(returned) == _queue(original)
        assert returned.list_audit() == original.list_audit()


class _CrashingTarget(ElasticStore):
    """A real Elasticsearch store whose cluster goes away after a few batches (fault injection)."""

    batches_left = 2

    def upsert_items(self, items):
        if _CrashingTarget.batches_left == 0:
            raise StoreError("connection lost")
        _CrashingTarget.batches_left -= 1
        super().upsert_items(items)


def test_an_interrupted_migration_resumes_without_duplicating_anything(home: Home, es_url: str, prefix: str,
                                                                      tmp_path: Path):
    items = _fill(home)
    settings = Settings({"store": {"index_prefix": prefix}})
    checkpoint = tmp_path / "checkpoint.json"
    with home.open_store() as source:
        with _CrashingTarget(es_url, settings) as target, pytest.raises(StoreError):
            copy_store(source, target, checkpoint, batch_size=20)
        state = json.loads(checkpoint.read_text())
        assert state["items_after"] and not state["items_done"]
        with open_store(es_url, home.path, settings) as target:
            copied = copy_store(source, target, checkpoint, batch_size=20)
            assert copied["items"] == sum(1 for i in source.iter_items() if i["id"] > state["items_after"])
            assert copied["items"] < len(items)
            report = verify(source, target)
            assert report["ok"], report
            # Running it again (e.g. by mistake) copies nothing twice.
            copy_store(source, target, checkpoint, batch_size=20)
            assert verify(source, target)["ok"]
