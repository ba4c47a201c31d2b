"""Shared pieces of the hostile-input suite: a fresh home, JSONL files written as careless or hostile sources
write them, and the store fixture on both backends (the embedded store, and Elasticsearch on noida-db)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.core.settings import Settings
from pipeline.core.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "store"))

GOOD = {"url": "https://baothainguyen.vn/xa-hoi/lu-quet-{n}.html",
        "title": "Lũ quét ở Phổ Yên, Thái Nguyên: hộ dân số {n} được sơ tán",
        "text": "Mưa lớn kéo dài khiến nhiều tuyến đường tại thành phố Phổ Yên, tỉnh Thái Nguyên bị sạt lở. "
                "Chính quyền đã sơ tán hộ dân số {n} đến nơi an toàn.",
        "source": "bao-thai-nguyen", "published_at": "2026-11-20T08:00:00+07:00"}


def good(n: int, **changes: object) -> dict:
    row = {key: value.format(n=n) if isinstance(value, str) else value for key, value in GOOD.items()}
    row.update(changes)
    return row


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    """One line per entry; dicts must be dumped by the caller (bad lines are written as they are)."""
    with open(path, "wb") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass"))
            handle.write(b"\n")
    return path


def dumps(row: object) -> str:
    return json.dumps(row, ensure_ascii=False)


BACKENDS = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on each backend the product has (Elasticsearch on noida-db, skipped, saying why, when it
    cannot run)."""
    if request.param == "embedded":
        opened = open_store("embedded", tmp_path / "store-home", Settings())
        try:
            yield opened
        finally:
            opened.close()
        return
    from es_server import fresh_elastic_store, noida_url

    with fresh_elastic_store(noida_url()) as opened:
        yield opened
