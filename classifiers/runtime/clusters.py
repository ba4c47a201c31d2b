"""Story clusters: one event, several outlets, different words, so an analyst triages a story once and the digest,
queue and analytics count stories and outlets.

Two items are one story when a small learned model over what they share says so (``pair_probability`` >=
``cluster_threshold``). Its features, for an item and one earlier candidate:

- meaning: cosine of the fast embedder's vectors (classifiers/runtime/static_embed.py) of title + lead, and of
  the titles alone; every item is embedded, thousands a second;
- words: cosine of hashed folded word 1-2-grams of title + lead (an agency rewrite shares many);
- specifics: places of the province both name (communes, landmarks), and whether both name such places but
  none in common (two communes' voter meetings told in one template are two events); numbers both give ("37
  người", "1,2 tỷ"), or none in common; capitalised names both use ("Hội Lim", "KCN Điềm Thụy");
- time: hours between them (one story is told within a day or two).

The model (``classifiers/data/models/stories.json``) is a logistic regression fitted on pairs of the provincial
items' training split (same story vs same province within 3 days). That split is sparse (one pair in five is one
story), a real stream is not, so the threshold and ``cluster_min_link`` were chosen by replaying the training
split as a denser stream (classifiers/training/story_tuning.py). ``diemtin classifier benchmark --only stories``
measures it on the held-out split's labelled pairs (template twins included), on real articles and their
retellings by other outlets (``story_pairs_real``), and by BCubed.

Only the story window is compared: candidates are the nearest items (``cluster_candidates``) among those
published within ``cluster_days`` of the batch, so the cost does not grow with the store. An item joins the
cluster of its most probable candidate, provided no item of that story is plainly unrelated to it (probability
below ``cluster_min_link``: single links would chain a week of one topic into one story); a new story's cluster id is its first item's id; near-duplicates join
their original's cluster. A cluster with more than one item has a record in the "state" collection (kind
"cluster") with its items, outlets and counts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from classifiers import DATA_DIR
from classifiers.runtime.embed import Embedder
from classifiers.runtime.itemtext import headline, needs_classification
from classifiers.runtime.lexical import story_vectors
from pipeline.core.settings import Settings
from pipeline.core.store.base import ItemQuery, Store
from pipeline.core.text import fold
from pipeline.core.timeutil import iso, now_utc, parse_iso

STATE_KIND = "cluster"
REEMBED_PREFIX = "reembed:"
PAIR_MODEL = DATA_DIR / "models" / "stories.json"
FEATURES = ("meaning", "words", "title_meaning", "shared_place", "place_conflict", "shared_numbers",
            "number_conflict", "shared_names", "days_apart")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
# Capitalised words not at the start of a sentence, joined into names ("Hội Lim", "Khu công nghiệp Yên Phong").
_NAME = re.compile(rf"(?<![.!?:]\s)(?<!^)\b([{_UPPER}][\wÀ-ỹ]*(?:\s+[{_UPPER}][\wÀ-ỹ]*)*)")
_WINDOW_LIMIT = 20000


def space_name(embedder: Embedder) -> str:
    """The vector space of story vectors made by one embedder: another embedder means another space."""
    return "stories-" + re.sub(r"[^a-z0-9]+", "-", embedder.name.lower()).strip("-")


def reembed_state_id(embedder: Embedder) -> str:
    """The "state" record that tracks re-embedding stored items into the embedder's space (reembed.py)."""
    return REEMBED_PREFIX + space_name(embedder)


def mark_new_space(store: Store, embedder: Embedder, items_before: int) -> None:
    """Called when a story space is first written: an empty store has nothing to re-embed; a store with items
    has them all to re-embed (classifiers/runtime/reembed.py, in the background)."""
    if store.get_record("state", reembed_state_id(embedder)) is None:
        store.put_record("state", reembed_state_id(embedder), {
            "id": reembed_state_id(embedder), "kind": "reembed", "space": space_name(embedder), "offset": 0,
            "done": items_before == 0, "embedded": 0, "updated_at": iso(now_utc())})


def cluster_record_id(cluster_id: str) -> str:
    return f"cluster:{cluster_id}"


@dataclass
class Sketch:
    """What a story comparison needs of an item: vectors, time, and its specifics."""

    item_id: str
    cluster_id: str
    source: str
    hours: float | None
    vector: np.ndarray
    title_vector: np.ndarray
    words: np.ndarray
    places: frozenset[str]
    head_places: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]


@dataclass
class ClusterSettings:
    """The ``classifiers.cluster_*`` settings (their defaults and reasons are in pipeline/core/defaults.py)."""

    threshold: float
    days: float
    candidates: int
    max_chars: int
    min_link: float = 0.2

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterSettings:
        return cls(settings.get_float("classifiers.cluster_threshold"), settings.get_float("classifiers.cluster_days"),
                   settings.get_int("classifiers.cluster_candidates"), settings.get_int("classifiers.cluster_max_chars"),
                   settings.get_float("classifiers.cluster_min_link"))


@lru_cache(maxsize=2)
def load_pair_model(path: str = str(PAIR_MODEL)) -> tuple[np.ndarray, float]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{path}: features {data['features']} are not {list(FEATURES)}")
    return np.asarray(data["weights"], dtype=np.float64), float(data["bias"])


def pair_features(a: Sketch, b: Sketch) -> list[float]:
    shared_places = a.places & b.places
    shared_numbers = a.numbers & b.numbers
    hours = abs(a.hours - b.hours) if a.hours is not None and b.hours is not None else 24.0
    return [float(a.vector @ b.vector), float(a.words @ b.words), float(a.title_vector @ b.title_vector),
            float(bool(shared_places)), float(bool(a.head_places and b.head_places and not shared_places)),
            float(min(len(shared_numbers), 3)), float(bool(a.numbers and b.numbers and not shared_numbers)),
            float(min(len(a.names & b.names), 3)), hours / 72.0]


def pair_probability(a: Sketch, b: Sketch, model: tuple[np.ndarray, float] | None = None) -> float:
    """The pair model's probability that ``a`` and ``b`` tell one event; 0 when their titles and leads name
    places of the province and share none (one template told of two communes is two events)."""
    weights, bias = model or load_pair_model()
    features = pair_features(a, b)
    if features[FEATURES.index("place_conflict")]:
        return 0.0
    z = float(np.dot(weights, features) + bias)
    return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0


def close_in_time(a: Sketch, b: Sketch, days: float) -> bool:
    if a.hours is None or b.hours is None:
        return True
    return abs(a.hours - b.hours) <= days * 24


def choose_story(sketch: Sketch, candidates: list[Sketch], members: Callable[[str], list[Sketch]],
                 settings: ClusterSettings, model: tuple[np.ndarray, float]) -> tuple[float, Sketch] | None:
    """The candidate whose story ``sketch`` joins, with its probability, or None for a new story: the most
    probable candidate at or above ``threshold``, provided no item of its story (``members``) within the window
    is plainly unrelated to the newcomer (below ``min_link``): one close item must not chain two events into one
    story. The clusterer and the threshold replay (classifiers/training/story_tuning.py) both decide here."""
    best: tuple[float, Sketch] | None = None
    for other in candidates:
        if other.item_id == sketch.item_id or not close_in_time(sketch, other, settings.days):
            continue
        p = pair_probability(sketch, other, model)
        if p >= settings.threshold and (best is None or p > best[0]):
            best = (p, other)
    if best is None:
        return None
    for member in members(best[1].cluster_id):
        if (member.item_id != sketch.item_id and close_in_time(sketch, member, settings.days)
                and pair_probability(sketch, member, model) < settings.min_link):
            return None
    return best


def sketches(items: list[dict[str, Any]], embedder: Embedder, max_chars: int) -> list[Sketch]:
    """Sketches of items (their cluster id is their own until one is assigned)."""
    heads = [headline(i, max_chars) for i in items]
    titles = [(i.get("title") or "")[:max_chars] or heads[n] for n, i in enumerate(items)]
    vectors = embedder.encode(heads + titles) if items else np.zeros((0, embedder.dim), dtype=np.float32)
    words = story_vectors(heads)
    out = []
    for n, item in enumerate(items):
        moment = _moment(item)
        year = str(moment.year) if moment else ""
        out.append(Sketch(
            item["id"], item.get("cluster_id") or item["id"], item.get("source") or item.get("site_name") or "",
            moment.timestamp() / 3600 if moment else None, vectors[n], vectors[len(items) + n], words[n],
            frozenset((p.get("name") or "").lower() for p in item.get("places") or []
                      if p.get("name") and p.get("kind") != "province"),
            _head_places(item),
            frozenset(x for x in _NUMBER.findall(heads[n]) if x != year and len(x) < 12),
            frozenset(fold(m) for m in _NAME.findall(heads[n]) if len(m) > 2)))
    return out


@dataclass
class StoryClusters:
    settings: ClusterSettings
    embedder: Embedder
    _known: dict[str, Sketch] = field(default_factory=dict)
    _records: dict[str, dict[str, Any]] = field(default_factory=dict)
    _members: dict[str, set[str]] = field(default_factory=dict)
    _space_checked: bool = False

    @property
    def space(self) -> str:
        return space_name(self.embedder)

    def assign(self, items: list[dict[str, Any]], store: Store) -> None:
        """Set ``cluster_id`` on every item that needs classifying and on near-duplicates of known items;
        store the new vectors in the story space and update the cluster records."""
        model = load_pair_model()
        if not self._space_checked:
            self._space_checked = True
            if self.space not in store.vector_spaces():
                mark_new_space(store, self.embedder, store.count_items())
        todo = sorted((i for i in items if needs_classification(i)),
                      key=lambda i: (i.get("published_at") or i.get("fetched_at") or "9999", i["id"]))
        new = sketches(todo, self.embedder, self.settings.max_chars)
        window = self._window(todo, store)
        batch: list[Sketch] = []
        changed: set[str] = set()
        for item, sketch in zip(todo, new, strict=True):
            candidates = {other for other, _ in store.knn(self.space, sketch.vector, k=self.settings.candidates,
                                                          allowed=window) if other != item["id"]} if window else set()
            known = self._lookup(sorted(candidates), store)
            best = choose_story(sketch, [*known.values(), *batch], self._story_members, self.settings, model)
            if best is not None:
                sketch.cluster_id = best[1].cluster_id
                item["cluster_similarity"] = round(best[0], 4)
                changed.add(sketch.cluster_id)
            item["cluster_id"] = sketch.cluster_id
            self._remember(sketch)
            batch.append(sketch)
        if todo:
            store.put_vectors(self.space, [s.item_id for s in new], np.stack([s.vector for s in new]))
        for item in items:
            original = item.get("duplicate_of")
            if original and not needs_classification(item):
                known_original = self._lookup([original], store).get(original)
                if known_original is not None:
                    item["cluster_id"] = known_original.cluster_id
                    self._members.setdefault(known_original.cluster_id, set()).add(item["id"])
                    changed.add(known_original.cluster_id)
        for cluster_id in changed:
            self._update_record(cluster_id, [i for i in items if i.get("cluster_id") == cluster_id], store)

    def outlets(self, cluster_id: str | None, store: Store) -> int:
        """How many outlets carried the story (1 for a story seen once)."""
        if not cluster_id:
            return 1
        record = self._records.get(cluster_id) or store.get_record("state", cluster_record_id(cluster_id))
        return int(record.get("outlet_count", 1)) if record else 1

    # ------------------------------------------------------------------ helpers
    def _window(self, todo: list[dict[str, Any]], store: Store) -> set[str]:
        """Ids of stored items published within ``days`` of the batch: the only ones compared."""
        moments = [m for m in (_moment(i) for i in todo) if m is not None]
        if not moments:
            moments = [now_utc()]
        margin = timedelta(days=self.settings.days)
        query = ItemQuery(relevant=True, date_from=min(moments) - margin, date_to=max(moments) + margin,
                          limit=_WINDOW_LIMIT, sort="published_at")
        return set(store.search_ids(query)[1])

    def _story_members(self, cluster_id: str) -> list[Sketch]:
        return [self._known[m] for m in sorted(self._members.get(cluster_id, ())) if m in self._known]

    def _lookup(self, ids: list[str], store: Store) -> dict[str, Sketch]:
        missing = [i for i in ids if i not in self._known]
        if missing:
            for sketch in sketches(store.get_items(missing), self.embedder, self.settings.max_chars):
                self._remember(sketch)
        return {i: self._known[i] for i in ids if i in self._known}

    def _remember(self, sketch: Sketch) -> None:
        self._members.setdefault(sketch.cluster_id, set()).add(sketch.item_id)
        self._known[sketch.item_id] = sketch

    def _update_record(self, cluster_id: str, batch_items: list[dict[str, Any]], store: Store) -> None:
        record_id = cluster_record_id(cluster_id)
        record = self._records.get(cluster_id) or store.get_record("state", record_id) or {
            "id": record_id, "kind": STATE_KIND, "cluster_id": cluster_id, "item_ids": [], "outlets": [],
            "earliest_item": None, "earliest_at": None,
        }
        members = set(record["item_ids"]) | self._members.get(cluster_id, set()) | {i["id"] for i in batch_items}
        outlets = set(record["outlets"]) | {self._known[m].source for m in members if m in self._known}
        outlets |= {i.get("source") or i.get("site_name") or "" for i in batch_items}
        outlets.discard("")
        dated = [(iso_of(self._known[m].hours) or "9999", m) for m in members if m in self._known]
        if record.get("earliest_item"):
            dated.append((record.get("earliest_at") or "9999", record["earliest_item"]))
        earliest_at, earliest = min(dated) if dated else ("9999", cluster_id)
        record.update({"item_ids": sorted(members), "item_count": len(members), "outlets": sorted(outlets),
                       "outlet_count": max(1, len(outlets)), "earliest_item": earliest,
                       "earliest_at": None if earliest_at == "9999" else earliest_at, "updated_at": iso(now_utc())})
        self._records[cluster_id] = record
        store.put_record("state", record_id, record)


def _head_places(item: dict[str, Any]) -> frozenset[str]:
    """Places below the province (communes, landmarks...) named in the title or the lead: where the event is.
    Every item names the province itself, and a body names places in passing."""
    text = item.get("text") or ""
    cut = text.find("\n")
    lead_end = len(text) if cut < 0 else cut
    return frozenset((p.get("name") or "").lower() for p in item.get("places") or []
                     if p.get("name") and p.get("kind") != "province"
                     and (p.get("field") == "title" or int(p.get("start") or 0) < lead_end))


def iso_of(hours: float | None) -> str | None:
    from datetime import UTC, datetime

    return iso(datetime.fromtimestamp(hours * 3600, UTC)) if hours is not None else None


def _moment(item: dict[str, Any]) -> Any:
    for key in ("published_at", "fetched_at"):
        try:
            if item.get(key):
                return parse_iso(item[key])
        except ValueError:
            continue
    return None
