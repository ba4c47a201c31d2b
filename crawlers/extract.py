"""What one article page says: title, text, author, date (with its origin), canonical URL, language, site
name and lead image, extracted with trafilatura from the page's bytes.

Crawlers, ``diemtin submit`` and ``diemtin extract`` all call :func:`extract_page`, so a page gives the
same record whichever way it arrived.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura

from crawlers.dates import choose_date, page_date, parse_date, parse_html_tree, url_date
from crawlers.decoding import decode_body
from pipeline.core import language
from pipeline.core.text import normalize
from pipeline.core.timeutil import iso, now_utc

_LANG_ATTR = re.compile(r"^[a-z]{2,3}")


class ExtractionError(ValueError):
    """The page holds no article text (an index page, an error page, an empty shell)."""


@dataclass(frozen=True)
class Hints:
    """What a feed or listing already said about a page: used where the page itself says nothing."""

    title: str = ""
    summary: str = ""
    author: str = ""
    published: datetime | None = None
    language: str = ""
    site_name: str = ""
    image: str = ""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detect_language(text: str, declared: str) -> str:
    """The text's language; the page's own declaration (html lang) or the source's when the text is too
    short or letterless to tell."""
    found = language.detect_language(text)
    return declared if found == language.UNDETERMINED else found


def extract_page(
    body: bytes, url: str, *, content_type: str | None = None, hints: Hints | None = None,
    now: datetime | None = None, future_tolerance_minutes: int = 60, fetched_at: datetime | None = None,
) -> dict[str, Any]:
    """The article record of one page (the raw queue's payload fields). Raises ExtractionError when the
    page has no article text."""
    hints = hints or Hints()
    now = now or now_utc()
    started = time.perf_counter()
    html = decode_body(body, content_type)
    tree = parse_html_tree(html)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        deduplicate=False,
    )
    text = normalize(getattr(doc, "text", "") or "")
    if not text:
        raise ExtractionError(f"no article text in {url}")
    canonical = _canonical(tree, url)
    published, date_source, rejected = choose_date(
        page=page_date(tree), feed=hints.published, url=url_date(canonical or url), now=now,
        tolerance_minutes=future_tolerance_minutes,
    )
    declared_lang = _LANG_ATTR.match((tree.get("lang") or "").strip().lower())
    declared = declared_lang.group(0) if declared_lang else hints.language or ""
    title = normalize(getattr(doc, "title", "") or hints.title, keep_newlines=False)
    record: dict[str, Any] = {
        "url": url,
        "canonical_url": canonical,
        "title": title,
        "text": text,
        "author": normalize(getattr(doc, "author", "") or hints.author, keep_newlines=False),
        "published_at": iso(published),
        "date_source": date_source,
        "lang": detect_language(f"{title}\n{text}", declared),
        "site_name": normalize(getattr(doc, "sitename", "") or hints.site_name, keep_newlines=False),
        "image": _absolute(getattr(doc, "image", "") or hints.image, url),
        "fetched_at": iso(fetched_at or now),
        "raw_html_sha256": sha256_hex(body),
        "meta": {"description": normalize(getattr(doc, "description", "") or hints.summary, keep_newlines=False)},
    }
    if rejected:
        record["meta"]["future_date_rejected"] = rejected
    record["meta"]["extraction_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return record


def _canonical(tree: Any, url: str) -> str:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        found = [v.strip() for v in tree.xpath(xpath) if v and v.strip()]
        if found:
            absolute = urljoin(url, found[0])
            if urlsplit(absolute).scheme in ("http", "https"):
                return absolute
    return url


def _absolute(link: str, base: str) -> str:
    return urljoin(base, link) if link else ""


def extract_file(path: Path, *, url: str | None = None) -> dict[str, Any]:
    """Extraction of a page saved on disk (what ``diemtin extract FILE`` shows)."""
    data = path.read_bytes()
    return extract_page(data, url or path.resolve().as_uri(), fetched_at=now_utc())


def published_lag_minutes(record: dict[str, Any]) -> float | None:
    """Minutes from publication to fetch, when both are known."""
    published, fetched = parse_date(record.get("published_at")), parse_date(record.get("fetched_at"))
    if not published or not fetched or record.get("date_source") == "none":
        return None
    return (fetched - published).total_seconds() / 60


def fields_from_html(html: str, url: str) -> dict[str, Any]:
    """Title, text and metadata of a raw record that came with HTML only (``diemtin ingest`` lines with
    ``html``): the pipeline calls this through the ``pipeline.html_extractor`` setting."""
    return extract_page(html.encode("utf-8"), url)
