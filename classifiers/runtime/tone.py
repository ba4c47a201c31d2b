"""Tone toward the province (tích cực / trung lập / tiêu cực) for the image-monitoring duty.

Tone is about the province, not the article: a cue counts fully when it is near one of the province's
places (the ``places`` relevance found, with offsets) and only a little when it is elsewhere. Cues are the
lexicon in ``data/tone_lexicon.yaml``; a negator just before a cue turns it around, a "fighting against"
word before a negative cue cancels it. When the home has a model trained on analysts' tone labels, its
probabilities are mixed with the lexicon's, the lexicon weighing in proportion to the cues it found.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from classifiers.runtime.itemtext import ItemText, evidence_of, model_rows
from classifiers.runtime.lexicon import Match, TermMatcher, load_yaml, to_terms
from pipeline.core.text import fold

LABELS = ("tich_cuc", "trung_lap", "tieu_cuc")
LABEL_VN = {"tich_cuc": "tích cực", "trung_lap": "trung lập", "tieu_cuc": "tiêu cực"}
LEXICON_FILE = "tone_lexicon.yaml"
_PREVIOUS_WORDS = 3
_SENTENCE_END = re.compile(r"[.!?;\n](?:\s|$)")


@dataclass
class _Cue:
    field: str
    match: Match
    polarity: int  # +1 positive, -1 negative, after negation
    weight: float
    note: str


class ToneClassifier:
    def __init__(self, lexicon: dict[str, Any] | None = None, model: Any = None):
        lex = lexicon or load_yaml(LEXICON_FILE)
        self.positive = TermMatcher(to_terms(lex["positive"], "positive"))
        self.negative = TermMatcher(to_terms(lex["negative"], "negative"))
        self.negators = _phrase_regex(lex.get("negators", []))
        self.not_negators = _phrase_regex(lex.get("not_negators", []))
        self.neutralizers = _phrase_regex(lex.get("neutralizers", []))
        self.window = int(lex.get("window", 220))
        self.far_weight = float(lex.get("far_weight", 0.3))
        self.title_weight = float(lex.get("title_weight", 1.5))
        self.neutral_prior = float(lex.get("neutral_prior", 0.8))
        self.model = model

    def classify(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.classify_batch([item])[0]

    def classify_batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        model_probs = self._model_probs(items)
        return [self._one(item, model_probs[i] if model_probs else None) for i, item in enumerate(items)]

    def _one(self, item: dict[str, Any], model_prob: dict[str, float] | None) -> dict[str, Any]:
        text = ItemText(item)
        places = [(p.get("field") or "text", int(p["start"]), int(p["end"])) for p in item.get("places") or []
                  if p.get("start") is not None and p.get("end") is not None]
        cues = self._cues(text, places)
        pos = sum(c.weight for c in cues if c.polarity > 0)
        neg = sum(c.weight for c in cues if c.polarity < 0)
        total = pos + neg + self.neutral_prior
        dist = {"tich_cuc": pos / total, "tieu_cuc": neg / total, "trung_lap": self.neutral_prior / total}
        evidence = [evidence_of(c.field, c.match, c.note) for c in sorted(cues, key=lambda c: -c.weight)[:10]]
        if model_prob:
            # The lexicon speaks in proportion to the cues it found; with none, the model decides.
            share = (pos + neg) / (pos + neg + 1.0)
            dist = {label: share * dist[label] + (1 - share) * float(model_prob.get(label, 0.0)) for label in LABELS}
            best = max(model_prob, key=model_prob.get)
            evidence.append({"kind": "model", "text": "", "start": None, "end": None,
                             "detail": f"mô hình học từ nhãn của cán bộ: {LABEL_VN.get(best, best)} "
                                       f"({model_prob[best]:.2f})"})
        label = max(LABELS, key=lambda k: dist[k])
        summary = (f"tín hiệu tích cực {pos:.1f}, tiêu cực {neg:.1f} "
                   f"({'gần địa danh của tỉnh' if places else 'không có vị trí địa danh, tính nhẹ'})")
        evidence.insert(0, {"kind": "model", "text": "", "start": None, "end": None, "detail": summary})
        return {"label": label, "score": round(dist[label], 3), "evidence": evidence}

    def _cues(self, text: ItemText, places: list[tuple[str, int, int]]) -> list[_Cue]:
        cues: list[_Cue] = []
        # Characters already read as part of a cue, per field: checking a span costs its length, not the number
        # of cues found so far (a 1 MB text has thousands: comparing each with all was quadratic).
        taken = {name: bytearray(len(value)) for name, value in text.fields.items()}
        nearby = _PlaceIndex(places)
        found = [(f, m, 1) for f, m in text.find(self.positive)] + [(f, m, -1) for f, m in text.find(self.negative)]
        # Longer cues first, so "thông tin sai sự thật" is not also read as its parts.
        found.sort(key=lambda x: -(x[1].end - x[1].start))
        for field_name, match, polarity in found:
            covered = taken[field_name]
            if 1 in covered[match.start:match.end]:
                continue
            covered[match.start:match.end] = b"\x01" * (match.end - match.start)
            before = fold(" ".join(text.fields[field_name][max(0, match.start - 40):match.start].split()[-_PREVIOUS_WORDS:]))
            note = "tích cực" if polarity > 0 else "tiêu cực"
            if polarity < 0 and self.neutralizers.search(before):
                continue
            if self.negators.search(before) and not self.not_negators.search(before):
                polarity = -polarity
                note = f"bị phủ định, thành {'tích cực' if polarity > 0 else 'tiêu cực'}"
            near = any(_same_sentence(text.fields[field_name], s, e, match, self.window)
                       for s, e in nearby.around(field_name, match.start - self.window, match.end + self.window))
            weight = match.term.weight * (1.0 if near else self.far_weight)
            if field_name == "title":
                weight *= self.title_weight
            where = "gần địa danh của tỉnh" if near else "xa địa danh của tỉnh"
            cues.append(_Cue(field_name, match, polarity, weight, f"{note}, {where} (trọng số {weight:.2f})"))
        return cues

    def _model_probs(self, items: list[dict[str, Any]]) -> list[dict[str, float]] | None:
        if self.model is None:
            return None
        return self.model.predict_proba(model_rows(items))


class _PlaceIndex:
    """Places of the province by field, sorted, so a cue looks only at the places within its window."""

    def __init__(self, places: list[tuple[str, int, int]]):
        self.spans: dict[str, list[tuple[int, int]]] = {}
        for field_name, start, end in places:
            self.spans.setdefault(field_name, []).append((start, end))
        self.starts: dict[str, list[int]] = {}
        self.longest: dict[str, int] = {}
        for field_name, spans in self.spans.items():
            spans.sort()
            self.starts[field_name] = [start for start, _ in spans]
            self.longest[field_name] = max(end - start for start, end in spans)

    def around(self, field_name: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """Places of a field that overlap [lo, hi]."""
        spans = self.spans.get(field_name)
        if not spans:
            return []
        starts = self.starts[field_name]
        first = bisect.bisect_left(starts, lo - self.longest[field_name])
        last = bisect.bisect_right(starts, hi)
        return [(start, end) for start, end in spans[first:last] if end >= lo]


def _same_sentence(value: str, start: int, end: int, match: Match, window: int) -> bool:
    """A cue speaks about a place when both are in one sentence, no farther apart than ``window``."""
    if match.start - window > end or start - window > match.end:
        return False
    lo, hi = min(start, match.start), max(end, match.end)
    return _SENTENCE_END.search(value, lo, hi) is None


def _phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(fold(p)).replace(r"\ ", r"\s*") for p in phrases}, key=len, reverse=True)
    if not alternatives:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")
