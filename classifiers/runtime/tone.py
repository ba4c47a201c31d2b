"""Tone toward the province (tích cực / trung lập / tiêu cực): how an item reflects on the province's people,
authorities, economy and image, which is not the polarity of its words.

How an item is read (every step is linear in the text, and the body is capped):

1. **Where to read.** The title and the lead say what happened; the body adds its first ``body_chars``
   characters. Bylines, photo credits and other short unpunctuated lines are skipped.
2. **Whom a sentence is about.** A sentence that names one of the province's places (relevance found them,
   with offsets) is about the province; one that names another province or a country and none of ours is
   about someone else and counts little, and so do the sentences after it in its paragraph that name no place
   ("Ở Lạng Sơn, lũ quét... Nhiều nhà bị cuốn trôi."); the title and lead of an item about the province are
   about it. A one-word place inside a longer name ("Đức" in "Thủ Đức") is not elsewhere.
3. **What happened.** Cues of ``data/tone_lexicon.yaml`` are grouped by event kind (disaster, accident,
   epidemic, crime, violation, failure, complaint; achievement, recognition, growth, opening, support,
   image), so the event weighs in whatever words the writer chose. "tăng"/"giảm" are read with what rises
   or falls ("số vụ tai nạn giảm" is good news, "giá thép tăng" bad news); a negator right before a cue, in its
   clause, turns it around, a "fighting against" word cancels a negative one; contest verbs turn around when
   the province comes after them and a name right before them ("Hà Nội thắng Thái Nguyên"). A cue written as a
   name inside a sentence ("ông Nguyễn Chiến Thắng", "GS Đạt") is no cue. Routine frames (meetings, notices)
   weigh toward neutral.
4. **Passing mentions.** An item that names the province only in a list of provinces, or only once, late,
   among other places (a national article) is neutral: the news is about someone else. Named once in an item
   that names no other place, it is usually the province's own news ("trên địa bàn tỉnh"): the model decides.
   Beside these rules, a small model of where the province is named (:class:`Aside`, ``models/tone/aside.json``)
   marks an item that names it as an aside: it learnt from real news, the same VNTC articles read toward the place
   each is about and toward another province they name only aside. An item that never names the province (a
   provincial paper's own news) is never an aside.
5. **Decision.** The cue sums and the reading's facts (where the province is named, how much of the item is
   about it) are features of a model trained on labelled items (``classifiers/data/models/tone``, shipped:
   provincial items and real VNTC news relabelled for tone; a home's own "tone" model replaces it), which also
   reads the words of the title and the first ``MODEL_CHARS`` characters. Where that model is unsure and the
   headline is about the province, a second reader, a head over the e5 sentence vector of the headline
   (classifiers/runtime/semantic_head.py), is asked too and the two are combined. Without a model the cue sums
   decide alone. When the opposite tone is also likely (``classifiers.tone_reversal_guard``, chosen by
   cross-validation; ``tone_reversal_guard_without_marks`` for text the model's twin for text without
   diacritics reads), the answer is neutral: calling good news bad (or bad news good) is the error a reader
   forgives least. The evidence lists the cues, each with its kind, its weight and why it counted.
6. **Other languages.** The model and the cues know Vietnamese words only. An item in another language (its
   ``lang``: foreign press, an English service) whose headline is about the province is read by the head alone
   (the e5 model is multilingual; the head for other languages also learnt English headlines), with its own
   guard (``classifiers.tone_reversal_guard_other_languages``); otherwise it is neutral.

Scores are calibrated probabilities; the digest's "tích cực" section takes only items whose positive score
reaches ``digest.positive_min_score``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifiers.runtime.itemtext import predict_by_writing
from classifiers.runtime.lexicon import Match, Term, TermMatcher, load_yaml, to_terms, written_with_diacritics
from classifiers.runtime.semantic_head import SemanticHead, fuse
from pipeline.core.language import in_other_language
from pipeline.core.text import fold

LABELS = ("tich_cuc", "trung_lap", "tieu_cuc")
LABEL_VN = {"tich_cuc": "tích cực", "trung_lap": "trung lập", "tieu_cuc": "tiêu cực"}
# The same three tones in English, for exports and evaluations that speak it.
POLARITY = {"tich_cuc": "positive", "trung_lap": "neutral", "tieu_cuc": "negative"}
LEXICON_FILE = "tone_lexicon.yaml"
KIND_VN = {
    "disaster": "thiên tai", "accident": "tai nạn, sự cố", "epidemic": "dịch bệnh", "crime": "tội phạm",
    "violation": "vi phạm", "failure": "yếu kém, thất bại", "complaint": "phản ánh, bức xúc",
    "achievement": "thành tích", "recognition": "ghi nhận", "growth": "tăng trưởng", "opening": "khánh thành, đầu tư",
    "support": "hỗ trợ", "image": "hình ảnh đẹp", "change": "tăng/giảm", "frame": "tin thường lệ",
}
NEGATIVE_KINDS = ("disaster", "accident", "epidemic", "crime", "violation", "failure", "complaint")
POSITIVE_KINDS = ("achievement", "recognition", "growth", "opening", "support", "image")
# Names of the reading's numeric features, in order: what a trained tone model reads besides the words.
FEATURES = (
    *(f"{part}_{sign}" for part in ("title", "lead", "body") for sign in ("pos", "neg")),
    *(f"kind_{k}" for k in (*NEGATIVE_KINDS, *POSITIVE_KINDS)),
    "change_pos", "change_neg", "frames", "ours_title", "ours_lead", "ours_count", "ours_in_list", "others_head",
    "passing", "pos_total", "neg_total", "ours_share", "others_count", "first_mention", "named_once",
)
# Characters of the text (from its start) whose words the tone model reads.
MODEL_CHARS = 1200
# The neutral probability a passing mention gets at least.
PASSING_NEUTRAL = 0.8
_SENTENCE = re.compile(r"[^.!?;…\n]+[.!?;…]*")
_WORD = re.compile(r"[^\W_]+")
_PREVIOUS_WORDS = 3
# A "fighting against" word reaches further: an object may sit between it and the cue ("ngăn chặn 37 vụ lừa đảo").
_NEUTRALIZER_WORDS = 5
# A change word and its quantity are read together when at most this many words apart, in one clause.
_CHANGE_SPAN = 6
_CLAUSE_BREAK = re.compile(r"[,:()\"“”]| nhưng | song | trong khi ")
_WORD_BEFORE = re.compile(r"([^\W_]+) $")
_WORD_AFTER = re.compile(r" ([^\W_]+)")
# Words that put a place after them at the start of a sentence ("Tại Đức, ..."): not part of its name.
_PLACE_PREPOSITIONS = {"tại", "ở", "từ", "sang", "với", "và", "của", "cùng", "như", "qua", "đến", "về", "theo", "thăm"}
_PUNCTUATION = re.compile(r"[,.;:!?()\"“”…–—]")
# Lines that are not prose: bylines, credits, captions ("Ảnh: ...", "Nguyễn Văn A", "Theo VOV").
_CREDIT = re.compile(r"^(ảnh|video|nguồn|theo|clip|đồ họa|xem thêm|tin liên quan|bài liên quan)\b", re.IGNORECASE)


@dataclass
class Cue:
    field: str
    part: str  # title | lead | body
    start: int
    end: int
    text: str
    kind: str
    polarity: int  # +1, -1 (after negation and attribution), 0 for a neutral frame
    weight: float
    note: str


@dataclass(frozen=True)
class Aside:
    """Whether an item names the province only aside: a logistic regression over the reading's facts of where and
    how often the province is named (``features``), trained by ``python -m classifiers.training.ship tone`` on real
    VNTC articles read toward the place each is about (not aside) and toward another province the text names at
    most twice, never in the title (aside), with the provincial items' own passing mentions; its bar
    (``min_probability``) is the lowest whose cost on the tone model's clear-cut training rows, out-of-fold, stays
    within one standard error of no aside model (classifiers/EVALUATION.md, "Ninth pass")."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    min_probability: float

    def probability(self, reading: Reading) -> float:
        """The probability that the item names the province only aside; 0 when it never names it."""
        f = reading.features
        if not f.get("ours_count"):
            return 0.0
        z = self.intercept + sum(c * float(f.get(name, 0.0)) for name, c in zip(self.features, self.coef, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: str | Path) -> Aside:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(raw["features"]), tuple(float(c) for c in raw["coef"]), float(raw["intercept"]),
                   float(raw["min_probability"]))


@dataclass
class Reading:
    """What the tone reader found in one item: cues (evidence) and the numeric features."""

    cues: list[Cue]
    features: dict[str, float]

    def vector(self) -> list[float]:
        return [float(self.features.get(name, 0.0)) for name in FEATURES]


class ToneReader:
    """The cue reading of an item (steps 1-4 of the module doc), shared by the classifier and training."""

    def __init__(self, lexicon: dict[str, Any] | None = None, other_places: list[str] | tuple[str, ...] = ()):
        lex = lexicon or load_yaml(LEXICON_FILE)
        self.lex = lex
        terms: list[Term] = []
        for sign, groups in (("+", lex["positive"]), ("-", lex["negative"])):
            for kind, entries in groups.items():
                terms.extend(Term(t.text, f"{sign}{kind}", t.weight, t.case_sensitive) for t in to_terms(entries))
        terms.extend(Term(t.text, "0frame", t.weight) for t in to_terms(lex.get("neutral_frames", [])))
        self.cues = TermMatcher(terms)
        self.changes = TermMatcher([Term(t, "rise") for t in lex.get("rise", [])]
                                   + [Term(t, "fall") for t in lex.get("fall", [])]
                                   + [Term(t, "skip") for t in lex.get("change_exceptions", [])])
        self.quantities = TermMatcher([Term(t, "bad") for t in lex.get("bad_quantities", [])]
                                      + [Term(t, "good") for t in lex.get("good_quantities", [])])
        elsewhere = [*lex.get("elsewhere", []), *other_places]
        self.elsewhere = TermMatcher([Term(t, "other", 1.0, True) for t in elsewhere])
        self.negators = _phrase_regex(lex.get("negators", []))
        self.not_negators = _phrase_regex(lex.get("not_negators", []))
        self.neutralizers = _phrase_regex(lex.get("neutralizers", []))
        self.contest = _phrase_regex(lex.get("contest_verbs", []))
        self.weights = {key: float(lex.get(key, default)) for key, default in (
            ("title_weight", 2.0), ("lead_weight", 1.5), ("body_weight", 0.6), ("others_weight", 0.15),
            ("unplaced_weight", 0.6), ("carried_weight", 0.8), ("neutral_prior", 1.2), ("frame_weight", 0.6))}
        self.body_chars = int(lex.get("body_chars", 1500))

    # ------------------------------------------------------------------ reading
    def read(self, item: dict[str, Any]) -> Reading:
        title = item.get("title") or ""
        text = item.get("text") or ""
        if not text and item.get("lead"):
            text = item["lead"]
        lead_end = _lead_end(text)
        window_end = min(len(text), lead_end + self.body_chars)
        ours = _our_spans(item)
        exact = written_with_diacritics(f"{title} {text[:2000]}")
        cues: list[Cue] = []
        facts = {"ours_title": float(bool(ours.get("title"))),
                 "ours_lead": float(any(s < lead_end for s, _ in ours.get("text", []))),
                 "ours_count": math.log1p(len(ours.get("title", [])) + len(ours.get("text", []))),
                 "ours_in_list": 0.0, "others_head": 0.0}
        in_list = 0
        placed = {"ours": 0, "others": 0}
        other_names: set[str] = set()
        for field_name, value, lo, hi in (("title", title, 0, len(title)), ("text", text, 0, window_end)):
            if not value:
                continue
            carried = ""  # whom the paragraph's last placed sentence was about: "ours", "others" or nobody yet
            previous_end = lo
            for start, end in _sentences(value, lo, hi):
                sentence = value[start:end]
                if "\n" in value[previous_end:start]:
                    carried = ""  # a new paragraph: its sentences name their own subject
                previous_end = end
                if field_name == "text" and start >= lead_end and _CREDIT.match(sentence.strip()):
                    continue
                part = "title" if field_name == "title" else ("lead" if start < lead_end else "body")
                own = [(s, e) for s, e in ours.get(field_name, []) if start <= s < end]
                others = list({(m.start, m.end): m for m in self.elsewhere.find(sentence, exact_diacritics=exact)
                               if not any(start + m.start <= s < start + m.end for s, _ in own)
                               and not _inside_name(sentence, m)}.values())
                other_names.update(fold(m.text) for m in others)
                if own and len(others) >= 2:  # "các tỉnh Lạng Sơn, Cao Bằng, Hà Giang": the province in a list
                    in_list += len(own)
                if others and not own and part != "body":
                    facts["others_head"] += 1.0
                base = self.weights[f"{part}_weight"]
                if own:
                    where, scale, carried = "nói về tỉnh", 1.0, "ours"
                    placed["ours"] += 1
                elif others:
                    where, scale, carried = "nói về nơi khác", self.weights["others_weight"], "others"
                    placed["others"] += 1
                elif carried == "others":
                    # "Ở Lạng Sơn, lũ quét làm 5 người chết. Nhiều nhà bị cuốn trôi.": still about Lạng Sơn.
                    where, scale = "tiếp câu nói về nơi khác", self.weights["others_weight"]
                elif carried == "ours":
                    where, scale = "tiếp câu nói về tỉnh", self.weights["carried_weight"]
                elif part == "body":
                    where, scale = "không nêu địa danh", self.weights["unplaced_weight"]
                else:
                    where, scale = "tít, sapo", 1.0
                cues.extend(self._sentence_cues(field_name, part, sentence, start, own, exact, base * scale, where))
        mentions = len(ours.get("title", [])) + len(ours.get("text", []))
        facts["ours_in_list"] = in_list / max(1, mentions)
        facts["named_once"] = float(not facts["ours_title"] and not facts["ours_lead"] and mentions <= 1)
        # In passing: mostly in lists of provinces (more than half of its mentions; on the training rows half is
        # as often news about the province), or named once, late, in an item that names other places. Named once
        # in an item that names no other place, it is usually the province's own news (a provincial paper writes
        # "tỉnh"): the model weighs that case, it is not forced to neutral.
        facts["ours_share"] = (placed["ours"] + 1.0) / (placed["ours"] + placed["others"] + 2.0)
        # Or the item is about somewhere else: its title does not name the province, its head names another place
        # without it, and most sentences that name a place name others ("Khống chế cháy rừng ở xã giáp ranh…").
        about_others = not facts["ours_title"] and facts["others_head"] > 0 and facts["ours_share"] < 0.5
        facts["passing"] = float(facts["ours_in_list"] > 0.5 or (facts["named_once"] > 0 and bool(other_names))
                                 or about_others)
        facts["others_count"] = math.log1p(len(other_names))
        first = min((s for s, _ in ours.get("text", [])), default=None)
        facts["first_mention"] = 0.0 if ours.get("title") else (1.0 if first is None else min(1.0, first / 3000))
        cues = _dedupe(cues)
        return Reading(cues, self._features(cues, facts))

    def _sentence_cues(self, field_name: str, part: str, sentence: str, offset: int, own: list[tuple[int, int]],
                       exact: bool, weight: float, where: str) -> list[Cue]:
        folded = fold(sentence)
        # Negators are read as written when the text has diacritics: folded, "thiều" would be "thiếu".
        plain = sentence.lower() if exact else folded
        found = [m for m in self.cues.find(sentence, folded=folded, exact_diacritics=exact)
                 if not _is_name(sentence, m)]
        changes = [m for m in self.changes.find(sentence, folded=folded, exact_diacritics=exact)
                   if m.term.payload != "skip" and not _is_name(sentence, m)]
        quantities = self.quantities.find(sentence, folded=folded, exact_diacritics=exact)
        out: list[Cue] = []
        used: list[tuple[int, int]] = []
        # An event is a quantity too: "giảm 40% vụ trộm cắp" is good news, "tăng ca ngộ độc" bad news.
        events = [m for m in found if m.term.payload[0] in "+-"]
        for change in changes:
            quantity = _nearest_quantity(sentence, change, quantities + events)
            if quantity is None:
                continue
            rising = change.term.payload == "rise"
            good = quantity.term.payload in ("good",) or str(quantity.term.payload).startswith("+")
            polarity = 1 if rising == good else -1
            if self._negated(plain, change.start):
                polarity = -polarity
            lo, hi = min(change.start, quantity.start), max(change.end, quantity.end)
            used.append((lo, hi))
            note = (f"{'tăng' if rising else 'giảm'} {quantity.text} ({'tốt' if polarity > 0 else 'xấu'}), "
                    f"{where}")
            out.append(Cue(field_name, part, offset + lo, offset + hi, sentence[lo:hi], "change", polarity, weight, note))
        found.sort(key=lambda m: -(m.end - m.start))
        taken: list[tuple[int, int]] = []
        for match in found:
            if any(s < match.end and match.start < e for s, e in taken + used):
                continue
            taken.append((match.start, match.end))
            sign, kind = match.term.payload[0], match.term.payload[1:]
            if sign == "0":
                out.append(Cue(field_name, part, offset + match.start, offset + match.end, match.text, kind, 0,
                               weight * match.term.weight, f"{KIND_VN['frame']}, {where}"))
                continue
            polarity = 1 if sign == "+" else -1
            before = _previous_words(plain, match.start)
            note = KIND_VN.get(kind, kind)
            if polarity < 0 and self.neutralizers.search(_previous_words(plain, match.start, _NEUTRALIZER_WORDS)):
                continue
            if self.negators.search(before) and not self.not_negators.search(before):
                polarity = -polarity
                note += ", bị phủ định"
            if self.contest.fullmatch(fold(match.text)) and own and \
                    all(s - offset > match.start for s, _ in own) and _named_before(sentence, match.start):
                polarity = -polarity
                note += ", tỉnh là đối thủ"
            out.append(Cue(field_name, part, offset + match.start, offset + match.end, match.text, kind, polarity,
                           weight * match.term.weight, f"{note}, {where}"))
        return out

    def _negated(self, plain: str, start: int) -> bool:
        before = _previous_words(plain, start)
        return bool(self.negators.search(before)) and not self.not_negators.search(before)

    def _features(self, cues: list[Cue], facts: dict[str, float]) -> dict[str, float]:
        features = dict(facts)
        for cue in cues:
            if cue.polarity == 0:
                if cue.part != "body":
                    features["frames"] = features.get("frames", 0.0) + cue.weight
                continue
            sign = "pos" if cue.polarity > 0 else "neg"
            key = f"{cue.part}_{sign}"
            features[key] = features.get(key, 0.0) + cue.weight
            features[f"{sign}_total"] = features.get(f"{sign}_total", 0.0) + cue.weight
            if cue.kind == "change":
                features[f"change_{sign}"] = features.get(f"change_{sign}", 0.0) + cue.weight
            else:
                features[f"kind_{cue.kind}"] = features.get(f"kind_{cue.kind}", 0.0) + cue.polarity * cue.weight
        return features

    # ------------------------------------------------------------------ the rule's own decision
    def distribution(self, reading: Reading) -> dict[str, float]:
        """Tone from the cues alone (no model): positive and negative weight against a neutral prior."""
        f = reading.features
        pos, neg = f.get("pos_total", 0.0), f.get("neg_total", 0.0)
        neutral = self.weights["neutral_prior"] + self.weights["frame_weight"] * f.get("frames", 0.0)
        if f.get("passing"):
            neutral += 2.0 * (pos + neg) + 2.0
        total = pos + neg + neutral
        return {"tich_cuc": pos / total, "trung_lap": neutral / total, "tieu_cuc": neg / total}


class ToneClassifier:
    """``classify(item) -> {"label", "polarity", "score", "scores", "evidence"}`` (see the module doc): ``label`` is
    the vocabulary's tone code, ``polarity`` the same in English, ``score`` its calibrated probability."""

    def __init__(self, lexicon: dict[str, Any] | None = None, model: Any = None,
                 other_places: list[str] | tuple[str, ...] = (), reversal_guard: float = 1.0,
                 head: SemanticHead | None = None, embedder: Any = None, head_weight: float = 0.0,
                 head_gate: float = 1.0, plain_model: Any = None, other_languages_guard: float | None = None,
                 plain_guard: float | None = None,
                 other_languages_head: SemanticHead | None = None, aside: Aside | None = None):
        self.reader = ToneReader(lexicon, other_places)
        self.aside = aside
        self.model = model
        # The model's twin for text written without diacritics decides such items alone (the head was weighed
        # against the model for written text only).
        self.plain_model = plain_model if model is not None else None
        self.reversal_guard = reversal_guard
        # The guard for an item in another language, which the head alone reads (None: the same guard).
        self.other_languages_guard = reversal_guard if other_languages_guard is None else other_languages_guard
        # The guard for an item the twin reads (text without diacritics): chosen on the twin's own cross-validation.
        self.plain_guard = reversal_guard if plain_guard is None else plain_guard
        self.head = head if model is not None and head is not None and head_weight > 0 and head.fits(embedder) \
            else None
        # The shipped head reads an item in another language alone, beside a home's own model too (that model, like
        # the shipped one, learnt Vietnamese words only).
        self.other_languages_head = other_languages_head if (
            other_languages_head is not None and head_weight > 0 and other_languages_head.fits(embedder)) else None
        self.embedder = embedder
        self.head_weight = head_weight
        self.head_gate = head_gate

    def classify(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.classify_batch([item])[0]

    def classify_batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        readings = [self.reader.read(item) for item in items]
        probs, plain = (predict_by_writing(self.model, self.plain_model, tone_rows(items, readings))
                        if self.model is not None else (None, [False] * len(items)))
        # An item in another language: the model and the cue reader know Vietnamese words only, the head reads
        # the multilingual e5 vector; it decides alone (where it is not asked, the cue reader's neutral prior).
        foreign = [self.other_languages_head is not None and in_other_language(item) for item in items]
        heads = self._head_probs(items, readings, probs, plain, foreign) if probs else {}
        out = []
        for i, reading in enumerate(readings):
            prob = probs[i] if probs else None
            if foreign[i]:
                prob = heads.get(i)
            elif i in heads:
                prob = fuse(prob, heads[i], self.head_weight)
            out.append(self._result(reading, prob, heads.get(i), plain[i], foreign[i]))
        return out

    def _head_probs(self, items: list[dict[str, Any]], readings: list[Reading], probs: list[dict[str, float]],
                    plain: list[bool], foreign: list[bool]) -> dict[int, dict[str, float]]:
        """The semantic head's reading of the items it is asked about (:func:`asks_head`), none of those the
        plain-text twin read; an item in another language whenever its headline is about the province."""
        unsure = [i for i, (reading, prob) in enumerate(zip(readings, probs, strict=True))
                  if self.head is not None and not foreign[i] and not plain[i]
                  and asks_head(reading, prob, self.head_gate)]
        other = [i for i, reading in enumerate(readings) if foreign[i] and asks_head(reading, {}, math.inf)]
        out: dict[int, dict[str, float]] = {}
        for index, reader in ((unsure, self.head), (other, self.other_languages_head)):
            if index and reader is not None:
                out.update(zip(index, reader.ask(self.embedder, [items[i] for i in index]), strict=True))
        return out

    def _result(self, reading: Reading, model_prob: dict[str, float] | None,
                head: dict[str, float] | None = None, plain: bool = False, foreign: bool = False) -> dict[str, Any]:
        dist = dict(model_prob or self.reader.distribution(reading))
        # Named only aside (the aside model), where the passing-mention rules did not already say so.
        aside = 0.0 if reading.features.get("passing") or self.aside is None else self.aside.probability(reading)
        aside_only = self.aside is not None and aside >= self.aside.min_probability
        if reading.features.get("passing") or aside_only:
            # The province only in a list or in passing: the news is about someone else, neutral for the province.
            rest = sum(dist.get(k, 0.0) for k in ("tich_cuc", "tieu_cuc"))
            neutral = max(dist.get("trung_lap", 0.0), PASSING_NEUTRAL)
            scale = (1.0 - neutral) / rest if rest > 0 else 0.0
            dist = {"tich_cuc": dist.get("tich_cuc", 0.0) * scale, "trung_lap": neutral,
                    "tieu_cuc": dist.get("tieu_cuc", 0.0) * scale}
        label = max(LABELS, key=lambda k: dist.get(k, 0.0))
        opposite = {"tich_cuc": "tieu_cuc", "tieu_cuc": "tich_cuc"}.get(label)
        summary = _summary(reading, model_prob is not None and not foreign, plain)
        if aside_only:
            summary += (f"; tỉnh chỉ được nhắc bên lề (xác suất {aside:.2f} theo chỗ và số lần tỉnh được nêu): "
                        "tin nói về nơi khác")
        if foreign:
            summary += "; bài không viết bằng tiếng Việt" + ("" if head else ": tít và sapo không nói về tỉnh")
        if head is not None:
            summary += ("; mô hình ngữ nghĩa (e5) đọc tít và sapo: "
                        + ", ".join(f"{LABEL_VN[k]} {head.get(k, 0.0):.2f}" for k in LABELS))
        guard = self.other_languages_guard if foreign else self.plain_guard if plain else self.reversal_guard
        if opposite and dist.get(opposite, 0.0) >= guard:
            # Good and bad news both likely: a reader may see either, so say neutral rather than risk a reversal.
            summary += (f"; tin vừa có thể tốt vừa có thể xấu cho tỉnh ({LABEL_VN[label]} {dist.get(label, 0.0):.2f}, "
                        f"{LABEL_VN[opposite]} {dist.get(opposite, 0.0):.2f}): để trung lập")
            label = "trung_lap"
        cues = sorted((c for c in reading.cues if c.polarity), key=lambda c: -c.weight)[:10]
        evidence: list[dict[str, Any]] = [{
            "kind": "model", "text": "", "start": None, "end": None, "detail": summary}]
        evidence.extend({"kind": "term", "field": c.field, "text": c.text, "start": c.start, "end": c.end,
                         "detail": f"{'tích cực' if c.polarity > 0 else 'tiêu cực'}: {c.note} (trọng số {c.weight:.2f})"}
                        for c in cues)
        return {"label": label, "polarity": POLARITY[label], "score": round(float(dist.get(label, 0.0)), 3),
                "scores": {k: round(float(dist.get(k, 0.0)), 3) for k in LABELS}, "evidence": evidence}


def asks_head(reading: Reading, prob: dict[str, float], gate: float) -> bool:
    """Whether the semantic head is asked about an item: the word model is unsure (top probability under
    ``gate``) and the headline the head reads is about the province (named in the title or lead, and not in
    passing). A national article that names the province further down has a headline about someone else: on
    real news of that kind the head turned neutral items polar."""
    f = reading.features
    return (not f.get("passing") and bool(f.get("ours_title") or f.get("ours_lead"))
            and max(prob.values(), default=0.0) < gate)


def tone_rows(items: list[dict[str, Any]], readings: list[Reading]) -> list[dict[str, Any]]:
    """What the tone model reads: the title, the lead and the first paragraphs, and the reading's features."""
    return [{"title": item.get("title") or "", "text": _head(item), "features": reading.vector()}
            for item, reading in zip(items, readings, strict=True)]


def _head(item: dict[str, Any]) -> str:
    """The lead and the body's first paragraphs: on real articles (VNTC rows relabelled for tone) the model reads
    them better than the lead alone (cross-validated agreement +4 points), and the rest adds nothing."""
    text = item.get("text") or item.get("lead") or ""
    return text[:max(_lead_end(text), MODEL_CHARS)]


def _summary(reading: Reading, model: bool, plain: bool = False) -> str:
    f = reading.features
    parts = [f"tín hiệu tích cực {f.get('pos_total', 0.0):.1f}, tiêu cực {f.get('neg_total', 0.0):.1f}"]
    if f.get("passing"):
        parts.append("tỉnh chỉ được nhắc qua (trong danh sách hoặc một lần), không phải chủ thể của tin")
    elif f.get("ours_title") or f.get("ours_lead"):
        parts.append("tỉnh có trong tít hoặc sapo")
    if model:
        parts.append("mô hình đã học kết hợp tín hiệu và từ ngữ của tít, sapo và các đoạn đầu"
                     + (" (mô hình cho văn bản không dấu)" if plain else ""))
    return "; ".join(parts)


def _lead_end(text: str) -> int:
    """End of the lead: the first paragraph (at most 600 characters)."""
    cut = text.find("\n")
    end = len(text) if cut < 0 else cut
    return min(end, 600)


def _sentences(value: str, lo: int, hi: int) -> list[tuple[int, int]]:
    out = []
    for m in _SENTENCE.finditer(value, lo, hi):
        if m.group(0).strip():
            out.append((m.start(), m.end()))
    return out


def _our_spans(item: dict[str, Any]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for place in item.get("places") or []:
        if place.get("start") is None or place.get("end") is None:
            continue
        spans.setdefault(place.get("field") or "text", []).append((int(place["start"]), int(place["end"])))
    return {field_name: sorted(set(found)) for field_name, found in spans.items()}


def _previous_words(folded: str, start: int, n: int = _PREVIOUS_WORDS) -> str:
    """The ``n`` words right before a cue, in its clause: "“TP 5 không” thành công" is not a negated success."""
    before = _PUNCTUATION.split(folded[max(0, start - 60):start])[-1]
    return " ".join(before.split()[-n:])


def _is_name(sentence: str, match: Match) -> bool:
    """A lower-case cue written with every word capitalised inside a sentence is a name: "ông Trần Chiến Thắng",
    "GS Nguyễn Văn Đạt", "ông Ngô Thiếu", "Hạ Long" are no victory, achievement, shortage or fall."""
    words = match.text.split()
    if not words or not all(w[:1].isupper() for w in words) or any(c.isupper() for c in match.term.text):
        return False
    before = sentence[:match.start].rstrip()
    # At the start of a sentence, after a quote or a colon, a capital says nothing.
    return bool(before) and before[-1] not in "\"“'‘(:-–—"


def _inside_name(sentence: str, match: Match) -> bool:
    """A one-word place written next to another capitalised word is part of a longer name: "Đức" in "Thủ Đức",
    "Mộ Đức", "Tân Đức"; "Mỹ" in "Mỹ Tho"; "Nga" in "Thúy Nga" are not Germany, America or Russia."""
    if " " in match.text.strip():
        return False
    before = _WORD_BEFORE.search(sentence, 0, match.start)
    after = _WORD_AFTER.match(sentence, match.end)
    return bool(before and before.group(1)[:1].isupper() and before.group(1).lower() not in _PLACE_PREPOSITIONS
                or after and after.group(1)[:1].isupper())


def _named_before(sentence: str, start: int) -> bool:
    """A capitalised name (a team, a province) right before a contest verb, in its clause: someone else is the
    subject ("Hà Nội thắng Thái Nguyên"); "kỷ niệm 50 năm chiến thắng Điện Biên Phủ" names no contestant."""
    clause = _PUNCTUATION.split(sentence[:start])[-1]
    return any(w[:1].isupper() for w in _WORD.findall(clause)[-3:])


def _nearest_quantity(sentence: str, change: Match, quantities: list[Match]) -> Match | None:
    best: tuple[int, Match] | None = None
    for quantity in quantities:
        if quantity.start >= change.end:
            between = sentence[change.end:quantity.start]
        elif quantity.end <= change.start:
            between = sentence[quantity.end:change.start]
        else:
            continue
        if _CLAUSE_BREAK.search(between):
            continue
        distance = len(_WORD.findall(between))
        if distance <= _CHANGE_SPAN and (best is None or distance < best[0]):
            best = (distance, quantity)
    return best[1] if best else None


def _dedupe(cues: list[Cue]) -> list[Cue]:
    """One cue per word and sign per part of the item: a long article repeating "tai nạn" tells it once."""
    best: dict[tuple[str, str, int], Cue] = {}
    for cue in cues:
        key = (cue.part, fold(cue.text), cue.polarity)
        if key not in best or cue.weight > best[key].weight:
            best[key] = cue
    return sorted(best.values(), key=lambda c: (c.field != "title", c.start))


def _phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    """Phrases as written and folded, so they match text with or without diacritics."""
    forms = {form for p in phrases for form in (p.lower(), fold(p))}
    alternatives = sorted({re.escape(f).replace(r"\ ", r"\s*") for f in forms}, key=len, reverse=True)
    if not alternatives:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")
