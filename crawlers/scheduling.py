"""Which sources are due, and crawling each in its own process so that a crash, a hang or a memory blow-up
in one crawl cannot take the scheduler (or the other sources) down."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipeline.office.sources import is_due, list_sources, record_run

if TYPE_CHECKING:
    from pipeline.core.home import Home

log = logging.getLogger(__name__)


def crawl_command(home: Home, source_id: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "crawl", "--source", source_id, "--once", "--json"]


def due_sources(home: Home, now: datetime, only: list[str] | None = None) -> list[dict[str, Any]]:
    with home.open_store() as store:
        return [s for s in list_sources(store) if is_due(s, now) and (not only or s["id"] in only)]


def crawl_in_subprocess(home: Home, source: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Run one source's crawl in a child process; a child that dies or overruns is recorded as a failure
    in the source's health here, since it could not record anything itself."""
    timeout = home.settings.get_float("crawl.source_timeout_seconds")
    try:
        done = subprocess.run(crawl_command(home, source["id"]), capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return _record_crash(home, source["id"], now, f"Thu thập quá {timeout:g} giây, đã dừng", "timeout")
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or [""]
        return _record_crash(home, source["id"], now,
                             f"Tiến trình thu thập lỗi (mã {done.returncode}): {tail[0][:300]}", "crash")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    try:
        return json.loads(lines[-1]) if lines else {"source": source["id"]}
    except ValueError:
        return {"source": source["id"], "output": lines[-1][:300]}


def _record_crash(home: Home, sid: str, now: datetime, message: str, code: str) -> dict[str, Any]:
    log.warning("crawl of %s failed: %s", sid, message)
    with home.open_store() as store:
        record_run(store, sid, started_at=now, items=0, failed=True, settings=home.settings,
                   errors=[{"code": code, "message": message, "url": ""}])
    return {"source": sid, "items": 0, "failed": True, "errors": [{"code": code, "message": message}]}


def poll_due_sources(home: Home, now: datetime, only: list[str] | None = None) -> dict[str, Any]:
    """Crawl every due source (each in its own process, a few at a time); returns per-source summaries."""
    due = due_sources(home, now, only)
    if not due:
        return {"due": 0, "items": 0, "sources": {}}
    workers = max(1, home.settings.get_int("crawl.parallel_sources"))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda s: crawl_in_subprocess(home, s, now), due))
    return {
        "due": len(due),
        "items": sum(int(r.get("items") or 0) for r in results),
        "sources": {s["id"]: r for s, r in zip(due, results, strict=True)},
    }
