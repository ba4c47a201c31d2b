"""The main job (`diemtin run`): every tick, crawl the sources that are due, process what arrived, evaluate the
alert rules and send what is due, make the digests that are due; the dashboard runs beside it as its own process.

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

from pipeline.core.console import number, print_json, say
from pipeline.core.home import Home
from pipeline.core.timeutil import format_vn, now_utc

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


def _alerts(home: Home, now: datetime) -> Any:
    from pipeline.alerts.evaluate import run_alerts

    with home.open_store() as store:
        return run_alerts(home, store, now)


def _reembed(home: Home, now: datetime) -> Any:
    """Stored items missing from the fast embedder's story space (the embedder changed) are embedded a slice
    per tick, in the background of the main job."""
    from classifiers.runtime.embed import fast_embedder_from_settings
    from classifiers.runtime.reembed import needs_reembed, reembed_step

    settings = home.settings
    with home.open_store() as store:
        embedder = fast_embedder_from_settings(settings)
        if not needs_reembed(store, embedder):
            return {"embedded": 0}
        return reembed_step(store, embedder, settings.get_int("classifiers.cluster_max_chars"),
                            settings.get_int("classifiers.reembed_per_tick"))


def _digests(home: Home, now: datetime) -> Any:
    from pipeline.reports.digests import run_due_digests

    with home.open_store() as store:
        return run_due_digests(home, store, now)


def _cases(home: Home, now: datetime) -> Any:
    from pipeline.office.cases import escalate_overdue

    with home.open_store() as store:
        return escalate_overdue(store, now)


STEPS: tuple[tuple[str, Callable[[Home, datetime], Any]], ...] = (
    ("crawl", _crawl), ("process", _process), ("reembed", _reembed), ("alerts", _alerts), ("digests", _digests),
    ("cases", _cases),
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


def tick_line(report: dict[str, Any]) -> str:
    """One tick in one Vietnamese line: sources crawled, items new, items processed, alerts, digests, errors."""
    at = format_vn(report.get("at"))
    crawl = report.get("crawl") or {}
    process = report.get("process") or {}
    digests = report.get("digests") or []
    cases = report.get("cases") or []
    alerts = report.get("alerts") or {}
    failed = [name for name in ("crawl", "process", "alerts", "digests", "cases")
              if isinstance(report.get(name), dict) and report[name].get("error")]
    crawl_errors = sum(len(r.get("errors") or []) for r in (crawl.get("sources") or {}).values() if isinstance(r, dict))
    parts = [f"[{at}]", f"thu thập {number(crawl.get('due', 0))} nguồn đến hạn, {number(crawl.get('items', 0))} tin mới"]
    if process.get("claimed"):
        parts.append(f"xử lý {number(process['claimed'])} tin ({number(process.get('relevant', 0))} liên quan)")
    else:
        parts.append("không có tin chờ xử lý")
    outbox = alerts.get("outbox") or {}
    if alerts.get("alerts") or outbox.get("sent"):
        parts.append(f"{number(alerts.get('alerts', 0))} cảnh báo mới, {number(outbox.get('sent', 0))} tin nhắn đã gửi")
    if outbox.get("dead"):
        parts.append(f"{number(outbox['dead'])} tin nhắn không gửi được")
    if isinstance(digests, list) and digests:
        parts.append(f"lập {len(digests)} điểm tin")
    if isinstance(cases, list) and cases:
        parts.append(f"{len(cases)} hồ sơ quá hạn được báo")
    errors = crawl_errors + len(process.get("errors") or []) + len(alerts.get("errors") or {}) + len(failed)
    parts.append(f"{number(errors)} lỗi" + (f" (bước lỗi: {', '.join(failed)})" if failed else ""))
    return f"{parts[0]} " + "; ".join(parts[1:]) + "."


def run_main_job(home: Home, dashboard: bool = True, once: bool = False, host: str | None = None,
                 port: int | None = None, as_json: bool = False) -> int:
    """Tick until stopped: one line per tick for a person (the full report with ``as_json``, and always in the
    home's log file)."""

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    web: subprocess.Popen[bytes] | None = None
    if dashboard:
        from dashboard.commands import start_dashboard

        web = start_dashboard(home, host or home.settings.get("dashboard.host"),
                              port or home.settings.get_int("dashboard.port"))
        log.info("dashboard started %s", {"pid": web.pid, "port": port or home.settings.get("dashboard.port")})
        if not as_json:
            say(f"Bảng điều khiển: http://{host or home.settings.get_str('dashboard.host')}:"
                f"{port or home.settings.get_int('dashboard.port')} (dừng bằng Ctrl+C).")
    interval = home.settings.get_float("scheduler.tick_seconds")
    try:
        while not stop.is_set():
            report = tick(home)
            log.info("tick %s", report)
            if as_json:
                print_json(report)
            else:
                say(tick_line(report))
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
