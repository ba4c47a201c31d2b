"""Publication dates and where they came from: the page's own metadata, the feed, the URL, or none.

An analyst weighs a date by its origin (a date read from a URL has no time of day), so the origin travels
with the date. A date ahead of the fetch is misdated, never "news from the future": it is dropped and the
next origin is tried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil import parser as dateparser
from lxml import html as lxml_html

from pipeline.core.dates import date_in_url, parse_vn_date
from pipeline.core.timeutil import LOCAL_TZ

# Metadata that names the publication time, in order of trust.
_META_NAMES = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dc.date.issued", "dcterms.issued", "dc.date", "date", "sailthru.date",
    "parsely-pub-date", "article.published", "created", "dcterms.created",
)
_ISO_START = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")


def parse_date(value: Any) -> datetime | None:
    """A datetime in UTC from ISO 8601, RFC 822 or Vietnamese day-first text (``pipeline.dates``); naive
    times are Vietnam time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if not _ISO_START.match(text):
            found = parse_vn_date(text)
            if found is not None:
                return found
        try:
            moment = dateparser.parse(text)
        except (ValueError, OverflowError, TypeError):
            return None
        if moment is None:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    try:
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def page_date_detail(tree: Any, *, foreign: Callable[[Any], bool] | None = None) -> tuple[datetime | None, str, str]:
    """The publication time a page's metadata states, where it was read ("meta:article:published_time",
    "jsonld", "itemprop", "time") and the raw value; (None, "", "") when the metadata says nothing."""
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    for name in _META_NAMES:
        found = parse_date(metas.get(name))
        if found:
            return found, f"meta:{name}", metas[name]
    found, raw = _jsonld_date(tree.xpath('//script[@type="application/ld+json"]/text()'))
    if found:
        return found, "jsonld", raw
    for node in tree.xpath('//*[@itemprop="datePublished"]'):
        raw = node.get("content") or node.get("datetime") or node.text_content()
        found = parse_date(raw)
        if found:
            return found, "itemprop", raw
    for node in tree.xpath("//time[@datetime]"):
        # A ticker in the header, the "Tin mới" column or a teaser's time is another article's date
        # (``foreign`` recognises those: crawlers.structure reads the page's layout).
        if node.xpath("ancestor::*[contains(@class,'relate') or contains(@class,'lien-quan') or "
                      "contains(@class,'other') or contains(@class,'comment')]"):
            continue
        if foreign is not None and foreign(node):
            continue
        found = parse_date(node.get("datetime"))
        if found:
            return found, "time", node.get("datetime")
    return None, "", ""


def _jsonld_date(scripts: list[str]) -> tuple[datetime | None, str]:
    """The article's datePublished from the page's JSON-LD blocks: an Article's (NewsArticle, BlogPosting...)
    before any other object's (a VideoObject's uploadDate, a WebPage's date), whatever order the blocks
    come in."""
    best: tuple[int, datetime, str] | None = None
    for text in scripts:
        data = loads_lenient(text)
        if data is None:
            continue
        stack = [data]
        while stack:
            node = stack.pop(0)
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                kind = node.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                rank = 0 if any(isinstance(k, str) and k.endswith(("Article", "Posting", "Report")) for k in kinds) else 1
                for key in ("datePublished", "uploadDate", "dateCreated"):
                    if node.get(key) and (best is None or rank < best[0]):
                        found = parse_date(node[key])
                        if found:
                            best = (rank, found, str(node[key]))
                            break
                if best is not None and best[0] == 0:
                    return best[1], best[2]
                stack.extend(v for v in node.values() if isinstance(v, dict | list))
    return (best[1], best[2]) if best else (None, "")


_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$")


def loads_lenient(text: str) -> Any:
    """JSON-LD as pages ship it: wrapped in CDATA or an HTML comment, with raw newlines in strings or
    trailing commas. None when it still cannot be read."""
    text = _CDATA.sub("", text or "")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:
        return json.loads(re.sub(r",\s*([}\]])", r"\1", text.replace("\n", " ")), strict=False)
    except ValueError:
        return None


def url_date(url: str) -> datetime | None:
    """The day a URL spells out (local midnight, or the time when the URL carries one)."""
    return date_in_url(url)


def choose_date(
    *, page: datetime | None, feed: datetime | None, url: datetime | None, now: datetime, tolerance_minutes: int
) -> tuple[datetime | None, str, list[str]]:
    """The first credible date in order of trust, its origin, and the origins rejected as future dates."""
    limit = now + timedelta(minutes=tolerance_minutes)
    rejected = []
    for origin, moment in (("page", page), ("feed", feed), ("url", url)):
        if moment is None:
            continue
        if moment > limit:
            rejected.append(origin)
            continue
        return moment, origin, rejected
    return None, "none", rejected


def parse_html_tree(text: str) -> Any:
    return lxml_html.fromstring(text) if text.strip() else lxml_html.fromstring("<html></html>")
