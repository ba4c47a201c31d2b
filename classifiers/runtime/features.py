"""Text features for the trainable classifiers: what a linear model sees of a Vietnamese text.

Two TF-IDF views (sublinear tf) of the same normalised text and one prior, stacked:

- word n-grams (syllables 1-3 by default) of the accented, lower-cased text. Vietnamese words are mostly
  one or two syllables, so syllable bigrams and trigrams carry the compounds ("biên giới", "phản động") that a
  word segmenter would find, at a fraction of its cost (pyvi runs ~400 short comments a second, too slow for
  inference on a busy feed). Punctuation runs are tokens too: ":)))", "=]]" and "!!!" carry tone.
- character n-grams (2-5 inside word boundaries) of the folded text (no diacritics). Social-media writing drops
  or misplaces diacritics, stretches letters ("quáaaa") and invents spellings ("đm", "dm", "đ.m"); folded
  character grams let all those forms share weight. Long texts contribute only their beginning to this view
  (the title and lead say what a text is about; the full body only costs time).
- numbers a component computed itself (``row["features"]``, e.g. the tone reader's cue sums), as a dense view
  (``sign(x) * log(1 + |x|)``, times ``dense_weight``): a model learns how much each reading counts next to the words.
- whether the text uses a phrase of the offensive lexicon (:mod:`classifiers.runtime.offensive_lexicon`, from ViHOS):
  two indicator columns. A model trained on a few hundred labels learns from them what it could not learn
  from its own few examples of each insult.

Every token keeps its offsets in the original field, so :meth:`FeatureBuilder.evidence` can say which words of
the text drove a score.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from classifiers.runtime import offensive_lexicon
from pipeline.core.text import fold, normalize

if TYPE_CHECKING:  # scipy loads only to fit or transform: scoring a compact model needs it not
    from scipy import sparse

FIELDS = ("title", "text")
# A letter repeated three or more times is the same word stretched ("quáaaa", "đẹppppp"): keep two.
_STRETCHED = re.compile(r"(.)\1{2,}")
# Words (letters and digits) and runs of other visible characters (emoticons, "!!!").
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]+")
_URL = re.compile(r"https?://\S+|www\.\S+")


class Token(NamedTuple):
    key: str  # lower-cased, stretched letters shortened: what the model counts
    field: str
    start: int
    end: int


def unstretch(text: str) -> str:
    return _STRETCHED.sub(_two_of, text) if _STRETCHED.search(text) else text


def _two_of(match: re.Match[str]) -> str:
    return match.group(1) * 2


def field_texts(row: dict[str, Any]) -> tuple[str, str]:
    """The normalised (title, text) of a row; offsets in evidence refer to these strings."""
    return (normalize(row.get("title") or "", keep_newlines=False), normalize(row.get("text") or ""))


def tokens(fields: Sequence[str]) -> list[list[Token]]:
    """Tokens of each field, in order, with their offsets."""
    out = []
    for name, text in zip(FIELDS, fields, strict=True):
        lowered = text.lower()
        if "http" in lowered or "www." in lowered:
            lowered = _URL.sub(lambda m: " " * len(m.group(0)), lowered)
        if _STRETCHED.search(lowered):
            out.append([Token(unstretch(m.group(0)), name, m.start(), m.end())
                        for m in _TOKEN.finditer(lowered)])
        else:
            out.append([Token(m.group(0), name, m.start(), m.end()) for m in _TOKEN.finditer(lowered)])
    return out


def token_keys(fields: Sequence[str]) -> list[list[str]]:
    """What :func:`tokens` gives as keys, without offsets: the fast path for training and scoring."""
    out = []
    for text in fields:
        lowered = text.lower()
        if "http" in lowered or "www." in lowered:
            lowered = _URL.sub(" ", lowered)
        keys = _TOKEN.findall(lowered)
        out.append([unstretch(k) for k in keys] if _STRETCHED.search(lowered) else keys)
    return out


def _ngrams(keys: list[str], low: int, high: int) -> Iterator[tuple[str, int, int]]:
    """(n-gram, first token index, last token index + 1)."""
    for n in range(low, high + 1):
        for i in range(len(keys) - n + 1):
            yield " ".join(keys[i:i + n]), i, i + n


@dataclass(frozen=True)
class Prepared:
    """A row made ready for the vectorizers once, so both views and the evidence share one tokenisation."""

    fields: tuple[str, str]
    keys: list[list[str]]
    folded_head: str
    lexicon_hits: int
    dense: tuple[float, ...] = ()


class WordAnalyzer:
    """Syllable n-grams within each field (never across the title/body boundary)."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def __call__(self, doc: Prepared) -> list[str]:
        grams: list[str] = []
        for keys in doc.keys:
            for n in range(self.low, self.high + 1):
                grams.extend(" ".join(keys[i:i + n]) for i in range(len(keys) - n + 1))
        return grams


# Words repeat a lot: their folded forms are kept rather than computed again for every text.
_folded_word = lru_cache(maxsize=200_000)(fold)


@lru_cache(maxsize=200_000)
def word_char_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    """Character n-grams of one word padded with spaces (scikit-learn's "char_wb"), cached: words repeat a
    lot, and this is the most expensive step of scoring."""
    padded = f" {word} "
    return tuple(padded[i:i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1))


class CharAnalyzer:
    """Character n-grams within the words of the folded head."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def __call__(self, doc: Prepared) -> list[str]:
        grams: list[str] = []
        for word in doc.folded_head.split():
            grams.extend(word_char_grams(word, self.low, self.high))
        return grams


def _head(fields: tuple[str, str], max_chars: int) -> tuple[str, str]:
    """The title and the beginning of the text: what the character view and the lexicon read."""
    return fields[0], fields[1][:max_chars]


def _folded_head(fields: tuple[str, str], max_chars: int) -> str:
    title, text = _head(fields, max_chars)
    head = f"{title}\n{text}" if title else text
    if "http" in head or "www." in head:
        head = _URL.sub(" ", head)
    return unstretch(fold(head).lower())


class Vectorizer:
    """TF-IDF of one view (what scikit-learn's TfidfVectorizer computes with ``sublinear_tf=True`` and smooth
    idf, l2-normalised rows), kept as plain data: a term list and an idf array, so a saved model is JSON and
    arrays, never a pickle, and loads in a fraction of a second."""

    def __init__(self, analyzer: Any, min_df: int = 1, max_features: int | None = None):
        self.analyzer = analyzer
        self.min_df = int(min_df)
        self.max_features = max_features
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=np.float32)

    def fit_transform(self, docs: list[Any]) -> sparse.csr_matrix:
        term_lists = [self.analyzer(d) for d in docs]
        df: dict[str, int] = defaultdict(int)
        for terms in term_lists:
            for term in set(terms):
                df[term] += 1
        kept = [t for t, c in df.items() if c >= self.min_df]
        if self.max_features and len(kept) > self.max_features:
            kept.sort(key=lambda t: (-df[t], t))
            kept = kept[:self.max_features]
        kept.sort()
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        n = len(docs)
        self.idf_ = (np.log((1 + n) / (1 + np.array([df[t] for t in kept], dtype=np.float64))) + 1).astype(np.float32)
        return self._matrix(term_lists)

    def transform(self, docs: list[Any]) -> sparse.csr_matrix:
        return self._matrix([self.analyzer(d) for d in docs])

    def _matrix(self, term_lists: list[list[str]]) -> sparse.csr_matrix:
        vocab = self.vocabulary_
        from scipy import sparse

        indptr, indices, data = [0], [], []
        for terms in term_lists:
            counts: dict[int, int] = defaultdict(int)
            for term in terms:
                index = vocab.get(term)
                if index is not None:
                    counts[index] += 1
            indices.extend(counts.keys())
            data.extend(counts.values())
            indptr.append(len(indices))
        x = sparse.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                               np.asarray(indptr, dtype=np.int64)), shape=(len(term_lists), len(vocab)))
        if x.nnz:
            x.data = (1 + np.log(x.data)) * self.idf_[x.indices]
            norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
            norms[norms == 0] = 1
            x = sparse.csr_matrix(sparse.diags((1 / norms).astype(np.float32)) @ x)
        return x

    def terms(self) -> list[str]:
        out = [""] * len(self.vocabulary_)
        for term, index in self.vocabulary_.items():
            out[index] = term
        return out

    @classmethod
    def restore(cls, analyzer: Any, terms: list[str], idf: np.ndarray) -> Vectorizer:
        vectorizer = cls(analyzer)
        vectorizer.vocabulary_ = {t: i for i, t in enumerate(terms)}
        vectorizer.idf_ = np.asarray(idf, dtype=np.float32)
        return vectorizer


class FeatureBuilder:
    """Fits the two TF-IDF views on training rows and turns any rows into one sparse matrix."""

    def __init__(self, config: dict[str, Any]):
        self.config = dict(config)
        self.word: Vectorizer | None = None
        self.char: Vectorizer | None = None
        self.n_dense = 0
        # Kept with the model, so a model scores the same after the shipped list changes.
        name = self.config.get("lexicon") or ""
        self.lexicon: frozenset[str] = offensive_lexicon.load(offensive_lexicon.LEXICON_FILE.parent / name) \
            if name else frozenset()

    def prepare(self, row: dict[str, Any]) -> Prepared:
        fields = field_texts(row)
        max_chars = int(self.config["char_max_chars"])
        hits = sum(1 for _ in self._lexicon_matches(token_keys(_head(fields, max_chars)))) if self.lexicon else 0
        dense = tuple(float(v) for v in row.get("features") or ())
        return Prepared(fields, token_keys(fields), _folded_head(fields, max_chars), hits, dense)

    def _dense_columns(self, docs: list[Prepared]) -> sparse.csr_matrix:
        """The rows' own numbers (missing ones are 0), squashed so a count of 30 does not drown the words."""
        from scipy import sparse

        if not getattr(self, "n_dense", 0):
            return sparse.csr_matrix((len(docs), 0), dtype=np.float32)
        values = np.zeros((len(docs), self.n_dense), dtype=np.float32)
        for index, doc in enumerate(docs):
            row = doc.dense[:self.n_dense]
            values[index, :len(row)] = row
        values = np.sign(values) * np.log1p(np.abs(values)) * float(self.config.get("dense_weight", 1.0))
        return sparse.csr_matrix(values)

    def _lexicon_matches(self, keys: list[list[str]]) -> Iterator[tuple[int, int, int]]:
        """(field index, first token, last token + 1) of each listed phrase in the text (its head: insults
        in a long article's tail are rare, and matching the whole of it costs a third of its scoring time)."""
        for index, field_keys in enumerate(keys):
            folded = [_folded_word(k) for k in field_keys]
            for gram, i, j in _ngrams(folded, 1, offensive_lexicon.MAX_WORDS):
                if gram in self.lexicon:
                    yield index, i, j

    def _lexicon_columns(self, docs: list[Prepared]) -> sparse.csr_matrix:
        """Two indicator columns, "uses a listed phrase" and "uses none", so a linear model can weigh both."""
        from scipy import sparse

        if not self.lexicon:
            return sparse.csr_matrix((len(docs), 0), dtype=np.float32)
        column = np.array([0 if d.lexicon_hits else 1 for d in docs])
        return sparse.csr_matrix((np.ones(len(docs), dtype=np.float32), (np.arange(len(docs)), column)),
                                 shape=(len(docs), 2))

    def analyzers(self) -> tuple[WordAnalyzer, CharAnalyzer]:
        low, high = self.config["word_ngrams"]
        clow, chigh = self.config["char_ngrams"]
        return WordAnalyzer(int(low), int(high)), CharAnalyzer(int(clow), int(chigh))

    def _vectorizers(self, n_rows: int) -> tuple[Vectorizer, Vectorizer]:
        cfg = self.config
        # On a few hundred rows most useful terms occur once; pruning them would leave nothing to learn from.
        min_df = int(cfg["min_df"]) if n_rows >= int(cfg["min_df_from_rows"]) else 1
        word, char = self.analyzers()
        return (Vectorizer(word, min_df, int(cfg["max_features"])),
                Vectorizer(char, min_df, int(cfg.get("max_char_features") or cfg["max_features"])))

    # ------------------------------------------------------------------ plain-data state (see learn.save)
    def state(self) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, np.ndarray]]:
        """(json-able settings, term lists, idf arrays) of a fitted builder."""
        assert self.word is not None and self.char is not None
        return ({"config": self.config, "n_dense": self.n_dense, "lexicon": sorted(self.lexicon)},
                {"word": self.word.terms(), "char": self.char.terms()},
                {"word_idf": self.word.idf_, "char_idf": self.char.idf_})

    @classmethod
    def restore(cls, settings: dict[str, Any], terms: dict[str, list[str]], arrays: Any) -> FeatureBuilder:
        builder = cls({**settings["config"], "lexicon": ""})
        builder.config = dict(settings["config"])
        builder.lexicon = frozenset(settings.get("lexicon") or ())
        builder.n_dense = int(settings.get("n_dense") or 0)
        word, char = builder.analyzers()
        builder.word = Vectorizer.restore(word, terms["word"], arrays["word_idf"])
        builder.char = Vectorizer.restore(char, terms["char"], arrays["char_idf"])
        return builder

    def fit_transform(self, docs: list[Prepared]) -> sparse.csr_matrix:
        from scipy import sparse

        self.word, self.char = self._vectorizers(len(docs))
        self.n_dense = max((len(d.dense) for d in docs), default=0)
        xw = self.word.fit_transform(docs)
        xc = self.char.fit_transform(docs)
        return sparse.hstack([xw, xc, self._lexicon_columns(docs), self._dense_columns(docs)], format="csr")

    def transform(self, docs: list[Prepared]) -> sparse.csr_matrix:
        from scipy import sparse

        if self.word is None or self.char is None:
            raise RuntimeError("FeatureBuilder used before fit")
        return sparse.hstack([self.word.transform(docs), self.char.transform(docs), self._lexicon_columns(docs),
                              self._dense_columns(docs)], format="csr")

    @property
    def n_word(self) -> int:
        assert self.word is not None
        return len(self.word.vocabulary_)

    def evidence(self, doc: Prepared, x: sparse.csr_matrix, weights: np.ndarray) -> list[dict[str, Any]]:
        """Every term of ``doc`` with the share of the score it contributed (``x_i * w_i``), and where it is.

        Word n-grams are terms in their own right. A character n-gram's contribution is split evenly over its
        occurrences and credited to the word it sits in, so "đmmm" shows up as the word that carried "dm".
        A unigram and the word credited with its character grams are one term.
        """
        assert self.word is not None and self.char is not None
        row = x.tocsr()
        contrib = dict(zip(row.indices.tolist(), (row.data * weights[row.indices]).tolist(), strict=True))
        word_vocab = self.word.vocabulary_
        char_vocab = self.char.vocabulary_
        terms: dict[str, dict[str, Any]] = {}

        def credit(key: str, weight: float, spans: list[tuple[str, int, int]]) -> None:
            entry = terms.setdefault(key, {"weight": 0.0, "spans": []})
            entry["weight"] += weight
            for span in spans:
                if span not in entry["spans"]:
                    entry["spans"].append(span)

        # Word n-grams: every occurrence of a kept n-gram.
        low, high = self.config["word_ngrams"]
        occurrences: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        doc_tokens = tokens(doc.fields)
        for field_tokens in doc_tokens:
            keys = [t.key for t in field_tokens]
            for gram, i, j in _ngrams(keys, int(low), int(high)):
                if gram in word_vocab:
                    occurrences[gram].append((field_tokens[i].field, field_tokens[i].start, field_tokens[j - 1].end))
        for gram, spans in occurrences.items():
            weight = contrib.get(word_vocab[gram], 0.0)
            if weight:
                credit(fold(gram) if " " not in gram else gram, weight, spans)

        # Character n-grams of the folded head, credited to the words they occur in.
        char_low, char_high = self.config["char_ngrams"]
        word_grams: dict[str, list[str]] = {}
        counts: dict[str, int] = defaultdict(int)
        head_words = _head_tokens(doc_tokens, int(self.config["char_max_chars"]))
        for token in head_words:
            folded = fold(token.key)
            if folded not in word_grams:
                word_grams[folded] = list(dict.fromkeys(word_char_grams(folded, int(char_low), int(char_high))))
            for gram in word_grams[folded]:
                counts[gram] += 1
        offset = self.n_word
        for token in head_words:
            folded = fold(token.key)
            weight = sum(contrib.get(offset + char_vocab[g], 0.0) / counts[g]
                         for g in word_grams[folded] if g in char_vocab)
            if weight:
                credit(folded, weight, [(token.field, token.start, token.end)])

        # A listed offensive phrase: the lexicon column's contribution, shared out over the phrases found.
        if doc.lexicon_hits:
            weight = contrib.get(offset + len(char_vocab), 0.0) / doc.lexicon_hits
            head_tokens = tokens(_head(doc.fields, int(self.config["char_max_chars"])))
            for index, i, j in self._lexicon_matches([[t.key for t in field] for field in head_tokens]):
                first, last = head_tokens[index][i], head_tokens[index][j - 1]
                credit(" ".join(fold(t.key) for t in head_tokens[index][i:j]), weight,
                       [(first.field, first.start, last.end)])

        out = []
        for entry in terms.values():
            spans = sorted(entry["spans"], key=lambda s: (FIELDS.index(s[0]), s[1]))
            field_name, start, end = spans[0]
            text = doc.fields[FIELDS.index(field_name)][start:end]
            out.append({"text": text, "weight": entry["weight"], "field": field_name, "start": start, "end": end,
                        "spans": [list(s) for s in spans]})
        return out


def _head_tokens(doc_tokens: list[list[Token]], max_chars: int) -> list[Token]:
    """Tokens of the part of the text the character view reads (the title and the first characters)."""
    title_tokens, text_tokens = doc_tokens
    return title_tokens + [t for t in text_tokens if t.end <= max_chars]
