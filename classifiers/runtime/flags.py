"""Triage flags — hostile, likely_false, sovereignty, sensitive — each a hint with a score and its evidence.

Every signal becomes one piece of evidence with a contribution in [0, 1]; a flag's score is
``1 - Π(1 - contribution)`` so the reasons add up and each is shown. Signals: the source's reputation (data
in "sources"), lexical cues (``data/flag_lexicon.yaml``), the claim matcher's result (set on the item by the
claims stage) and, when the home has one, a model trained on analysts' decisions ("flag:<name>").

The one rule that matters most: an article that quotes a false claim or a foreign name in order to rebut
it is not that claim. Rebuttal cues near a cue ("bác bỏ", "xuyên tạc", "Trung Quốc gọi là"...), or an
official source writing with rebuttal cues, turn the cue into a quotation: it is shown, not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from classifiers.runtime.itemtext import ItemText, evidence_of, model_rows, positive_probability
from classifiers.runtime.lexicon import Match, TermMatcher, load_yaml, to_terms
from pipeline.core import vocabulary

FLAG_NAMES = vocabulary.codes("flags")
LEXICON_FILE = "flag_lexicon.yaml"
# Positive labels of models trained on public data rather than analysts' decisions.
MODEL_POSITIVE = ("hostile", "likely_false", "unreliable", "hate", "offensive")
QUOTED = "được trích để phản bác (không tính)"


@dataclass
class _Signal:
    contribution: float
    evidence: dict[str, Any]


def _note(kind: str, detail: str) -> dict[str, Any]:
    return {"kind": kind, "text": "", "start": None, "end": None, "detail": detail}


class FlagClassifier:
    def __init__(self, lexicon: dict[str, Any] | None = None, models: dict[str, Any] | None = None,
                 threshold: float = 0.5):
        lex = lexicon or load_yaml(LEXICON_FILE)
        self.lex = lex
        self.threshold = threshold
        self.models = models or {}
        self.cue_scale = {k: float(v) for k, v in lex["cue_scale"].items()}
        self.model_weight = float(lex["model_weight"])
        self.rebuttal = TermMatcher(to_terms(lex["rebuttal_cues"], "rebuttal"))
        self.official = set(lex.get("official_reputations", []))
        self.rebuttal_window = int(lex.get("rebuttal_window", 300))
        self.hostile = TermMatcher(to_terms(lex["hostile"]["cues"], "hostile"))
        self.rumour = TermMatcher(to_terms(lex["likely_false"]["cues"], "likely_false"))
        sov = lex["sovereignty"]
        self.foreign_names = TermMatcher(to_terms(sov["foreign_names"]))
        self.vietnamese_names = TermMatcher(to_terms(sov["vietnamese_names"]))
        self.claim_line = TermMatcher(to_terms(sov["claim_line"]))
        self.as_fact = TermMatcher(to_terms(sov["as_fact"]))
        self.map_cues = TermMatcher(to_terms(sov["map_cues"]))
        self.sov_window = int(sov.get("window", 250))
        sens = lex["sensitive"]
        self.sensitive_window = int(sens.get("window", 400))
        self.sensitive_rules = [
            (rule["id"], rule["detail"], [TermMatcher(to_terms(group)) for group in rule["groups"]])
            for rule in sens["rules"]
        ]

    # ------------------------------------------------------------------ entry points
    def flag(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        return self.flag_batch([item])[0]

    def flag_batch(self, items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Flags at or above the threshold, each ``{name, score, evidence}``, strongest first."""
        model_probs = self._model_probs(items)
        out = []
        for index, item in enumerate(items):
            text = ItemText(item)
            rebuttals = text.find(self.rebuttal)
            context = _Context(item, text, rebuttals, item.get("reputation") in self.official, self.rebuttal_window)
            signals = {
                "hostile": self._hostile(context),
                "likely_false": self._likely_false(context),
                "sovereignty": self._sovereignty(context),
                "sensitive": self._sensitive(context),
            }
            flags = []
            for name, found in signals.items():
                probability = model_probs[index].get(name)
                if probability is not None:
                    found.append(_Signal(self.model_weight * probability[0],
                                         _note("model", f"mô hình học từ quyết định của cán bộ ({probability[1]}): "
                                                        f"{probability[0]:.2f}")))
                score = 1.0 - math.prod(1.0 - min(max(s.contribution, 0.0), 1.0) for s in found)
                if score >= self.threshold:
                    evidence = [s.evidence for s in sorted(found, key=lambda s: -s.contribution)]
                    flags.append({"name": name, "score": round(score, 3), "evidence": evidence[:12]})
            flags.sort(key=lambda f: -f["score"])
            out.append(flags)
        return out

    # ------------------------------------------------------------------ one flag each
    def _source_signal(self, context: _Context, scores: dict[str, float], flag: str) -> list[_Signal]:
        reputation = context.item.get("reputation") or ""
        score = float(scores.get(reputation, 0.0))
        if not score:
            return []
        source = context.item.get("source") or context.item.get("site_name") or "?"
        return [_Signal(score, {"kind": "source", "text": source, "start": None, "end": None,
                                "detail": f"uy tín nguồn: {reputation} (đóng góp {score:.2f} cho {flag})"})]

    def _cue_signals(self, context: _Context, matcher: TermMatcher, flag: str) -> list[_Signal]:
        out = []
        for field_name, match in context.text.find(matcher):
            if context.quoted(field_name, match):
                out.append(_Signal(0.0, evidence_of(field_name, match, QUOTED)))
                continue
            contribution = self.cue_scale[flag] * match.term.weight
            out.append(_Signal(contribution, evidence_of(field_name, match, f"dấu hiệu \"{match.term.text}\" "
                                                                          f"(đóng góp {contribution:.2f})")))
        return out

    def _hostile(self, context: _Context) -> list[_Signal]:
        cfg = self.lex["hostile"]
        return self._source_signal(context, cfg.get("source_scores", {}), "hostile") + \
            self._cue_signals(context, self.hostile, "hostile")

    def _likely_false(self, context: _Context) -> list[_Signal]:
        cfg = self.lex["likely_false"]
        signals = self._source_signal(context, cfg.get("source_scores", {}), "likely_false")
        signals += self._cue_signals(context, self.rumour, "likely_false")
        claim_scores = cfg.get("claim_scores", {})
        for found in context.item.get("claim_matches") or []:
            base = f"giống nhận định sai đã biết \"{found['claim']}\" (cosine {found['similarity']:.3f}"
            conflicts = found.get("conflicts") or []
            rebuts = context.is_rebuttal_article or (bool(context.rebuttals) and bool(conflicts))
            if rebuts:
                found["rebuts"] = True
                signals.append(_Signal(0.0, {"kind": "claim", "text": found["claim"], "start": None, "end": None,
                                             "detail": base + "); bài viết phản bác nhận định này, không tính",
                                             "claim_id": found["claim_id"]}))
                continue
            level = found.get("level", "suggest")
            contribution = float(claim_scores.get(level, 0.0))
            why = "gần như chắc chắn" if level == "near_certain" else "gợi ý"
            if conflicts:
                why += "; khác biệt: " + "; ".join(conflicts)
            signals.append(_Signal(contribution, {
                "kind": "claim", "text": found["claim"], "start": None, "end": None,
                "detail": f"{base}, mức {why}); bác bỏ: {found.get('rebuttal_source') or '?'}",
                "claim_id": found["claim_id"]}))
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
                                   f"(đóng góp {match.term.weight:.2f})")))
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
            signals.append(_Signal(contribution, evidence_of(field_name, match, f"{detail} (đóng góp {contribution:.2f})")))
        return signals

    def _sensitive(self, context: _Context) -> list[_Signal]:
        signals = []
        kinds = self.lex["sensitive"].get("foreign_kinds", {})
        kind = context.item.get("source_kind") or ""
        if kind in kinds:
            signals.append(_Signal(float(kinds[kind]), {
                "kind": "source", "text": context.item.get("source") or "", "start": None, "end": None,
                "detail": f"nguồn nước ngoài ({kind}): phóng viên, báo chí nước ngoài"}))
        for _rule_id, detail, groups in self.sensitive_rules:
            found = [context.text.find(group) for group in groups]
            if not all(found):
                continue
            anchor = _co_occurring(found, self.sensitive_window)
            if anchor is None:
                continue
            for field_name, match in anchor:
                signals.append(_Signal(float(self.lex["sensitive"]["rule_score"]) if match is anchor[0][1] else 0.0,
                                       evidence_of(field_name, match, detail)))
        return signals

    # ------------------------------------------------------------------ learned
    def _model_probs(self, items: list[dict[str, Any]]) -> list[dict[str, tuple[float, str]]]:
        out: list[dict[str, tuple[float, str]]] = [{} for _ in items]
        if not self.models:
            return out
        rows = model_rows(items)
        for task, model in self.models.items():
            name = task.split(":", 1)[1] if ":" in task else task
            if name not in FLAG_NAMES:
                continue
            for index, proba in enumerate(model.predict_proba(rows)):
                p = positive_probability(proba, *MODEL_POSITIVE)
                if p is not None:
                    out[index][name] = (float(p), task)
        return out


class _Context:
    """What every flag asks of one item: is this span quoted in order to be rebutted?"""

    def __init__(self, item: dict[str, Any], text: ItemText, rebuttals: list[tuple[str, Match]],
                 official: bool, window: int):
        self.item = item
        self.text = text
        self.rebuttals = rebuttals
        self.window = window
        in_title = any(f == "title" for f, _ in rebuttals)
        # An official source with rebuttal words in its title, or several in its text, is a rebuttal article.
        self.is_rebuttal_article = official and (in_title or len(rebuttals) >= 2)

    def quoted(self, field_name: str, match: Match) -> bool:
        if self.is_rebuttal_article:
            return True
        return any(f == field_name and _near(m, match, self.window) for f, m in self.rebuttals)


def _near(a: Match, b: Match, window: int) -> bool:
    return a.start - window <= b.end and b.start - window <= a.end


def _co_occurring(found: list[list[tuple[str, Match]]], window: int) -> list[tuple[str, Match]] | None:
    """One match of every group in the same field within ``window`` of the first group's match."""
    for field_name, first in found[0]:
        chosen = [(field_name, first)]
        for group in found[1:]:
            hit = next(((f, m) for f, m in group if f == field_name and _near(m, first, window)), None)
            if hit is None:
                break
            chosen.append(hit)
        else:
            return chosen
    return None
