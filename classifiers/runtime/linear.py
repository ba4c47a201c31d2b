"""A trained linear text model in a compact form that scores without scikit-learn: what the pipeline loads.

Importing scikit-learn and unpickling its vectorizers cost seconds before the first item; a shipped flag model is
only vocabularies, inverse document frequencies and one weight matrix. :func:`export_compact` writes those from
a :class:`classifiers.training.learn.TextModel` (``compact.json`` + ``compact.npz`` next to ``model.joblib``) and
:class:`CompactModel` reproduces its ``predict_proba`` exactly (same analyzers of
:mod:`classifiers.runtime.features`, sublinear tf, idf, l2 norm per view, the lexicon columns, the softmax
temperature), in milliseconds to load. A model of another kind (a future trainer's) is simply loaded as it is.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.runtime import offensive_lexicon
from classifiers.runtime.features import CharAnalyzer, FeatureBuilder, WordAnalyzer

log = logging.getLogger(__name__)

COMPACT_JSON = "compact.json"
COMPACT_NPZ = "compact.npz"


class CompactModel:
    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]):
        self.task = meta["task"]
        self.labels = list(meta["labels"])
        self.temperature = float(meta["temperature"])
        self.meta = meta
        self.config = meta["config"]
        self.word_vocab = {term: i for i, term in enumerate(meta["word_terms"])}
        self.char_vocab = {term: i for i, term in enumerate(meta["char_terms"])}
        self.word_idf = arrays["word_idf"].astype(np.float64)
        self.char_idf = arrays["char_idf"].astype(np.float64)
        self.weights = arrays["weights"].astype(np.float32)
        self.bias = arrays["bias"].astype(np.float32)
        self.lexicon: frozenset[str] = frozenset(meta.get("lexicon") or ())
        # Equal for two models that turn a row into the same counts (same analyzers, same lexicon).
        self.features_key = (json.dumps(self.config, sort_keys=True), self.lexicon)
        self.path: Path | None = None
        self._builder = FeatureBuilder.__new__(FeatureBuilder)  # prepare() only: no vectorizer is fitted
        self._builder.config = dict(self.config)
        self._builder.lexicon = self.lexicon
        low, high = self.config["word_ngrams"]
        self._word = WordAnalyzer(int(low), int(high))
        clow, chigh = self.config["char_ngrams"]
        self._char = CharAnalyzer(int(clow), int(chigh))

    def doc_counts(self, row: dict[str, Any]) -> tuple[Counter[str], Counter[str], int]:
        """The row's word and character n-gram counts and its lexicon hits: what every model with the same
        :attr:`features_key` scores, so several flags' models share one pass over a text."""
        doc = self._builder.prepare(row)
        return Counter(self._word(doc)), Counter(self._char(doc)), doc.lexicon_hits

    @staticmethod
    def _view(counts: Counter[str], vocab: dict[str, int], idf: np.ndarray, offset: int) -> tuple[list[int], list[float]]:
        get = vocab.get
        found = [(i, c) for g, c in counts.items() if (i := get(g)) is not None]
        if not found:
            return [], []
        index = [i for i, _ in found]
        values = np.log(np.array([c for _, c in found], dtype=np.float64)) + 1.0
        values *= idf[index]
        norm = float(np.sqrt(np.dot(values, values))) or 1.0
        return [offset + i for i in index], list(values / norm)

    def scores_from_counts(self, counts: Sequence[tuple[Counter[str], Counter[str], int]]) -> np.ndarray:
        n_word = len(self.word_vocab)
        return self._scores([(*self._view(words, self.word_vocab, self.word_idf, 0),
                              *self._view(chars, self.char_vocab, self.char_idf, n_word), lexicon_hits)
                             for words, chars, lexicon_hits in counts])

    def scores_from_terms(self, found: Sequence[TermCounts], terms: SharedTerms) -> np.ndarray:
        """:meth:`scores_from_counts` from counts already looked up in ``terms`` (built with this model):
        the same numbers, in the same order of terms, without a dictionary lookup per n-gram."""
        word_map, char_map = terms.columns[id(self)]
        n_word = len(self.word_vocab)
        return self._scores([(*_mapped_view(word_map[word_ids], word_counts, self.word_idf, 0),
                              *_mapped_view(char_map[char_ids], char_counts, self.char_idf, n_word), lexicon_hits)
                             for word_ids, word_counts, char_ids, char_counts, lexicon_hits in found])

    def _scores(self, views: list[tuple[list[int], list[float], list[int], list[float], int]]) -> np.ndarray:
        """Decision scores from each row's weighted word and character columns (and its lexicon hits)."""
        n_word, n_char = len(self.word_vocab), len(self.char_vocab)
        out = np.zeros((len(views), len(self.labels)), dtype=np.float64)
        for r, (wi, wv, ci, cv, lexicon_hits) in enumerate(views):
            index, values = wi + ci, wv + cv
            if self.lexicon:
                index.append(n_word + n_char + (0 if lexicon_hits else 1))
                values.append(1.0)
            if index:
                out[r] = self.weights[:, index].astype(np.float64) @ np.array(values)
        return out + self.bias

    def proba_from_terms(self, found: Sequence[TermCounts], terms: SharedTerms) -> list[dict[str, float]]:
        return self._proba(self.scores_from_terms(found, terms))

    def decision_scores(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        return self.scores_from_counts([self.doc_counts(row) for row in rows])

    def proba_from_counts(self, counts: Sequence[tuple[Counter[str], Counter[str], int]]) -> list[dict[str, float]]:
        return self._proba(self.scores_from_counts(counts))

    def _proba(self, scores: np.ndarray) -> list[dict[str, float]]:
        scores = scores * self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probs]

    def predict_proba(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
        return self.proba_from_counts([self.doc_counts(row) for row in rows])


# A text's n-grams as ids of a SharedTerms (words: ids, counts; characters: ids, counts) and its lexicon hits.
TermCounts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]


def _mapped_view(columns: np.ndarray, counts: np.ndarray, idf: np.ndarray,
                 offset: int) -> tuple[list[int], list[float]]:
    """:meth:`CompactModel._view` for n-grams already mapped to the model's columns (-1: not in its vocabulary)."""
    known = columns >= 0
    if not known.any():
        return [], []
    index = columns[known]
    values = np.log(counts[known].astype(np.float64)) + 1.0
    values *= idf[index]
    norm = float(np.sqrt(np.dot(values, values))) or 1.0
    return [offset + int(i) for i in index], list(values / norm)


class SharedTerms:
    """The vocabularies of several compact models with the same features in one dictionary, so a text's n-grams
    are looked up once for all of them instead of once per model (the lookups are most of scoring's cost)."""

    def __init__(self, models: Sequence[CompactModel]):
        self.words: dict[str, int] = {}
        self.chars: dict[str, int] = {}
        for model in models:
            for term in model.word_vocab:
                self.words.setdefault(term, len(self.words))
            for term in model.char_vocab:
                self.chars.setdefault(term, len(self.chars))
        self.columns: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for model in models:
            self.columns[id(model)] = (self._columns(model.word_vocab, self.words),
                                       self._columns(model.char_vocab, self.chars))

    @staticmethod
    def _columns(vocab: dict[str, int], shared: dict[str, int]) -> np.ndarray:
        columns = np.full(len(shared) + 1, -1, dtype=np.int64)  # the last id: a term no model knows
        columns[np.fromiter((shared[t] for t in vocab), dtype=np.int64, count=len(vocab))] = \
            np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))
        return columns

    def look_up(self, counts: tuple[Counter[str], Counter[str], int]) -> TermCounts:
        words, chars, lexicon_hits = counts
        return (*self._ids(words, self.words), *self._ids(chars, self.chars), lexicon_hits)

    @staticmethod
    def _ids(counts: Counter[str], shared: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        get, unknown = shared.get, len(shared)
        ids = np.fromiter((get(g, unknown) for g in counts), dtype=np.int64, count=len(counts))
        return ids, np.fromiter(counts.values(), dtype=np.int64, count=len(counts))


def export_compact(model: Any, directory: str | Path) -> Path:
    """Write the compact form of a TextModel beside its files; returns the folder."""
    path = Path(directory)
    features = model.features
    word_terms = [t for t, _ in sorted(features.word.vocabulary_.items(), key=lambda kv: kv[1])]
    char_terms = [t for t, _ in sorted(features.char.vocabulary_.items(), key=lambda kv: kv[1])]
    meta = {"task": model.task, "labels": model.labels, "temperature": model.temperature,
            "config": {k: features.config[k] for k in ("word_ngrams", "char_ngrams", "char_max_chars")},
            "lexicon": sorted(features.lexicon), "word_terms": word_terms, "char_terms": char_terms}
    (path / COMPACT_JSON).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    np.savez_compressed(path / COMPACT_NPZ, word_idf=features.word.idf_.astype(np.float32),
                        char_idf=features.char.idf_.astype(np.float32), weights=model.weights.astype(np.float32),
                        bias=model.bias.astype(np.float32))
    return path


def load_compact(directory: str | Path) -> CompactModel:
    path = Path(directory)
    meta = json.loads((path / COMPACT_JSON).read_text(encoding="utf-8"))
    with np.load(path / COMPACT_NPZ) as data:
        arrays = {name: data[name] for name in data.files}
    model = CompactModel(meta, arrays)
    model.path = path
    return model


def has_compact(directory: str | Path) -> bool:
    return (Path(directory) / COMPACT_JSON).is_file() and (Path(directory) / COMPACT_NPZ).is_file()


def load_folders(folders: Iterable[Path], fallback: Callable[[Path], Any] | None = None) -> dict[str, Any]:
    """Task name -> model of each folder (a registry's task folder gives its CURRENT version): the compact form
    when there is one, else ``fallback`` (the trainer's loader, for models saved before the compact form). A
    folder that cannot be read is logged and skipped: one broken model never stops the stages."""
    models: dict[str, Any] = {}
    for folder in folders:
        current = folder / (folder / "CURRENT").read_text(encoding="utf-8").strip() \
            if (folder / "CURRENT").is_file() else folder
        try:
            model = fallback(current) if fallback and not has_compact(current) else load_compact(current)
        except (FileNotFoundError, OSError, KeyError, ValueError) as exc:
            log.warning("model not loaded %s", {"folder": str(folder), "error": str(exc)})
            continue
        models[model.task] = model
    return models


__all__ = ["CompactModel", "SharedTerms", "export_compact", "load_compact", "has_compact", "load_folders", "offensive_lexicon"]
