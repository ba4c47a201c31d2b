"""Where a search matched: the words of a query found in a text (diacritics and case ignored, as the index
matches them), a short passage around the first match with the matches marked, and the ranking of the
best candidates (title and lead matches and recent items first). Both backends and every screen use these,
so the command line and the dashboard show the same passage.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.core.store.query import And, Node, Or, Phrase, Term, parse_query
from pipeline.core.text import fold
from pipeline.core.timeutil import now_utc, parse_iso

# Characters of context shown around the first match.
SNIPPET_CHARS = 240
# Ranking of a search by relevance: the search engine's score, times these when the title / the lead (the
# first LEAD_CHARS of the text) holds a searched word, times a recency factor that halves an item's weight
# every RECENCY_HALF_LIFE_DAYS of age down to RECENCY_FLOOR.
TITLE_FACTOR = 1.6
LEAD_FACTOR = 1.3
LEAD_CHARS = 400
RECENCY_HALF_LIFE_DAYS = 14.0
RECENCY_FLOOR = 0.35
# How many of the engine's best candidates are re-ranked (beyond them the engine's own order stands).
RERANK_POOL = 200


def _leaves(node: Node | None, out: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    if isinstance(node, Term):
        out.append((node.word,))
    elif isinstance(node, Phrase):
        out.append(node.words)
    elif isinstance(node, And | Or):
        for child in node.children:
            _leaves(child, out)
    return out  # a NOT's words are what the reader did not want: never highlighted


def pattern_of(query: str | Node | None) -> re.Pattern[str] | None:
    """A regular expression over folded text matching every searched word or phrase, longest first."""
    node = parse_query(query) if isinstance(query, str) else query
    leaves = sorted(set(_leaves(node, [])), key=lambda words: -sum(len(w) for w in words))
    if not leaves:
        return None
    alternatives = [r"[\W_]+".join(re.escape(word) for word in words) for words in leaves]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def find_matches(text: str, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Spans of ``text`` (NFC) where the query matched; fold() keeps offsets, so they hold in the original."""
    if pattern is None or not text:
        return []
    return [match.span() for match in pattern.finditer(fold(_nfc(text)))]


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)  # spans within ``text``

    def marked(self, before: str = "«", after: str = "»") -> str:
        """The passage with each match wrapped (plain text for a terminal or a JSON line)."""
        out, last = [], 0
        for start, end in self.highlights:
            out += [self.text[last:start], before, self.text[start:end], after]
            last = end
        return "".join(out) + self.text[last:]


def snippet(text: str, query: str | Node | None, width: int = SNIPPET_CHARS) -> Snippet:
    """A passage of about ``width`` characters around the first match (the text's start when nothing
    matched), cut at spaces, with the matches inside it."""
    text = " ".join(_nfc(text or "").split())
    if not text:
        return Snippet("")
    spans = find_matches(text, pattern_of(query) if not isinstance(query, re.Pattern) else query)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > max(first, start) else end
    prefix, suffix = ("… " if start else ""), (" …" if end < len(text) else "")
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, inside)


def _age_days(item: dict[str, Any], now: datetime) -> float | None:
    """Days since the item's first readable time; None when none is a date (a record stored by hand or by an
    older version may hold "hôm qua": search must still answer)."""
    for name in ("published_at", "fetched_at", "ingested_at"):
        try:
            moment = parse_iso(item.get(name) or None)
        except (ValueError, TypeError, OverflowError):
            continue
        if moment:
            return max(0.0, (now - moment).total_seconds() / 86400)
    return None


def rank(items: list[dict[str, Any]], scores: list[float], query: str | Node | None,
         now: datetime | None = None) -> list[dict[str, Any]]:
    """Items (with the engine's scores, same order) re-ordered: a searched word in the title or the lead
    counts more than one deep in the text, and a recent item more than an old one. An item without a date
    is weighed as the oldest."""
    now = now or now_utc()
    pattern = pattern_of(query)

    def weight(pair: tuple[dict[str, Any], float]) -> float:
        item, score = pair
        value = max(score, 1e-6)
        if find_matches(str(item.get("title") or ""), pattern):
            value *= TITLE_FACTOR
        lead = str(item.get("lead") or "") or str(item.get("text") or "")[:LEAD_CHARS]
        if find_matches(lead, pattern):
            value *= LEAD_FACTOR
        age = _age_days(item, now)
        recency = RECENCY_FLOOR if age is None else max(RECENCY_FLOOR, math.pow(0.5, age / RECENCY_HALF_LIFE_DAYS))
        return value * recency

    ordered = sorted(zip(items, scores, strict=True), key=weight, reverse=True)
    return [item for item, _ in ordered]
