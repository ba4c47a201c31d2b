"""The embedded vector index: exact below the limit, HNSW above it, kept across re-opened stores."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.settings import Settings
from pipeline.core.store.sqlite import SqliteStore


def _clustered(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, 32)).astype(np.float32)
    vectors = centres[rng.integers(0, 20, n)] + 0.5 * rng.normal(size=(n, 32)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_above_the_exact_limit_the_hnsw_index_keeps_recall(tmp_path: Path):
    settings = Settings({"store": {"exact_vector_limit": 100}})
    vectors = _clustered(600)
    ids = [f"v{i}" for i in range(600)]
    with SqliteStore(tmp_path, settings) as store:
        store.put_vectors("stories", ids, vectors)
        hits = 0
        for probe in vectors[:40]:
            exact = {ids[i] for i in np.argsort(-(vectors @ probe))[:10]}
            hits += len(exact & {i for i, _ in store.knn("stories", probe, k=10)})
        assert store._space("stories")._hnsw is not None
    assert hits / 400 >= 0.98


def test_a_reopened_store_reuses_the_index_and_sees_new_vectors(tmp_path: Path):
    settings = Settings({"store": {"exact_vector_limit": 100}})
    vectors = _clustered(300, seed=2)
    with SqliteStore(tmp_path, settings) as first:
        first.put_vectors("stories", [f"v{i}" for i in range(299)], vectors[:299])
        first.knn("stories", vectors[0], k=3)
        space = first._space("stories")
    with SqliteStore(tmp_path, settings) as second:
        assert second._space("stories") is space  # no second HNSW build in this process
        second.put_vectors("stories", ["new"], vectors[299:])
        assert second.knn("stories", vectors[299], k=1)[0][0] == "new"
        second.reindex()
        assert second._space("stories") is not space
