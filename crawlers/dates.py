"""Publication dates and where they came from: the page's own metadata, the feed, the URL, or none.

An analyst weighs a date by its origin (a date read from a URL has no time of day), so the origin travels
with the date. A date ahead of the fetch is misdated, never "news from the future": it is dropped and the
next origin is tried.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil import parser as dateparser
from lxml import html as lxml_html

from pipeline.core.timeutil import LOCAL_TZ

DATE_SOURCES = ("page", "feed", "url", "none")

# Metadata that names the publication time, in order of trust.
_META_NAMES = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dc.date.issued", "dcterms.issued", "dc.date", "date", "sailthru.date",
    "parsely-pub-date", "article.published", "created", "dcterms.created",
)
_DMY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[^\d]{1,6}(\d{1,2})[:hg](\d{2}))?")
_URL_DATES = (
    re.compile(r"(?<!\d)(20\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?!\d)"),
    # Vietnamese CMSs end article URLs with a timestamp: "-20251124153000123.htm", "-20251124.html".
    re.compile(r"-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(\d{2})?(\d{2})?\d*\.html?$"),
)


def parse_date(value: Any) -> datetime | None:
    """A datetime in UTC from ISO 8601, RFC 822 or Vietnamese day-first text; naive times are Vietnam time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        dmy = _DMY.search(text) if not re.match(r"^\d{4}-", text) else None
        try:
            if dmy:
                day, month, year, hour, minute = dmy.groups()
                moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
            else:
                moment = dateparser.parse(text)
        except (ValueError, OverflowError, TypeError):
            return None
        if moment is None:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


def page_date(tree: Any) -> datetime | None:
    """The publication time a page states in its metadata (meta tags, JSON-LD, itemprop, <time>)."""
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    for name in _META_NAMES:
        found = parse_date(metas.get(name))
        if found:
            return found
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        found = _jsonld_date(script)
        if found:
            return found
    for node in tree.xpath('//*[@itemprop="datePublished"]'):
        found = parse_date(node.get("content") or node.get("datetime") or node.text_content())
        if found:
            return found
    for node in tree.xpath("//time[@datetime]"):
        found = parse_date(node.get("datetime"))
        if found:
            return found
    return None


def _jsonld_date(text: str) -> datetime | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("datePublished"):
                return parse_date(node["datePublished"])
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
    return None


def url_date(url: str) -> datetime | None:
    """The day a URL spells out (local midnight, or the time when the URL carries one)."""
    for pattern in _URL_DATES:
        found = pattern.search(url)
        if found:
            parts = [int(p) if p else 0 for p in found.groups()]
            year, month, day = parts[:3]
            hour, minute = (parts[3], parts[4]) if len(parts) >= 5 else (0, 0)
            try:
                return datetime(year, month, day, hour if hour < 24 else 0, minute if minute < 60 else 0,
                                tzinfo=LOCAL_TZ).astimezone(UTC)
            except ValueError:
                return None
    return None


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
