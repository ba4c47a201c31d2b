"""Evidence spans of an item (places, topic terms, flag cues) and the text with them highlighted.

Everything that comes from a crawled page is HTML-escaped here before it is wrapped in our own markup, so a
title or text holding ``<script>`` or ``<img onerror=...>`` shows as text; the page never renders crawled HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from pipeline.core.text import fold
from pipeline.core.vocabulary import flag_stands


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # place | topic | flag | claim | tone
    label: str


def _locate(text: str, entry: dict[str, Any]) -> tuple[int, int] | None:
    """Where an evidence entry sits in ``text``: its offsets when they hold its words, else the first
    diacritic-insensitive occurrence of its words (offsets may be of a differently normalised text)."""
    snippet = str(entry.get("text") or entry.get("alias") or entry.get("name") or "")
    start, end = entry.get("start"), entry.get("end")
    offsets_valid = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
    if offsets_valid and (not snippet or fold(text[start:end]) == fold(snippet)):
        return start, end
    if snippet:
        found = fold(text).find(fold(snippet))
        if found >= 0:
            return found, found + len(snippet)
    return None


def evidence_spans(item: dict[str, Any], field_name: str, labels: dict[str, dict[str, str]]) -> list[Span]:
    """Spans of the evidence that points into ``field_name`` ("title" or "text") of the item."""
    text = item.get(field_name) or ""
    spans: list[Span] = []

    def add(entry: dict[str, Any], kind: str, label: str) -> None:
        if entry.get("field", "text") != field_name:  # evidence without a field points into the text
            return
        where = _locate(text, entry)
        if where:
            spans.append(Span(where[0], where[1], kind, label))

    for place in item.get("places") or []:
        add(place, "place", f"Địa danh: {place.get('name', '')}")
    for topic in item.get("topics") or []:
        for entry in topic.get("evidence") or []:
            if entry.get("kind", "term") == "term":
                add(entry, "topic", f"Chủ đề: {topic.get('label') or topic.get('id', '')}")
    for flag in item.get("flags") or []:
        if not flag_stands(flag):  # below threshold, or rejected by an analyst (kept as history only)
            continue
        name = labels.get("flags", {}).get(flag.get("name", ""), flag.get("name", ""))
        for entry in flag.get("evidence") or []:
            kind = entry.get("kind", "term")
            if kind in ("term", "claim"):
                add(entry, "claim" if kind == "claim" else "flag", f"Cảnh báo: {name}")
    tone = item.get("tone") or {}
    for entry in tone.get("evidence") or [] if isinstance(tone, dict) else []:
        if entry.get("kind", "term") == "term":
            add(entry, "tone", f"Sắc thái: {labels.get('tones', {}).get(tone.get('label', ''), '')}")
    return spans


def highlight_html(text: str, spans: list[Span]) -> str:
    """The text, escaped, with each evidence span in a <mark>; overlapping spans share the segment they
    overlap on and its tooltip lists every reason."""
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    parts: list[str] = []
    for left, right in zip(bounds, bounds[1:], strict=False):
        segment = html.escape(text[left:right])
        covering = [s for s in spans if s.start <= left and right <= s.end]
        if covering:
            kinds = " ".join(sorted({f"ev-{s.kind}" for s in covering}))
            title = html.escape("; ".join(dict.fromkeys(s.label for s in covering)), quote=True)
            parts.append(f'<mark class="{kinds}" title="{title}">{segment}</mark>')
        else:
            parts.append(segment)
    return "".join(parts).replace("\n", "<br>")
