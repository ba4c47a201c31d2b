"""What one article page says: title, text, author, date (with its origin), canonical URL, language, site
name and lead image, extracted from the page's bytes.

trafilatura finds the body; ``crawlers.structure`` supplies what it misses on Vietnamese news pages: the
headline the page's metadata names, the lead (sapo) that sits outside the body container, the chrome
(related links, "Xem thêm", app banners, comment boxes) stripped before and after, and the time shown as
text next to the headline. The page's own metadata (og:description, JSON-LD description and articleBody)
is the fallback for the lead and the body.

Crawlers, ``diemtin submit`` and ``diemtin extract`` all call :func:`extract_page`, so a page gives the
same record whichever way it arrived.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura

from crawlers import structure
from crawlers.dates import choose_date, page_date_detail, parse_date, parse_html_tree, url_date
from crawlers.decoding import decode_body
from pipeline.core import language
from pipeline.core.text import normalize, xml_safe
from pipeline.core.timeutil import iso, now_utc

_LANG_ATTR = re.compile(r"^[a-z]{2,3}")


# Guards on extraction cost (a page is read by CPU-bound code in the crawl process): markup past this many
# characters is not read, and a tag longer than this (200,000 attributes...) is cut to its name.
MAX_HTML_CHARS = 3_000_000
MAX_TAG_CHARS = 20_000
# trafilatura's fallback extractors (justext) grow quadratically with the element count, its main pass
# linearly at ~0.3 ms an element: above FAST_ABOVE_ELEMENTS only the main pass runs, and above
# MAX_ELEMENTS the tiny text-less elements (tracking pixels, icon spans, empty grid cells) are pruned first.
FAST_ABOVE_ELEMENTS = 6_000
MAX_ELEMENTS = 15_000
_LONG_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]{" + str(MAX_TAG_CHARS) + r",}>")
# Numeric character references (&#27; &#x0B; &#xFFFE;): one that names a character XML cannot carry makes
# lxml and trafilatura discard the whole article ("discarding data"), so such references are dropped first.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


class ExtractionError(ValueError):
    """The page holds no article text (an index page, an error page, an empty shell)."""


class NotAnArticle(ExtractionError):
    """The page is something else: a listing, a directory index, a tag or search page, a login wall or an
    error page served with 200. ``reason`` says which (see ``crawlers.structure.not_an_article``)."""

    def __init__(self, reason: str, url: str):
        super().__init__(f"not an article ({reason}): {url}")
        self.reason = reason


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
    max_html_chars: int = MAX_HTML_CHARS,
) -> dict[str, Any]:
    """The article record of one page (the raw queue's payload fields). Raises ExtractionError when the
    page has no article text."""
    hints = hints or Hints()
    now = now or now_utc()
    started = time.perf_counter()
    html = bounded_html(decode_body(body, content_type), max_html_chars)
    tree = parse_html_tree(html)
    meta = structure.read_meta(tree)
    canonical = _canonical(tree, url)
    order = structure.document_order(tree)
    title_node, title = structure.find_title(tree, meta, hints.title)
    lead = structure.find_lead(tree, title_node, meta, order)
    metadata_date, date_origin, raw_date = page_date_detail(tree, foreign=structure.foreign_date_node)
    # The time shown as text is read when metadata says nothing, or labels its time as UTC (to check it).
    shown = None
    if metadata_date is None or re.search(r"(Z|[+-]00:?00)$", raw_date.strip()):
        shown = structure.shown_date(tree, title_node, order, now, lead.node if lead else None)
    page_moment, date_origin = _page_moment(metadata_date, date_origin, raw_date, shown)
    page_moment = _utc_label_ahead(page_moment, raw_date if page_moment is metadata_date else "", now,
                                   future_tolerance_minutes)
    declared_lang = _LANG_ATTR.match((tree.get("lang") or "").strip().lower())
    declared = declared_lang.group(0) if declared_lang else hints.language or ""
    site_name = meta.site_name
    author = structure.find_author(tree, meta)

    links, main_links = structure.headline_links(tree)
    has_password = bool(tree.xpath("//input[@type='password']"))
    drop = [title_node, structure.kicker_of(title_node), lead.node if lead else None, shown[1] if shown else None]
    structure.remove_chrome(tree, keep=[n for n in (title_node,) if n is not None], drop=drop)
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_ELEMENTS:
        elements = structure.prune_tiny(tree)
    # Metadata (title, author, date, site) is read above from the page itself: trafilatura reads the body.
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True, include_images=False,
        deduplicate=False, fast=elements > FAST_ABOVE_ELEMENTS,
    )
    body_text = normalize(getattr(doc, "text", "") or "")
    title = title or normalize(getattr(doc, "title", "") or hints.title, keep_newlines=False)
    lead_text = lead.text if lead else ""
    body_text = structure.clean_lines(body_text, title=title, lead=lead_text)
    if len(body_text) < 200 and len(meta.article_body) > 2 * max(len(body_text), 100):
        body_text = structure.clean_lines(meta.article_body, title=title, lead=lead_text)
    text = _with_lead(lead_text, body_text)
    reason = structure.not_an_article(url=url, meta=meta, title=title, text=text, links=links, main_links=main_links,
                                      has_password=has_password, has_date=page_moment is not None,
                                      has_lead=lead is not None,
                                      headed=structure.headed_article(title_node, lead, page_moment is not None, url))
    if reason:
        raise NotAnArticle(reason, url)
    if not text:
        raise ExtractionError(f"no article text in {url}")
    published, date_source, rejected = choose_date(
        page=page_moment, feed=hints.published, url=url_date(canonical or url), now=now,
        tolerance_minutes=future_tolerance_minutes,
    )
    origin = {"page": date_origin, "feed": "feed", "url": "url"}.get(date_source, "none")
    record: dict[str, Any] = {
        "url": url,
        "canonical_url": canonical,
        "title": title,
        "text": text,
        "author": author or normalize(getattr(doc, "author", "") or hints.author, keep_newlines=False),
        "published_at": iso(published),
        "date_source": date_source,
        "lang": detect_language(f"{title}\n{text}", declared),
        "site_name": normalize(site_name or getattr(doc, "sitename", "") or hints.site_name, keep_newlines=False),
        "image": _absolute(meta.get("og:image") or getattr(doc, "image", "") or hints.image, url),
        "fetched_at": iso(fetched_at or now),
        "raw_html_sha256": sha256_hex(body),
        "meta": {
            "description": meta.description or normalize(getattr(doc, "description", "") or hints.summary,
                                                         keep_newlines=False),
            "date_origin": origin,
            "lead_origin": lead.origin if lead else "none",
        },
    }
    if rejected:
        record["meta"]["future_date_rejected"] = rejected
    record["meta"]["extraction_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return record


def bounded_html(html: str, max_chars: int = MAX_HTML_CHARS) -> str:
    """The markup an extraction may afford: characters and character references XML cannot carry removed, scripts
    and styles emptied (JSON-LD kept), tags with absurdly many attributes cut to their name, and no more than
    ``max_chars`` characters."""
    def empty(match: re.Match[str]) -> str:
        tag, attrs, content = match.group(1), match.group(2), match.group(3)
        if "ld+json" in attrs.lower() and len(content) < 200_000:
            return match.group(0)
        return f"<{tag}{attrs}></{tag}>"

    html = xml_safe(html)
    if "&#" in html:
        html = _CHAR_REF.sub(_legal_reference, html)
    if len(html) > 50_000:
        html = _SCRIPT_OR_STYLE.sub(empty, html)
    if len(html) > MAX_TAG_CHARS:
        html = _LONG_TAG.sub(lambda m: f"<{m.group(1)}>", html)
    return html[:max_chars]


def _legal_reference(match: re.Match[str]) -> str:
    """A character reference kept when XML can carry its character, dropped otherwise."""
    number = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if number > 0x10FFFF or (number < 0x20 and number not in (0x9, 0xA, 0xD)) or 0xD800 <= number <= 0xDFFF \
            or number in (0xFFFE, 0xFFFF):
        return " " if number in (0xB, 0xC) else ""
    return match.group(0)


def _page_moment(metadata: datetime | None, origin: str, raw: str,
                 shown: tuple[Any, Any] | None) -> tuple[datetime | None, str]:
    """The page's publication time: its metadata, unless the metadata labels Vietnam's wall-clock time as
    UTC (the time shown on the page is then the same digits, seven hours apart); else the time shown."""
    seen = shown[0] if shown else None
    if metadata is not None:
        if (seen is not None and seen.has_time and not seen.zone_stated and not seen.relative
                and re.search(r"(Z|[+-]00:?00)$", raw.strip())
                and metadata - seen.moment == timedelta(hours=7)):
            return seen.moment, "text"
        return metadata, origin
    if seen is not None:
        return seen.moment, "text_relative" if seen.relative else "text"
    return None, ""


def _utc_label_ahead(moment: datetime | None, raw: str, now: datetime, tolerance_minutes: int) -> datetime | None:
    """A metadata time labelled UTC that lies up to seven hours ahead of the fetch is Vietnam's wall-clock
    time mislabelled (an article fetched minutes after it went out): read it as Vietnam time."""
    if moment is None or not re.search(r"(Z|[+-]00:?00)$", raw.strip()):
        return moment
    limit = now + timedelta(minutes=tolerance_minutes)
    shifted = moment - timedelta(hours=7)
    return shifted if moment > limit >= shifted else moment


def _with_lead(lead: str, body: str) -> str:
    """The lead first, then the body (without the lead again where the body already opens with it)."""
    if not lead:
        return body
    lead_flat, body_flat = structure.flat(lead), structure.flat(body)
    if body_flat.startswith(lead_flat):
        return body
    lines = body.split("\n")
    if lines and structure.flat(lines[0]) and lead_flat.startswith(structure.flat(lines[0])):
        lines = lines[1:]  # the body's first line is the lead cut short
    kept = [line for line in lines if structure.flat(line) != lead_flat]
    return "\n".join([lead, *kept]).strip()


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
