"""The classifier stages that `pipeline/process.py` runs on each batch, after relevance and exact dedup.

Order: near-duplicates -> embed + story clusters -> claim matching -> topics -> tone -> flags -> urgency.
Each stage is a callable ``(items, store) -> None`` that adds fields in place. Only relevant items that are
not duplicates go through the expensive stages; only their title and lead are embedded. The stages of one
pipeline share the batch's vectors through :class:`BatchVectors`, so each item is embedded once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.claims import ClaimMatcher, ClaimThresholds, seed_claims
from classifiers.clusters import ClusterSettings, StoryClusters
from classifiers.dedup import NearDuplicates
from classifiers.embed import Embedder, embedder_from_settings
from classifiers.flags import FlagClassifier
from classifiers.itemtext import headline
from classifiers.registry import MODELS_DIR
from classifiers.taxonomy import taxonomy_for_home
from classifiers.tone import ToneClassifier
from classifiers.topics import TopicSettings, TopicTagger
from classifiers.urgency import Urgency
from pipeline.home import Home
from pipeline.store.base import Store

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


def needs_classification(item: dict[str, Any]) -> bool:
    return item.get("relevant") is not False and not item.get("duplicate_of")


def load_home_models(home_path: str | Path) -> dict[str, Any]:
    """The current model of every task in the home's registry (classifiers/registry.py), by task name."""
    root = Path(home_path) / MODELS_DIR
    if not root.is_dir():
        return {}
    from classifiers.learn import load_model

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
    if settings.get("classifiers.seed_claims", True):
        seed_claims(store, embedder)
    models = load_home_models(home.path)
    batch = BatchVectors()
    near = NearDuplicates.from_settings(store, settings)
    clusters = StoryClusters(ClusterSettings.from_settings(settings))
    claims = ClaimMatcher(store, embedder, ClaimThresholds.from_settings(settings))
    topics = TopicTagger(taxonomy_for_home(home.path), embedder, TopicSettings.from_settings(settings),
                         models={t: m for t, m in models.items() if t == "topic" or t.startswith("topic:")})
    topics.description_vectors()  # embed the topic descriptions now, not inside the first batch
    tone = ToneClassifier(model=models.get("tone"))
    flags = FlagClassifier(models={t: m for t, m in models.items() if t.startswith("flag:")},
                           threshold=float(settings.get("classifiers.flag_threshold", 0.5)))
    urgency = Urgency(half_life_hours=float(settings.get("classifiers.urgency_half_life_hours", 24)))
    max_chars = int(settings.get("classifiers.embed_max_chars", 120))

    def embed_and_cluster(items: list[dict[str, Any]], store: Store) -> None:
        batch.vectors.clear()
        batch.texts.clear()
        todo = [i for i in items if needs_classification(i)]
        if todo:
            texts = [headline(i, max_chars) for i in todo]
            for item, text, vector in zip(todo, texts, embedder.encode(texts), strict=True):
                batch.vectors[item["id"]] = vector
                batch.texts[item["id"]] = text
        clusters.assign(items, batch.vectors, store)

    def match_claims(items: list[dict[str, Any]], store: Store) -> None:
        claims.reload()
        for item in items:
            if item["id"] in batch.vectors:
                item["claim_matches"] = claims.match(batch.texts[item["id"]], batch.vectors[item["id"]])

    def tag_topics(items: list[dict[str, Any]], store: Store) -> None:
        todo = [i for i in items if i["id"] in batch.vectors]
        if todo:
            vectors = np.stack([batch.vectors[i["id"]] for i in todo])
            for item, tags in zip(todo, topics.tag_batch(todo, vectors), strict=True):
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
        Stage("embed_and_cluster", embed_and_cluster),
        Stage("claims", match_claims),
        Stage("topics", tag_topics),
        Stage("tone", classify_tone),
        Stage("flags", raise_flags),
        Stage("urgency", rank_urgency),
    ]
