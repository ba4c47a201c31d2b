"""Field accuracy of the extractor on a gold set of article pages (``tests/fixtures/extraction_gold``).

Each outlet folder holds saved pages and an ``expected.jsonl`` (one line per page: ``file``, the ``url`` it
was fetched from, ``title``, ``lead``, ``published_at`` in +07:00, its Vietnamese ``day``, ``canonical``,
the first and last sentence of the body, and ``absent``: page chrome that must not reach the text).

A page is scored field by field, as an analyst would check it:

- title: the headline, exactly (whitespace aside);
- lead: the text starts with the lead (the sapo a digest quotes);
- date: the publication moment, to the second; day: its calendar day in Vietnam;
- canonical: the canonical URL;
- body_first: the body's first sentence is in the text; body_last: its last sentence is, followed by at
  most a byline (80 characters);
- clean: none of the chrome (related links, app banners, comments, menus) is in the text.

Nothing here touches the network: the pages are read from disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.core.text import normalize
from pipeline.core.timeutil import LOCAL_TZ, parse_iso

FIELDS = ("title", "lead", "date", "day", "canonical", "body_first", "body_last", "clean")
# The fields the product depends on most (what a digest shows and sorts by).
KEY_FIELDS = ("title", "lead", "day", "canonical")
TRAILER_CHARS = 80
# Pages are scored as if fetched at this moment, so relative dates ("2 giờ trước") stay reproducible.
SCORING_NOW = datetime.fromisoformat("2026-03-08T12:00:00+07:00")


@dataclass(frozen=True)
class GoldPage:
    outlet: str
    path: Path
    expected: dict[str, Any]


def load_gold(root: Path) -> list[GoldPage]:
    pages = []
    for expected_file in sorted(root.glob("*/expected.jsonl")):
        for line in expected_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                pages.append(GoldPage(expected_file.parent.name, expected_file.parent / row["file"], row))
    return pages


def _flat(text: str | None) -> str:
    return " ".join(normalize(text or "").split())


def _moment(value: str | None) -> datetime | None:
    try:
        return parse_iso(value) if value else None
    except ValueError:
        return None


def score_page(record: dict[str, Any], expected: dict[str, Any]) -> dict[str, bool]:
    """Field by field: did the extraction get it right (see the module docstring)."""
    text = _flat(record.get("text"))
    got_moment, want_moment = _moment(record.get("published_at")), _moment(expected.get("published_at"))
    got_day = got_moment.astimezone(LOCAL_TZ).date().isoformat() if got_moment else None
    last = _flat(expected["body_last"])
    at = text.rfind(last)
    return {
        "title": _flat(record.get("title")) == _flat(expected["title"]),
        "lead": bool(expected["lead"]) and text.startswith(_flat(expected["lead"])),
        "date": got_moment == want_moment,
        "day": got_day == expected.get("day"),
        "canonical": (record.get("canonical_url") or "") == expected["canonical"],
        "body_first": _flat(expected["body_first"]) in text,
        "body_last": at >= 0 and len(text) - (at + len(last)) <= TRAILER_CHARS,
        "clean": not any(_flat(chrome) in text for chrome in expected.get("absent", [])),
    }


def evaluate(root: Path, extract: Callable[..., dict[str, Any]] | None = None) -> dict[str, Any]:
    """Per-field accuracy of ``extract`` (``crawlers.extract.extract_page`` by default) on the gold set,
    with the pages and fields it got wrong."""
    if extract is None:
        from crawlers.extract import extract_page as extract
    pages = load_gold(root)
    hits = {field: 0 for field in FIELDS}
    failures = []
    for page in pages:
        try:
            record = extract(page.path.read_bytes(), page.expected["url"], now=SCORING_NOW)
        except Exception as exc:  # an extraction that fails scores zero on every field
            record = {"error": f"{type(exc).__name__}: {exc}"}
        scores = score_page(record, page.expected)
        for field, ok in scores.items():
            hits[field] += ok
        wrong = [field for field, ok in scores.items() if not ok]
        if wrong:
            failures.append({"page": f"{page.outlet}/{page.path.name}", "wrong": wrong,
                             **({"error": record["error"]} if "error" in record else {})})
    total = len(pages)
    accuracy = {field: round(hits[field] / total, 4) if total else None for field in FIELDS}
    key = [hits[f] for f in KEY_FIELDS]
    return {
        "pages": total, "outlets": len({p.outlet for p in pages}), "fields": accuracy,
        "key_fields": round(sum(key) / (total * len(KEY_FIELDS)), 4) if total else None,
        "all_fields": round(sum(hits.values()) / (total * len(FIELDS)), 4) if total else None,
        "failures": failures,
    }
