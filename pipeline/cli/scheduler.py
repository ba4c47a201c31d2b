"""The main job (`diemtin run`): every tick, crawl the sources that are due, process what arrived, make the
digests that are due; the dashboard runs beside it as its own process.

Each crawl runs in a subprocess (crawlers.scheduling), and each step of a tick is isolated, so one failing
source, page or digest is logged and retried on a later tick instead of stopping the office's monitoring.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pipeline.core.home import Home
from pipeline.core.timeutil import now_utc

log = logging.getLogger(__name__)


def _crawl(home: Home, now: datetime) -> Any:
    from crawlers.scheduling import poll_due_sources

    return poll_due_sources(home, now)


def _process(home: Home, now: datetime) -> Any:
    from pipeline.core.process import process_queue

    with home.open_store() as store:
        if not store.raw_counts()["pending"]:  # loading the classifiers' models costs seconds: only when needed
            return {"claimed": 0}
        return process_queue(home, store)


def _digests(home: Home, now: datetime) -> Any:
    from pipeline.reports.digests import run_due_digests

    with home.open_store() as store:
        return run_due_digests(home, store, now)


def _cases(home: Home, now: datetime) -> Any:
    from pipeline.office.cases import escalate_overdue

    with home.open_store() as store:
        return escalate_overdue(store, now)


STEPS: tuple[tuple[str, Callable[[Home, datetime], Any]], ...] = (
    ("crawl", _crawl), ("process", _process), ("digests", _digests), ("cases", _cases),
)


def tick(home: Home, now: datetime | None = None,
         steps: tuple[tuple[str, Callable[[Home, datetime], Any]], ...] = STEPS) -> dict[str, Any]:
    now = now or now_utc()
    report: dict[str, Any] = {"at": now.isoformat()}
    for name, step in steps:
        try:
            report[name] = step(home, now)
        except Exception as exc:  # a failing step must not stop the others or the loop
            log.exception("scheduler step failed %s", {"step": name})
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return report


def run_main_job(home: Home, dashboard: bool = True, once: bool = False, host: str | None = None,
                 port: int | None = None) -> int:
    from pipeline.core.console import print_json

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    web: subprocess.Popen[bytes] | None = None
    if dashboard:
        from dashboard.commands import start_dashboard

        web = start_dashboard(home, host or home.settings.get("dashboard.host"),
                              port or home.settings.get_int("dashboard.port"))
        log.info("dashboard started %s", {"pid": web.pid, "port": port or home.settings.get("dashboard.port")})
    interval = home.settings.get_float("scheduler.tick_seconds")
    try:
        while not stop.is_set():
            print_json(tick(home))
            if once:
                break
            stop.wait(interval)
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.kill()
    return 0
