"""`diemtin bench alerts`: how long alert evaluation takes per tick of the main job over a large store.

Fills a home with N enriched synthetic items (about one every seven minutes, so 200,000 items are two and a half
years of coverage), adds the rules an office would keep (saved searches with flag and topic filters, urgency
rules, spike rules over every series, one of them over all items), sends through a local Telegram stand-in and a
local webhook receiver, and times ticks as the scheduler runs them: each tick new items arrive and
``run_alerts`` evaluates every rule and works through the outbox. The first tick counts the weeks of baselines
(cold); later ticks reuse them, each week recounted on its own tick of the step (alerts.spike_step_minutes).
Target: under 1 s per tick. Wall time depends on what else the machine runs; the CPU time of the ticks and the load
average are printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from pipeline.alerts.evaluate import run_alerts
from pipeline.alerts.rules import create_rule
from pipeline.bench.core import enriched_items
from pipeline.core import vocabulary
from pipeline.core.console import print_json
from pipeline.core.home import Home
from pipeline.core.timeutil import iso, parse_iso
from pipeline.office.setup import create_home

TARGET_S = 1.0


def register_bench(bench: argparse._SubParsersAction) -> None:
    b = bench.add_parser("alerts", help="thời gian đánh giá cảnh báo mỗi nhịp với nhiều tin")
    b.add_argument("--n", type=int, default=200000)
    b.add_argument("--ticks", type=int, default=40, help="số nhịp đo (mỗi nhịp 30 giây mô phỏng)")
    b.add_argument("--arrivals", type=int, default=5, help="số tin mới mỗi nhịp")
    b.add_argument("--province", default="thai-nguyen")
    b.add_argument("--keep", type=Path, help="giữ (hoặc dùng lại) home ở đây thay vì thư mục tạm")
    b.set_defaults(handler=bench_alerts)


class _Receiver:
    """A local HTTP endpoint answering like the Telegram Bot API and a webhook: what the channels talk to."""

    def __init__(self) -> None:
        self.count = 0

        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.count += 1
                body = json.dumps({"ok": True, "result": {"message_id": receiver.count}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def fill(home: Home, n: int) -> tuple[float, datetime]:
    """The home holds ``n`` enriched items (resumed if interrupted); returns the seconds spent and the time of
    the newest item."""
    started = time.perf_counter()
    items = enriched_items(home, n)
    with home.open_store() as store:
        held = store.count_items()
        for start in range(held, n, 5000):
            store.upsert_items(items[start:start + 5000])
        store.refresh()
    newest = max(parse_iso(item["published_at"]) for item in items[-50:])
    return (time.perf_counter() - started) if held < n else 0.0, newest


def _configure(home: Home, receiver: _Receiver) -> Home:
    config = yaml.safe_load(home.config_path.read_text(encoding="utf-8"))
    config.setdefault("alerts", {}).update({"telegram_api": receiver.url, "telegram_token": "BENCH",
                                            "webhooks": {"bench": f"{receiver.url}/hook"}})
    home.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return Home(home.path)


def _reset(home: Home) -> None:
    """A kept home starts each run without the alerts, messages and rule state of the run before."""
    with home.open_store() as store:
        for collection in ("alerts", "alert_outbox", "dead_letters"):
            for record in store.list_records(collection):
                store.delete_record(collection, record["id"])
        for record in store.list_records("state"):
            if str(record.get("id", "")).startswith("alerts:"):
                store.delete_record("state", record["id"])


def _rules(home: Home, now: datetime) -> int:
    flags = vocabulary.codes("flags")
    recipients = {"recipients": ["telegram:1001", "telegram:1002"], "channels": ["telegram", "webhook"],
                  "webhooks": ["bench"]}
    rules: list[dict[str, Any]] = [
        {"name": "Sạt lở, lũ", "query": "sạt lở OR lũ OR lũ quét"},
        {"name": "Khu công nghiệp", "query": '"khu công nghiệp" AND (ngừng việc OR đình công)'},
        {"name": "Biên giới", "query": "biên giới OR cột mốc", "filters": {"source_kind": ["foreign_press", "social"]}},
        {"name": "Dịch bệnh", "query": '"dịch bệnh" OR "thông tin sai sự thật"'},
        {"name": "Đầu tư", "query": "đầu tư NOT Nhật", "filters": {"topics": ["dau_tu"]}},
        {"name": "Lễ hội", "query": "(lễ hội OR du khách) AND văn hóa"},
        {"name": "Mọi tin có dấu hiệu", "kind": "search", "filters": {"flags": list(flags)}, "urgent": True},
        {"name": "Toàn quốc có dấu hiệu", "kind": "search", "filters": {"flags": list(flags)[:1]}, "scope": "all"},
        {"name": "Rất khẩn", "kind": "urgency", "min_urgency": 0.95, "urgent": True},
        {"name": "Khẩn có dấu hiệu", "kind": "urgency", "min_urgency": 0.8, "filters": {"flags": list(flags)}},
        {"name": "Đột biến", "kind": "spike"},
        {"name": "Đột biến toàn quốc", "kind": "spike", "scope": "all"},
        {"name": "Đột biến mạng xã hội", "kind": "spike", "filters": {"source_kind": ["social"]}},
    ]
    with home.open_store() as store:
        if store.list_records("alert_rules"):
            return len(store.list_records("alert_rules"))
        for rule in rules:
            create_rule(store, home.settings, {**recipients, **rule}, by="bench", now=now - timedelta(hours=1))
    return len(rules)


def _arrivals(home: Home, now: datetime, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    fresh = enriched_items(home, count, seed=seed)
    for n, entry in enumerate(fresh):
        entry["id"] = entry["url_key"] = f"bench-{seed}-{n}"
        entry["url"] = f"https://bench.vn/{seed}/{n}"
        moment = now - timedelta(seconds=rng.randrange(30))
        entry.update(published_at=iso(moment), fetched_at=iso(moment), ingested_at=iso(now))
    return fresh


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_s": round(statistics.median(ordered), 3),
            "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
            "max_s": round(ordered[-1], 3)}


def bench_alerts(args: argparse.Namespace) -> int:
    path = args.keep or Path(tempfile.mkdtemp(prefix="diemtin-bench-alerts-"))
    home = Home(path) if Home(path).exists() else create_home(path, args.province)
    fill_s, newest = fill(home, args.n)
    receiver = _Receiver()
    try:
        home = _configure(home, receiver)
        now = newest + timedelta(minutes=1)
        _reset(home)
        rules = _rules(home, now)
        ticks: list[dict[str, Any]] = []
        for number in range(args.ticks + 1):
            with home.open_store() as store:
                if number:
                    store.upsert_items(_arrivals(home, now, args.arrivals, seed=1000 + number))
                    store.refresh()
                started, cpu = time.perf_counter(), time.process_time()
                report = run_alerts(home, store, now)
                ticks.append({"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                              "evaluate_s": report["evaluate_s"],
                              "alerts": report["alerts"], "sent": report["outbox"]["sent"],
                              "errors": report["errors"]})
            now += timedelta(seconds=30)
        with home.open_store() as store:
            items = store.count_items()
    finally:
        receiver.stop()
    warm = [t["seconds"] for t in ticks[1:]] or [ticks[0]["seconds"]]
    print_json({
        "bench": "alerts", "items": items, "rules": rules, "ticks": len(ticks) - 1, "arrivals_per_tick": args.arrivals,
        "cold_tick_s": round(ticks[0]["seconds"], 3), "tick": _summary(warm),
        # CPU time of this process: the work itself, whatever else the machine is doing meanwhile.
        "tick_cpu": _summary([t["cpu_s"] for t in ticks[1:]] or [ticks[0]["cpu_s"]]),
        "load_average": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
        "evaluate": _summary([t["evaluate_s"] for t in ticks[1:]] or [ticks[0]["evaluate_s"]]),
        "alerts_raised": sum(t["alerts"] for t in ticks), "messages_sent": sum(t["sent"] for t in ticks),
        "rule_errors": sorted({rule for t in ticks for rule in t["errors"]}),
        "ticks_s": [round(t["seconds"], 3) for t in ticks],
        "target_s": TARGET_S, "meets_target": max(warm + [ticks[0]["seconds"]]) < TARGET_S,
        "fill_s": round(fill_s, 1), "home": str(home.path),
    })
    return 0
