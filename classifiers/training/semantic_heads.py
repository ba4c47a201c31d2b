"""Fitting the semantic heads (classifiers/runtime/semantic_head.py) on a word model's training rows.

The tone model's head is fitted and chosen by ``python -m classifiers.training.ship tone`` (``tone_data``), the
section model's by ``python -m classifiers.training.ship topic`` (or ``topic-head`` for the head alone) and chosen
by ``python -m classifiers.training.topic_cv --head``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from classifiers.runtime.semantic_head import OTHER_LANGUAGES, SemanticHead

# The section head's C (``topic_cv --head``; mean of the first section right at weight 0.35, gate 0.8): C 3 0.887,
# C 10 0.887, C 30 0.887 at gate 1; the middle one.
SECTION_HEAD_C = 10.0


def fit_semantic_head(vectors: np.ndarray, labels: list[str], y: list[str], embedder: Any, max_chars: int,
                      c: float, sample_weight: list[float] | None = None,
                      class_weight: str | None = None) -> SemanticHead:
    """A multinomial logistic regression over sentence vectors, as a head the runtime loads without sklearn."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight).fit(
        vectors, y, sample_weight=sample_weight)
    coef, intercept = fitted.coef_, fitted.intercept_
    if len(fitted.classes_) == 2:  # one logit for the second class: as two softmax logits, -z/2 and z/2
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.concatenate([-intercept / 2, intercept / 2])
    order = [list(fitted.classes_).index(label) for label in labels]
    return SemanticHead(tuple(labels), coef[order].astype(np.float32), intercept[order].astype(np.float32),
                        embedder.name, max_chars, {"C": c, "rows": len(y)})


def headline_vectors(items: list[dict[str, Any]]) -> tuple[np.ndarray, Any, int]:
    """(vectors, embedder, max_chars): the items' headline windows embedded as the product reads them, with the
    embedder it uses (``classifiers.embedder``) and the window's length (``classifiers.embed_max_chars``)."""
    from classifiers.runtime.embed import embedder_from_settings
    from classifiers.runtime.semantic_head import head_text
    from pipeline.core.settings import Settings

    settings = Settings()
    embedder, max_chars = embedder_from_settings(settings), settings.get_int("classifiers.embed_max_chars")
    return embedder.encode([head_text(item, max_chars) for item in items]), embedder, max_chars


def _unique(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[float]]:
    """Rows once each, with how many times each was repeated (the section model's row weights)."""
    counts: dict[tuple[str, str, str], int] = {}
    first: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["title"], row["text"], row["label"])
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, row)
    return list(first.values()), [float(n) for n in counts.values()]


def build_section_head(training_rows: list[dict[str, Any]], folder: Path) -> Path:
    """The section head on the section model's training rows (their repeats as weights), saved in ``folder``
    beside the model."""
    rows, weights = _unique(training_rows)
    labels = sorted({r["label"] for r in rows})
    vectors, embedder, max_chars = headline_vectors(rows)
    head = fit_semantic_head(vectors, labels, [r["label"] for r in rows], embedder, max_chars, SECTION_HEAD_C,
                             sample_weight=weights)
    head.meta["data"] = "the section model's training rows (classifiers/training/ship.py), repeats as weights"
    return head.save(folder)


def build_section_head_other_languages(training_rows: list[dict[str, Any]], english_rows: list[dict[str, Any]],
                                       folder: Path) -> Path:
    """The section head for items in other languages: the section model's training rows and ``english_rows``
    (English translations of headlines), repeats as weights, saved in ``folder`` beside the section head."""
    rows, weights = _unique(training_rows + english_rows)
    labels = sorted({r["label"] for r in rows})
    vectors, embedder, max_chars = headline_vectors(rows)
    head = fit_semantic_head(vectors, labels, [r["label"] for r in rows], embedder, max_chars, SECTION_HEAD_C,
                             sample_weight=weights)
    head.meta["data"] = (f"the section model's training rows and the English translations of the provincial and "
                         f"modern rows' headlines (train_en.jsonl, {len(english_rows)} with repeats), repeats as "
                         f"weights")
    return head.save(folder, OTHER_LANGUAGES)
