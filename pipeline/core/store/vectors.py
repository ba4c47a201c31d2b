"""The embedded vector index: exact search while it is cheap, hnswlib when it is not.

Measured at 1M x 384 on this machine: numpy brute force p95 103 ms, hnswlib p95 0.3 ms at recall 0.98.
Below `store.exact_vector_limit` vectors (default 50,000, a few ms per query) search is exact; above it an
HNSW graph (ef tuned for recall >= 0.98) is built in memory on first use and extended incrementally.
SQLite holds the vectors themselves, so the graph is only a cache of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np

# HNSW parameters: M=32, ef_construction=200, ef=128 reached recall 0.98 on 1M x 384 here.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF = 128

RowSource = Callable[[str, int], Iterator[tuple[int, str, bytes]]]


class VectorSpace:
    """One space of vectors (e.g. "items", "claims"), loaded from SQLite rows newer than what it has seen."""

    def __init__(self, name: str, exact_limit: int):
        self.name = name
        self._exact_limit = exact_limit
        self._lock = threading.Lock()
        self._seen_rowid = 0
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._hnsw = None

    def _catch_up(self, rows: RowSource) -> None:
        new_ids: list[str] = []
        new_vecs: list[np.ndarray] = []
        for rowid, item_id, blob in rows(self.name, self._seen_rowid):
            self._seen_rowid = max(self._seen_rowid, rowid)
            new_ids.append(item_id)
            new_vecs.append(np.frombuffer(blob, dtype=np.float32))
        if not new_ids:
            return
        dim = new_vecs[0].shape[0]
        if self._matrix.size == 0:
            self._matrix = np.zeros((0, dim), dtype=np.float32)
        appended: dict[str, np.ndarray] = {}
        for item_id, vec in zip(new_ids, new_vecs, strict=True):
            if item_id in self._pos:
                self._matrix[self._pos[item_id]] = vec
            elif item_id in appended:
                appended[item_id] = vec
            else:
                self._pos[item_id] = len(self._ids) + len(appended)
                appended[item_id] = vec
        if appended:
            self._ids.extend(appended)
            self._matrix = np.vstack([self._matrix, np.stack(list(appended.values()))])
        if len(self._ids) > self._exact_limit:
            self._extend_hnsw(new_ids)

    def _extend_hnsw(self, changed: list[str]) -> None:
        import hnswlib

        dim = self._matrix.shape[1]
        if self._hnsw is None:
            self._hnsw = hnswlib.Index(space="ip", dim=dim)
            self._hnsw.init_index(max_elements=max(len(self._ids) * 2, 1024), ef_construction=HNSW_EF_CONSTRUCTION,
                                  M=HNSW_M, allow_replace_deleted=False)
            self._hnsw.set_ef(HNSW_EF)
            labels = np.arange(len(self._ids))
            self._hnsw.add_items(self._matrix, labels, num_threads=-1)  # the one-off build uses every core
            return
        if len(self._ids) > self._hnsw.get_max_elements():
            self._hnsw.resize_index(len(self._ids) * 2)
        labels = np.array(sorted({self._pos[i] for i in changed}))
        self._hnsw.add_items(self._matrix[labels], labels, num_threads=1)

    def knn(self, rows: RowSource, vector: np.ndarray, k: int, allowed: set[str] | None) -> list[tuple[str, float]]:
        """``rows`` reads the space's rows newer than a rowid: the space outlives any one connection."""
        with self._lock:
            self._catch_up(rows)
            if not self._ids:
                return []
            query = np.frombuffer(to_blob(vector), dtype=np.float32)
            if self._hnsw is not None and allowed is None:
                labels, distances = self._hnsw.knn_query(query, k=min(k, len(self._ids)))
                return [(self._ids[int(lbl)], float(1.0 - d)) for lbl, d in zip(labels[0], distances[0], strict=True)]
            if allowed is not None:
                rows = np.array([self._pos[i] for i in allowed if i in self._pos], dtype=np.int64)
                if rows.size == 0:
                    return []
                scores = self._matrix[rows] @ query
                order = np.argsort(-scores)[:k]
                return [(self._ids[int(rows[o])], float(scores[o])) for o in order]
            scores = self._matrix @ query
            top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
            order = top[np.argsort(-scores[top])]
            return [(self._ids[int(o)], float(scores[o])) for o in order]


def to_blob(vector: np.ndarray) -> bytes:
    vec = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vec))
    if norm > 0:
        vec = vec / norm
    return vec.astype(np.float32).tobytes()
