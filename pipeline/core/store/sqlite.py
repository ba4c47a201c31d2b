"""The embedded backend: records in SQLite (WAL), search in tantivy, vectors in numpy/hnswlib.

SQLite is the source of truth. Every item write also queues the item in `index_outbox` in the same
transaction; the outbox is drained into tantivy by whichever process can take the index writer. So a crash
between the two never loses an index update, the dashboard and the pipeline can both write, and
`reindex` can rebuild the whole index from the records at any time.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import secrets
import shutil
import sqlite3
import threading
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.core.settings import Settings
from pipeline.core.store.base import (
    ItemQuery,
    RawRecord,
    SearchResult,
    Store,
    StoreError,
    apply_changes,
    check_collection,
    check_raw_state,
    dump_json,
    filter_records,
    keep_analyst_fields,
    raw_key,
)
from pipeline.core.store.query import QueryError
from pipeline.core.store.search_index import IndexBusy, IndexUnusable, SearchIndex, index_problem
from pipeline.core.store.snippets import RERANK_POOL, rank
from pipeline.core.store.vectors import VectorSpace, to_blob
from pipeline.core.timeutil import iso, now_utc

log = logging.getLogger(__name__)

# Schema migrations, applied in order; PRAGMA user_version records how many have run.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
                          updated_at TEXT NOT NULL, PRIMARY KEY (collection, id));
    CREATE TABLE raw_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, raw_id TEXT NOT NULL UNIQUE,
                            payload TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
                            attempts INTEGER NOT NULL DEFAULT 0, error TEXT, queued_at TEXT NOT NULL,
                            finished_at TEXT);
    CREATE INDEX raw_queue_state ON raw_queue (state, seq);
    CREATE TABLE items (id TEXT PRIMARY KEY, url_key TEXT, content_hash TEXT, doc BLOB NOT NULL,
                        updated_at TEXT NOT NULL);
    CREATE INDEX items_url_key ON items (url_key);
    CREATE INDEX items_content_hash ON items (content_hash);
    CREATE TABLE index_outbox (item_id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    CREATE TABLE captures (item_id TEXT PRIMARY KEY, url TEXT, sha256 TEXT NOT NULL, fetched_at TEXT,
                           html_gz BLOB NOT NULL);
    CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, entity_type TEXT,
                        entity_id TEXT, entry TEXT NOT NULL);
    CREATE INDEX audit_entity ON audit (entity_type, entity_id, seq);
    CREATE TABLE vectors (rowid INTEGER PRIMARY KEY AUTOINCREMENT, space TEXT NOT NULL, id TEXT NOT NULL,
                          vec BLOB NOT NULL, UNIQUE (space, id));
    """,
    # 2: vector spaces catch up on new rows by (space, rowid) without scanning the space.
    "CREATE INDEX vectors_space_rowid ON vectors (space, rowid)",
)

DB_FILE = "store.sqlite3"

# Vector spaces live as long as the process, not the store object: the scheduler opens the store anew each
# tick, and rebuilding an HNSW graph of every story each time would cost minutes. Keyed by the database
# file's path and inode, so a database made anew at the same path starts afresh.
_SPACES: dict[tuple[str, int, str], VectorSpace] = {}
_SPACES_LOCK = threading.Lock()
INDEX_DIR = "index"


def _encode_item(item: dict[str, Any]) -> bytes:
    return zlib.compress(dump_json(item).encode("utf-8"), 3)


def _decode_item(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))


class SqliteStore(Store):
    def __init__(self, home: Path, settings: Settings | None = None):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.settings = settings or Settings()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._check_not_newer()
        self._migrate()
        self._secure_files()
        self._index: SearchIndex | None = None
        self.index_problem: str | None = None
        self._open_index()

    # ------------------------------------------------------------------ the search index
    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            raise IndexUnusable(f"{self.index_problem or 'chỉ mục tìm kiếm không dùng được'}: "
                                f"chạy `diemtin --home {self.home} reindex` để dựng lại từ bản ghi")
        return self._index

    def _open_index(self) -> None:
        """Open the index, checking it is there, readable, of this schema and holds every item. One that is not
        is rebuilt at once when the store is small enough (``store.auto_reindex_items``); otherwise searching
        says which command rebuilds it, and writes wait in the outbox meanwhile. Never wiped silently."""
        path = self.home / INDEX_DIR
        self._remove_stale_builds()
        items = self.count_items()
        problem = index_problem(path) if path.exists() else ("chỉ mục tìm kiếm bị thiếu" if items else None)
        if problem is None:
            if not path.exists():
                self._index = SearchIndex(path, create=True)
                return
            try:
                self._index = SearchIndex(path)
                documents = self._index.num_docs()
            except IndexUnusable as exc:
                self._index, problem = None, str(exc)
            else:
                if documents + self.pending_index_updates() < items:
                    problem = f"chỉ mục tìm kiếm thiếu mục ({documents:,} trong {items:,} mục)"
        if problem is None:
            return
        self._index = None
        self.index_problem = problem
        log.warning("search index unusable %s", {"home": str(self.home), "problem": problem, "items": items})
        if items <= self.settings.get_int("store.auto_reindex_items"):
            self.reindex()

    def _remove_stale_builds(self) -> None:
        """Folders left by a reindex that was killed (its process is gone): never used, only taking space."""
        for folder in self.home.glob(f"{INDEX_DIR}.*-*-*"):
            kind, _, rest = folder.name.partition("-")
            pid = rest.split("-", 1)[0]
            if kind not in (f"{INDEX_DIR}.building", f"{INDEX_DIR}.retired") or not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                shutil.rmtree(folder, ignore_errors=True)
            except OSError:  # another user's live process: leave it
                continue

    def _secure_files(self) -> None:
        """The database holds password hashes and every item: readable by its owner only, whatever the umask of
        the process that made it."""
        for path in self.home.glob(f"{DB_FILE}*"):
            try:
                if path.stat().st_mode & 0o077:
                    path.chmod(0o600)
            except OSError:  # another user's file (a shared read-only copy): leave it
                pass

    # ------------------------------------------------------------------ connection and schema
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.home / DB_FILE, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            self._connections.append(conn)
        return conn

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)

    def _check_not_newer(self) -> None:
        """A store written by a newer version of the product is refused before anything is written to it: this
        code cannot know what the newer schema means, and "upgrading" it backwards would lose data."""
        version = self.schema_version()
        if version > len(MIGRATIONS):
            self.close()
            raise StoreError(
                f"kho dữ liệu {self.home / DB_FILE} có lược đồ phiên bản {version}, mới hơn phiên bản "
                f"{len(MIGRATIONS)} mà phần mềm này biết: hãy cập nhật Điểm tin trước khi mở kho này "
                "(không có gì được ghi vào kho)"
            )

    def _migrate(self) -> None:
        with self._tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------ records
    def put_record(self, collection: str, record_id: str, doc: dict[str, Any]) -> None:
        check_collection(collection)
        body = dict(doc, id=record_id)
        with self._tx() as db:
            db.execute(
                "INSERT INTO records (collection, id, doc, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
                (collection, record_id, dump_json(body), iso(now_utc())),
            )

    def get_record(self, collection: str, record_id: str) -> dict[str, Any] | None:
        check_collection(collection)
        row = self.db.execute("SELECT doc FROM records WHERE collection = ? AND id = ?",
                              (collection, record_id)).fetchone()
        return json.loads(row[0]) if row else None

    def delete_record(self, collection: str, record_id: str) -> bool:
        check_collection(collection)
        with self._tx() as db:
            cur = db.execute("DELETE FROM records WHERE collection = ? AND id = ?", (collection, record_id))
        return cur.rowcount > 0

    def list_records(self, collection: str, where: dict[str, Any] | None = None, order_by: str | None = None,
                     descending: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
        check_collection(collection)
        rows = self.db.execute("SELECT doc FROM records WHERE collection = ? ORDER BY id", (collection,))
        docs = [json.loads(r[0]) for r in rows]
        return filter_records(docs, where, order_by, descending, limit)

    # ------------------------------------------------------------------ raw queue
    def enqueue_raw(self, payloads: Iterable[dict[str, Any]]) -> int:
        added = 0
        now = iso(now_utc())
        with self._tx() as db:
            for payload in payloads:
                cur = db.execute(
                    "INSERT OR IGNORE INTO raw_queue (raw_id, payload, queued_at) VALUES (?, ?, ?)",
                    (raw_key(payload), dump_json(payload), now),
                )
                added += cur.rowcount
        return added

    def claim_raw(self, limit: int) -> list[RawRecord]:
        rows = self.db.execute(
            "SELECT raw_id, payload, attempts FROM raw_queue WHERE state = 'pending' ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [RawRecord(raw_id, json.loads(payload), attempts) for raw_id, payload, attempts in rows]

    def finish_raw(self, done: Sequence[str], failed: dict[str, str] | None = None,
                   final: Collection[str] = ()) -> None:
        now = iso(now_utc())
        max_attempts = self.settings.get_int("pipeline.max_attempts")
        final = set(final)
        with self._tx() as db:
            db.executemany("UPDATE raw_queue SET state = 'done', finished_at = ?, error = NULL WHERE raw_id = ?",
                           [(now, raw_id) for raw_id in done])
            for raw_id, error in (failed or {}).items():
                limit = 1 if raw_id in final else max_attempts
                db.execute(
                    "UPDATE raw_queue SET attempts = attempts + 1, error = ?, finished_at = ?, "
                    "state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE raw_id = ?",
                    (error, now, limit, raw_id),
                )

    def raw_counts(self) -> dict[str, int]:
        counts = {"pending": 0, "done": 0, "failed": 0}
        for state, count in self.db.execute("SELECT state, COUNT(*) FROM raw_queue GROUP BY state"):
            counts[state] = count
        return counts

    def list_raw(self, state: str = "failed", limit: int = 100) -> list[dict[str, Any]]:
        check_raw_state(state)
        rows = self.db.execute(
            "SELECT raw_id, state, attempts, error, queued_at, finished_at, payload FROM raw_queue "
            "WHERE state = ? ORDER BY seq LIMIT ?", (state, max(int(limit), 0)),
        ).fetchall()
        out = []
        for raw_id, row_state, attempts, error, queued_at, finished_at, payload in rows:
            body = json.loads(payload)
            out.append({"raw_id": raw_id, "state": row_state, "attempts": attempts, "error": error,
                        "queued_at": queued_at, "finished_at": finished_at, "url": str(body.get("url") or ""),
                        "payload": body})
        return out

    def set_raw_state(self, raw_ids: Sequence[str] | None, state: str, *, from_state: str = "failed") -> int:
        check_raw_state(state)
        check_raw_state(from_state)
        reset = ", attempts = 0, error = NULL" if state == "pending" else ""
        with self._tx() as db:
            if raw_ids is None:
                cur = db.execute(f"UPDATE raw_queue SET state = ?{reset} WHERE state = ?", (state, from_state))
                return cur.rowcount
            moved = 0
            for raw_id in raw_ids:
                cur = db.execute(f"UPDATE raw_queue SET state = ?{reset} WHERE raw_id = ? AND state = ?",
                                 (state, raw_id, from_state))
                moved += cur.rowcount
            return moved

    def upsert_items(self, items: Sequence[dict[str, Any]], *, preserve_analyst: bool = False) -> None:
        if not items:
            return
        for item in items:
            if not item.get("id"):
                raise StoreError("an item needs an id")
        with self._tx() as db:
            if preserve_analyst:  # read inside the write transaction: no analyst's change can slip in between
                stored = self._read_items(db, [item["id"] for item in items])
                items = [keep_analyst_fields(dict(item), stored.get(item["id"])) for item in items]
            self._write_items(db, items)
        # Short wait: if another process holds the index writer, it (or our next write) drains the outbox.
        self.sync_index(timeout=1.0)

    def _write_items(self, db: sqlite3.Connection, items: Sequence[dict[str, Any]]) -> None:
        now = iso(now_utc())
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM index_outbox").fetchone()[0]
        for item in items:
            seq += 1
            db.execute(
                "INSERT INTO items (id, url_key, content_hash, doc, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET url_key = excluded.url_key, "
                "content_hash = excluded.content_hash, doc = excluded.doc, updated_at = excluded.updated_at",
                (item["id"], item.get("url_key"), item.get("content_hash"), _encode_item(item), now),
            )
            db.execute("INSERT OR REPLACE INTO index_outbox (item_id, seq) VALUES (?, ?)", (item["id"], seq))

    @staticmethod
    def _read_items(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for item_id, blob in db.execute(f"SELECT id, doc FROM items WHERE id IN ({marks})", chunk):
                found[item_id] = _decode_item(blob)
        return found

    def change_items(self, changes: dict[str, dict[str, Any]], *, actor: str, action: str,
                     reason: str = "") -> dict[str, dict[str, Any]]:
        if not changes:
            return {}
        changed: dict[str, dict[str, Any]] = {}
        with self._tx() as db:
            stored = self._read_items(db, list(changes))
            entries = []
            for item_id, fields in changes.items():
                if item_id not in stored:
                    continue
                changed[item_id], before = apply_changes(stored[item_id], dict(fields))
                entries.append(self.audit_entry(actor, action, "item", item_id, before=before, after=dict(fields),
                                                reason=reason))
            self._write_items(db, list(changed.values()))
            for entry in entries:  # the audit trail is written in the same transaction as the change
                self._insert_audit(db, entry)
        self.sync_index(timeout=1.0)
        return changed

    def sync_index(self, timeout: float = 10.0) -> int:
        """Drain the outbox into the search index. Returns how many items were indexed; 0 if the writer is
        busy in another process (that process, or the next write here, will drain it)."""
        if self._index is None:  # the outbox keeps the work until the index is rebuilt
            return 0
        rows = self.db.execute("SELECT item_id, seq FROM index_outbox ORDER BY seq").fetchall()
        if not rows:
            return 0
        items = self.get_items([r[0] for r in rows])
        present = {item["id"] for item in items}
        try:
            count = self.index.write(items, delete_ids=[r[0] for r in rows if r[0] not in present], timeout=timeout)
        except IndexBusy:
            return 0
        with self._tx() as db:
            db.executemany("DELETE FROM index_outbox WHERE item_id = ? AND seq = ?", rows)
        return count

    def pending_index_updates(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM index_outbox").fetchone()[0])

    def get_items(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for item_id, blob in self.db.execute(f"SELECT id, doc FROM items WHERE id IN ({marks})", chunk):
                found[item_id] = _decode_item(blob)
        return [found[i] for i in ids if i in found]

    def find_by_keys(self, url_keys: Sequence[str], content_hashes: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for column, keys in (("url_key", list(url_keys)), ("content_hash", list(content_hashes))):
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self.db.execute(
                    f"SELECT {column}, id FROM items WHERE {column} IN ({marks}) ORDER BY rowid", chunk
                )
                for key, item_id in rows:
                    out.setdefault(key, item_id)
        return out

    def search(self, query: ItemQuery) -> SearchResult:
        # One try, no wait: a reader (the dashboard) must not stall while the pipeline holds the writer.
        self.sync_index(timeout=0.0)
        index = self.index
        if query.sort == "relevance" and query.text and 0 < query.offset + query.limit <= RERANK_POOL:
            # The best candidates, re-ranked: title and lead matches and recent items first.
            with _index_faults():
                total, scored = index.search_scored(query.with_(limit=RERANK_POOL, offset=0))
            items = {item["id"]: item for item in self.get_items([item_id for item_id, _ in scored])}
            kept = [(items[item_id], score) for item_id, score in scored if item_id in items]
            ranked = rank([item for item, _ in kept], [score for _, score in kept], query.text)
            return SearchResult(total=total, items=ranked[query.offset:query.offset + query.limit])
        with _index_faults():
            total, ids = index.search(query)
        return SearchResult(total=total, items=self.get_items(ids))

    def search_ids(self, query: ItemQuery) -> tuple[int, list[str]]:
        self.sync_index(timeout=0.0)
        total, ids = self.index.search(query)
        return total, list(ids)

    def count_by(self, field_name: str, query: ItemQuery, size: int = 50) -> list[tuple[str, int]]:
        index = self.index
        with _index_faults():
            return index.count_by(field_name, query, size)

    def histogram(self, query: ItemQuery, field_name: str = "published_at") -> list[tuple[str, int]]:
        index = self.index
        with _index_faults():
            return index.histogram(query, field_name)

    def iter_items(self, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        last = ""
        while True:
            rows = self.db.execute("SELECT id, doc FROM items WHERE id > ? ORDER BY id LIMIT ?",
                                   (last, batch_size)).fetchall()
            if not rows:
                return
            for item_id, blob in rows:
                last = item_id
                yield _decode_item(blob)

    def count_items(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    # ------------------------------------------------------------------ captures
    def put_capture(self, item_id: str, html: bytes, sha256: str, fetched_at: str, url: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO captures (item_id, url, sha256, fetched_at, html_gz) VALUES (?, ?, ?, ?, ?)",
                (item_id, url, sha256, fetched_at, gzip.compress(html, compresslevel=6)),
            )

    def get_capture(self, item_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT url, sha256, fetched_at, html_gz FROM captures WHERE item_id = ?",
                              (item_id,)).fetchone()
        if row is None:
            return None
        return {"url": row[0], "sha256": row[1], "fetched_at": row[2], "html": gzip.decompress(row[3])}

    # ------------------------------------------------------------------ audit
    def append_audit(self, entry: dict[str, Any]) -> None:
        with self._tx() as db:
            self._insert_audit(db, entry)

    @staticmethod
    def _insert_audit(db: sqlite3.Connection, entry: dict[str, Any]) -> None:
        db.execute("INSERT INTO audit (at, entity_type, entity_id, entry) VALUES (?, ?, ?, ?)",
                   (entry.get("at") or iso(now_utc()), entry.get("entity_type"), entry.get("entity_id"),
                    dump_json(entry)))

    def list_audit(self, entity_type: str | None = None, entity_id: str | None = None,
                   limit: int = 1000) -> list[dict[str, Any]]:
        sql, args = "SELECT entry FROM audit", []
        conditions = []
        if entity_type is not None:
            conditions.append("entity_type = ?")
            args.append(entity_type)
        if entity_id is not None:
            conditions.append("entity_id = ?")
            args.append(entity_id)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [json.loads(r[0]) for r in self.db.execute(sql, args)]

    # ------------------------------------------------------------------ vectors
    def put_vectors(self, space: str, ids: Sequence[str], vectors: Any) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if len(ids) != len(matrix):
            raise StoreError("ids and vectors differ in length")
        with self._tx() as db:
            for item_id, vec in zip(ids, matrix, strict=True):
                db.execute("DELETE FROM vectors WHERE space = ? AND id = ?", (space, item_id))
                db.execute("INSERT INTO vectors (space, id, vec) VALUES (?, ?, ?)", (space, item_id, to_blob(vec)))

    def _vector_rows(self, space: str, after: int) -> Iterator[tuple[int, str, bytes]]:
        yield from self.db.execute("SELECT rowid, id, vec FROM vectors WHERE space = ? AND rowid > ? ORDER BY rowid",
                                   (space, after))

    def knn(self, space: str, vector: Any, k: int = 10, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        return self._space(space).knn(self._vector_rows, np.asarray(vector, dtype=np.float32), k, allowed)

    def _space_key(self, space: str) -> tuple[str, int, str]:
        path = (self.home / DB_FILE).resolve()
        return str(path), path.stat().st_ino, space

    def _space(self, space: str) -> VectorSpace:
        key = self._space_key(space)
        with _SPACES_LOCK:
            if key not in _SPACES:
                _SPACES[key] = VectorSpace(space, self.settings.get_int("store.exact_vector_limit"))
            return _SPACES[key]

    def vector_spaces(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT space FROM vectors ORDER BY space")]

    def iter_vectors(self, space: str) -> Iterator[tuple[str, np.ndarray]]:
        for item_id, blob in self.db.execute("SELECT id, vec FROM vectors WHERE space = ? ORDER BY id", (space,)):
            yield item_id, np.frombuffer(blob, dtype=np.float32)

    # ------------------------------------------------------------------ maintenance
    def reindex(self) -> int:
        """Build a whole new index from the records in a folder of its own, and swap it in only once it is
        complete: a reindex that fails (or is killed) leaves the index searchers use as it was. Items written
        while it ran are queued again, so the new index misses none of them."""
        started = iso(now_utc())
        path = self.home / INDEX_DIR
        building = self.home / f"{INDEX_DIR}.building-{os.getpid()}-{secrets.token_hex(4)}"
        count = 0
        try:
            fresh = SearchIndex(building, create=True)
            batch: list[dict[str, Any]] = []
            for item in self.iter_items():
                batch.append(item)
                if len(batch) >= 2000:
                    count += fresh.write(batch)
                    batch = []
            if batch:
                count += fresh.write(batch)
            del fresh
            self._swap_index(building, path)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        self._index = SearchIndex(path)
        self.index_problem = None
        with self._tx() as db:  # written while the new index was built: index them again
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM index_outbox").fetchone()[0]
            late = [r[0] for r in db.execute("SELECT id FROM items WHERE updated_at >= ?", (started,))]
            db.executemany("INSERT OR REPLACE INTO index_outbox (item_id, seq) VALUES (?, ?)",
                           [(item_id, seq + n) for n, item_id in enumerate(late, 1)])
        self.sync_index(timeout=30.0)
        with _SPACES_LOCK:
            for key in [k for k in _SPACES if k[:2] == self._space_key("")[:2]]:
                del _SPACES[key]
        return count

    def _swap_index(self, building: Path, path: Path) -> None:
        """Rename the finished index into place. The old one's writer is held meanwhile when it can be had, so
        no other process drains the outbox into the folder being retired."""
        holder = None
        old = self._index
        if old is not None:
            try:
                holder = old.writer(timeout=10.0)
            except IndexBusy:
                holder = None
        retired = self.home / f"{INDEX_DIR}.retired-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            if path.exists():
                os.replace(path, retired)
            os.replace(building, path)
        finally:
            if holder is not None:
                with contextlib.suppress(Exception):
                    holder.rollback()
                del holder
            self._index = None
        shutil.rmtree(retired, ignore_errors=True)

    def refresh(self) -> None:
        if self._index is None:  # unusable: the outbox keeps the updates until `diemtin reindex`
            log.warning("search index unusable, updates wait in the outbox %s", {"problem": self.index_problem})
            return
        while self.pending_index_updates():
            if not self.sync_index(timeout=30):
                raise StoreError("the search index is locked by another process")

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in self.home.rglob("*") if p.is_file()
                   and (p.name.startswith(DB_FILE) or INDEX_DIR in p.relative_to(self.home).parts))

    def close(self) -> None:
        for conn in self._connections:
            conn.close()
        self._connections.clear()
        self._local = threading.local()


@contextlib.contextmanager
def _index_faults() -> Iterator[None]:
    """Tantivy's errors on a damaged index (files deleted under a running process) reach callers as IndexUnusable,
    which says which command mends it, instead of a traceback or an empty answer."""
    try:
        yield
    except (IndexUnusable, QueryError):
        raise
    except ValueError as exc:
        raise IndexUnusable(f"chỉ mục tìm kiếm bị hỏng ({str(exc)[:200]}): chạy `diemtin reindex`") from exc


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, so concurrent writers queue on SQLite's lock instead of failing."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
