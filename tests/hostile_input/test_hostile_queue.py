"""The batch runner against records that break it: a bad record fails alone (at once when no retry can mend it,
after `pipeline.max_attempts` tries otherwise) and never holds back the others; `diemtin queue failed|retry|drop`
lets an operator act (issue 11, point 1)."""

from __future__ import annotations

import getpass
import time
from pathlib import Path

import pytest

from pipeline.core.home import Home
from pipeline.core.process import Pipeline
from tests.conftest import json_lines, run_cli
from tests.hostile_input.conftest import good

# Records that reach the queue without `diemtin ingest` (an older version, a crawler bug, a hand-made queue).
QUEUED_BAD = [
    good(1, canonical_url=123),
    good(2, fetched_at="not-a-date"),
    good(3, text=["a", "b"]),
    good(4, published_at={"day": 1}),
    good(5, meta="not an object"),
    {"url": 42, "title": "Thái Nguyên"},
]


def _configure(home: Home, **pipeline: object) -> None:
    lines = "".join(f"  {key}: {value}\n" for key, value in pipeline.items())
    home.config_path.write_text(home.config_path.read_text(encoding="utf-8") + f"pipeline:\n{lines}", encoding="utf-8")


def test_records_that_cannot_be_items_fail_at_once_and_the_rest_are_stored(home: Home):
    with home.open_store() as store:
        store.enqueue_raw(QUEUED_BAD + [good(100 + n) for n in range(60)])
    summary = json_lines(run_cli("process", "--json", home=home).stdout)[-1]
    assert summary["stored"] == 60
    assert summary["queue"] == {"pending": 0, "done": 60, "failed": len(QUEUED_BAD)}
    failed = json_lines(run_cli("queue", "failed", "--json", home=home).stdout)
    assert len(failed) == len(QUEUED_BAD)
    reasons = " | ".join(f["error"] for f in failed)
    assert "canonical_url" in reasons and "fetched_at" in reasons and "'text'" in reasons
    # Nothing downstream meets them: listing, searching and reindexing work.
    everything = ("--include-duplicates", "--limit", "100")  # the 60 are near-copies of one another
    assert len(json_lines(run_cli("items", "--json", *everything, home=home).stdout)) == 60
    assert "60 kết quả" in run_cli("search", "Phổ Yên", *everything, home=home).stdout
    assert json_lines(run_cli("reindex", home=home).stdout)[-1] == {"reindexed": 60}
    assert "60 kết quả" in run_cli("search", "Phổ Yên", *everything, home=home).stdout


def _exploding_stage(marker: str):
    def stage(items, store):
        for item in items:
            if marker in item["title"]:
                raise AttributeError(f"'int' object has no attribute 'strip' ({marker})")
            item["checked"] = True
    stage.name = "exploding"
    return stage


def test_a_record_a_stage_fails_on_is_retried_then_failed_and_never_blocks_the_rest(home: Home):
    rows = [good(n) for n in range(40)]
    rows[5] = good(5, title="BOOM ở Phổ Yên, Thái Nguyên")
    with home.open_store() as store:
        store.enqueue_raw(rows)
        pipeline = Pipeline(home, store, stages=[_exploding_stage("BOOM")])
        pipeline.batch_size = 10
        summary = pipeline.run()
        assert store.raw_counts() == {"pending": 0, "done": 39, "failed": 1}
        assert store.count_items() == 39
        assert all(item.get("checked") for item in store.iter_items())
        [failed] = store.list_raw("failed")
        assert failed["attempts"] == home.settings.get_int("pipeline.max_attempts")
        assert "AttributeError" in failed["error"] and failed["url"] == rows[5]["url"]
    assert summary.failed == 1


def test_a_stage_that_runs_forever_on_one_record_is_cut_by_its_time_budget(home: Home):
    _configure(home, stage_seconds=3, item_stage_seconds=1, max_attempts=1)
    home = Home(home.path)

    def endless(items, store):
        for item in items:
            if "SLOW" in item["title"]:
                while True:  # a pathological input: a stage that never returns on it
                    pass

    rows = [good(n) for n in range(12)]
    rows[3] = good(3, title="SLOW tin về Thái Nguyên")
    started = time.monotonic()
    with home.open_store() as store:
        store.enqueue_raw(rows)
        Pipeline(home, store, stages=[endless]).run()
        assert store.raw_counts() == {"pending": 0, "done": 11, "failed": 1}
        [failed] = store.list_raw("failed")
        assert "giây CPU" in failed["error"] and "endless" in failed["error"]
    assert time.monotonic() - started < 120


def test_a_fault_of_the_machine_blames_no_record(home: Home):
    def disk_full(items, store):
        raise OSError(28, "No space left on device")

    with home.open_store() as store:
        store.enqueue_raw([good(n) for n in range(5)])
        with pytest.raises(OSError):
            Pipeline(home, store, stages=[disk_full]).run()
        assert store.raw_counts() == {"pending": 5, "done": 0, "failed": 0}
        assert {r.attempts for r in store.claim_raw(10)} == {0}


def test_operator_retries_and_drops_failed_records_from_the_command_line_and_it_is_audited(home: Home):
    with home.open_store() as store:
        store.enqueue_raw([good(1, title="BOOM 1 Thái Nguyên"), good(2, title="BOOM 2 Thái Nguyên"), good(3)])
        Pipeline(home, store, stages=[_exploding_stage("BOOM")]).run()
        assert store.raw_counts()["failed"] == 2
        first, second = store.list_raw("failed")
    # The stage is mended (no stage raises any more): one record is retried, the other dropped.
    assert json_lines(run_cli("queue", "retry", first["raw_id"], "--json", home=home).stdout)[-1]["retry"] == 1
    assert json_lines(run_cli("queue", "drop", second["raw_id"], "--json", home=home).stdout)[-1]["drop"] == 1
    with home.open_store() as store:
        assert store.raw_counts() == {"pending": 1, "done": 1, "failed": 0, "dropped": 1}
        Pipeline(home, store, stages=[]).run()
        assert store.raw_counts() == {"pending": 0, "done": 2, "failed": 0, "dropped": 1}
        assert [r["raw_id"] for r in store.list_raw("dropped")] == [second["raw_id"]]  # kept, never deleted
        actions = [(e["actor"], e["action"]) for e in store.list_audit("raw_queue")]
    me = f"cli:{getpass.getuser()}"
    assert actions == [(me, "queue.retry"), (me, "queue.drop")]
    bad = run_cli("queue", "retry", home=home, check=False)
    assert bad.returncode == 2 and "--all" in bad.stderr


def test_reindex_of_a_store_holding_bad_dates_indexes_every_item(home: Home, tmp_path: Path):
    """An item written before validation existed (a date that is not a date, a non-number urgency) must not make
    reindex stop half-way, nor listing and searching fail."""
    items = []
    for n in range(5000):
        item = {"id": f"{n:032x}", "url": f"https://x.vn/{n}", "url_key": f"{n:032x}", "title": f"Tin {n} Thái Nguyên",
                "text": "Phổ Yên", "relevant": True, "published_at": "2026-11-20T01:00:00Z",
                "fetched_at": "2026-11-20T01:00:00Z", "status": "new"}
        if n % 1000 == 7:
            item.update(fetched_at="not-a-date", published_at="hôm qua", urgency="rất cao")
        items.append(item)
    with home.open_store() as store:
        for start in range(0, len(items), 1000):
            store.upsert_items(items[start:start + 1000])
    assert json_lines(run_cli("reindex", home=home).stdout)[-1] == {"reindexed": 5000}
    assert "5000 kết quả" in run_cli("search", "Thái Nguyên", "--limit", "1", "--include-duplicates",
                                     home=home).stdout
    assert len(json_lines(run_cli("items", "--json", "--limit", "20", home=home).stdout)) == 20
