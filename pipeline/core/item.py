"""What an item is: the record every stage reads and writes, and its identity.

An item's id is the hash of its normalised URL (as in Media Cloud), so re-ingesting a page is harmless and
both backends agree on ids. Fields (all optional but ``id`` and ``url``)::

    id, url, url_key, canonical_url, source, source_kind, reputation, title, text, lead, author, site_name,
    image, lang, published_at, date_source, fetched_at, ingested_at, processed_at, content_hash,
    relevant (bool), places [{name, alias, kind, start, end, field}], relevance_reason,
    duplicate_of, cluster_id, topics [{id, label, score, evidence}], tone {label, score, evidence},
    flags [{name, score, evidence}], urgency (float), urgency_reasons [str],
    status (codes of pipeline/core/vocabulary.yaml), assignee, notes, meta {...}
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.core import vocabulary
from pipeline.core.text import fold
from pipeline.core.timeutil import format_vn

# Query parameters that only track where a reader came from; they never change the page.
TRACKING_PARAMS = frozenset({
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "fbclid", "gclid",
    "zarsrc", "zacc", "gidzl", "ref", "refer", "src", "from", "mc_cid", "mc_eid", "_ga", "oc", "cid",
})


def normalize_url(url: str) -> str:
    """The form two links to the same page share: lower-case scheme and host, no default port, no
    fragment, no tracking parameters, remaining parameters sorted, no trailing slash on a path."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if k.lower() not in TRACKING_PARAMS))
    # http and https copies of a page are one page.
    return urlunsplit(("https" if scheme in ("http", "https") else scheme, host, path, query, ""))


def url_key(url: str) -> str:
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:32]


def item_id(url: str) -> str:
    return url_key(url)


def content_hash(title: str, text: str) -> str:
    """Exact-duplicate key of normalised content: folded words, so whitespace, case and tone-mark style
    differ freely."""
    body = " ".join(fold(f"{title}\n{text}").split())
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def published_text(item: dict[str, Any], with_time: bool = True) -> str:
    """When an item was published, as the interface and the documents show it; "không rõ ngày" when the page,
    its feed and its URL said nothing (the fetch time is never shown as a publication date)."""
    if item.get("published_at") and item.get("date_source") != "none":
        return format_vn(item["published_at"], with_time=with_time)
    return vocabulary.text("date_sources", "none")
# Where a title ends when an untitled post's first sentence stands in for it: a whole sentence is kept up
# to this many characters, a longer one is cut at a word and marked "…".
DISPLAY_TITLE_CHARS = 120
UNTITLED = "(không có tiêu đề)"
_FIRST_SENTENCE = re.compile(r"(?<=[.!?…])[\"”’)]?\s+|\n+")
_LINKS = re.compile(r"https?://\S+|www\.\S+")


def display_title(item: dict[str, Any]) -> str:
    """What an item is called wherever a person sees it: its title, or for an untitled post (most social
    posts) its first sentence, shortened; never a blank line or a bare URL when there is text to show.

    Shown, not stored: the item keeps the title its source gave (none), so nothing pretends the outlet wrote it.
    """
    title = " ".join(html.unescape(str(item.get("title") or "")).split())
    if title:
        return title
    text = _LINKS.sub(" ", html.unescape(str(item.get("text") or item.get("lead") or ""))).strip()
    for sentence in _FIRST_SENTENCE.split(text):
        sentence = " ".join(sentence.split()).strip(" -–—:;,")
        if sum(ch.isalnum() for ch in sentence) >= 3:
            if len(sentence) <= DISPLAY_TITLE_CHARS:
                return sentence
            cut = sentence[:DISPLAY_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
            return f"{cut} …"
    url = urlsplit(str(item.get("url") or ""))
    if url.netloc:
        return f"{url.netloc}{url.path}".rstrip("/")
    return UNTITLED
