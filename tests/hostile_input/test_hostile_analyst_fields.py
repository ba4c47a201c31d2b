"""Re-processing never reverts an analyst's decision, whenever it lands, and the audit trail agrees with the data
(issue 11, point 3), on both backends."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from pipeline.core.home import Home
from pipeline.core.process import Pipeline
from pipeline.core.store import Store
from tests.conftest import REPO, json_lines, run_cli
from tests.hostile_input.conftest import dumps, good


def _last_status_in_audit(store: Store, item_id: str) -> str | None:
    statuses = [e["after"]["status"] for e in store.list_audit("item", item_id) if "status" in (e.get("after") or {})]
    return statuses[-1] if statuses else None


def test_a_decision_taken_while_the_batch_runs_survives_the_batch_write(home: Home, any_store: Store):
    """Deterministic interleaving: the analyst acts after the pipeline has read the stored items and before it
    writes them (the window in which 45 of 5,000 were reverted)."""
    rows = [good(n) for n in range(30)]
    pipeline = Pipeline(home, any_store, stages=[])
    any_store.enqueue_raw(rows)
    pipeline.run()
    ids = [item["id"] for item in any_store.iter_items()]
    any_store.update_item(ids[0], {"status": "verified", "assignee": "lan"}, actor="lan", action="item.status")

    def analyst_acts_mid_batch(items, store):
        for item in items[:10]:
            store.change_items({item["id"]: {"status": "reviewing"}}, actor="minh", action="item.status")
        store.update_item(items[10]["id"], {"notes": [{"text": "đang xác minh", "by": "minh"}]}, actor="minh",
                          action="item.note")

    any_store.enqueue_raw([dict(row, text=row["text"] + " Cập nhật lúc 10 giờ.") for row in rows])
    Pipeline(home, any_store, stages=[analyst_acts_mid_batch]).run()
    any_store.refresh()
    items = {item["id"]: item for item in any_store.iter_items()}
    assert all(item["text"].endswith("Cập nhật lúc 10 giờ.") for item in items.values())  # the new version...
    changed = [i for i in items.values() if i.get("status") == "reviewing"]
    assert len(changed) == 10  # ...with every decision taken meanwhile
    assert sum(1 for i in items.values() if i.get("notes")) == 1
    for item in items.values():
        audited = _last_status_in_audit(any_store, item["id"])
        assert (item.get("status") or "new") == (audited or "new"), item["id"]
    assert items[ids[0]]["assignee"] == "lan"


def test_a_confirmed_flag_keeps_its_decision_when_the_item_is_processed_again(home: Home, any_store: Store):
    def flagger(items, store):
        for item in items:
            item["flags"] = [{"name": "likely_false", "score": 0.9, "raised": True, "evidence": []}]

    any_store.enqueue_raw([good(1)])
    Pipeline(home, any_store, stages=[flagger]).run()
    [item] = list(any_store.iter_items())
    decided = [dict(item["flags"][0], decision={"label": "confirmed", "actor": "lan", "at": "2026-11-20T01:00:00Z"})]
    any_store.update_item(item["id"], {"flags": decided}, actor="lan", action="item.flag.confirmed")

    def flags_nothing(items, store):
        for each in items:
            each["flags"] = []

    any_store.enqueue_raw([good(1, text=good(1)["text"] + " Sửa lần hai.")])
    Pipeline(home, any_store, stages=[flags_nothing]).run()
    [again] = list(any_store.iter_items())
    assert again["text"].endswith("Sửa lần hai.")
    assert [(f["name"], f["decision"]["label"]) for f in again["flags"]] == [("likely_false", "confirmed")]


def test_reprocessing_in_another_process_while_analysts_work_reverts_nothing(home: Home, tmp_path: Path):
    """The real thing, embedded store: `diemtin process` over changed copies of 1,000 items in one process,
    analysts setting "reviewing" through the store in this one, at the same time."""
    rows = [good(n, text=f"{good(n)['text']} Bài số {n} về xã Phú Bình, Thái Nguyên.") for n in range(1000)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(dumps(r) for r in rows) + "\n", encoding="utf-8")
    run_cli("ingest", str(source), home=home)
    run_cli("process", home=home)
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join(dumps(dict(r, text=r["text"] + " Cập nhật.")) for r in rows) + "\n", encoding="utf-8")
    run_cli("ingest", str(changed), home=home)
    with home.open_store() as store:
        ids = [item["id"] for item in store.iter_items()]
    decided: list[str] = []
    stop = threading.Event()

    def analyst() -> None:
        with home.open_store() as store:
            for item_id in ids:
                if stop.is_set():
                    return
                store.change_items({item_id: {"status": "reviewing"}}, actor="lan", action="item.status")
                decided.append(item_id)
                time.sleep(0.005)

    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "process", "--json"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    worker = threading.Thread(target=analyst)
    worker.start()
    out, _ = proc.communicate(timeout=600)
    stop.set()
    worker.join()
    assert proc.returncode == 0 and json_lines(out)[-1]["stored"] == 1000
    assert decided
    with home.open_store() as store:
        items = {item["id"]: item for item in store.get_items(decided)}
        reverted = [item_id for item_id in decided if items[item_id].get("status") != "reviewing"]
        assert not reverted, f"{len(reverted)} decisions reverted"
        for item_id in decided[:50]:
            assert _last_status_in_audit(store, item_id) == "reviewing"
