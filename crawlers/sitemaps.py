"""Sitemaps: indexes, plain and Google News sitemaps, gzip or not, read without trusting the XML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from scrapy.utils.gz import gunzip

from crawlers.dates import parse_date


class SitemapError(ValueError):
    pass


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    modified: datetime | None = None
    published: datetime | None = None
    title: str = ""


@dataclass(frozen=True)
class Sitemap:
    is_index: bool
    entries: list[SitemapEntry]


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, max_size: int) -> Sitemap:
    """Entries of a sitemap or sitemap index; gzip bodies are inflated up to ``max_size`` bytes."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, ValueError) as exc:
            raise SitemapError(f"bad gzip sitemap: {exc}") from exc
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML: {exc}") from exc
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise SitemapError("not a sitemap (no urlset or sitemapindex)")
    entries = []
    for node in root:
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name and child.text and child.text.strip() and name not in fields:
                fields[name] = child.text.strip()
        loc = fields.get("loc", "")
        if loc.startswith(("http://", "https://")):
            entries.append(SitemapEntry(
                loc=loc, modified=parse_date(fields.get("lastmod")),
                published=parse_date(fields.get("publication_date")), title=fields.get("title", ""),
            ))
    return Sitemap(is_index=_local(root.tag) == "sitemapindex", entries=entries)
