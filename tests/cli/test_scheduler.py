"""The main job's tick: crawl what is due, process the queue, make due digests, escalate overdue cases."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.bench.synthetic import synthetic_items
from pipeline.cli.scheduler import STEPS, tick
from pipeline.core.home import Home
from tests.conftest import json_lines, run_cli


def _offline(home: Home) -> None:
    """No test reaches the internet: switch off every configured source."""
    with home.open_store() as store:
        for source in store.list_records("sources"):
            store.put_record("sources", source["id"], dict(source, enabled=False))


def test_a_tick_processes_what_arrived_and_runs_every_step(home: Home):
    _offline(home)
    with home.open_store() as store:
        store.enqueue_raw(list(synthetic_items(home.profile, 30, seed=2)))
    report = tick(home, datetime(2025, 7, 12, 3, 0, tzinfo=UTC))
    assert [name for name, _ in STEPS] == ["crawl", "process", "reembed", "alerts", "digests", "cases"]
    assert all("error" not in (report[name] if isinstance(report[name], dict) else {}) for name, _ in STEPS), report
    assert report["process"]["stored"] == 30
    assert report["reembed"] == {"embedded": 0}  # a new home's items were embedded as they were processed
    assert tick(home)["process"] == {"claimed": 0}


def test_a_failing_step_does_not_stop_the_others(home: Home):
    _offline(home)
    with home.open_store() as store:
        store.enqueue_raw(list(synthetic_items(home.profile, 5, seed=4)))

    def broken(home: Home, now: datetime) -> None:
        raise OSError("disk full")

    steps = (("crawl", broken),) + tuple(step for step in STEPS if step[0] == "process")
    report = tick(home, steps=steps)
    assert report["crawl"] == {"error": "OSError: disk full"}
    assert report["process"]["stored"] == 5


def test_run_once_without_dashboard_prints_the_tick_report(home: Home):
    _offline(home)
    report = json_lines(run_cli("run", "--once", "--no-dashboard", "--json", home=home).stdout)[-1]
    assert set(report) >= {"at", "crawl", "process", "alerts", "digests", "cases"}
