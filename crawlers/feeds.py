"""Feeds (RSS 2.0, Atom, RDF, YouTube channel feeds) parsed with feedparser into plain entries.

Feeds are often malformed (feedparser's "bozo") or labelled with the wrong charset; an entry that can be
read is an entry, so the bytes are decoded by ``crawlers.decoding`` first and a bozo feed still gives its
entries. Only a feed with no entry at all *and* a parse error is an error.
"""

from __future__ import annotations

import calendar
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import html as lxml_html

from crawlers.decoding import as_utf8_xml, decode_body
from pipeline.core.text import normalize


class FeedError(ValueError):
    """Not a feed, or a feed too broken to give a single entry."""


@dataclass
class FeedEntry:
    url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    author: str = ""
    image: str = ""
    publisher: str = ""
    publisher_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Feed:
    title: str
    entries: list[FeedEntry]
    problem: str = ""  # feedparser's bozo message, when the feed was malformed but readable


def _moment(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _image(entry: Any) -> str:
    for key in ("media_thumbnail", "media_content"):
        for media in entry.get(key) or []:
            if media.get("url"):
                return media["url"]
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image"):
            return link.get("href", "")
    return ""


def _clean(html_or_text: str) -> str:
    """Feed summaries carry HTML and entities; the text is what a reader sees."""
    if "<" in html_or_text:
        with contextlib.suppress(ValueError):
            html_or_text = lxml_html.fromstring(f"<div>{html_or_text}</div>").text_content()
    return normalize(html_or_text, keep_newlines=False)


def parse_feed(body: bytes, content_type: str | None = None) -> Feed:
    text = decode_body(body, content_type)
    parsed = feedparser.parse(
        as_utf8_xml(text.lstrip()), response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False, resolve_relative_uris=False,
    )
    problem = str(parsed.get("bozo_exception") or "") if parsed.get("bozo") else ""
    if not parsed.entries:
        if problem or not parsed.get("version"):
            raise FeedError(f"not a readable feed: {problem or 'no feed elements'}")
        return Feed(title=_clean(parsed.feed.get("title", "")), entries=[])
    entries = []
    for entry in parsed.entries:
        link = (entry.get("link") or entry.get("id") or "").strip()
        if not link.startswith(("http://", "https://")):
            continue
        source = entry.get("source") or {}
        extra = {k: entry[k] for k in ("yt_videoid", "yt_channelid") if entry.get(k)}
        entries.append(FeedEntry(
            url=link,
            title=_clean(entry.get("title", "")),
            summary=_clean(entry.get("summary", "") or entry.get("media_description", "")),
            published=_moment(entry),
            author=_clean(entry.get("author", "")),
            image=_image(entry),
            publisher=_clean(source.get("title", "")),
            publisher_url=source.get("href", "") or source.get("url", ""),
            extra=extra,
        ))
    return Feed(title=_clean(parsed.feed.get("title", "")), entries=entries, problem=problem)
