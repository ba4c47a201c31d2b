"""The parts of an item the classifiers read: folded fields for the cue matchers, the short text they embed,
and the rows trained models read.

Evidence spans carry the field they were found in ("title" or "text") and offsets within that field, as
relevance does for places, so the dashboard can highlight them in place.
"""

from __future__ import annotations

import re
from typing import Any

from classifiers.runtime.lexicon import Match, TermMatcher, written_with_diacritics
from pipeline.core.skeleton import match_view, skeleton
from pipeline.core.text import fold, record_without_marks

FIELDS = ("title", "text")
# Labels that mean "yes, this flag/topic applies" in analysts' decisions and in binary training files.
POSITIVE_LABELS = ("confirmed", "yes", "1", "true", "positive")


class ItemText:
    """An item's title and text as matchers read them: spellings that dodge filters undone
    (:mod:`pipeline.core.skeleton`), while every match's offsets and text are those of the text as written."""

    def __init__(self, item: dict[str, Any]):
        self.fields: dict[str, str] = {}
        for name in FIELDS:
            value = item.get(name) or ""
            if value:
                self.fields[name] = value
        if "text" not in self.fields and item.get("lead"):
            self.fields["text"] = item["lead"]
        self.views = {name: match_view(value) for name, value in self.fields.items()}
        self._folded = {name: fold(view.text) for name, view in self.views.items()}
        sample = " ".join(view.text[:3000] for view in self.views.values())
        self.exact_diacritics = written_with_diacritics(sample)

    def find(self, matcher: TermMatcher) -> list[tuple[str, Match]]:
        out = []
        for name, view in self.views.items():
            for match in matcher.find(view.text, folded=self._folded[name], exact_diacritics=self.exact_diacritics):
                if view.changed:
                    start, end = view.span(match.start, match.end)
                    match = Match(start, end, view.original[start:end], match.term)
                out.append((name, match))
        return out

    def window(self, field_name: str, start: int, end: int, radius: int) -> str:
        value = self.fields.get(field_name, "")
        return value[max(0, start - radius): end + radius]


def needs_classification(item: dict[str, Any]) -> bool:
    """Relevant items that are not copies get topics and tone (toward the province); a copy joins its
    original's story."""
    return item.get("relevant") is not False and not item.get("duplicate_of")


def needs_triage(item: dict[str, Any]) -> bool:
    """Every item that is not a copy gets flags and claim matching, whether or not it names the province: a
    viral false claim or a scam matters before it reaches the province (the national view, "Toàn quốc")."""
    return not item.get("duplicate_of")


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


# A preamble before the claim itself: "Tin nóng:", "CHIA SẺ GẤP!!!", "Theo một nguồn tin riêng,".
_PREAMBLE = re.compile(r"(?i)^\s*(?:(?:tin nóng|tin khẩn|khẩn|nóng|chia sẻ gấp|share gấp|cảnh báo|mới nhất|"
                       r"breaking|tin hot|hot|nghe nói|nghe đồn)\b[\s:!.\-–—]*)+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
CLAIM_WINDOWS = 4


def claim_windows(item: dict[str, Any], max_chars: int = 120) -> list[str]:
    """What claim matching embeds for an item: its headline (title and lead, as the thresholds were calibrated
    on), then up to three sentences of the title and lead on their own, preambles cut, so a claim stated after
    "Tin nóng: theo một nguồn tin riêng, ..." or in the second sentence is compared as it is written."""
    first = skeleton(headline(item, max_chars))
    out = [first]
    text = (item.get("lead") or item.get("text") or "")[:600]
    for part in [item.get("title") or "", *_SENTENCE_END.split(text)]:
        sentence = _PREAMBLE.sub("", skeleton(part)).strip()
        if len(sentence) >= 20 and sentence[:max_chars] not in out and len(out) < CLAIM_WINDOWS:
            out.append(sentence[:max_chars])
    return out


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


def written_plain(row: dict[str, Any]) -> bool:
    """Whether a model row's title and text are written without diacritics (a social post, an old copy)."""
    return not written_with_diacritics(f"{row.get('title') or ''} {(row.get('text') or '')[:3000]}")


def predict_by_writing(model: Any, plain_model: Any,
                       rows: list[dict[str, Any]]) -> tuple[list[dict[str, float]], list[bool]]:
    """Each row's probabilities from ``model``, or, for a row written without diacritics, from ``plain_model``:
    the shipped section and tone models' twins trained on their rows with the marks stripped, which read such
    text where the models for written text find few of their words (classifiers/EVALUATION.md). The twin reads
    the row stripped of any mark left, as it was trained. Also which rows the twin read (the evidence says so)."""
    plain = [plain_model is not None and written_plain(row) for row in rows]
    out: list[dict[str, float]] = [{} for _ in rows]
    for which, reader in ((False, model), (True, plain_model)):
        index = [i for i, is_plain in enumerate(plain) if is_plain == which]
        if not index:
            continue
        read = [record_without_marks(rows[i]) if which else rows[i] for i in index]
        for i, proba in zip(index, reader.predict_proba(read), strict=True):
            out[i] = proba
    return out, plain
