"""The parts of an item the classifiers read: folded fields for the cue matchers, the short text they embed,
and the rows trained models read.

Evidence spans carry the field they were found in ("title" or "text") and offsets within that field, as
relevance does for places, so the dashboard can highlight them in place.
"""

from __future__ import annotations

from typing import Any

from classifiers.runtime.lexicon import Match, TermMatcher, written_with_diacritics
from pipeline.core.text import fold

FIELDS = ("title", "text")
# Labels that mean "yes, this flag/topic applies" in analysts' decisions and in binary training files.
POSITIVE_LABELS = ("confirmed", "yes", "1", "true", "positive")


class ItemText:
    def __init__(self, item: dict[str, Any]):
        self.fields: dict[str, str] = {}
        for name in FIELDS:
            value = item.get(name) or ""
            if value:
                self.fields[name] = value
        if "text" not in self.fields and item.get("lead"):
            self.fields["text"] = item["lead"]
        self._folded = {name: fold(value) for name, value in self.fields.items()}
        sample = " ".join(value[:3000] for value in self.fields.values())
        self.exact_diacritics = written_with_diacritics(sample)

    def find(self, matcher: TermMatcher) -> list[tuple[str, Match]]:
        out = []
        for name, value in self.fields.items():
            for match in matcher.find(value, folded=self._folded[name], exact_diacritics=self.exact_diacritics):
                out.append((name, match))
        return out

    def window(self, field_name: str, start: int, end: int, radius: int) -> str:
        value = self.fields.get(field_name, "")
        return value[max(0, start - radius): end + radius]


def needs_classification(item: dict[str, Any]) -> bool:
    """Relevant items that are not copies go through the classifiers; a copy joins its original's story."""
    return item.get("relevant") is not False and not item.get("duplicate_of")


def headline(item: dict[str, Any], max_chars: int = 400) -> str:
    """Title and lead: what claim matching, clusters and zero-shot topics embed (never the whole article)."""
    title = (item.get("title") or "").strip()
    lead = (item.get("lead") or "").strip()
    if not lead:
        text = (item.get("text") or "").strip()
        lead = next((p for p in text.split("\n") if p.strip()), "")
    if lead.startswith(title) and title:
        lead = lead[len(title):].strip()
    joined = f"{title}. {lead}" if title and lead else title or lead
    return joined[:max_chars]


def evidence_of(field_name: str, match: Match, detail: str, kind: str = "term") -> dict[str, Any]:
    return {"kind": kind, "field": field_name, "text": match.text, "start": match.start, "end": match.end,
            "detail": detail}


def model_rows(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows in the train/eval contract of classifiers.training.learn: what a trained model reads of an item."""
    return [{"title": item.get("title") or "", "text": item.get("text") or ""} for item in items]


def positive_probability(proba: dict[str, float], *also: str) -> float | None:
    """A binary model's probability of its positive label (or of one of ``also``), None when it has none."""
    for label in (*POSITIVE_LABELS, *also):
        if label in proba:
            return float(proba[label])
    return None
