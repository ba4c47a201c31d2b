"""Topics: the item's newsroom section from a learned model, and the taxonomy's topics with their evidence.

What an analyst signs is "which desk would file this, and which of the plans' topics does it touch", so tagging
runs in two steps:

1. **Section.** A multi-class model over the 15 newsroom sections (vocabulary "sections") gives calibrated
   probabilities from the title and the first paragraphs. The shipped model
   (``classifiers/data/models/topic``) was trained on VNTC news (MIT) and the project's provincial items; where
   it is unsure (top probability under ``topic_embed_gate``), its second reader, a head over the e5 vector of the
   headline (classifiers/runtime/semantic_head.py), is asked too and the two are combined. Text written
   without diacritics (a social post, an old copy) is read by the model's twin trained on the same rows with
   the marks stripped (``classifiers/data/models/topic_plain``): the model for written text finds few of its
   words there. The head is asked about such items too (e5 reads text without marks; VNTC's test split
   without marks, 0.896 of first sections right with it, 0.885 without). An item in another language (its
   ``lang``: foreign press) is read by the head for other languages alone (also fitted on English translations
   of headlines): the word models know Vietnamese words only, and e5 is multilingual. A home's own "topic" model
   (``diemtin classifier refresh``: the office's sources that declare their section, plus analysts'
   corrections) replaces it. A source or feed that declares its section (VnExpress /suc-khoe)
   adds that as strong evidence; without one, a folder of the item's URL that names a section (``/suc-khoe/``)
   adds weaker evidence (``topic_url_section_weight``). The terms of each section topic are evidence only: several distinct terms
   (``topic_rule_min_terms``) raise their section a little (``topic_rule_weight``), one word never moves it,
   and none decides it. Chosen by cross-validation on training rows (classifiers/EVALUATION.md): the model's
   own top section stays first on 99% of them.
2. **Topics.** The best section's topic always comes first; other sections follow when their probability
   reaches ``topic_section_threshold``. A topic of the plans (biên giới, đình công, tin giả...) needs its
   terms (each distinct term adds its weight, ``1 - exp(-Σ)``) *and* a section it belongs to that the model
   finds plausible: ``support = min(1, p / topic_support_full)``; a single term counts only when the topic's
   section is the item's own (``topic_rule_min_terms``), so one generic word in an article about something else
   ("cơn bão" in a science piece, "Đại sứ quán" in an essay) tags nothing. Zero-shot
   similarity of the item's embedding to each topic's description adds to that, for items embedded anyway,
   and models a home trained on analysts' decisions for one topic ("topic:<id>") add their probability.

Every topic carries ``sections`` (the taxonomy's, main one first) and its evidence: the model's probability,
the declared section, the terms found (with offsets) and the zero-shot similarity.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifiers.runtime.embed import Embedder
from classifiers.runtime.itemtext import ItemText, evidence_of, positive_probability, predict_by_writing
from classifiers.runtime.lexicon import Term, TermMatcher
from classifiers.runtime.sections import url_section
from classifiers.runtime.semantic_head import SemanticHead, fuse
from pipeline.core import vocabulary
from pipeline.core.language import in_other_language
from pipeline.core.settings import Settings
from pipeline.core.taxonomy import Taxonomy, Topic

log = logging.getLogger(__name__)

# Characters of the body a section model reads (the same cap it was trained with, classifiers/training/topic_data.py).
MODEL_BODY_CHARS = 2000
# Characters of the text the topics' terms are looked for in.
RULE_CHARS = 3000
# An item's term scores: topic id -> (score, evidence), and topic id -> distinct terms found.
Rules = tuple[dict[str, tuple[float, list[dict[str, Any]]]], dict[str, int]]


@dataclass(frozen=True)
class TopicSettings:
    """The ``classifiers.topic_*`` settings (their defaults and reasons are in pipeline/core/defaults.py)."""

    threshold: float
    title_boost: float
    zero_shot_weight: float
    zero_shot_temperature: float
    model_weight: float
    section_threshold: float
    support_full: float
    rule_weight: float
    rule_min_terms: int
    declared_weight: float
    url_section_weight: float = 0.0
    url_sections: tuple[tuple[str, str], ...] = ()
    embed_weight: float = 0.0
    embed_gate: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TopicSettings:
        return cls(
            threshold=settings.get_float("classifiers.topic_threshold"),
            title_boost=settings.get_float("classifiers.topic_title_boost"),
            zero_shot_weight=settings.get_float("classifiers.topic_zero_shot_weight"),
            zero_shot_temperature=settings.get_float("classifiers.topic_zero_shot_temperature"),
            model_weight=settings.get_float("classifiers.topic_model_weight"),
            section_threshold=settings.get_float("classifiers.topic_section_threshold"),
            support_full=settings.get_float("classifiers.topic_support_full"),
            rule_weight=settings.get_float("classifiers.topic_rule_weight"),
            rule_min_terms=settings.get_int("classifiers.topic_rule_min_terms"),
            declared_weight=settings.get_float("classifiers.topic_declared_weight"),
            url_section_weight=settings.get_float("classifiers.topic_url_section_weight"),
            url_sections=tuple(sorted(settings.get_dict("classifiers.topic_url_sections").items())),
            embed_weight=settings.get_float("classifiers.topic_embed_weight"),
            embed_gate=settings.get_float("classifiers.topic_embed_gate"),
        )


def model_text_rows(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What a section model reads of an item: the title and the first characters of the text."""
    return [{"title": item.get("title") or "", "text": (item.get("text") or item.get("lead") or "")[:MODEL_BODY_CHARS]}
            for item in items]


class TopicTagger:
    """``tag_batch(items, vectors) -> [[{id, label, score, sections, evidence}, ...], ...]`` (module doc)."""

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder | None = None,
                 settings: TopicSettings | None = None, models: dict[str, Any] | None = None,
                 section_model: Any = None, head: SemanticHead | None = None, head_embedder: Any = None,
                 plain_model: Any = None):
        self.taxonomy = taxonomy
        self.settings = settings or TopicSettings.from_settings(Settings())
        self.matchers = topic_matchers(taxonomy)
        self.embedder = embedder
        models = dict(models or {})
        # A home's own "topic" model (sections as labels) replaces the shipped one, and decides alone: the
        # semantic head was weighed against the shipped model only.
        home_model = models.pop("topic", None)
        self.section_model = home_model or section_model
        # The shipped model's twin for text written without diacritics reads such items; beside a home's own
        # model there is none (it decides alone).
        self.plain_model = plain_model if home_model is None and section_model is not None else None
        usable = head is not None and self.settings.embed_weight > 0 and head.fits(head_embedder)
        self.head = head if usable and home_model is None and section_model is not None else None
        # An item in another language is read by the head alone, beside a home's own model too (that model, like
        # the shipped one, learnt Vietnamese words only).
        self.other_languages_head = head if usable else None
        self.head_embedder = head_embedder
        self.models = models
        self.sections = vocabulary.codes("sections")
        self._url_sections = {folder: section for folder, section in self.settings.url_sections
                              if section in self.sections}
        self._descriptions: np.ndarray | None = None

    def description_vectors(self) -> np.ndarray:
        if self._descriptions is None:
            if self.embedder is None:
                raise ValueError("zero-shot topics need an embedder")
            self._descriptions = self.embedder.encode([t.description for t in self.taxonomy.topics])
        return self._descriptions

    def tag(self, item: dict[str, Any], vector: np.ndarray | None = None) -> list[dict[str, Any]]:
        """Topics of one item, the item's section first."""
        return self.tag_batch([item], None if vector is None else vector[None, :])[0]

    def tag_batch(self, items: list[dict[str, Any]], vectors: np.ndarray | None = None) -> list[list[dict[str, Any]]]:
        zero_shot = self._zero_shot(vectors) if vectors is not None and self.embedder is not None else None
        section_probs, readers = self._section_probs(items)
        learned = self._learned(items)
        rules = [self._rules(item) for item in items]
        without = self._first_without_lone_words(items, rules, section_probs)
        return [self._tag_one(item, section_probs[i], zero_shot[i] if zero_shot is not None else None, learned[i],
                              rules[i], without[i], readers[i])
                for i, item in enumerate(items)]

    # ------------------------------------------------------------------ one item
    def _rules(self, item: dict[str, Any]) -> Rules:
        """Each topic's term score with its evidence, and how many distinct terms it found."""
        # Terms are looked for in the title and the head of the text: what an article is about is said there,
        # and a long article costs no more than its head (offsets stay those of the full text).
        text = ItemText({"title": item.get("title") or "", "lead": item.get("lead") or "",
                         "text": (item.get("text") or "")[:RULE_CHARS]})
        rules: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        distinct: dict[str, int] = {}
        for topic in self.taxonomy.topics:
            evidence: list[dict[str, Any]] = []
            score, distinct[topic.id] = self._rule_score(text, topic.id, evidence)
            rules[topic.id] = (score, evidence)
        return rules, distinct

    def _first_without_lone_words(self, items: list[dict[str, Any]], rules: list[Rules],
                                  probs: list[dict[str, float] | None]) -> list[str | None]:
        """Per item, the section the model puts first once the words of its one-term topics are blanked out
        (None without a model or such words): a topic found by one word ("Đại sứ quán" in a job-hunting essay)
        needs an article of its section without that word too. One batch for all items that need it."""
        blanked, index = [], []
        for i, (item, (scores, distinct)) in enumerate(zip(items, rules, strict=True)):
            evidence = [e for topic in self.taxonomy.topics if not topic.is_section and scores[topic.id][0]
                        and distinct[topic.id] < self.settings.rule_min_terms for e in scores[topic.id][1]]
            if probs[i] is not None and evidence:
                blanked.append(_blanked(item, evidence))
                index.append(i)
        out: list[str | None] = [None] * len(items)
        # The words alone: the check is whether a word decides the section, and the headline the head would read
        # still holds the word.
        for i, p in zip(index, self._section_probs(blanked, head=False)[0], strict=True):
            out[i] = max(p, key=p.__getitem__) if p else None
        return out

    def _tag_one(self, item: dict[str, Any], probs: dict[str, float] | None,
                 zero_shot: list[tuple[float, float, int]] | None,
                 learned: dict[str, tuple[float, str]], item_rules: Rules,
                 first_without_lone_words: str | None, reader: str = "") -> list[dict[str, Any]]:
        s = self.settings
        rules, distinct = item_rules
        declared = item.get("declared_section")
        from_url = None if declared else url_section(item.get("url"), self._url_sections)

        # 1. Sections: the model's probabilities, raised a little by terms (only by several distinct ones: one
        # generic word never moves a section) and strongly by a declared section.
        section_scores: dict[str, float] = {}
        section_evidence: dict[str, list[dict[str, Any]]] = {}
        for section in self.sections:
            evidence = []
            parts = []
            if probs is not None:
                p = float(probs.get(section, 0.0))
                parts.append(p)
                evidence.append(_model_evidence(f"{reader}: xác suất {p:.2f}"))
            topic = self.taxonomy.section_topic(section)
            rule, rule_evidence = rules.get(topic.id, (0.0, [])) if topic else (0.0, [])
            if rule:
                if probs is None:
                    parts.append(rule)
                elif topic is not None and distinct[topic.id] >= s.rule_min_terms:
                    parts.append(s.rule_weight * rule)
                evidence.extend(rule_evidence)
            if declared == section:
                parts.append(s.declared_weight)
                evidence.append(_model_evidence(f"nguồn khai báo chuyên mục {vocabulary.label('sections', section)}"))
            elif from_url is not None and from_url[0] == section:
                parts.append(s.url_section_weight)
                evidence.append(_model_evidence(f"đường dẫn của bài nằm trong mục /{from_url[1]}/ của báo"))
            section_scores[section] = _combine(parts)
            section_evidence[section] = evidence
        ranked = sorted(self.sections, key=lambda sec: -section_scores[sec])
        best = ranked[0] if section_scores[ranked[0]] > 0 else None

        # 2. Topics: section topics of plausible sections, then the plans' topics with support.
        tags: dict[str, dict[str, Any]] = {}
        for section in ranked:
            topic = self.taxonomy.section_topic(section)
            score = section_scores[section]
            if topic is None or not score:
                continue
            needed = s.section_threshold if probs is not None else s.threshold
            if (section == best and probs is not None) or score >= needed:
                tags[topic.id] = self._tag(topic, score, section_evidence[section])
        for index, topic in enumerate(self.taxonomy.topics):
            if topic.is_section:
                continue
            rule, evidence = rules[topic.id]
            parts = []
            support = 1.0
            if probs is not None:
                p = max((float(probs.get(sec, 0.0)) for sec in topic.sections), default=0.0)
                support = min(1.0, p / s.support_full) if s.support_full > 0 else 1.0
                if distinct[topic.id] < s.rule_min_terms and (best not in topic.sections
                                                              or first_without_lone_words not in (None, best)):
                    # One word ("Đại sứ quán" in a job-hunting essay) tags a topic only in an article of its
                    # section, and only when the article is of that section without the word too.
                    rule = 0.0
            if rule:
                parts.append(rule * support)
                if probs is not None:
                    evidence = [*evidence, _model_evidence(
                        f"chuyên mục của chủ đề ({', '.join(topic.sections)}) được mô hình ủng hộ {support:.2f}")]
            if zero_shot is not None:
                prob, sim, rank = zero_shot[index]
                if rank == 1 or prob >= 0.2:
                    parts.append(s.zero_shot_weight * prob * support)
                    evidence = [*evidence, _model_evidence(
                        f"giống mô tả chủ đề: cosine {sim:.3f}, hạng {rank}, xác suất {prob:.2f}")]
            model_prob = learned.get(topic.id)
            if model_prob is not None:
                parts.append(s.model_weight * model_prob[0])
                evidence = [*evidence, _model_evidence(
                    f"mô hình học từ nhãn của cán bộ ({model_prob[1]}): {model_prob[0]:.2f}")]
            score = _combine(parts)
            if score >= s.threshold:
                tags[topic.id] = self._tag(topic, score, evidence)
        return _order(list(tags.values()), best)

    @staticmethod
    def _tag(topic: Topic, score: float, evidence: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": topic.id, "label": topic.label, "score": round(score, 3), "sections": list(topic.sections),
                "evidence": evidence}

    def _rule_score(self, text: ItemText, topic_id: str, evidence: list[dict[str, Any]]) -> tuple[float, int]:
        """(score, distinct terms found); the matches go to ``evidence``."""
        matches = text.find(self.matchers[topic_id])
        if not matches:
            return 0.0, 0
        by_term: dict[str, float] = {}
        for field_name, match in matches:
            boost = self.settings.title_boost if field_name == "title" else 1.0
            key = match.term.text.lower()
            by_term[key] = max(by_term.get(key, 0.0), match.term.weight * boost)
        score = 1.0 - math.exp(-sum(by_term.values()))
        seen: set[tuple[str, int]] = set()
        for field_name, match in matches:
            if (field_name, match.start) in seen or len(seen) >= 8:
                continue
            seen.add((field_name, match.start))
            evidence.append(evidence_of(field_name, match, f"từ khóa \"{match.term.text}\" (trọng số {match.term.weight:g})"))
        return score, len(by_term)

    # ------------------------------------------------------------------ models
    def _section_probs(self, items: list[dict[str, Any]],
                       head: bool = True) -> tuple[list[dict[str, float] | None], list[str]]:
        """Each item's section probabilities, and who read them, as the evidence says it: the model or its
        plain-text twin, joined by the semantic head where the model is unsure; the head alone for an item in
        another language (none of this when ``head`` is False)."""
        if self.section_model is None or not items:
            return [None] * len(items), [""] * len(items)
        probas, plain = predict_by_writing(self.section_model, self.plain_model, model_text_rows(items))
        out: list[dict[str, float] | None] = [
            {label: float(p) for label, p in proba.items() if label in self.sections} for proba in probas]
        readers = ["mô hình chuyên mục" + (" cho văn bản không dấu" if is_plain else "") for is_plain in plain]
        if not head:
            return out, readers
        foreign = [i for i, item in enumerate(items) if self.other_languages_head and in_other_language(item)]
        read_alone = set(foreign)
        unsure = [i for i, p in enumerate(out) if self.head and p and i not in read_alone
                  and max(p.values()) < self.settings.embed_gate]
        for index, reader, alone in ((foreign, self.other_languages_head, True), (unsure, self.head, False)):
            if not index:
                continue
            for i, read in zip(index, reader.ask(self.head_embedder, [items[i] for i in index]), strict=True):
                if alone:
                    out[i] = {label: read.get(label, 0.0) for label in out[i]}
                    readers[i] = "mô hình ngữ nghĩa e5 của tít, sapo (bài không viết bằng tiếng Việt)"
                else:
                    out[i] = fuse(out[i], read, self.settings.embed_weight)
                    readers[i] += " (từ ngữ và ngữ nghĩa e5 của tít, sapo)"
        return out, readers

    def _zero_shot(self, vectors: np.ndarray) -> list[list[tuple[float, float, int]]]:
        sims = vectors @ self.description_vectors().T
        logits = sims / self.settings.zero_shot_temperature
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        ranks = (-sims).argsort(axis=1).argsort(axis=1) + 1
        return [[(float(probs[i, j]), float(sims[i, j]), int(ranks[i, j])) for j in range(sims.shape[1])]
                for i in range(sims.shape[0])]

    def _learned(self, items: list[dict[str, Any]]) -> list[dict[str, tuple[float, str]]]:
        """Per item: topic id -> (probability, model name) from a home's models of one topic each."""
        out: list[dict[str, tuple[float, str]]] = [{} for _ in items]
        if not self.models:
            return out
        rows = model_text_rows(items)
        for task, model in self.models.items():
            if task.startswith("topic:") and self.taxonomy.get(task[6:]) is not None:
                for index, proba in enumerate(model.predict_proba(rows)):
                    p = positive_probability(proba, task[6:])
                    if p is not None:
                        out[index][task[6:]] = (float(p), task)
        return out


def _combine(parts: list[float]) -> float:
    """Independent pieces of evidence: any strong one decides, weak ones add up."""
    return 1.0 - math.prod(1.0 - min(1.0, max(0.0, p)) for p in parts) if parts else 0.0


def _model_evidence(detail: str) -> dict[str, Any]:
    return {"kind": "model", "text": "", "start": None, "end": None, "detail": detail}


def _blanked(item: dict[str, Any], evidence: list[dict[str, Any]]) -> dict[str, Any]:
    """``item`` with the words of ``evidence`` replaced by spaces (offsets of the other words unchanged)."""
    out = dict(item)
    for e in evidence:
        if e.get("kind") == "term" and e.get("field") in out and e.get("start") is not None:
            value = out[e["field"]] or ""
            out[e["field"]] = value[:e["start"]] + " " * (e["end"] - e["start"]) + value[e["end"]:]
    return out


def _order(tags: list[dict[str, Any]], best: str | None) -> list[dict[str, Any]]:
    """Best score first, except that the first topic is always one of the item's section: the section's own
    topic, or a topic of the plans whose main section it is and that scores higher."""
    tags.sort(key=lambda t: -t["score"])
    if best is None:
        return tags
    first = next((t for t in tags if t["sections"][:1] == [best]), None)
    if first is None:
        return tags
    return [first, *(t for t in tags if t is not first)]


def topic_matchers(taxonomy: Taxonomy) -> dict[str, TermMatcher]:
    """One matcher per topic, so a span can count for two topics ("quần đảo Hoàng Sa" for biển đảo,
    "Hoàng Sa" within it for chủ quyền); a match's payload is its topic id."""
    return {topic.id: TermMatcher([Term(t.text, topic.id, t.weight, t.case_sensitive) for t in topic.terms])
            for topic in taxonomy.topics}
