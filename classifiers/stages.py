"""The classifier stages that `pipeline/core/process.py` runs on each batch, after relevance and exact dedup.

Order: near-duplicates -> story clusters -> embed claim candidates -> claim matching -> topics -> tone ->
flags -> urgency. Each stage is a callable ``(items, store) -> None`` that adds fields in place. Every item that
is not a copy gets flags and claim matching, whether or not it names the province; topics and tone are for the
province's items. An item that does not name the province keeps only flags at or above
``classifiers.national_flag_threshold``: those make the national view ("Toàn quốc": not relevant, flagged).

Two embedders. The fast static one (``classifiers.fast_embedder``) embeds every item's title and lead, thousands a
second: story clusters compare by meaning with it, and the plans' topics get zero-shot evidence from it. The e5
model (``classifiers.embedder``) costs ~65 ms of CPU per item, against a target of 100 items/s on 2 cores, so it
embeds only the items that may match a known claim: those whose words are close enough to an active claim's
(:class:`classifiers.runtime.lexical.ClaimPrefilter`, a bar calibrated to keep every paraphrase of the calibration
set) and those not in Vietnamese (a translated claim shares no words with it). The stages of one pipeline share
the batch's e5 vectors through :class:`BatchVectors`, so each item is embedded at most once by each model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from classifiers import DATA_DIR, MODELS_DIR
from classifiers.runtime.claims import ClaimMatcher, ClaimThresholds
from classifiers.runtime.clusters import ClusterSettings, StoryClusters
from classifiers.runtime.embed import Embedder, embedder_from_settings, fast_embedder_from_settings
from classifiers.runtime.flags import FlagClassifier, merge_decisions
from classifiers.runtime.itemtext import claim_windows, headline, needs_classification, needs_triage
from classifiers.runtime.lexical import ClaimPrefilter
from classifiers.runtime.linear import load_folders
from classifiers.runtime.sections import DeclaredSections
from classifiers.runtime.semantic_head import SemanticHead
from classifiers.runtime.tone import Aside, ToneClassifier
from classifiers.runtime.topics import TopicSettings, TopicTagger
from classifiers.runtime.urgency import Urgency
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
    windows: dict[str, list[tuple[str, np.ndarray]]] = field(default_factory=dict)


DESCRIPTIONS_STATE = "topic-description-vectors"


def _descriptions_key(embedder: Embedder, descriptions: list[str]) -> str:
    import hashlib

    joined = "\n".join([embedder.name, str(embedder.dim), *descriptions])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def load_home_models(home_path: str | Path) -> dict[str, Any]:
    """The current model of every task in the home's registry (classifiers/training/registry.py), by task name."""
    root = Path(home_path) / MODELS_DIR
    if not root.is_dir():
        return {}
    from classifiers.training.learn import load_model

    return load_folders(sorted(p for p in root.iterdir() if p.is_dir()), fallback=load_model)


@lru_cache(maxsize=8)
def _shipped(path: str, mtime_ns: int) -> Any:
    from classifiers.training.learn import load_model

    return load_model(path)


def shipped_model(settings: Any, key: str) -> Any:
    """The model a setting (``"classifiers.topic_model"``, ``"classifiers.tone_model"``) names: a folder in
    classifiers/data/ or an absolute path; None when the setting is empty or the folder holds no model."""
    name = settings.get_str(key)
    if not name:
        return None
    path = data_path(name)
    try:
        return _shipped(str(path), path.stat().st_mtime_ns)
    except (FileNotFoundError, OSError, KeyError, ValueError) as exc:
        log.warning("shipped model not loaded %s", {"setting": key, "path": str(path), "error": str(exc)})
        return None


def data_path(name: str) -> Path:
    """A file or folder a setting names: a path in classifiers/data/ or an absolute one."""
    return Path(name) if Path(name).is_absolute() else DATA_DIR / name


def _loaded(load: Callable[[Path], Any], name: str, what: str) -> Any:
    """``load`` of the file a setting names, None (and a warning) when it is missing or unreadable: the product
    runs on without that part."""
    path = data_path(name)
    try:
        return load(path)
    except (OSError, KeyError, ValueError) as exc:
        log.warning("%s not loaded %s", what, {"path": str(path), "error": str(exc)})
        return None


def topic_tagger(settings: Any, taxonomy: Any, fast: Embedder | None = None, embedder: Embedder | None = None,
                 models: dict[str, Any] | None = None) -> TopicTagger:
    """The topic tagger the settings describe: the shipped section model and its semantic head (read with
    ``embedder``, the e5 model), a home's own models, zero-shot evidence with ``fast``."""
    return TopicTagger(taxonomy, fast, TopicSettings.from_settings(settings), models=models,
                       section_model=shipped_model(settings, "classifiers.topic_model"),
                       plain_model=shipped_model(settings, "classifiers.topic_plain_model"),
                       head=shipped_head(settings, "topic"), head_embedder=embedder)


def tone_classifier(settings: Any, other_places: list[str] | tuple[str, ...], home_model: Any = None,
                    embedder: Embedder | None = None) -> ToneClassifier:
    """The tone classifier the settings describe: a home's own model, else the shipped one with its semantic head
    (the head was fitted and weighed against the shipped model only)."""
    model = home_model or shipped_model(settings, "classifiers.tone_model")
    shipped = shipped_head(settings, "tone")
    head = None if home_model is not None else shipped
    plain = None if home_model is not None else shipped_model(settings, "classifiers.tone_plain_model")
    return ToneClassifier(model=model, other_places=other_places, plain_model=plain,
                          reversal_guard=settings.get_float("classifiers.tone_reversal_guard"),
                          other_languages_guard=settings.get_float("classifiers.tone_reversal_guard_other_languages"),
                          plain_guard=settings.get_float("classifiers.tone_reversal_guard_without_marks"),
                          head=head, other_languages_head=shipped, embedder=embedder,
                          head_weight=settings.get_float("classifiers.tone_embed_weight"),
                          head_gate=settings.get_float("classifiers.tone_embed_gate"),
                          aside=tone_aside(settings))


def tone_aside(settings: Any) -> Aside | None:
    """The model of where the province is named (``classifiers.tone_aside_model``), None when the setting is empty
    or the file is missing. It judges placement, not words, so it stands beside a home's own tone model too."""
    name = settings.get_str("classifiers.tone_aside_model")
    if not name:
        return None
    return _loaded(Aside.load, name, "tone aside model")


def shipped_head(settings: Any, model: str) -> SemanticHead | None:
    """The semantic head saved beside the shipped ``model`` ("topic", "tone"), None when there is none or it is
    switched off (``classifiers.<model>_embed_weight`` 0)."""
    name = settings.get_str(f"classifiers.{model}_model")
    if not name or settings.get_float(f"classifiers.{model}_embed_weight") <= 0:
        return None
    return _loaded(SemanticHead.load, name, "semantic head")


def build_stages(home: Home, store: Store, embedder: Embedder | None = None) -> list[Stage]:
    settings = home.settings
    embedder = embedder or embedder_from_settings(settings)
    fast = fast_embedder_from_settings(settings)
    models = load_home_models(home.path)
    batch = BatchVectors()
    near: list[Any] = []  # built on first use: datasketch (and scipy) cost a second to import; `classify` never uses it
    clusters = StoryClusters(ClusterSettings.from_settings(settings), fast)
    claims = ClaimMatcher(store, embedder, ClaimThresholds.from_settings(settings))
    topics = topic_tagger(settings, taxonomy_for_home(home.path), fast, embedder,
                          {t: m for t, m in models.items() if t == "topic" or t.startswith("topic:")})
    # Topic descriptions are embedded with the first batch, so start-up does not wait for the embedder; their
    # vectors are kept in the store, so each process pays for them once per home and embedder, not once per run
    # (`classify` answers an analyst in seconds).
    descriptions_key = _descriptions_key(fast, [t.description for t in topics.taxonomy.topics])
    saved = store.get_record("state", DESCRIPTIONS_STATE) or {}
    if saved.get("key") == descriptions_key:
        topics._descriptions = np.asarray(saved["vectors"], dtype=np.float32)
    declared = DeclaredSections()
    tone = tone_classifier(settings, home.profile.other_provinces, models.get("tone"), embedder)
    threshold = settings.get_float("classifiers.flag_threshold")
    national_threshold = settings.get_float("classifiers.national_flag_threshold")
    flags = FlagClassifier(models={t: m for t, m in models.items() if t.startswith("flag:")}, threshold=threshold)
    urgency = Urgency(half_life_hours=settings.get_float("classifiers.urgency_half_life_hours"))
    max_chars = settings.get_int("classifiers.embed_max_chars")
    cluster_chars = settings.get_int("classifiers.cluster_max_chars")
    prefilter = ClaimPrefilter(settings.get_float("classifiers.claim_prefilter"))

    def cluster_stories(items: list[dict[str, Any]], store: Store) -> None:
        clusters.assign(items, store)

    def embed_claim_candidates(items: list[dict[str, Any]], store: Store) -> None:
        batch.vectors.clear()
        batch.texts.clear()
        batch.windows.clear()
        claims.reload()
        todo = [i for i in items if needs_triage(i)]
        # A claim may sit past a preamble ("Tin nóng: theo một nguồn tin riêng, ..."): besides the headline,
        # each sentence of the title and lead is a window, and the item is a candidate if any window is.
        windows = [claim_windows(i, max_chars) for i in todo]
        flat = [w for ws in windows for w in ws]
        owners = [n for n, ws in enumerate(windows) for _ in ws]
        chosen_flat = prefilter.candidates(claims.texts(), flat, [todo[n].get("lang") for n in owners])
        # An item is a candidate when any of its windows is; of its windows, the headline and those lexically
        # close to a claim are embedded (embedding is what costs).
        chosen_windows: list[list[str]] = [[] for _ in todo]
        for n, window, chosen in zip(owners, flat, chosen_flat, strict=True):
            if chosen:
                chosen_windows[n].append(window)
        picked = [(item, [ws[0], *[w for w in chosen if w != ws[0]]])
                  for item, ws, chosen in zip(todo, windows, chosen_windows, strict=True) if chosen]
        if picked:
            texts = [w for _, ws in picked for w in ws]
            vectors = embedder.encode(texts)
            position = 0
            for item, ws in picked:
                batch.vectors[item["id"]] = vectors[position]  # the headline's vector: what topics compare
                batch.texts[item["id"]] = ws[0]
                batch.windows[item["id"]] = list(zip(ws, vectors[position:position + len(ws)], strict=True))
                position += len(ws)

    def match_claims(items: list[dict[str, Any]], store: Store) -> None:
        for item in items:
            if needs_triage(item):
                best: dict[str, dict[str, Any]] = {}
                for text, vector in batch.windows.get(item["id"], []):
                    for found in claims.match(text, vector):
                        kept = best.get(found["claim_id"])
                        # The closest window speaks for the item; a consistent one beats a contradicting one.
                        rank = (found["level"] == "near_certain", found["similarity"])
                        if kept is None or rank > (kept["level"] == "near_certain", kept["similarity"]):
                            best[found["claim_id"]] = found
                item["claim_matches"] = sorted(best.values(), key=lambda f: -f["similarity"])

    def tag_topics(items: list[dict[str, Any]], store: Store) -> None:
        # Every item that is not a copy gets its section and topics, whether or not it names the province (tone
        # is toward the province, so only relevant items get one): the national view shows what desk a flagged
        # item belongs to, and `classify` answers the section of any article.
        todo = [i for i in items if needs_triage(i)]
        declared.apply(todo, store)
        if todo:
            # Every item has its fast vector (the zero-shot evidence of the plans' topics): cached by the
            # embedder since the story stage embedded the same title and lead.
            vectors = fast.encode([headline(i, cluster_chars) for i in todo])
            for item, tags in zip(todo, topics.tag_batch(todo, vectors), strict=True):
                item["topics"] = tags
        if todo and saved.get("key") != descriptions_key and topics._descriptions is not None:
            saved.update(id=DESCRIPTIONS_STATE, key=descriptions_key, vectors=topics._descriptions.round(6).tolist())
            store.put_record("state", DESCRIPTIONS_STATE, dict(saved))

    def classify_tone(items: list[dict[str, Any]], store: Store) -> None:
        todo = [i for i in items if needs_classification(i)]
        for item, result in zip(todo, tone.classify_batch(todo), strict=True):
            item["tone"] = result

    def raise_flags(items: list[dict[str, Any]], store: Store) -> None:
        todo = [i for i in items if needs_triage(i)]
        for item, scores in zip(todo, flags.score_batch(todo), strict=True):
            bar = threshold if item.get("relevant") is not False else national_threshold
            item["flag_scores"] = {name: entry["score"] for name, entry in scores.items()}
            raised = [{**entry, "raised": True} for entry in scores.values() if entry["score"] >= bar]
            item["flags"] = merge_decisions(raised, item.pop("_previous_flags", None))

    def rank_urgency(items: list[dict[str, Any]], store: Store) -> None:
        for item in items:
            if needs_classification(item) or (needs_triage(item) and item.get("flags")):
                item["urgency"], item["urgency_reasons"] = urgency.score(item, clusters.outlets(item.get("cluster_id"), store))

    def near_duplicates(items: list[dict[str, Any]], store: Store) -> None:
        if not near:
            from classifiers.runtime.dedup import NearDuplicates

            near.append(NearDuplicates.from_settings(settings))
        near[0](items, store)

    return [
        Stage("near_duplicates", near_duplicates),
        Stage("clusters", cluster_stories),
        Stage("embed", embed_claim_candidates),
        Stage("claims", match_claims),
        Stage("topics", tag_topics),
        Stage("tone", classify_tone),
        Stage("flags", raise_flags),
        Stage("urgency", rank_urgency),
    ]
