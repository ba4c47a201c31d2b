"""Finding listed terms in Vietnamese text, with their spans: the evidence every rule-based score points to.

Matching runs on :func:`pipeline.core.text.fold` (no diacritics, lower case, same length as the text), so offsets
found there are offsets in the original. Folding alone would make "Tày" (an ethnic group) match "tay" (hand)
and "Dao" match "dao" (knife); so when the text itself is written with diacritics, a match must also agree
with the term's diacritics. Text written without diacritics ("bien gioi") matches on the folded form alone.
Hyphens, dashes and spacing inside a term are free ("Việt - Trung", "Việt-Trung", "Việt – Trung").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from classifiers import DATA_DIR
from pipeline.core.text import fold, normalize

# The C loader when PyYAML has it: the pure-Python one spends a third of a second on the data files at start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Below this share of letters carrying diacritics, a text counts as written without them.
_DIACRITIC_TEXT_SHARE = 0.03
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015'\u2019.]+")
_APOSTROPHES = "'\u2019\u2018`"


@dataclass(frozen=True)
class Term:
    """One listed term and what it stands for (a topic, a cue...) with its weight."""

    text: str
    payload: Any = None
    weight: float = 1.0
    case_sensitive: bool = False


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str  # the span as written in the document
    term: Term


@dataclass
class _Entry:
    terms: list[Term] = field(default_factory=list)


def _term_pattern(folded: str) -> str:
    """A regex for one folded term where separators inside it may vary."""
    parts = [p for p in _SEPARATORS.split(folded) if p]
    seps = _SEPARATORS.findall(folded)
    out = []
    for index, part in enumerate(parts):
        out.append(re.escape(part))
        if index < len(parts) - 1:
            sep = seps[index] if index < len(seps) else " "
            if any(ch in sep for ch in "-\u2010\u2011\u2012\u2013\u2014\u2015"):
                out.append(r"\s*[\-\u2010-\u2015]\s*")
            elif any(ch in sep for ch in _APOSTROPHES):
                out.append(r"['\u2019\u2018`]?\s*")
            elif "." in sep:
                out.append(r"\.?\s*")
            else:
                out.append(r"\s+")
    return "".join(out)


def _key(text: str) -> str:
    """Comparison key of a term or span: lower case, separators dropped, diacritics kept."""
    return _SEPARATORS.sub("", text.lower())


def written_with_diacritics(text: str) -> bool:
    letters = sum(1 for ch in text if ch.isalpha())
    if not letters:
        return False
    changed = sum(1 for a, b in zip(text.lower(), fold(text), strict=False) if a != b)
    return changed / letters >= _DIACRITIC_TEXT_SHARE


class TermMatcher:
    """All terms compiled into one alternation on folded text; leftmost-longest, whole words only."""

    def __init__(self, terms: Iterable[Term]):
        self._entries: dict[str, _Entry] = {}
        for term in terms:
            text = normalize(term.text, keep_newlines=False)
            if not text:
                continue
            term = Term(text, term.payload, term.weight, term.case_sensitive)
            self._entries.setdefault(_key(fold(text)), _Entry()).terms.append(term)
        patterns = sorted(
            {_term_pattern(fold(t.text)) for e in self._entries.values() for t in e.terms}, key=len, reverse=True
        )
        self._regex = re.compile(r"(?<![^\W_])(?:" + "|".join(patterns) + r")(?![^\W_])") if patterns else None

    def __len__(self) -> int:
        return sum(len(e.terms) for e in self._entries.values())

    def find(self, text: str, *, folded: str | None = None, exact_diacritics: bool | None = None) -> list[Match]:
        """Matches of every term (one per term agreeing with the span), in text order.

        ``folded`` and ``exact_diacritics`` may be passed when one text goes through several matchers.
        In text written without diacritics a one-syllable term that has them ("bão", "Tày") is skipped:
        its folded form ("bao", "tay") is too often another word.
        """
        if not self._regex or not text:
            return []
        if exact_diacritics is None:
            exact_diacritics = written_with_diacritics(text)
        if folded is None:
            folded = fold(text)
        out: list[Match] = []
        for m in self._regex.finditer(folded):
            span = text[m.start():m.end()]
            entry = self._entries.get(_key(m.group(0)))
            if entry is None:
                continue
            for term in entry.terms:
                if term.case_sensitive and not span[:1].isupper():
                    continue
                if exact_diacritics:
                    if _key(span) != _key(term.text):
                        continue
                elif " " not in term.text.strip() and fold(term.text) != term.text.lower():
                    continue
                out.append(Match(m.start(), m.end(), span, term))
        return out


def load_yaml(name: str) -> Any:
    """A data file of this package (lexicons, taxonomy) by file name."""
    path = DATA_DIR / name if not Path(name).is_absolute() else Path(name)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe loaders only


def to_terms(entries: Iterable[Any], default_payload: Any = None) -> list[Term]:
    terms = []
    for entry in entries:
        if isinstance(entry, str):
            terms.append(Term(entry, default_payload))
        else:
            terms.append(Term(entry["text"], entry.get("detail", default_payload), float(entry.get("weight", 1.0)),
                              bool(entry.get("case_sensitive", False))))
    return terms


def near(a: Match | tuple[int, int], b: Match | tuple[int, int], window: int) -> bool:
    """Two spans within ``window`` characters of each other."""
    a0, a1 = (a.start, a.end) if isinstance(a, Match) else a
    b0, b1 = (b.start, b.end) if isinstance(b, Match) else b
    return a0 - window <= b1 and b0 - window <= a1
