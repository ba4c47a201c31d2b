"""The one storage interface every part of the product talks to.

Two backends implement it: the embedded default (SQLite records, a tantivy full-text index and an hnswlib
vector index, all files in the home folder) and Elasticsearch for national scale. Both pass the same
contract suite (tests/core/store/contract/), so nothing above this layer knows which one it runs on.

A backend implements the abstract methods: records (small JSON documents in named collections: sources,
users, cases, digests, claims...), the raw queue, items, their search and counts, the append-only audit
trail and the vectors. Everything typed (cases, decisions...) is built on those in :class:`Store` itself,
so both backends behave the same by construction.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pipeline.core.timeutil import iso, now_utc

# Collections of records that the product keeps; a backend must accept exactly these names.
COLLECTIONS = ("sources", "users", "sessions", "cases", "digests", "claims", "labels", "models", "state",
               "alert_rules", "alerts", "alert_outbox", "dead_letters")

# Item fields the search index filters and counts on. Lists are multi-valued keyword fields.
KEYWORD_FIELDS = ("source", "source_kind", "reputation", "lang", "status", "assignee", "tone", "cluster_id")
# "sections": the newsroom sections of an item's topics (each topic declares its sections).
LIST_FIELDS = ("topics", "flags", "places", "sections")
FACET_FIELDS = KEYWORD_FIELDS + LIST_FIELDS
# Item dates the index keeps: when it was published (or fetched, for an undated item), fetched, and first seen
# by the office (``ingested_at``: what an alert rule asks for, "new since I last looked").
DATE_FIELDS = ("published_at", "fetched_at", "ingested_at")
# Item fields that belong to the analysts. A pipeline write (``upsert_items(..., preserve_analyst=True)``) takes
# them, and the decisions on flags, from the stored item inside the write itself, so re-processing a page never
# reverts what an analyst decided meanwhile; only :meth:`Store.change_items` (audited) changes them.
TRIAGE_FIELDS = ("status", "assignee", "notes", "reviewed_by", "reviewed_at", "case_ids")
# States of a raw record: waiting (or to be retried), stored, given up after its attempts, set aside by an operator.
RAW_STATES = ("pending", "done", "failed", "dropped")


class StoreError(Exception):
    """A storage operation failed in a way the caller should report (not a bug)."""


class NotFound(StoreError):
    pass


@dataclass(frozen=True)
class ItemQuery:
    """What the queue, search, exports and analytics ask of the items.

    ``text`` is a full-text query: words match with or without diacritics, "quoted phrases" match in
    order, and AND / OR / NOT (or +word / -word) combine them. ``date_from``/``date_to`` bound ``date_field``
    (one of DATE_FIELDS): the publication date by default.
    """

    text: str | None = None
    relevant: bool | None = None
    include_duplicates: bool = False
    date_from: datetime | None = None
    date_to: datetime | None = None
    date_field: str = "published_at"
    source: tuple[str, ...] = ()
    source_kind: tuple[str, ...] = ()
    reputation: tuple[str, ...] = ()
    lang: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    assignee: tuple[str, ...] = ()
    tone: tuple[str, ...] = ()
    cluster_id: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    sort: str = "published_at"  # published_at | urgency | relevance | fetched_at
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if self.date_field not in DATE_FIELDS:
            raise StoreError(f"cannot filter by date {self.date_field!r}; dates are {', '.join(DATE_FIELDS)}")

    def with_(self, **changes: Any) -> ItemQuery:
        return replace(self, **changes)

    def facet_filters(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in FACET_FIELDS if getattr(self, name)}


@dataclass
class SearchResult:
    total: int
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [item["id"] for item in self.items]


@dataclass(frozen=True)
class RawRecord:
    """One line of the raw queue: what a crawler or `diemtin ingest` handed over, not yet processed."""

    raw_id: str
    payload: dict[str, Any]
    attempts: int = 0


def raw_key(payload: dict[str, Any]) -> str:
    """Same URL and same content -> same key, so a re-submitted batch is not queued twice."""
    body = payload.get("html") or payload.get("text") or ""
    if not isinstance(body, str):  # a malformed record is still queued (and failed with its reason), never lost
        body = json.dumps(body, sort_keys=True, default=str)
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
    return hashlib.sha256(f"{payload.get('url', '')}\n{digest}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def dump_json(value: Any) -> str:
    """JSON text a store can write whatever the value holds: readable UTF-8, or escaped where it holds a lone
    surrogate (which UTF-8 cannot carry)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, default=str)
    return text


def keep_analyst_fields(item: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """``item`` (a pipeline's new version) with the analysts' part of the ``stored`` version: triage fields, when
    it was first ingested, and on its flags what analysts decided. As classifiers.runtime.flags.merge_decisions
    does before the write, but from the version read inside the write: a decision (confirmed / rejected) stays on
    its flag; a flag an analyst added or decided stays even when the classifiers no longer raise it."""
    if not stored:
        return item
    for key in TRIAGE_FIELDS:
        if key in stored:
            item[key] = stored[key]
    if stored.get("ingested_at"):
        item["ingested_at"] = stored["ingested_at"]
    kept = [f for f in stored.get("flags") or []
            if isinstance(f, dict) and f.get("name") and (f.get("decision") or f.get("origin") == "analyst")]
    if kept:
        flags = [dict(f) if isinstance(f, dict) else f for f in item.get("flags") or []]
        by_name = {f.get("name"): f for f in flags if isinstance(f, dict)}
        for old in kept:
            new = by_name.get(old["name"])
            if new is None:
                flags.append(old)
                continue
            if old.get("decision"):
                new["decision"] = old["decision"]
            if old.get("origin") == "analyst":
                new["origin"], new["note"] = "analyst", old.get("note", "")
        item["flags"] = flags
    return item


def apply_changes(item: dict[str, Any], changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the item changed, the values it had before) — what an audited change writes and records."""
    before = {key: item.get(key) for key in changes}
    changed = dict(item)
    changed.update(changes)
    return changed, before


def check_raw_state(state: str) -> None:
    if state not in RAW_STATES:
        raise StoreError(f"unknown raw queue state {state!r} (states: {', '.join(RAW_STATES)})")


def check_collection(collection: str) -> None:
    if collection not in COLLECTIONS:
        raise StoreError(f"unknown collection {collection!r}")


def filter_records(docs: list[dict[str, Any]], where: dict[str, Any] | None, order_by: str | None,
                   descending: bool, limit: int | None) -> list[dict[str, Any]]:
    """What list_records means, for every backend: collections are small, so this runs in Python, and
    records without the ordering field come last either way."""
    for key, wanted in (where or {}).items():
        options = wanted if isinstance(wanted, list | tuple | set) else [wanted]
        docs = [d for d in docs if d.get(key) in options]
    if order_by:
        present = [d for d in docs if d.get(order_by) is not None]
        missing = [d for d in docs if d.get(order_by) is None]
        docs = sorted(present, key=lambda d: d[order_by], reverse=descending) + missing
    return docs[:limit] if limit is not None else docs


def checksum(doc: dict[str, Any]) -> str:
    """A stable checksum of a record, used to verify migrations between backends."""
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


class Store(abc.ABC):
    """Storage contract. Methods documented here behave identically on every backend."""

    # ----------------------------------------------------------------- records (collections)
    @abc.abstractmethod
    def put_record(self, collection: str, record_id: str, doc: dict[str, Any]) -> None:
        """Create or replace one record."""

    @abc.abstractmethod
    def get_record(self, collection: str, record_id: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def delete_record(self, collection: str, record_id: str) -> bool: ...

    @abc.abstractmethod
    def list_records(
        self, collection: str, where: dict[str, Any] | None = None, order_by: str | None = None,
        descending: bool = False, limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Records whose top-level fields equal every value in ``where`` (a list value means "any of")."""

    # ----------------------------------------------------------------- raw queue
    @abc.abstractmethod
    def enqueue_raw(self, payloads: Iterable[dict[str, Any]]) -> int:
        """Queue raw items; returns how many were new (a payload already queued is ignored)."""

    @abc.abstractmethod
    def claim_raw(self, limit: int) -> list[RawRecord]:
        """Pending raw records, oldest first. Claimed records stay pending until finished, so a crash
        mid-batch leaves them to be claimed again."""

    @abc.abstractmethod
    def finish_raw(self, done: Sequence[str], failed: dict[str, str] | None = None,
                   final: Collection[str] = ()) -> None:
        """Mark records processed, or failed with the reason (kept for the operator, never dropped). A failed
        record is pending again until it has failed ``pipeline.max_attempts`` times; those in ``final`` (a
        record retrying cannot mend) are failed at once."""

    @abc.abstractmethod
    def raw_counts(self) -> dict[str, int]:
        """Counts by state: pending, done, failed (and dropped, when any)."""

    @abc.abstractmethod
    def list_raw(self, state: str = "failed", limit: int = 100) -> list[dict[str, Any]]:
        """Raw records in a state, oldest first: ``{raw_id, state, attempts, error, queued_at, finished_at, url,
        payload}`` — what `diemtin queue failed` shows an operator."""

    @abc.abstractmethod
    def set_raw_state(self, raw_ids: Sequence[str] | None, state: str, *, from_state: str = "failed") -> int:
        """Move records (all those in ``from_state`` when ``raw_ids`` is None) to ``state``: "pending" retries
        them from zero attempts, "dropped" sets them aside for good (kept, never deleted). Returns how many moved."""

    # ----------------------------------------------------------------- items
    @abc.abstractmethod
    def upsert_items(self, items: Sequence[dict[str, Any]], *, preserve_analyst: bool = False) -> None:
        """Create or replace items by ``id`` and make them searchable.

        With ``preserve_analyst`` (the pipeline's writes) an item already stored keeps its analysts' fields
        (:func:`keep_analyst_fields`), read and merged inside the same write, so a decision taken while the
        batch ran is never reverted."""

    @abc.abstractmethod
    def change_items(self, changes: dict[str, dict[str, Any]], *, actor: str, action: str,
                     reason: str = "") -> dict[str, dict[str, Any]]:
        """Apply an analyst's changes (item id -> fields) and audit each item, the read, the change and the write
        made atomically per item, so the audit's "before" is what was replaced. Returns the changed items by id;
        unknown ids are skipped."""

    @abc.abstractmethod
    def get_items(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Items in the order of ``ids``; unknown ids are skipped."""

    @abc.abstractmethod
    def find_by_keys(self, url_keys: Sequence[str], content_hashes: Sequence[str]) -> dict[str, str]:
        """Exact-duplicate lookup: maps each known url_key or content_hash to the id of the item holding it."""

    @abc.abstractmethod
    def search(self, query: ItemQuery) -> SearchResult: ...

    def search_ids(self, query: ItemQuery) -> tuple[int, list[str]]:
        """Total and ids of the matching items without reading them: what a stage needs to bound a comparison
        to a window (story clusters compare an item with the items of its days only)."""
        result = self.search(query)
        return result.total, result.ids

    @abc.abstractmethod
    def count_by(self, field_name: str, query: ItemQuery, size: int = 50) -> list[tuple[str, int]]:
        """Counts of items by a facet field, largest first."""

    @abc.abstractmethod
    def histogram(self, query: ItemQuery, field_name: str = "published_at") -> list[tuple[str, int]]:
        """Counts of items by day (YYYY-MM-DD, Asia/Ho_Chi_Minh), oldest first, days without items omitted."""

    @abc.abstractmethod
    def iter_items(self, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every item, in id order: what reindex and migration read."""

    @abc.abstractmethod
    def count_items(self) -> int: ...

    # ----------------------------------------------------------------- captures (evidence)
    @abc.abstractmethod
    def put_capture(self, item_id: str, html: bytes, sha256: str, fetched_at: str, url: str) -> None: ...

    @abc.abstractmethod
    def get_capture(self, item_id: str) -> dict[str, Any] | None:
        """``{"html": bytes, "sha256", "fetched_at", "url"}`` or None."""

    # ----------------------------------------------------------------- audit trail
    @abc.abstractmethod
    def append_audit(self, entry: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def list_audit(
        self, entity_type: str | None = None, entity_id: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Entries oldest first."""

    # ----------------------------------------------------------------- vectors
    @abc.abstractmethod
    def put_vectors(self, space: str, ids: Sequence[str], vectors: Any) -> None:
        """Store L2-normalised float32 vectors of one space (e.g. "items", "claims")."""

    @abc.abstractmethod
    def knn(self, space: str, vector: Any, k: int = 10, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Nearest ids by cosine similarity, best first; ``allowed`` restricts the candidates."""

    @abc.abstractmethod
    def vector_spaces(self) -> list[str]:
        """The spaces holding vectors (what a migration copies)."""

    @abc.abstractmethod
    def iter_vectors(self, space: str) -> Iterator[tuple[str, Any]]:
        """Every (id, vector) of a space, in id order."""

    # ----------------------------------------------------------------- maintenance
    @abc.abstractmethod
    def reindex(self) -> int:
        """Rebuild the search and vector indexes from the records; returns the number of items indexed."""

    @abc.abstractmethod
    def refresh(self) -> None:
        """Make every write so far visible to search."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def size_on_disk(self) -> int | None:
        return None

    # ----------------------------------------------------------------- typed helpers (shared)
    def get_item(self, item_id: str) -> dict[str, Any] | None:
        found = self.get_items([item_id])
        return found[0] if found else None

    def hybrid_search(self, query: ItemQuery, vector: Any, space: str = "items", candidates: int = 500
                      ) -> list[tuple[dict[str, Any], float]]:
        """Full-text and filters choose the candidates (BM25's best ``candidates``), vector similarity
        orders them: "items like this one that also say these words". Built on search + knn, so both
        backends rank identically."""
        pool = self.search(query.with_(limit=candidates, offset=0, sort="relevance"))
        if not pool.items:
            return []
        by_id = {item["id"]: item for item in pool.items}
        ranked = self.knn(space, vector, k=len(by_id), allowed=set(by_id))
        start, stop = query.offset, query.offset + query.limit
        return [(by_id[item_id], score) for item_id, score in ranked[start:stop]]

    def audit(self, actor: str, action: str, entity_type: str, entity_id: str, *,
              before: Any = None, after: Any = None, reason: str = "") -> dict[str, Any]:
        entry = self.audit_entry(actor, action, entity_type, entity_id, before=before, after=after, reason=reason)
        self.append_audit(entry)
        return entry

    def update_item(self, item_id: str, changes: dict[str, Any], *, actor: str, action: str,
                    reason: str = "") -> dict[str, Any]:
        """Change an item's triage fields and record who changed what, and why, in the audit trail."""
        changed = self.change_items({item_id: changes}, actor=actor, action=action, reason=reason)
        if item_id not in changed:
            raise NotFound(f"item {item_id} not found")
        return changed[item_id]

    @staticmethod
    def audit_entry(actor: str, action: str, entity_type: str, entity_id: str, *, before: Any = None,
                    after: Any = None, reason: str = "") -> dict[str, Any]:
        return {"at": iso(now_utc()), "actor": actor, "action": action, "entity_type": entity_type,
                "entity_id": entity_id, "before": before, "after": after, "reason": reason}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
