"""The baseline every trainer must clearly beat: a plain TF-IDF + logistic regression, defined exactly.

Text is ``title + " " + text``; ``TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\\b\\w+\\b")`` (one-letter
syllables such as "ở" kept), otherwise scikit-learn's defaults (no sublinear tf, min_df 1, l2 norm);
``LogisticRegression(lbfgs, max_iter=2000)`` without class weights, C chosen from {1, 3, 10, 30, 100} by 3-fold
stratified cross-validated macro-F1 on the training rows only (what ``GridSearchCV(Pipeline(tfidf, lr))`` does;
one vectoriser per fold and a warm-started C path only save time). The same definition as the research session
that compared trainers (/work/research/bench/baseline.py), so its figures and ours are comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

C_GRID = (1, 3, 10, 30, 100)


def _text(row: dict[str, Any]) -> str:
    return f"{row.get('title') or ''} {row.get('text') or ''}".strip()


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", lowercase=True)


class Baseline:
    """``fit(rows)`` on labelled rows, then ``predict(rows)`` and ``predict_proba(rows)``."""

    def fit(self, rows: Sequence[dict[str, Any]]) -> Baseline:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold

        texts = np.array([_text(r) for r in rows], dtype=object)
        y = np.array([str(r["label"]) for r in rows])
        scores: dict[int, list[float]] = {c: [] for c in C_GRID}
        for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(texts, y):
            vectorizer = _vectorizer()
            x_train, x_test = vectorizer.fit_transform(texts[train]), vectorizer.transform(texts[test])
            model = LogisticRegression(max_iter=2000, warm_start=True)
            for c in C_GRID:
                model.set_params(C=c).fit(x_train, y[train])
                scores[c].append(float(f1_score(y[test], model.predict(x_test), average="macro")))
        self.cv = {c: float(np.mean(v)) for c, v in scores.items()}
        self.C = max(C_GRID, key=lambda c: self.cv[c])
        self.vectorizer = _vectorizer()
        self.model = LogisticRegression(max_iter=2000, C=self.C).fit(self.vectorizer.fit_transform(texts), y)
        self.labels = [str(label) for label in self.model.classes_]
        return self

    def predict_proba(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        return self.model.predict_proba(self.vectorizer.transform([_text(r) for r in rows]))

    def predict(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(rows).argmax(1)]


def paired_bootstrap(truth: Sequence[str], first: Sequence[str], second: Sequence[str], n: int = 1000,
                     seed: int = 0) -> dict[str, float]:
    """Macro-F1 of ``second`` minus that of ``first`` over bootstrap resamples of the test rows: mean, sd and
    the share of resamples where ``second`` is not better (a one-sided p-value)."""
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(seed)
    y, a, b = (np.asarray(v) for v in (truth, first, second))
    diffs = []
    for _ in range(n):
        index = rng.integers(0, len(y), len(y))
        diffs.append(f1_score(y[index], b[index], average="macro") - f1_score(y[index], a[index], average="macro"))
    values = np.asarray(diffs)
    return {"mean": round(float(values.mean()), 4), "sd": round(float(values.std()), 4),
            "p_not_better": round(float((values <= 0).mean()), 4)}
