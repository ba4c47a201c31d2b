"""`diemtin bench crawl`: crawl speed and extraction cost against the fixture newsroom (a real HTTP server
on 127.0.0.1, from the repository's tests/fixtures/newsroom), through the same `diemtin crawl` process the
scheduler starts; then the extractor's field accuracy on the gold set of real-structure pages and on the
held-out outlets (``crawlers.gold``), read from disk."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from pipeline.cli import CommandError, print_json

NEWSROOM = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "newsroom" / "server.py"


def register_bench(bench_sub: argparse._SubParsersAction) -> None:
    p = bench_sub.add_parser("crawl", help="đo tốc độ thu thập và trích xuất (máy chủ tin giả lập cục bộ)")
    p.add_argument("--pages", type=int, default=300, help="số bài của tòa soạn giả lập")
    p.add_argument("--concurrency", type=int, default=8, help="số yêu cầu đồng thời mỗi tên miền")
    p.set_defaults(handler=cmd_bench_crawl)


def _load_newsroom() -> Any:
    if not NEWSROOM.is_file():
        raise CommandError(f"cần mã nguồn đầy đủ (không thấy {NEWSROOM})")
    spec = importlib.util.spec_from_file_location("diemtin_bench_newsroom", NEWSROOM)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.load_newsroom()


def bench_crawl(pages: int, concurrency: int) -> dict[str, Any]:
    from pipeline.home import Home
    from pipeline.sources import add_source, list_sources, set_enabled

    room = _load_newsroom()
    room.outlets = {"bench": {"bench": pages}}
    room.start()
    try:
        with tempfile.TemporaryDirectory(prefix="diemtin-bench-") as tmp:
            home = Home.init(Path(tmp) / "home", "thai-nguyen")
            config = yaml.safe_load(home.config_path.read_text(encoding="utf-8"))
            config["crawl"] = {"download_delay": 0, "autothrottle": False, "concurrent_requests_per_domain": concurrency,
                               "allowed_networks": ["127.0.0.1/32"], "max_articles_per_run": pages}
            home.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
            home = Home(home.path)
            with home.open_store() as store:
                for source in list_sources(store):
                    set_enabled(store, source["id"], False)
                add_source(store, {"id": "bench", "name": "Bench", "fetch": "feed",
                                   "urls": [room.url("bench", "/rss.xml")]}, home.settings)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "crawl",
                                   "--source", "bench", "--once"], capture_output=True, text=True, check=False)
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
    from crawlers.gold import GOLD_DIR, HELD_OUT_DIR, evaluate

    out: dict[str, Any] = {}
    for name, root in (("extraction_gold", GOLD_DIR), ("extraction_heldout", HELD_OUT_DIR)):
        if not root.is_dir():
            continue
        result = evaluate(root)
        out[name] = {key: result[key] for key in ("pages", "outlets", "fields", "key_fields", "all_fields")}
        out[name]["failures"] = result["failures"][:10]
    return out


def cmd_bench_crawl(args: argparse.Namespace) -> int:
    print_json({**bench_crawl(args.pages, args.concurrency), **bench_extraction()})
    return 0
