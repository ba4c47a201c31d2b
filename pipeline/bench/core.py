"""`diemtin bench ...`: benchmarks that print figures. Timing targets live here, never in tests."""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.bench.synthetic import synthetic_items
from pipeline.core import vocabulary
from pipeline.core.console import print_json
from pipeline.core.home import Home
from pipeline.core.store import ItemQuery, open_store
from pipeline.core.taxonomy import load_taxonomy
from pipeline.office.setup import create_home

# Other areas add their benchmarks (bench crawl, bench classify, bench dashboard) through register_bench.
BENCH_MODULES = ("pipeline.bench.crawl", "pipeline.bench.classify", "pipeline.bench.dashboard", "pipeline.bench.alerts")

SEARCH_QUERIES = {
    "term": ["sạt lở", "FDI", "biên giới", "lễ hội", "ô nhiễm", "công nhân", "đại hội", "xúc tiến"],
    "phrase": ['"sạt lở đất"', '"khu công nghiệp"', '"thông tin sai sự thật"', '"cột mốc biên giới"'],
    "boolean": ["sạt lở OR lũ", "đầu tư NOT Nhật", "(lễ hội OR du khách) AND văn hóa", "biên phòng -Hàn"],
}
# Synthetic items carry topics and flags of the real vocabulary, so filters in benchmarks hit real codes.
TOPICS = tuple(load_taxonomy().ids)
FLAGS = vocabulary.codes("flags")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="đo hiệu năng")
    bench = p.add_subparsers(dest="bench", required=True, metavar="BENCH")

    b = bench.add_parser("ingest", help="ingest + process N mục tiếng Việt tổng hợp")
    b.add_argument("--n", type=int, default=20000)
    b.add_argument("--province", default="thai-nguyen")
    b.add_argument("--with-classifiers", action="store_true", help="chạy cả các bước phân loại")
    b.add_argument("--keep", type=Path, help="giữ home ở đây thay vì thư mục tạm")
    b.set_defaults(handler=bench_ingest)

    b = bench.add_parser("store", help="ghi hàng loạt và tìm kiếm trên kho lưu trữ")
    b.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    b.add_argument("--url", help="URL Elasticsearch (với --backend elasticsearch)")
    b.add_argument("--n", type=int, default=100000)
    b.add_argument("--queries", type=int, default=50, help="số truy vấn mỗi loại")
    b.add_argument("--vectors", type=int, default=0, help="số vector 384 chiều để đo kNN")
    b.add_argument("--province", default="thai-nguyen")
    b.add_argument("--keep", type=Path, help="giữ home ở đây thay vì thư mục tạm")
    b.set_defaults(handler=bench_store)

    for name in BENCH_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register_bench(bench)


def _home(keep: Path | None, province: str) -> Home:
    path = keep or Path(tempfile.mkdtemp(prefix="diemtin-bench-"))
    home = Home(path)
    if not home.exists():
        home = create_home(path, province)
    return home


def bench_ingest(args: argparse.Namespace) -> int:
    from pipeline.cli.commands import ingest_file
    from pipeline.core.process import Pipeline

    home = _home(args.keep, args.province)
    source = home.path / "bench-items.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for item in synthetic_items(home.profile, args.n):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    with home.open_store() as store:
        started = time.perf_counter()
        ingest = ingest_file(store, source)
        ingest_s = time.perf_counter() - started
        pipeline = Pipeline(home, store, stages=None if args.with_classifiers else [])
        started = time.perf_counter()
        summary = pipeline.run()
        process_s = time.perf_counter() - started
        size = store.size_on_disk()
    total_s = ingest_s + process_s
    print_json({
        "bench": "ingest", "n": args.n, "classifiers": bool(args.with_classifiers),
        "ingest_s": round(ingest_s, 2), "process_s": round(process_s, 2),
        "items_per_s": round(args.n / total_s, 1), "process_items_per_s": round(args.n / process_s, 1),
        "queued": ingest["queued"], "stored": summary.stored, "relevant": summary.relevant, "duplicates": summary.duplicates,
        "failed": summary.failed, "store_bytes": size, "store_mb": round((size or 0) / 2**20, 1),
        "home": str(home.path),
    })
    return 0


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2)}


def enriched_items(home: Home, n: int, seed: int = 11) -> list[dict[str, Any]]:
    """Synthetic items with the fields the pipeline would have added, for filling a store directly."""
    from pipeline.core.item import content_hash, item_id, url_key

    rng = random.Random(seed)
    out = []
    for raw in synthetic_items(home.profile, n, seed=seed):
        relevant = rng.random() < 0.7
        out.append({
            **raw, "id": item_id(raw["url"]), "url_key": url_key(raw["url"]),
            "content_hash": content_hash(raw["title"], raw["text"]), "relevant": relevant, "duplicate_of": None,
            "status": rng.choice(["new"] * 6 + ["reviewing", "verified", "irrelevant", "routed"]),
            "source_kind": rng.choice(["national_press", "provincial_press", "social", "foreign_press"]),
            "reputation": rng.choice(["official", "provincial", "unverified", "hostile"]),
            "topics": [{"id": t, "score": 0.8} for t in rng.sample(TOPICS, k=rng.randint(0, 2))],
            "flags": [{"name": f, "score": 0.7} for f in FLAGS if rng.random() < 0.05],
            "tone": {"label": rng.choice(["tich_cuc", "trung_lap", "tieu_cuc"]), "score": 0.7},
            "places": [{"name": rng.choice(home.profile.places).name}] if relevant else [],
            "urgency": round(rng.random(), 3), "fetched_at": raw["published_at"],
        })
    return out


def _bench_vectors(store: Any, n: int, queries: int, k: int = 10) -> dict[str, Any]:
    """kNN latency, and recall@k against exact search: the approximate index must keep recall >= 0.98."""
    rng = np.random.default_rng(5)
    ids = [f"v{i}" for i in range(n)]
    # Sentence embeddings are not uniform noise: they gather around topics. Vectors around 2,000 centres.
    centres = rng.normal(size=(2000, 384)).astype(np.float32)
    blocks = []
    for start in range(0, n, 20000):
        size = min(20000, n - start)
        block = centres[rng.integers(0, len(centres), size)] + 0.6 * rng.normal(size=(size, 384)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        store.put_vectors("bench", ids[start:start + len(block)], block)
        blocks.append(block)
    matrix = np.vstack(blocks)
    # Queries near stored vectors, as real lookups are (a paraphrase of a known claim, a story's next item).
    picks = rng.integers(0, n, size=queries)
    probes = matrix[picks] + rng.normal(scale=0.02, size=(queries, 384)).astype(np.float32)
    store.knn("bench", probes[0], k=k)  # the first call loads (and above the exact limit, builds) the index
    samples, hits = [], 0
    for probe in probes:
        t0 = time.perf_counter()
        found = store.knn("bench", probe, k=k)
        samples.append(time.perf_counter() - t0)
        unit = probe / np.linalg.norm(probe)
        exact = {ids[i] for i in np.argpartition(-(matrix @ unit), k)[:k]}
        hits += len(exact & {item_id for item_id, _ in found})
    return {"n": n, **_percentiles(samples), f"recall_at_{k}": round(hits / (k * queries), 4)}


def bench_store(args: argparse.Namespace) -> int:
    home = _home(args.keep, args.province)
    url = args.url if args.backend == "elasticsearch" else "embedded"
    if args.backend == "elasticsearch" and not url:
        raise SystemExit("--url is required with --backend elasticsearch")
    report: dict[str, Any] = {"bench": "store", "backend": args.backend, "n": args.n}
    with open_store(url, home.path, home.settings) as store:
        written = 0
        started = time.perf_counter()
        chunk = 5000
        for offset in range(0, args.n, chunk):
            batch = enriched_items(home, min(chunk, args.n - offset), seed=offset + 1)
            store.upsert_items(batch)
            written += len(batch)
        store.refresh()
        report["bulk_items_per_s"] = round(written / (time.perf_counter() - started), 1)
        rng = random.Random(3)
        for kind, texts in SEARCH_QUERIES.items():
            samples = []
            for _ in range(args.queries):
                query = ItemQuery(text=rng.choice(texts), relevant=rng.choice([True, None]), limit=50)
                t0 = time.perf_counter()
                store.search(query)
                samples.append(time.perf_counter() - t0)
            report[f"search_{kind}"] = _percentiles(samples)
        terms, days = [], []
        for _ in range(args.queries):
            query = ItemQuery(relevant=True, status=(rng.choice(["new", "reviewing"]),))
            t0 = time.perf_counter()
            store.count_by(rng.choice(["topics", "source_kind", "places"]), query)
            terms.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            store.histogram(query)
            days.append(time.perf_counter() - t0)
        report["aggregation_terms"] = _percentiles(terms)
        report["aggregation_day_histogram"] = _percentiles(days)
        if args.vectors:
            report["knn_384"] = _bench_vectors(store, args.vectors, args.queries)
        report["store_mb"] = round((store.size_on_disk() or 0) / 2**20, 1)
    report["home"] = str(home.path)
    print_json(report)
    return 0
