"""Sections a source declares: the newsroom's own filing of an item, as evidence and as a training label.

A source record may say which section its items belong to, for the whole source or by URL:

- ``"section": "the_thao"`` — every item of the source (a sports paper);
- ``"sections": {"/suc-khoe": "y_te", "/phap-luat": "phap_luat"}`` — the first URL fragment found in the
  item's listing (the feed or section page it came from, ``meta.listing_url``) or in its own URL decides.

Section ids are those of the vocabulary ("sections"); a wrong id in a source is reported and ignored. The
topic stage adds a declared section as strong evidence, and ``diemtin classifier refresh`` learns from these
items (distant supervision: the office's own crawl labels itself).

Without a declaration, a folder of the item's own URL that names a section on most outlets
(``/suc-khoe/``, ``/phap-luat/``: setting ``classifiers.topic_url_sections``) is weaker evidence
(:func:`url_section`); it is not a training label, as outlets' desks are broader than ours.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from pipeline.core import vocabulary

log = logging.getLogger(__name__)


def declared_section(item: dict[str, Any], source: dict[str, Any] | None) -> str | None:
    """The section the item's source declares for it, or None."""
    if not source:
        return None
    known = vocabulary.codes("sections")
    rules = source.get("sections") or {}
    if isinstance(rules, dict) and rules:
        meta = item.get("meta") or {}
        where = " ".join(str(u) for u in (meta.get("listing_url"), item.get("url")) if u).lower()
        for fragment, section in rules.items():
            if str(fragment).lower() in where:
                if section in known:
                    return str(section)
                log.warning("source %s declares an unknown section %r", source.get("id"), section)
    section = source.get("section")
    if section:
        if section in known:
            return str(section)
        log.warning("source %s declares an unknown section %r", source.get("id"), section)
    return None


def url_section(url: str | None, folders: dict[str, str]) -> tuple[str, str] | None:
    """(section, folder) for the first folder of ``url``'s path that names a section, or None. Only whole
    folders count, never the last segment (the article's slug) or words inside a folder name."""
    if not url:
        return None
    path = urlsplit(url).path.lower()
    for segment in path.strip("/").split("/")[:-1]:
        section = folders.get(segment)
        if section:
            return section, segment
    return None


class DeclaredSections:
    """Looks sources up once per run and sets ``declared_section`` on items whose source declares one."""

    def __init__(self) -> None:
        self._sources: dict[str, dict[str, Any] | None] = {}

    def apply(self, items: list[dict[str, Any]], store: Any) -> None:
        for item in items:
            source_id = item.get("source") or ""
            if not source_id:
                continue
            if source_id not in self._sources:
                self._sources[source_id] = store.get_record("sources", source_id) if store is not None else None
            section = declared_section(item, self._sources[source_id])
            if section:
                item["declared_section"] = section
