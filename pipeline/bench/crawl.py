"""`diemtin bench crawl`: crawl speed and extraction cost against a synthetic newsroom (a real HTTP server on
127.0.0.1, ``pipeline/bench/newsroom.py``), through the same `diemtin crawl` process the scheduler starts; then
the extractor's field accuracy on the gold set of real-structure pages and on the held-out outlets
(``crawlers.gold``), read from the repository's ``tests/fixtures`` when the command runs in a checkout."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from pipeline.bench.newsroom import Newsroom
from pipeline.core.console import CommandError, print_json
from pipeline.office.setup import create_home

# The gold pages are evaluation data of the repository, not of the installed product: read from the checkout.
GOLD_ROOT = Path("tests") / "fixtures"


def register_bench(bench_sub: argparse._SubParsersAction) -> None:
    p = bench_sub.add_parser("crawl", help="đo tốc độ thu thập và trích xuất (máy chủ tin giả lập cục bộ)")
    p.add_argument("--pages", type=int, default=300, help="số bài của tòa soạn giả lập")
    p.add_argument("--concurrency", type=int, default=8, help="số yêu cầu đồng thời mỗi tên miền")
    p.set_defaults(handler=cmd_bench_crawl)


def bench_crawl(pages: int, concurrency: int) -> dict[str, Any]:
    from pipeline.core.home import Home
    from pipeline.office.sources import add_source, list_sources, set_enabled

    room = Newsroom(pages).start()
    try:
        with tempfile.TemporaryDirectory(prefix="diemtin-bench-") as tmp:
            home = create_home(Path(tmp) / "home", "thai-nguyen")
            config = yaml.safe_load(home.config_path.read_text(encoding="utf-8"))
            config["crawl"] = {"download_delay": 0, "autothrottle": False, "concurrent_requests_per_domain": concurrency,
                               "allowed_networks": ["127.0.0.1/32"], "max_articles_per_run": pages}
            home.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
            home = Home(home.path)
            with home.open_store() as store:
                for source in list_sources(store):
                    set_enabled(store, source["id"], False)
                add_source(store, {"id": "bench", "name": "Bench", "fetch": "feed",
                                   "urls": [room.url("/rss.xml")]}, home.settings)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "crawl",
                                   "--source", "bench", "--once", "--json"], capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            if done.returncode != 0:
                raise CommandError(f"bench crawl failed: {done.stderr[-500:]}")
            summary = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
            with home.open_store() as store:
                run = store.get_record("sources", "bench")["health"]["last_run"]
                queued = store.raw_counts().get("pending", 0)
    finally:
        room.stop()
    seconds = float(run["seconds"]) or wall
    return {
        "bench": "crawl", "articles": pages, "pages": summary["pages"], "items_queued": queued,
        "errors": len(summary["errors"]), "crawl_seconds": round(seconds, 2),
        "pages_per_s": round(summary["pages"] / seconds, 1) if seconds else None,
        "extraction_ms_per_page": summary["extraction_ms"], "process_wall_seconds": round(wall, 2),
        "concurrency_per_domain": concurrency,
    }


def bench_extraction() -> dict[str, Any]:
    """Field accuracy on the gold set and, separately, on the held-out outlets."""
    from crawlers.gold import evaluate

    out: dict[str, Any] = {}
    for name in ("extraction_gold", "extraction_heldout"):
        root = GOLD_ROOT / name
        if not root.is_dir():
            out[name] = {"skipped": f"không thấy {root} (chạy lệnh trong thư mục mã nguồn)"}
            continue
        result = evaluate(root)
        out[name] = {key: result[key] for key in ("pages", "outlets", "fields", "key_fields", "all_fields")}
        out[name]["failures"] = result["failures"][:10]
    return out


def cmd_bench_crawl(args: argparse.Namespace) -> int:
    print_json({**bench_crawl(args.pages, args.concurrency), **bench_extraction()})
    return 0
