"""Multi-label topic tagging: term rules (matched spans are the evidence) combined with learned components.

Three signals, each with its reason, are combined as independent pieces of evidence
(``1 - Π(1 - s_i)``), so any one strong signal tags and weak ones add up:

- term rules: the taxonomy's terms found in the title (counted ``title_boost`` times) and the text; each
  distinct term adds its weight, and ``1 - exp(-Σ weights)`` turns the sum into a score;
- zero-shot similarity of the item's title+lead embedding to each topic's description, as a softmax over
  topics (e5 similarities are compressed, so only the ranking among topics carries information), for the
  items embedded anyway: embedding costs ~65 ms an item here, so the stages embed only claim candidates
  (classifiers/stages.py) and every other item is tagged by terms and trained models alone;
- a model trained on analysts' topic decisions ("topic" for a multi-class model, "topic:<id>" for one
  topic), when the home has one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from classifiers.runtime.embed import Embedder
from classifiers.runtime.itemtext import ItemText, evidence_of, model_rows, positive_probability
from classifiers.runtime.lexicon import Term, TermMatcher
from pipeline.core.settings import Settings
from pipeline.core.taxonomy import Taxonomy


@dataclass(frozen=True)
class TopicSettings:
    """The ``classifiers.topic_*`` settings (their defaults and reasons are in pipeline/core/defaults.py)."""

    threshold: float
    title_boost: float
    zero_shot_weight: float
    zero_shot_temperature: float
    model_weight: float

    @classmethod
    def from_settings(cls, settings: Settings) -> TopicSettings:
        return cls(
            threshold=settings.get_float("classifiers.topic_threshold"),
            title_boost=settings.get_float("classifiers.topic_title_boost"),
            zero_shot_weight=settings.get_float("classifiers.topic_zero_shot_weight"),
            zero_shot_temperature=settings.get_float("classifiers.topic_zero_shot_temperature"),
            model_weight=settings.get_float("classifiers.topic_model_weight"),
        )


class TopicTagger:
    def __init__(self, taxonomy: Taxonomy, embedder: Embedder | None = None,
                 settings: TopicSettings | None = None, models: dict[str, Any] | None = None):
        self.taxonomy = taxonomy
        self.settings = settings or TopicSettings.from_settings(Settings())
        self.matchers = topic_matchers(taxonomy)
        self.embedder = embedder
        self.models = models or {}
        self._descriptions: np.ndarray | None = None

    def description_vectors(self) -> np.ndarray:
        if self._descriptions is None:
            if self.embedder is None:
                raise ValueError("zero-shot topics need an embedder")
            self._descriptions = self.embedder.encode([t.description for t in self.taxonomy.topics])
        return self._descriptions

    def tag(self, item: dict[str, Any], vector: np.ndarray | None = None) -> list[dict[str, Any]]:
        """Topics of one item, best first, each ``{id, label, score, evidence}``."""
        return self.tag_batch([item], None if vector is None else vector[None, :])[0]

    def tag_batch(self, items: list[dict[str, Any]], vectors: np.ndarray | None = None) -> list[list[dict[str, Any]]]:
        zero_shot = self._zero_shot(vectors) if vectors is not None and self.embedder is not None else None
        learned = self._learned(items)
        out = []
        for index, item in enumerate(items):
            text = ItemText(item)
            tags = []
            for t_index, topic in enumerate(self.taxonomy.topics):
                parts: list[float] = []
                evidence: list[dict[str, Any]] = []
                rule = self._rule_score(text, topic.id, evidence)
                if rule:
                    parts.append(rule)
                if zero_shot is not None:
                    prob, sim, rank = zero_shot[index][t_index]
                    if rank == 1 or prob >= 0.2:
                        parts.append(self.settings.zero_shot_weight * prob)
                        evidence.append({"kind": "model", "text": "", "start": None, "end": None,
                                         "detail": f"giống mô tả chủ đề: cosine {sim:.3f}, hạng {rank}, "
                                                   f"xác suất {prob:.2f}"})
                model_prob = learned[index].get(topic.id)
                if model_prob is not None:
                    parts.append(self.settings.model_weight * model_prob[0])
                    evidence.append({"kind": "model", "text": "", "start": None, "end": None,
                                     "detail": f"mô hình học từ nhãn của cán bộ ({model_prob[1]}): {model_prob[0]:.2f}"})
                score = 1.0 - math.prod(1.0 - p for p in parts) if parts else 0.0
                if score >= self.settings.threshold:
                    tags.append({"id": topic.id, "label": topic.label, "score": round(score, 3), "evidence": evidence})
            tags.sort(key=lambda t: -t["score"])
            out.append(tags)
        return out

    def _rule_score(self, text: ItemText, topic_id: str, evidence: list[dict[str, Any]]) -> float:
        matches = text.find(self.matchers[topic_id])
        if not matches:
            return 0.0
        by_term: dict[str, float] = {}
        for field_name, match in matches:
            boost = self.settings.title_boost if field_name == "title" else 1.0
            key = match.term.text.lower()
            by_term[key] = max(by_term.get(key, 0.0), match.term.weight * boost)
        total = sum(by_term.values())
        score = 1.0 - math.exp(-total)
        seen: set[tuple[str, int]] = set()
        for field_name, match in matches:
            if (field_name, match.start) in seen or len(seen) >= 8:
                continue
            seen.add((field_name, match.start))
            evidence.append(evidence_of(field_name, match, f"từ khóa \"{match.term.text}\" (trọng số {match.term.weight:g})"))
        return score

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
        """Per item: topic id -> (probability, model name) from the home's trained topic models."""
        out: list[dict[str, tuple[float, str]]] = [{} for _ in items]
        if not self.models:
            return out
        rows = model_rows(items)
        for task, model in self.models.items():
            probas = model.predict_proba(rows)
            if task == "topic":
                for index, proba in enumerate(probas):
                    for topic_id, p in proba.items():
                        if self.taxonomy.get(topic_id) is not None:
                            out[index][topic_id] = (float(p), task)
            elif task.startswith("topic:") and self.taxonomy.get(task[6:]) is not None:
                for index, proba in enumerate(probas):
                    p = positive_probability(proba, task[6:])
                    if p is not None:
                        out[index][task[6:]] = (float(p), task)
        return out


def topic_matchers(taxonomy: Taxonomy) -> dict[str, TermMatcher]:
    """One matcher per topic, so a span can count for two topics ("quần đảo Hoàng Sa" for biển đảo,
    "Hoàng Sa" within it for chủ quyền); a match's payload is its topic id."""
    return {topic.id: TermMatcher([Term(t.text, topic.id, t.weight, t.case_sensitive) for t in topic.terms])
            for topic in taxonomy.topics}
