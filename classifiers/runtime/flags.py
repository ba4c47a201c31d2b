"""Triage flags — likely_false, scam, incitement, sovereignty — each a hint with a score, its evidence and a
Vietnamese reason, for an analyst to confirm or reject.

**Content, never stance.** A flag judges what a text does, by verifiable harm: it asserts a false or fabricated
fact (likely_false), it tries to defraud (scam), it calls for violence, threatens, exposes a person or spreads
hatred against a group, from any side (incitement), it presents a foreign territorial claim over Vietnamese
territory as fact (sovereignty). Criticism of authorities or policies, opinion, satire, and reporting of arrests,
trials, protests or human-rights matters are never flagged for being what they are; no political word, subject,
person or source's politics raises anything. tests/classifiers/test_flag_stance.py checks that a critical and a
supportive account of the same event get the same flags.

How a score is made: every signal is one piece of evidence with a contribution in [0, 1], and a flag's score is
``1 - Π(1 - contribution)``, so the reasons add up and each is shown. Signals:

- a **learned model** per flag (``classifiers/data/models/flag_<name>``, trained by
  ``python -m classifiers.training.flag_models`` on the project's written corpora, ViHOS comments and VNTC news as
  negatives; a home's own model from ``diemtin classifier refresh`` replaces it). It reads the title and the
  beginning of the text with digits, links and punctuation runs neutralised (:func:`model_input`), so it learns
  words, not the artefacts of how training texts were written;
- **cues** an analyst can read (``data/flag_lexicon.yaml``). Each cue counts once per item; a cue inside a photo
  credit or byline ("Ảnh: REUTERS/AFP") never counts; a cue near a rebuttal or warning ("bác bỏ", "thủ đoạn",
  "lên án"), or anywhere in a text whose title or lead debunks ("… là tin giả", "Thực hư …"), is shown as a
  quotation and not counted; cues alone stay below the threshold (``cue_cap``) unless one is unambiguous;
- for likely_false, the **claim matcher**'s result (a known false claim; a text that rebuts it never counts as
  it) and a source the office recorded as having published verified falsehoods (reputation ``unreliable``);
- for sovereignty, foreign names of Hoàng Sa / Trường Sa and claim lines presented as fact, not quoted to refute.

A likely_false flag whose text concerns public safety (a dam break, a kidnapping, an epidemic...) carries
``harms: ["public_safety"]``: only such a fabricated claim, a scam or incitement routes to police or military.
Matching reads the text as a reader does (:mod:`pipeline.core.skeleton`: look-alike letters, split-up words).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from classifiers import DATA_DIR
from classifiers.runtime.itemtext import ItemText, evidence_of, positive_probability
from classifiers.runtime.lexicon import Match, TermMatcher, load_yaml, to_terms
from classifiers.runtime.linear import CompactModel, SharedTerms, load_folders
from pipeline.core import vocabulary
from pipeline.core.skeleton import skeleton
from pipeline.core.text import fold, normalize

FLAG_NAMES = vocabulary.codes("flags")
LEXICON_FILE = "flag_lexicon.yaml"
SHIPPED_MODELS = DATA_DIR / "models"
# Positive labels of models trained on public data rather than analysts' decisions.
MODEL_POSITIVE = ("positive", "likely_false", "scam", "incitement", "sovereignty", "hate", "offensive")
QUOTED = "được trích để phản bác hoặc cảnh báo (không tính)"
# Characters of the text a model reads after the title: a post whole, an article's lead.
MODEL_CHARS = 700
_DIGITS = re.compile(r"\d+")
_MASKED = re.compile(r"(?i)(?<![^\W\d_])x{2,}(?![^\W\d_])")
_PUNCT_RUN = re.compile(r"([!?.…])[!?.…\s]*\1+")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|xyz|top|vip|online|site|"
                  r"cc|info|io|me|link|shop|club|live|app|pro|asia|tk|ml|ga|cf|gq|ly)\b(?:/\S*)?")


def model_input(item: dict[str, Any], credits: re.Pattern[str] | None = None,
                stance: re.Pattern[str] | None = None) -> dict[str, str]:
    """What a flag model reads of an item (training rows go through the same function): the title and the
    first ``MODEL_CHARS`` characters of the text, read as a reader does, without photo credits and bylines,
    with every number "0", every link "đường_link", runs of "!!!" as one mark and, given ``stance``, the
    political vocabulary both sides use as one neutral token (:func:`stance_pattern`)."""
    title = item.get("title") or ""
    text = item.get("text") or item.get("lead") or ""
    out = {}
    for name, value in (("title", title), ("text", text[:MODEL_CHARS * 2])):
        value = skeleton(value)
        if credits is not None:
            value = credits.sub(" ", value)
        value = _URL.sub(" đường_link ", value)
        value = _MASKED.sub("0", _DIGITS.sub("0", value))
        value = _PUNCT_RUN.sub(r"\1", value)
        if stance is not None:
            value = stance.sub(" ", value)
        out[name] = value[:MODEL_CHARS] if name == "text" else value
    return out


def masks_of(lexicon: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """Per flag, the words its model never reads: the political vocabulary both sides use, and for some flags
    the names of authorities (``stance_terms``, ``authority_terms`` of the lexicon)."""
    out = {}
    for flag in FLAG_NAMES:
        terms = list(lexicon["stance_terms"]) if flag in lexicon["stance_masked_flags"] else []
        if flag in lexicon["authority_masked_flags"]:
            terms += list(lexicon["authority_terms"])
        if terms:
            out[flag] = stance_pattern(terms)
    return out


def stance_pattern(terms: list[str]) -> re.Pattern[str]:
    """The lexicon's ``stance_terms`` as one pattern, case-insensitive, whole words; a term of several
    syllables also without diacritics ("doc tai"), a one-syllable one only as written ("đảng", never "dang")."""
    forms = set()
    for term in terms:
        term = normalize(str(term), keep_newlines=False).lower()
        forms.add(term)
        if " " in term:
            forms.add(fold(term))
    alternatives = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?i)(?<![^\W_])(?:{alternatives})(?![^\W_])")


@cache
def shipped_models() -> dict[str, Any]:
    """The flag models that ship with the product (task name -> model); none when not built yet."""
    return load_folders(sorted(SHIPPED_MODELS.glob("flag_*"))) if SHIPPED_MODELS.is_dir() else {}


@dataclass
class _Signal:
    contribution: float
    evidence: dict[str, Any]
    unambiguous: bool = False
    kind: str = "cue"


def _note(kind: str, detail: str) -> dict[str, Any]:
    return {"kind": kind, "text": "", "start": None, "end": None, "detail": detail}


class FlagClassifier:
    def __init__(self, lexicon: dict[str, Any] | None = None, models: dict[str, Any] | None = None,
                 threshold: float = 0.5, shipped: bool = True):
        lex = lexicon or load_yaml(LEXICON_FILE)
        self.lex = lex
        self.threshold = threshold
        # A home's model (trained on its analysts' decisions) replaces the shipped one of the same task.
        self.models = {**(shipped_models() if shipped else {}), **(models or {})}
        self._terms: dict[Any, SharedTerms] = {}
        self.cue_scale = {k: float(v) for k, v in lex["cue_scale"].items()}
        self.cue_cap = float(lex["cue_cap"])
        self.model_weight = float(lex["model_weight"])
        self.rebuttal = TermMatcher(to_terms(lex["rebuttal_cues"], "rebuttal"))
        self.debunk_title = TermMatcher(to_terms(lex["debunk_title_cues"], "debunk"))
        self.credits = re.compile(lex["credit_pattern"])
        self.rebuttal_window = int(lex.get("rebuttal_window", 200))
        self.masks = masks_of(lex)
        lf = lex["likely_false"]
        self.rumour = TermMatcher(to_terms(lf["cues"]))
        self.attribution = TermMatcher(to_terms(lf["attribution_cues"]))
        self.public_safety = TermMatcher(to_terms(lf["public_safety"]))
        self.scam = TermMatcher(to_terms(lex["scam"]["cues"]))
        self.lookalike = re.compile(lex["scam"]["lookalike_url"])
        self.incitement = TermMatcher(to_terms(lex["incitement"]["cues"]))
        sov = lex["sovereignty"]
        self.foreign_names = TermMatcher(to_terms(sov["foreign_names"]))
        self.vietnamese_names = TermMatcher(to_terms(sov["vietnamese_names"]))
        self.claim_line = TermMatcher(to_terms(sov["claim_line"]))
        self.as_fact = TermMatcher(to_terms(sov["as_fact"]))
        self.map_cues = TermMatcher(to_terms(sov["map_cues"]))
        self.sov_window = int(sov.get("window", 250))

    # ------------------------------------------------------------------ entry points
    def flag(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        return self.flag_batch([item])[0]

    def flag_batch(self, items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Flags at or above the threshold, each ``{name, score, evidence[, harms]}``, strongest first."""
        return [[f for f in scores.values() if f["raised"]] for scores in self.score_batch(items)]

    def score_batch(self, items: list[dict[str, Any]]) -> list[dict[str, dict[str, Any]]]:
        """Every flag of every item, raised or not: ``{name: {name, score, raised, evidence[, harms]}}``, the
        raised ones first and strongest first (what ``diemtin classify`` prints as ``flag_scores``)."""
        model_probs = self._model_probs(items)
        out = []
        for index, item in enumerate(items):
            context = _Context(self, item)
            signals = {
                "likely_false": self._likely_false(context),
                "scam": self._scam(context),
                "incitement": self._incitement(context),
                "sovereignty": self._sovereignty(context),
            }
            scores: dict[str, dict[str, Any]] = {}
            for name, found in signals.items():
                found = self._capped(found)
                probability = model_probs[index].get(name)
                if probability is not None:
                    p, task = probability
                    weight = self.model_weight
                    detail = f"mô hình học từ dữ liệu đã gán nhãn ({task}): xác suất {p:.2f}"
                    # The text rebuts what its cues name (a debunk, a name quoted beside the Vietnamese one):
                    # the model, which cannot tell quoting from saying, counts half.
                    if _countered(found, context, name):
                        weight *= 0.5
                        detail += "; văn bản phản bác hoặc trích dẫn để bác bỏ, tính một nửa"
                    # The square keeps the model's ranking but not its middle: a short text with few known words
                    # sits near 0.5 (its prior), which is no evidence; alone, a model raises a flag only from
                    # p ~ 0.75.
                    found.append(_Signal(weight * p * p, _note("model", detail), kind="model"))
                score = 1.0 - math.prod(1.0 - min(max(s.contribution, 0.0), 1.0) for s in found)
                evidence = [s.evidence for s in sorted(found, key=lambda s: -s.contribution)][:12]
                entry: dict[str, Any] = {"name": name, "score": round(score, 3), "raised": score >= self.threshold,
                                         "evidence": evidence}
                if name == "likely_false" and entry["raised"] and context.public_safety:
                    entry["harms"] = ["public_safety"]
                    entry["evidence"].append(evidence_of(*context.public_safety[0], "nội dung liên quan an toàn "
                                                         "cộng đồng: chuyển cơ quan chức năng nếu là bịa đặt"))
                scores[name] = entry
            out.append(dict(sorted(scores.items(), key=lambda kv: (not kv[1]["raised"], -kv[1]["score"]))))
        return out

    # ------------------------------------------------------------------ combination
    def _capped(self, found: list[_Signal]) -> list[_Signal]:
        """Cues alone stay below ``cue_cap`` unless one is unambiguous: one word never raises a flag."""
        cues = [s for s in found if s.kind == "cue" and s.contribution > 0]
        if not cues or any(s.unambiguous for s in cues):
            return found
        total = 1.0 - math.prod(1.0 - min(s.contribution, 1.0) for s in cues)
        if total <= self.cue_cap:
            return found
        scale = self.cue_cap / total
        for s in cues:
            s.contribution *= scale
        return found

    # ------------------------------------------------------------------ one flag each
    def _cue_signals(self, context: _Context, matcher: TermMatcher, flag: str) -> list[_Signal]:
        out = []
        seen: set[str] = set()
        for field_name, match in context.text.find(matcher):
            key = match.term.text.lower()
            if key in seen or context.in_credit(field_name, match):
                continue  # a cue counts once per item; credits and bylines never count
            seen.add(key)
            if context.quoted(field_name, match):
                out.append(_Signal(0.0, evidence_of(field_name, match, QUOTED)))
                continue
            contribution = self.cue_scale[flag] * match.term.weight
            out.append(_Signal(contribution, evidence_of(field_name, match, f"dấu hiệu \"{match.term.text}\" "
                                                                          f"(đóng góp {contribution:.2f})")))
        return out

    def _likely_false(self, context: _Context) -> list[_Signal]:
        cfg = self.lex["likely_false"]
        signals: list[_Signal] = []
        reputation = context.item.get("reputation") or ""
        source_score = float(cfg.get("source_scores", {}).get(reputation, 0.0))
        if source_score:
            source = context.item.get("source") or context.item.get("site_name") or "?"
            signals.append(_Signal(source_score, {
                "kind": "source", "text": source, "start": None, "end": None,
                "detail": f"nguồn từng đăng tin sai đã được xác minh (đóng góp {source_score:.2f})"}, kind="source"))
        signals += self._cue_signals(context, self.rumour, "likely_false")
        signals += self._style_signals(context, cfg["style"])
        for found in context.item.get("claim_matches") or []:
            base = f"giống nhận định sai đã biết \"{found['claim']}\" (cosine {found['similarity']:.3f}"
            conflicts = found.get("conflicts") or []
            if context.is_debunk or (bool(context.rebuttals) and bool(conflicts)):
                found["rebuts"] = True
                signals.append(_Signal(0.0, {"kind": "claim", "text": found["claim"], "start": None, "end": None,
                                             "detail": base + "); bài viết phản bác nhận định này, không tính",
                                             "claim_id": found["claim_id"]}, kind="claim"))
                continue
            level = found.get("level", "suggest")
            contribution = float(cfg["claim_scores"].get(level, 0.0))
            why = "gần như chắc chắn" if level == "near_certain" else "gợi ý"
            if conflicts:
                why += "; khác biệt: " + "; ".join(conflicts)
            signals.append(_Signal(contribution, {
                "kind": "claim", "text": found["claim"], "start": None, "end": None,
                "detail": f"{base}, mức {why}); bác bỏ: {found.get('rebuttal_source') or '?'}",
                "claim_id": found["claim_id"]}, unambiguous=level == "near_certain", kind="claim"))
        return signals

    def _style_signals(self, context: _Context, cfg: dict[str, Any]) -> list[_Signal]:
        """Shouting capitals and "!!!" count as rumour style only in a text that names no source."""
        if context.is_debunk or context.text.find(self.attribution):
            return []
        out = []
        head = " ".join(context.text.fields.values())[:600]
        letters = [c for c in head if c.isalpha()]
        if len(letters) >= 20:
            caps = sum(1 for c in letters if c.isupper()) / len(letters)
            if caps >= float(cfg["caps_share"]):
                w = self.cue_scale["likely_false"] * float(cfg["caps_weight"])
                out.append(_Signal(w, _note("style", f"viết hoa toàn bộ, không dẫn nguồn (đóng góp {w:.2f})")))
        if re.search("!{" + str(int(cfg["exclaim_run"])) + ",}", head):
            w = self.cue_scale["likely_false"] * float(cfg["exclaim_weight"])
            out.append(_Signal(w, _note("style", f"nhiều dấu chấm than, không dẫn nguồn (đóng góp {w:.2f})")))
        return out

    def _scam(self, context: _Context) -> list[_Signal]:
        signals = self._cue_signals(context, self.scam, "scam")
        for field_name, value in context.text.fields.items():
            for m in self.lookalike.finditer(value):
                match = Match(m.start(), m.end(), m.group(0), None)  # type: ignore[arg-type]
                if context.quoted(field_name, match):
                    signals.append(_Signal(0.0, evidence_of(field_name, match, "địa chỉ giả mạo " + QUOTED)))
                else:
                    w = float(self.lex["scam"]["lookalike_weight"]) * self.cue_scale["scam"]
                    signals.append(_Signal(w, evidence_of(field_name, match, f"địa chỉ web giả dạng cơ quan, thương "
                                                                            f"hiệu (đóng góp {w:.2f})")))
                break
        return signals

    def _incitement(self, context: _Context) -> list[_Signal]:
        signals = self._cue_signals(context, self.incitement, "incitement")
        return signals

    def _sovereignty(self, context: _Context) -> list[_Signal]:
        signals: list[_Signal] = []
        vietnamese = context.text.find(self.vietnamese_names)
        for field_name, match in context.text.find(self.foreign_names):
            near_vn = any(f == field_name and _near(m, match, self.sov_window) for f, m in vietnamese)
            if near_vn or context.quoted(field_name, match):
                why = "có tên Việt Nam bên cạnh" if near_vn else "trong ngữ cảnh phản bác"
                signals.append(_Signal(0.0, evidence_of(field_name, match, f"tên nước ngoài của {match.term.payload}, "
                                                                          f"{why} (không tính)")))
                continue
            signals.append(_Signal(match.term.weight, evidence_of(
                field_name, match, f"dùng tên nước ngoài \"{match.text}\" thay cho {match.term.payload} "
                                   f"(đóng góp {match.term.weight:.2f})"), unambiguous=match.term.weight >= 0.7))
        facts = context.text.find(self.as_fact)
        for field_name, match in context.text.find(self.claim_line) + context.text.find(self.map_cues):
            if context.quoted(field_name, match):
                signals.append(_Signal(0.0, evidence_of(field_name, match, QUOTED)))
                continue
            contribution = match.term.weight
            detail = f"\"{match.text}\" không kèm lời phản bác"
            fact = next((m for f, m in facts if f == field_name and _near(m, match, self.sov_window)), None)
            if fact is not None:
                contribution = min(1.0, contribution + float(self.lex["sovereignty"]["as_fact_bonus"]))
                detail += f", trình bày như sự thật (\"{fact.text}\")"
            signals.append(_Signal(contribution, evidence_of(field_name, match, f"{detail} (đóng góp {contribution:.2f})"),
                                   unambiguous=fact is not None))
        return signals

    # ------------------------------------------------------------------ learned
    def _shared_terms(self, features: Any) -> SharedTerms:
        """One dictionary for the compact models with these features, made at their first use."""
        if features not in self._terms:
            self._terms[features] = SharedTerms([m for m in self.models.values()
                                                 if isinstance(m, CompactModel) and m.features_key == features])
        return self._terms[features]

    def _model_probs(self, items: list[dict[str, Any]]) -> list[dict[str, tuple[float, str]]]:
        out: list[dict[str, tuple[float, str]]] = [{} for _ in items]
        if not self.models or not items:
            return out
        inputs: dict[Any, list[dict[str, str]]] = {}
        # Compact models with the same features share one pass over each text (n-gram counts), and so do the
        # masks when they leave a text as it was (most texts hold none of the masked words).
        counted: dict[tuple[Any, str, str], Any] = {}
        for task, model in self.models.items():
            name = task.split(":", 1)[1] if ":" in task else task
            if name not in FLAG_NAMES:
                continue
            mask = self.masks.get(name)
            if mask not in inputs:
                inputs[mask] = [model_input(item, self.credits, mask) for item in items]
            rows = inputs[mask]
            if isinstance(model, CompactModel):
                found, features = [], model.features_key
                terms = self._shared_terms(features)
                for row in rows:
                    key = (features, row["title"], row["text"])
                    if key not in counted:
                        counted[key] = terms.look_up(model.doc_counts(row))
                    found.append(counted[key])
                probas = model.proba_from_terms(found, terms)
            else:
                probas = model.predict_proba(rows)
            for index, proba in enumerate(probas):
                p = positive_probability(proba, *MODEL_POSITIVE)
                if p is not None:
                    out[index][name] = (float(p), task)
        return out


def _countered(found: list[_Signal], context: _Context, name: str) -> bool:
    """Counter-evidence in the text for this flag: a debunk (likely_false), or cues that were all neutralised
    as quotations and none counted."""
    if name == "likely_false" and context.is_debunk:
        return True
    cues = [s for s in found if s.kind == "cue"]
    return bool(cues) and all(s.contribution == 0.0 for s in cues)


def merge_decisions(raised: list[dict[str, Any]], previous: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The flags of a re-processed item: the classifiers' new ones, with what analysts decided kept. A decision
    (confirmed / rejected) stays on its flag; a flag an analyst added, or confirmed, stays even when the
    classifiers no longer raise it; a rejected flag stays as history (it no longer counts anywhere)."""
    if not previous:
        return raised
    by_name = {flag["name"]: flag for flag in raised}
    for old in previous:
        if not isinstance(old, dict) or not old.get("name"):
            continue
        decision = old.get("decision")
        if old["name"] in by_name:
            if decision:
                by_name[old["name"]]["decision"] = decision
            if old.get("origin") == "analyst":
                by_name[old["name"]]["origin"] = "analyst"
                by_name[old["name"]]["note"] = old.get("note", "")
        elif decision or old.get("origin") == "analyst":
            raised.append(old)
    return raised


class _Context:
    """What every flag asks of one item: where are its credits, is it a debunk, is this span quoted to rebut?"""

    def __init__(self, classifier: FlagClassifier, item: dict[str, Any]):
        self.item = item
        self.text = ItemText(item)
        self.window = classifier.rebuttal_window
        self.rebuttals = self.text.find(classifier.rebuttal)
        self.credit_spans = {name: [m.span() for m in classifier.credits.finditer(value)]
                             for name, value in self.text.fields.items()}
        # A title or lead that debunks ("… là tin giả", "Thực hư …") makes the whole text a debunk.
        lead_end = len(self.text.fields.get("text", "").split("\n", 1)[0][:300])
        self.is_debunk = any(f == "title" or m.start < lead_end
                             for f, m in self.text.find(classifier.debunk_title)
                             if not self.in_credit(f, m))
        self.public_safety = self.text.find(classifier.public_safety)

    def in_credit(self, field_name: str, match: Match) -> bool:
        return any(s <= match.start and match.end <= e for s, e in self.credit_spans.get(field_name, ()))

    def quoted(self, field_name: str, match: Match) -> bool:
        if self.is_debunk:
            return True
        return any(f == field_name and _near(m, match, self.window) for f, m in self.rebuttals)


def _near(a: Match, b: Match, window: int) -> bool:
    return a.start - window <= b.end and b.start - window <= a.end
