"""Search feeds built from the province profile (Google News RSS search), and finding the real article
behind an aggregator's link."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

from lxml import html as lxml_html

_URL_BYTES = re.compile(rb"https?://[\x21-\x7e]+")


def search_urls(template: str, queries: list[str]) -> list[str]:
    """One search-feed URL per query (``{query}`` in the template is replaced by the encoded query)."""
    return [template.replace("{query}", quote_plus(q)) for q in dict.fromkeys(q.strip() for q in queries) if q]


def decode_article_url(link: str) -> str | None:
    """The publisher's URL carried inside an aggregator link: Google News' base64 article token
    (``/articles/CBMi...``) or a ``url=`` parameter (Bing's click links). None when it is not in the link."""
    parts = urlsplit(link)
    for key in ("url", "u"):
        value = parse_qs(parts.query).get(key)
        if value and value[0].startswith(("http://", "https://")):
            return value[0]
    match = re.search(r"/articles/([A-Za-z0-9_-]+)", parts.path)
    if not match:
        return None
    token = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    found = _URL_BYTES.search(raw)
    return found.group(0).decode("ascii") if found else None


def resolve_from_page(html: str, page_url: str) -> str | None:
    """The publisher link on an aggregator's interstitial page (data-n-au, a refresh, or the only
    off-site link), or None."""
    try:
        tree = lxml_html.fromstring(html)
    except ValueError:
        return None
    for value in tree.xpath("//@data-n-au"):
        if value.startswith(("http://", "https://")):
            return value
    for content in tree.xpath('//meta[translate(@http-equiv,"REFSH","refsh")="refresh"]/@content'):
        found = re.search(r"url\s*=\s*['\"]?([^'\";]+)", content, re.IGNORECASE)
        if found:
            return urljoin(page_url, found.group(1).strip())
    own = urlsplit(page_url).netloc
    external = {urljoin(page_url, h) for h in tree.xpath("//a/@href")}
    external = {h for h in external if h.startswith(("http://", "https://")) and urlsplit(h).netloc != own}
    return external.pop() if len(external) == 1 else None


def strip_publisher(title: str, publisher: str) -> str:
    """Google News titles end with " - Publisher"."""
    if publisher and title.endswith(f" - {publisher}"):
        return title[: -len(publisher) - 3].strip()
    return title
