"""The Elasticsearch backend: the same contract as the embedded store, for national scale.

Search sees exactly what the embedded index sees: `index_values` (pipeline.core.store.search_index) computes
the folded title and body and the facet values for both engines, and queries are parsed once by
pipeline.core.store.query and translated here. Items live in time-based indices behind a rollover alias; an
item's id is the hash of its normalised URL, and a write first looks the id up in every index behind the
alias, so an item re-ingested after a rollover replaces itself instead of appearing twice.

Writes go through `helpers.streaming_bulk`, retried with back-off when the cluster answers 429. Indices
refresh every `store.refresh_interval` on their own; with `store.refresh_each_batch` a write call ends with
one refresh of the index it touched (one per batch, never per document), so the pipeline and the
dashboard read their own writes at once.
"""

from __future__ import annotations

import base64
import functools
import gzip
import itertools
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

import index_config
from pipeline.core.secrets import redact_url
from pipeline.core.settings import Settings
from pipeline.core.store.base import (
    DATE_FIELDS,
    FACET_FIELDS,
    ItemQuery,
    RawRecord,
    SearchResult,
    Store,
    StoreError,
    apply_changes,
    check_collection,
    check_raw_state,
    filter_records,
    keep_analyst_fields,
    raw_key,
)
from pipeline.core.store.elastic_setup import apply_index_config, index_names
from pipeline.core.store.query import And, Node, Not, Or, Phrase, Term, parse_query
from pipeline.core.store.search_index import TITLE_BOOST, index_values
from pipeline.core.store.snippets import RERANK_POOL, rank
from pipeline.core.timeutil import LOCAL_TZ, iso, now_utc, parse_iso

# from + size beyond this is refused by Elasticsearch (index.max_result_window); deeper pages use search_after.
MAX_WINDOW = 10_000
# knn: k and num_candidates may not exceed this.
MAX_KNN = 10_000
_SPACE = re.compile(r"^[a-z0-9_]+$")
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class _Sequence:
    """Increasing numbers (nanoseconds since the epoch) that order the raw queue and the audit trail the
    way SQLite's autoincrement does, across processes as far as clocks agree."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def take(self, count: int = 1) -> int:
        with self._lock:
            first = max(self._last + 1, time.time_ns())
            self._last = first + count - 1
            return first


def make_client(url: str, settings: Settings) -> Elasticsearch:
    options: dict[str, Any] = {
        "request_timeout": settings.get_float("store.request_timeout"),
        "max_retries": settings.get_int("store.max_retries"),
        "retry_on_timeout": True,
        # 429 is retried with back-off by the bulk helper; a node that is down or restarting, at once.
        "retry_on_status": (502, 503, 504),
    }
    if settings.get("store.api_key"):
        options["api_key"] = settings.get("store.api_key")
    elif settings.get_str("store.user") or settings.get_str("store.password"):
        options["basic_auth"] = (settings.get_str("store.user"), settings.get_str("store.password"))
    if settings.get("store.ca_certs"):
        options["ca_certs"] = settings.get("store.ca_certs")
    return Elasticsearch(url, **options)


def _es_date(value: Any) -> str | None:
    """Dates go to Elasticsearch as UTC ISO 8601 strings (naive times are Vietnam time, as everywhere)."""
    if value in (None, ""):
        return None
    try:
        return iso(parse_iso(value))
    except ValueError as exc:
        raise StoreError(f"not an ISO 8601 date: {value!r}") from exc


def _utc_offset() -> str:
    """Vietnam's offset as "+07:00". The zone has had no daylight saving since 1975, so the fixed offset
    is the zone; some Elasticsearch-compatible servers silently ignore named zones."""
    offset = datetime.now(LOCAL_TZ).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        error = exc.body.get("error") if isinstance(exc.body, dict) else None
        reason = error.get("reason") if isinstance(error, dict) else None
        return f"HTTP {exc.status_code} {exc.message}" + (f": {reason}" if reason else "")
    return f"{type(exc).__name__}: {exc}"


class ElasticStore(Store):
    def __init__(self, url: str, settings: Settings | None = None, client: Elasticsearch | None = None):
        self.url = redact_url(url)  # what messages and logs name: never the credentials
        self.settings = settings or Settings()
        self.prefix = self.settings.get_str("store.index_prefix")
        if not _PREFIX.match(self.prefix):
            raise StoreError(f"store.index_prefix must be lower-case letters, digits, - and _: {self.prefix!r}")
        self.client = client or make_client(url, self.settings)
        self.names = index_names(self.prefix)
        self.refresh_each_batch = self.settings.get_bool("store.refresh_each_batch")
        self._seq = _Sequence()
        self._vector_dims: dict[str, int] = {}
        try:
            if not self.client.indices.exists_alias(name=self.names["items"]) or self._mapping_is_older():
                apply_index_config(self.client, self.settings)
            self._check_not_newer()
        except (ApiError, TransportError) as exc:
            raise StoreError(f"Elasticsearch at {self.url}: {_describe(exc)}") from exc

    def _check_not_newer(self) -> None:
        """Indices written by a newer version of the product are refused before anything is written to them."""
        ours = int(index_config.index_templates(self.prefix)[self.names["items"]]["template"]["mappings"]
                   .get("_meta", {}).get("schema_version", 0))
        try:
            mappings = self.client.indices.get_mapping(index=self.names["items"])
        except NotFoundError:  # no items index yet: nothing newer to protect
            return
        for index, body in dict(mappings).items():
            meta = (body.get("mappings") or {}).get("_meta") or {}
            theirs = int(meta.get("schema_version") or 0)
            if theirs > ours:
                raise StoreError(
                    f"chỉ mục {index} có lược đồ phiên bản {theirs}, mới hơn phiên bản {ours} mà phần mềm này biết: "
                    "hãy cập nhật Điểm tin trước khi mở kho này (không có gì được ghi vào kho)"
                )

    def _mapping_is_older(self) -> bool:
        """Whether an items index lacks a field this code writes (a cluster set up by an older version): the
        new fields are then added in place, as `diemtin store setup` would, before anything is written."""
        wanted = set(index_config.index_templates(self.prefix)[f"{self.prefix}-items"]["template"]["mappings"]
                     ["properties"])
        mappings = self.client.indices.get_mapping(index=self.names["items"])
        return any(wanted - set((body.get("mappings") or {}).get("properties", {})) for body in mappings.values())

    # ------------------------------------------------------------------ writing helpers
    def _bulk(self, actions: Iterable[dict[str, Any]], *, conflicts_ok: bool = False,
              conflicts: list[str] | None = None) -> int:
        """Write by streaming_bulk; returns how many actions succeeded. 409 (already exists, or changed since
        read) counts as a skip when ``conflicts_ok``, and its id is added to ``conflicts`` when given; any other
        refused document is reported after the rest were written."""
        written = 0
        failures: list[str] = []
        for ok, info in helpers.streaming_bulk(
            self.client, actions, chunk_size=self.settings.get_int("store.bulk_chunk"),
            max_retries=self.settings.get_int("store.max_retries"),
            initial_backoff=self.settings.get_float("store.retry_backoff"), max_backoff=60,
            raise_on_error=False, raise_on_exception=True,
        ):
            if ok:
                written += 1
                continue
            _, detail = next(iter(info.items()))
            if conflicts_ok and detail.get("status") == 409:
                if conflicts is not None:
                    conflicts.append(str(detail.get("_id")))
                continue
            error = detail.get("error")
            reason = error.get("reason") if isinstance(error, dict) else error
            failures.append(f"{detail.get('_id')} (HTTP {detail.get('status')}: {reason})")
        if failures:
            raise StoreError(f"{len(failures)} document(s) refused by Elasticsearch, e.g. {'; '.join(failures[:3])}")
        return written

    def _after_batch(self, index: str) -> None:
        if self.refresh_each_batch:
            self.client.indices.refresh(index=index)

    def _search_all(self, index: str, body: dict[str, Any], sort: list[Any], limit: int | None = None,
                    offset: int = 0, source: Any = True) -> tuple[int, list[dict[str, Any]]]:
        """Hits of a query in ``sort`` order (which must end on a unique field): one request inside the
        result window, search_after pages beyond it."""
        wanted = None if limit is None else max(limit, 0)
        if wanted is not None and offset + wanted <= MAX_WINDOW:
            response = self.client.search(index=index, query=body, sort=sort, from_=offset, size=wanted,
                                          track_total_hits=True, source=source)
            return int(response["hits"]["total"]["value"]), list(response["hits"]["hits"])
        hits: list[dict[str, Any]] = []
        total = 0
        after: list[Any] | None = None
        skipped = 0
        while True:
            page_size = 1000
            response = self.client.search(index=index, query=body, sort=sort, size=page_size, search_after=after,
                                          track_total_hits=after is None, source=source)
            if after is None:
                total = int(response["hits"]["total"]["value"])
            page = list(response["hits"]["hits"])
            if not page:
                return total, hits
            after = page[-1]["sort"]
            for hit in page:
                if skipped < offset:
                    skipped += 1
                    continue
                hits.append(hit)
                if wanted is not None and len(hits) >= wanted:
                    return total, hits

    # ------------------------------------------------------------------ records
    def put_record(self, collection: str, record_id: str, doc: dict[str, Any]) -> None:
        check_collection(collection)
        self.client.index(
            index=self.names["records"], id=f"{collection}:{record_id}", refresh=self.refresh_each_batch,
            document={"collection": collection, "id": record_id, "updated_at": iso(now_utc()),
                      "doc": dict(doc, id=record_id)},
        )

    def get_record(self, collection: str, record_id: str) -> dict[str, Any] | None:
        check_collection(collection)
        try:
            found = self.client.get(index=self.names["records"], id=f"{collection}:{record_id}", source=["doc"])
        except NotFoundError:
            return None
        return found["_source"]["doc"]

    def delete_record(self, collection: str, record_id: str) -> bool:
        check_collection(collection)
        try:
            self.client.delete(index=self.names["records"], id=f"{collection}:{record_id}",
                               refresh=self.refresh_each_batch)
        except NotFoundError:
            return False
        return True

    def list_records(self, collection: str, where: dict[str, Any] | None = None, order_by: str | None = None,
                     descending: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
        check_collection(collection)
        _, hits = self._search_all(self.names["records"], {"term": {"collection": collection}},
                                   sort=[{"id": "asc"}], source=["doc"])
        docs = [hit["_source"]["doc"] for hit in hits]
        return filter_records(docs, where, order_by, descending, limit)

    # ------------------------------------------------------------------ raw queue
    def enqueue_raw(self, payloads: Iterable[dict[str, Any]]) -> int:
        payloads = list(payloads)
        if not payloads:
            return 0
        first = self._seq.take(len(payloads))
        now = iso(now_utc())
        added = self._bulk(
            ({"_op_type": "create", "_index": self.names["raw"], "_id": raw_key(payload),
              "_source": {"raw_id": raw_key(payload), "seq": first + n, "state": "pending", "attempts": 0,
                          "url": str(payload.get("url") or ""), "queued_at": now, "payload": payload}}
             for n, payload in enumerate(payloads)),
            conflicts_ok=True,
        )
        self._after_batch(self.names["raw"])
        return added

    def claim_raw(self, limit: int) -> list[RawRecord]:
        if limit <= 0:
            return []
        _, hits = self._search_all(self.names["raw"], {"term": {"state": "pending"}},
                                   sort=[{"seq": "asc"}, {"raw_id": "asc"}], limit=limit,
                                   source=["raw_id", "payload", "attempts"])
        return [RawRecord(h["_source"]["raw_id"], h["_source"]["payload"], int(h["_source"]["attempts"]))
                for h in hits]

    def finish_raw(self, done: Sequence[str], failed: dict[str, str] | None = None,
                   final: Collection[str] = ()) -> None:
        failed = failed or {}
        final = set(final)
        if not done and not failed:
            return
        now = iso(now_utc())
        max_attempts = self.settings.get_int("pipeline.max_attempts")
        attempts: dict[str, int] = {}
        if failed:
            found = self.client.mget(index=self.names["raw"], ids=list(failed), source=["attempts"])
            attempts = {d["_id"]: int(d["_source"]["attempts"]) for d in found["docs"] if d.get("found")}
        actions: list[dict[str, Any]] = [
            {"_op_type": "update", "_index": self.names["raw"], "_id": raw_id,
             "doc": {"state": "done", "finished_at": now, "error": None}}
            for raw_id in done
        ]
        for raw_id, error in failed.items():
            if raw_id not in attempts:
                continue
            count = attempts[raw_id] + 1
            actions.append({"_op_type": "update", "_index": self.names["raw"], "_id": raw_id, "doc": {
                "attempts": count, "error": error, "finished_at": now,
                "state": "failed" if count >= max_attempts or raw_id in final else "pending",
            }})
        self._bulk(actions)
        self._after_batch(self.names["raw"])

    def raw_counts(self) -> dict[str, int]:
        response = self.client.search(index=self.names["raw"], size=0,
                                      aggs={"states": {"terms": {"field": "state", "size": 10}}})
        counts = {"pending": 0, "done": 0, "failed": 0}
        for bucket in response["aggregations"]["states"]["buckets"]:
            counts[bucket["key"]] = int(bucket["doc_count"])
        return counts

    def list_raw(self, state: str = "failed", limit: int = 100) -> list[dict[str, Any]]:
        check_raw_state(state)
        _, hits = self._search_all(self.names["raw"], {"term": {"state": state}},
                                   sort=[{"seq": "asc"}, {"raw_id": "asc"}], limit=max(int(limit), 0))
        out = []
        for hit in hits:
            body = hit["_source"]
            out.append({"raw_id": body["raw_id"], "state": body.get("state"), "attempts": int(body.get("attempts") or 0),
                        "error": body.get("error"), "queued_at": body.get("queued_at"),
                        "finished_at": body.get("finished_at"), "url": body.get("url") or "",
                        "payload": body.get("payload") or {}})
        return out

    def set_raw_state(self, raw_ids: Sequence[str] | None, state: str, *, from_state: str = "failed") -> int:
        check_raw_state(state)
        check_raw_state(from_state)
        if raw_ids is None:
            _, hits = self._search_all(self.names["raw"], {"term": {"state": from_state}},
                                       sort=[{"seq": "asc"}, {"raw_id": "asc"}], source=["raw_id"])
            raw_ids = [hit["_source"]["raw_id"] for hit in hits]
        else:
            found = self.client.mget(index=self.names["raw"], ids=list(raw_ids), source=["state"])
            raw_ids = [d["_id"] for d in found["docs"] if d.get("found") and d["_source"].get("state") == from_state]
        doc: dict[str, Any] = {"state": state}
        if state == "pending":
            doc.update(attempts=0, error=None)
        moved = self._bulk({"_op_type": "update", "_index": self.names["raw"], "_id": raw_id, "doc": doc}
                           for raw_id in raw_ids)
        self._after_batch(self.names["raw"])
        return moved

    # ------------------------------------------------------------------ items
    def _backing_indices(self) -> list[str]:
        return sorted(self.client.indices.get_alias(name=self.names["items"]))

    def _locate(self, ids: Sequence[str], source: list[str]) -> dict[str, dict[str, Any]]:
        """Realtime lookup of items in every index behind the alias: id -> {"_index", "_source"}."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(ids))
        if not unique:
            return found
        indices = self._backing_indices()
        for start in range(0, len(unique), 1000):
            chunk = unique[start:start + 1000]
            docs = [{"_index": index, "_id": item_id} for index in indices for item_id in chunk]
            for doc in self.client.mget(docs=docs, source=source)["docs"]:
                if doc.get("found"):
                    found[doc["_id"]] = doc
        return found

    def _item_document(self, item: dict[str, Any], created_seq: int) -> dict[str, Any]:
        values = index_values(item)
        doc: dict[str, Any] = {
            "id": item["id"], "url_key": item.get("url_key"), "content_hash": item.get("content_hash"),
            "created_seq": created_seq,
            # Stored items are already normalised by the pipeline: the accented text goes in as it is.
            "title": item.get("title") or "", "text": item.get("text") or "",
            "title_folded": values["title"], "text_folded": values["body"],
            "relevant": values["relevant"] == "1", "duplicate": values["duplicate"] == "1",
            "urgency": values["urgency"],
            "published_at": _es_date(values["published_at"]), "fetched_at": _es_date(values["fetched_at"]),
            "ingested_at": _es_date(values["ingested_at"]),
            "item": item,
        }
        for name in FACET_FIELDS:
            value = values[name]
            doc[name] = value if isinstance(value, list) else (value or None)
        return doc

    def upsert_items(self, items: Sequence[dict[str, Any]], *, preserve_analyst: bool = False) -> None:
        if not items:
            return
        for item in items:
            if not item.get("id"):
                raise StoreError("an item needs an id")
        if preserve_analyst:
            self._write_merged({item["id"]: (lambda stored, item=item: keep_analyst_fields(dict(item), stored))
                                for item in items})
            self._after_batch(self.names["items"])
            return
        existing = self._locate([item["id"] for item in items], ["created_seq"])
        first = self._seq.take(len(items))
        actions = []
        for n, item in enumerate(items):
            known = existing.get(item["id"])
            index = known["_index"] if known else self.names["items"]
            created = int(known["_source"]["created_seq"]) if known else first + n
            actions.append({"_op_type": "index", "_index": index, "_id": item["id"],
                            "_source": self._item_document(item, created)})
        self._bulk(actions)
        self._after_batch(self.names["items"])

    def _write_merged(self, makers: dict[str, Callable[[dict[str, Any] | None], dict[str, Any] | None]]
                      ) -> dict[str, dict[str, Any]]:
        """Write items made from their stored versions under optimistic concurrency control: each write names
        the version it read (if_seq_no/if_primary_term, or create for a new item), and an item changed meanwhile
        by someone else is read and made again. ``makers`` give the item to write from the stored one (None:
        leave it). Returns what was written, by id."""
        written: dict[str, dict[str, Any]] = {}
        todo = dict(makers)
        for _ in range(20):
            if not todo:
                return written
            stored = self._locate(list(todo), ["item", "created_seq"])
            first = self._seq.take(len(todo))
            actions = []
            made: dict[str, dict[str, Any]] = {}
            for n, (item_id, make) in enumerate(todo.items()):
                known = stored.get(item_id)
                item = make(known["_source"]["item"] if known else None)
                if item is None:
                    continue
                made[item_id] = item
                if known:
                    actions.append({"_op_type": "index", "_index": known["_index"], "_id": item_id,
                                    "if_seq_no": known["_seq_no"], "if_primary_term": known["_primary_term"],
                                    "_source": self._item_document(item, int(known["_source"]["created_seq"]))})
                else:
                    actions.append({"_op_type": "create", "_index": self.names["items"], "_id": item_id,
                                    "_source": self._item_document(item, first + n)})
            conflicts: list[str] = []
            self._bulk(actions, conflicts_ok=True, conflicts=conflicts)
            for item_id, item in made.items():
                if item_id not in conflicts:
                    written[item_id] = item
            todo = {item_id: todo[item_id] for item_id in conflicts}
        raise StoreError(f"{len(todo)} item(s) kept changing under concurrent writes: {', '.join(list(todo)[:3])}")

    def change_items(self, changes: dict[str, dict[str, Any]], *, actor: str, action: str,
                     reason: str = "") -> dict[str, dict[str, Any]]:
        befores: dict[str, dict[str, Any]] = {}

        def maker(item_id: str) -> Callable[[dict[str, Any] | None], dict[str, Any] | None]:
            def make(stored: dict[str, Any] | None) -> dict[str, Any] | None:
                if stored is None:
                    return None
                changed, befores[item_id] = apply_changes(stored, dict(changes[item_id]))
                return changed
            return make

        written = self._write_merged({item_id: maker(item_id) for item_id in changes})
        self._after_batch(self.names["items"])
        for item_id in written:  # after the write it records, with the value it replaced
            self.append_audit(self.audit_entry(actor, action, "item", item_id, before=befores[item_id],
                                               after=dict(changes[item_id]), reason=reason))
        return written

    def get_items(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        found = self._locate(list(ids), ["item"])
        return [found[i]["_source"]["item"] for i in ids if i in found]

    def find_by_keys(self, url_keys: Sequence[str], content_hashes: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for field_name, keys in (("url_key", list(url_keys)), ("content_hash", list(content_hashes))):
            for start in range(0, len(keys), 1000):
                chunk = keys[start:start + 1000]
                _, hits = self._search_all(self.names["items"], {"terms": {field_name: chunk}},
                                           sort=[{"created_seq": "asc"}, {"id": "asc"}], source=["id", field_name])
                for hit in hits:
                    out.setdefault(hit["_source"][field_name], hit["_source"]["id"])
        return out

    # ------------------------------------------------------------------ search
    def _text_query(self, node: Node) -> dict[str, Any]:
        if isinstance(node, Term):
            return self._both_fields(lambda f, boost: {"term": {f: {"value": node.word, "boost": boost}}})
        if isinstance(node, Phrase):
            return self._both_fields(
                lambda f, boost: {"match_phrase": {f: {"query": " ".join(node.words), "boost": boost}}})
        if isinstance(node, Or):
            return {"bool": {"should": [self._text_query(c) for c in node.children], "minimum_should_match": 1}}
        if isinstance(node, And):
            return {"bool": {
                "must": [self._text_query(c) for c in node.children if not isinstance(c, Not)],
                "must_not": [self._text_query(c.child) for c in node.children if isinstance(c, Not)],
            }}
        if isinstance(node, Not):
            return {"bool": {"must_not": [self._text_query(node.child)]}}
        raise TypeError(f"unexpected query node {node!r}")

    @staticmethod
    def _both_fields(make: Callable[[str, float], dict[str, Any]]) -> dict[str, Any]:
        return {"bool": {"should": [make("title_folded", TITLE_BOOST), make("text_folded", 1.0)],
                         "minimum_should_match": 1}}

    def _query(self, query: ItemQuery) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        node = parse_query(query.text) if query.text else None
        if node is not None:
            must.append(self._text_query(node))
        if query.relevant is not None:
            filters.append({"term": {"relevant": bool(query.relevant)}})
        if not query.include_duplicates:
            filters.append({"term": {"duplicate": False}})
        for name, values in query.facet_filters().items():
            filters.append({"terms": {name: list(values)}})
        if query.ids:
            filters.append({"terms": {"id": list(query.ids)}})
        if query.date_from or query.date_to:
            bounds = {}
            if query.date_from:
                bounds["gte"] = _es_date(query.date_from)
            if query.date_to:
                bounds["lt"] = _es_date(query.date_to)
            filters.append({"range": {query.date_field: bounds}})
        if not must and not filters:
            return {"match_all": {}}
        return {"bool": {"must": must, "filter": filters}}

    @staticmethod
    def _sort(query: ItemQuery) -> list[Any]:
        newest = {"published_at": {"order": "desc", "missing": "_last"}}
        if query.sort in ("published_at", "fetched_at", "urgency"):
            return [{query.sort: {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        if query.sort == "relevance" and query.text:
            return [{"_score": "desc"}, newest, {"id": "asc"}]
        return [newest, {"id": "asc"}]

    def search(self, query: ItemQuery) -> SearchResult:
        if query.sort == "relevance" and query.text and 0 < query.offset + query.limit <= RERANK_POOL:
            # The best candidates, re-ranked as the embedded backend does (pipeline/core/store/snippets.py).
            total, hits = self._search_all(self.names["items"], self._query(query), self._sort(query),
                                           limit=RERANK_POOL, offset=0, source=["item"])
            ranked = rank([hit["_source"]["item"] for hit in hits], [float(hit.get("_score") or (hit.get("sort") or [0])[0] or 0) for hit in hits],
                          query.text)
            return SearchResult(total=total, items=ranked[query.offset:query.offset + query.limit])
        total, hits = self._search_all(self.names["items"], self._query(query), self._sort(query),
                                       limit=query.limit, offset=query.offset, source=["item"])
        return SearchResult(total=total, items=[hit["_source"]["item"] for hit in hits])

    def count_by(self, field_name: str, query: ItemQuery, size: int = 50) -> list[tuple[str, int]]:
        if field_name not in FACET_FIELDS:
            raise ValueError(f"cannot count by {field_name!r}; facets are {', '.join(FACET_FIELDS)}")
        response = self.client.search(index=self.names["items"], query=self._query(query), size=0,
                                      aggs={"by": {"terms": {"field": field_name, "size": size}}})
        pairs = [(str(b["key"]), int(b["doc_count"])) for b in response["aggregations"]["by"]["buckets"]]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def histogram(self, query: ItemQuery, field_name: str = "published_at") -> list[tuple[str, int]]:
        if field_name not in DATE_FIELDS:
            raise ValueError(f"cannot make a histogram of {field_name!r}; dates are {', '.join(DATE_FIELDS)}")
        response = self.client.search(index=self.names["items"], query=self._query(query), size=0, aggs={"by": {
            "date_histogram": {"field": field_name, "calendar_interval": "day", "time_zone": _utc_offset(),
                               "min_doc_count": 1},
        }})
        return [(datetime.fromtimestamp(b["key"] / 1000, LOCAL_TZ).date().isoformat(), int(b["doc_count"]))
                for b in response["aggregations"]["by"]["buckets"] if b["doc_count"]]

    def iter_items(self, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        after: list[Any] | None = None
        while True:
            response = self.client.search(index=self.names["items"], query={"match_all": {}}, sort=[{"id": "asc"}],
                                          size=batch_size, search_after=after, source=["item"])
            hits = response["hits"]["hits"]
            if not hits:
                return
            for hit in hits:
                yield hit["_source"]["item"]
            after = hits[-1]["sort"]

    def count_items(self) -> int:
        return int(self.client.count(index=self.names["items"])["count"])

    # ------------------------------------------------------------------ captures
    def put_capture(self, item_id: str, html: bytes, sha256: str, fetched_at: str, url: str) -> None:
        _es_date(fetched_at)  # refuse a malformed date here, with a clear message
        self.client.index(index=self.names["captures"], id=item_id, refresh=self.refresh_each_batch, document={
            "item_id": item_id, "url": url, "sha256": sha256, "fetched_at": fetched_at or None,
            "html_gz": base64.b64encode(gzip.compress(html, compresslevel=6)).decode("ascii"),
        })

    def get_capture(self, item_id: str) -> dict[str, Any] | None:
        try:
            found = self.client.get(index=self.names["captures"], id=item_id)
        except NotFoundError:
            return None
        source = found["_source"]
        return {"url": source.get("url"), "sha256": source.get("sha256"), "fetched_at": source.get("fetched_at"),
                "html": gzip.decompress(base64.b64decode(source["html_gz"]))}

    # ------------------------------------------------------------------ audit
    def append_audit(self, entry: dict[str, Any]) -> None:
        at = entry.get("at") or iso(now_utc())
        self.client.index(index=self.names["audit"], op_type="create", refresh=self.refresh_each_batch, document={
            "seq": self._seq.take(), "at": _es_date(at), "actor": entry.get("actor"), "action": entry.get("action"),
            "entity_type": entry.get("entity_type"), "entity_id": entry.get("entity_id"), "entry": entry,
        })

    def list_audit(self, entity_type: str | None = None, entity_id: str | None = None,
                   limit: int = 1000) -> list[dict[str, Any]]:
        filters = [{"term": {name: value}} for name, value in (("entity_type", entity_type), ("entity_id", entity_id))
                   if value is not None]
        query = {"bool": {"filter": filters}} if filters else {"match_all": {}}
        _, hits = self._search_all(self.names["audit"], query, sort=[{"seq": "asc"}], limit=limit, source=["entry"])
        return [hit["_source"]["entry"] for hit in hits]

    # ------------------------------------------------------------------ vectors
    def _vector_index(self, space: str) -> str:
        if not _SPACE.match(space):
            raise StoreError(f"a vector space is named in lower-case letters, digits and _: {space!r}")
        return f"{self.prefix}-vectors-{space}"

    def _space_dims(self, space: str) -> int | None:
        if space not in self._vector_dims:
            index = self._vector_index(space)
            try:
                mapping = self.client.indices.get_mapping(index=index)
            except NotFoundError:
                return None
            self._vector_dims[space] = int(mapping[index]["mappings"]["properties"]["vector"]["dims"])
        return self._vector_dims[space]

    def put_vectors(self, space: str, ids: Sequence[str], vectors: Any) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if len(ids) != len(matrix):
            raise StoreError("ids and vectors differ in length")
        if not len(ids):
            return
        matrix = matrix.reshape(len(ids), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms > 0, norms, 1.0)
        index = self._vector_index(space)
        dims = self._space_dims(space)
        if dims is None:
            # Sized from what the configured embedder produced.
            self.client.options(ignore_status=400).indices.create(
                index=index, mappings={"properties": {"vector": index_config.vector_field(matrix.shape[1])}})
            self._vector_dims.pop(space, None)
            dims = self._space_dims(space)
        if dims != matrix.shape[1]:
            raise StoreError(f"vector space {space!r} holds {dims}-dimensional vectors, not {matrix.shape[1]}: "
                             "the embedder changed; run `diemtin reindex`")
        self._bulk({"_op_type": "index", "_index": index, "_id": item_id,
                    "_source": {"id": item_id, "vector": vec.tolist()}}
                   for item_id, vec in zip(ids, matrix, strict=True))
        self._after_batch(index)

    def knn(self, space: str, vector: Any, k: int = 10, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if k <= 0 or self._space_dims(space) is None or (allowed is not None and not allowed):
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(query))
        if norm > 0:
            query = query / norm
        k = min(k, MAX_KNN)
        knn: dict[str, Any] = {"field": "vector", "query_vector": query.tolist(), "k": k,
                               "num_candidates": min(MAX_KNN, max(100, 10 * k))}
        if allowed is not None:
            knn["filter"] = {"terms": {"id": sorted(allowed)}}
        response = self.client.search(index=self._vector_index(space), knn=knn, size=k, source=False)
        # Cosine similarity is scored (1 + cos) / 2; the contract speaks in cosines.
        return [(hit["_id"], 2.0 * float(hit["_score"]) - 1.0) for hit in response["hits"]["hits"]]

    def vector_spaces(self) -> list[str]:
        """The spaces holding vectors (what a migration copies)."""
        start = len(f"{self.prefix}-vectors-")
        return sorted(name[start:] for name in self.client.indices.get(index=f"{self.prefix}-vectors-*"))

    def iter_vectors(self, space: str) -> Iterator[tuple[str, np.ndarray]]:
        """Every (id, vector) of a space, in id order."""
        after: list[Any] | None = None
        while True:
            response = self.client.search(index=self._vector_index(space), query={"match_all": {}},
                                          sort=[{"id": "asc"}], size=1000, search_after=after, source=["vector"])
            hits = response["hits"]["hits"]
            if not hits:
                return
            for hit in hits:
                yield hit["_id"], np.asarray(hit["_source"]["vector"], dtype=np.float32)
            after = hits[-1]["sort"]

    # ------------------------------------------------------------------ maintenance
    def reindex(self) -> int:
        """Re-derive every item's search fields from the item itself (after a normaliser change)."""
        count = 0
        items = self.iter_items()
        size = self.settings.get_int("store.bulk_chunk")
        while batch := list(itertools.islice(items, size)):
            self.upsert_items(batch)
            count += len(batch)
        return count

    def rollover_items(self, max_age: str | None = None, max_docs: int | None = None) -> dict[str, Any]:
        """Start a new items index behind the alias (what ILM does on its own where the cluster has it)."""
        conditions = {key: value for key, value in (("max_age", max_age), ("max_docs", max_docs)) if value}
        response = self.client.indices.rollover(alias=self.names["items"], conditions=conditions or None)
        return {"rolled_over": bool(response.get("rolled_over")), "old_index": response.get("old_index"),
                "new_index": response.get("new_index")}

    def refresh(self) -> None:
        self.client.indices.refresh(index=f"{self.prefix}-*")

    def size_on_disk(self) -> int | None:
        stats = self.client.indices.stats(index=f"{self.prefix}-*", metric="store")
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])

    def close(self) -> None:
        self.client.close()


def _reported(method: Callable[..., Any]) -> Callable[..., Any]:
    """Cluster failures (refusals, timeouts, an unreachable node) reach callers as StoreError."""

    @functools.wraps(method)
    def wrapper(self: ElasticStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (ApiError, TransportError) as exc:
            raise StoreError(f"Elasticsearch at {self.url}: {_describe(exc)}") from exc

    return wrapper


for _name in sorted(Store.__abstractmethods__ | {"rollover_items", "size_on_disk", "vector_spaces"}):
    if _name != "close":
        setattr(ElasticStore, _name, _reported(getattr(ElasticStore, _name)))
