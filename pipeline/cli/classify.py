"""`diemtin classify [FILE.jsonl|-] --json`: the whole classification of texts, without storing anything.

Analysts test a text; evaluations run real data through it. Input rows are the ingest format (``title`` may be
empty; ``url``, ``source``, ``published_at``... are optional here). Each row goes through what `process` does to
an item — normalisation, language, relevance to the home's province, claim matching, topics, tone, flags — but
nothing is written to the store (claims are read from it; a home without one uses a temporary copy of the
shipped example claims). One JSON object per input line is printed, in input order:

``lang`` (the language detected: an item in another language than Vietnamese is read by the semantic heads for
other languages), ``relevant``, ``places``, ``flags`` (raised, with evidence), ``flag_scores`` (every flag, even
below threshold), ``claim_matches``, ``topics`` (``id``, ``label``, ``score``, ``sections``, evidence), ``tone``
(``label``, ``score``, evidence). A line that cannot be read gives ``{"line": n, "error": "..."}`` in its place.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.core.console import CommandError
from pipeline.core.home import Home
from pipeline.core.profiles import PROVINCE_IDS

# The classifier stages that only read the store; story clusters, near-duplicates and urgency compare an item
# with what is stored and are the pipeline's business, not a text's classification.
CLASSIFY_STAGES = ("embed", "claims", "topics", "tone", "flags")
BATCH = 64


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classify", help="phân loại văn bản (JSONL) mà không lưu: liên quan, cảnh báo, chủ đề, sắc thái")
    p.add_argument("file", nargs="?", default="-", help="tệp JSONL (mỗi dòng một tin như khi ingest); - là stdin")
    p.add_argument("--json", action="store_true", help="in một đối tượng JSON mỗi dòng (mặc định)")
    p.add_argument("--province", choices=PROVINCE_IDS,
                   help="tỉnh để xét liên quan khi không có thư mục --home (mặc định: thai-nguyen)")
    p.set_defaults(handler=cmd_classify)


def _lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"không tìm thấy tệp {path}")
    with open(file, encoding="utf-8", errors="replace") as handle:
        yield from handle


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"JSON không hợp lệ: {exc.msg} (cột {exc.colno})"
            continue
        if not isinstance(row, dict):
            yield number, None, "dòng không phải một đối tượng JSON"
            continue
        for name in ("title", "text"):
            if row.get(name) is not None and not isinstance(row[name], str):
                row = None
                break
        if row is None:
            yield number, None, "trường 'title' và 'text' phải là chuỗi"
            continue
        yield number, row, None


def output_of(item: dict[str, Any], taxonomy: Any) -> dict[str, Any]:
    """The public shape of a classified item (see the module docstring)."""
    topics = []
    for topic in item.get("topics") or []:
        known = taxonomy.get(topic["id"])
        topics.append({"id": topic["id"], "label": topic.get("label") or getattr(known, "label", topic["id"]),
                       "score": topic.get("score"), "sections": list(topic.get("sections")
                                                                     or getattr(known, "sections", None) or []),
                       "evidence": topic.get("evidence") or []})
    tone = item.get("tone") or {}
    return {
        "lang": item.get("lang"),
        "relevant": bool(item.get("relevant")),
        "places": item.get("places") or [],
        "flags": [{k: v for k, v in flag.items() if k != "raised"} for flag in item.get("flags") or []],
        "flag_scores": item.get("flag_scores") or {},
        "claim_matches": item.get("claim_matches") or [],
        "topics": topics,
        "tone": {"label": tone.get("label"), "score": tone.get("score"), "evidence": tone.get("evidence") or []}
        if tone else None,
    }


def cmd_classify(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    home = Home(args.home)
    if not home.exists():
        home = scratch_home(args.province or "thai-nguyen")
    elif args.province and args.province != home.profile.id:
        raise CommandError(f"thư mục {home.path} là của tỉnh {home.profile.id}; bỏ --province hoặc dùng --home khác")
    with home.open_store() as store:
        _classify(home, store, _rows(_lines(args.file)), started)
    return 0


def scratch_home(province: str) -> Home:
    """Without a home, a scratch one per province in the temporary folder, kept between runs so the shipped
    example claims are embedded once, not at every call. It holds no classified text: nothing is stored."""
    path = Path(tempfile.gettempdir()) / f"diemtin-classify-{province}"
    home = Home(path)
    if home.exists():
        return home
    from pipeline.office.setup import create_home

    building = Path(tempfile.mkdtemp(prefix=f"diemtin-classify-{province}-"))
    create_home(building, province)
    try:
        building.rename(path)  # another run may have made it meanwhile: then use that one
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    return Home(path)


def _classify(home: Home, store: Any, rows: Iterator[tuple[int, dict[str, Any] | None, str | None]],
              started: float) -> None:
    import logging

    from pipeline.core.process import Pipeline, configured_stages
    from pipeline.core.taxonomy import taxonomy_for_home

    stages = [s for s in configured_stages(home, store) if getattr(s, "name", "") in CLASSIFY_STAGES]
    pipeline = Pipeline(home, store, stages=stages)
    taxonomy = taxonomy_for_home(home.path)
    logging.getLogger(__name__).info("classify ready %s", {"seconds": round(time.perf_counter() - started, 2)})
    batch: list[tuple[int, dict[str, Any] | None, str | None]] = []

    def flush() -> None:
        items = []
        for number, row, error in batch:
            if row is None:
                continue
            payload = {**row, "url": row.get("url") or f"https://classify.invalid/{number}"}
            try:
                item = pipeline.build_item(payload)
            except Exception as exc:  # one bad row answers with its error, in its place
                batch[batch.index((number, row, error))] = (number, None, f"{type(exc).__name__}: {exc}")
                continue
            item["id"] = f"{item['id']}-{number}"  # two rows of one URL stay two answers
            items.append((number, item))
        plain = [item for _, item in items]
        for stage in pipeline.stages:
            stage(plain, store)
        by_number = dict(items)
        for number, _row, error in batch:
            if number in by_number:
                out = output_of(by_number[number], taxonomy)
            else:
                out = {"line": number, "error": error}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        batch.clear()

    for entry in rows:
        batch.append(entry)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
