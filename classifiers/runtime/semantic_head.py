"""A second reader for the section and tone models: a linear head over the e5 sentence vector of the headline.

The word models read n-grams (and, for tone, the cue reader's sums). They cannot tell "giá sầu riêng giảm" (the
farmers' loss) from "giá xăng giảm" (everyone's gain) unless they saw those words, and they file a headline by
its words rather than by what it is about. The multilingual e5 model that claim matching already runs reads the
headline as a whole sentence; a logistic regression on its vector, trained on the word model's own rows, reads
what the item is about and what it means for the province more often than the words alone. On the training rows
(grouped cross-validation, classifiers/EVALUATION.md): tone, half the reversals on clear-cut rows (7 against 14
of 2,117) with more agreement (0.882 against 0.873); sections, about a point more of the first section right
(VNTC rows 0.884 → 0.889, provincial items 0.821 → 0.836, modern news 0.926 → 0.933).

How it is used (:class:`~classifiers.runtime.tone.ToneClassifier`, :class:`~classifiers.runtime.topics.TopicTagger`):

- only when the word model is unsure (its top probability below ``classifiers.tone_embed_gate`` /
  ``topic_embed_gate``; for tone also only when the headline is about the province, see
  :func:`~classifiers.runtime.tone.asks_head`): e5 costs ~30 ms an item on a CPU; an item in another language
  than Vietnamese (foreign press) is read by the head for other languages (below) alone, whatever the word
  model says: the word model learnt Vietnamese words, the multilingual e5 reads an English headline;
- the text embedded is claim matching's headline window (:func:`head_text`), so an item that is a claim candidate
  is not embedded twice (the embedder keeps recent vectors);
- the two distributions are combined as a weighted geometric mean (:func:`fuse`, ``classifiers.*_embed_weight``);
- only with the embedder it was trained on (:meth:`SemanticHead.fits`): another model's vectors mean nothing to it;
- only beside the shipped model it was weighed against: a home's own model decides alone.

Artifact, next to the shipped model: ``semantic_head.npz`` (weights and bias, no pickle) and
``semantic_head.json`` (labels, embedder, dimension, text length, training rows, provenance). Beside them,
``semantic_head_other_languages.*``: the same head fitted on the same rows and on the English translations of
the provincial and modern rows' headlines, which reads the items in other languages (:meth:`SemanticHead.ask`).
The Vietnamese items keep the head fitted on Vietnamese alone: the English rows cost it a little on Vietnamese
sections out-of-fold (classifiers/EVALUATION.md, "Sixth pass").
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.runtime.itemtext import claim_windows
from pipeline.core.language import in_other_language

log = logging.getLogger(__name__)

STEM = "semantic_head"
OTHER_LANGUAGES = "semantic_head_other_languages"


def head_text(item: dict[str, Any], max_chars: int) -> str:
    """What the head reads: the headline window claim matching embeds (title and lead, ``max_chars``)."""
    return claim_windows(item, max_chars)[0]


@dataclass
class SemanticHead:
    """``probs(vectors) -> (n, len(labels))``: a multinomial logistic regression over sentence vectors."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (len(labels), dim)
    bias: np.ndarray  # (len(labels),)
    embedder: str
    max_chars: int
    meta: dict[str, Any] = field(default_factory=dict)
    # The head for items in other languages (module doc), None when there is none.
    other_languages: SemanticHead | None = None

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    def fits(self, embedder: Any) -> bool:
        """Whether ``embedder`` gives the vectors this head was trained on (said in the log when not)."""
        if embedder is not None and embedder.name == self.embedder and embedder.dim == self.dim:
            return True
        log.warning("a semantic head trained on %s vectors (%d) is not used with %s",
                    self.embedder, self.dim, getattr(embedder, "name", None))
        return False

    def ask(self, embedder: Any, items: list[dict[str, Any]]) -> list[dict[str, float]]:
        """The head's distribution for each item, its headline embedded by ``embedder``; an item in another
        language is read by the head for other languages, where there is one."""
        vectors = embedder.encode([head_text(item, self.max_chars) for item in items])
        probs = self.probs(vectors)
        foreign = [i for i, item in enumerate(items) if in_other_language(item)]
        if self.other_languages is not None and foreign:
            probs[foreign] = self.other_languages.probs(vectors[foreign])
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probs]

    def probs(self, vectors: np.ndarray) -> np.ndarray:
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        out = np.exp(logits)
        return out / out.sum(axis=1, keepdims=True)

    def save(self, folder: str | Path, stem: str = STEM) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / f"{stem}.npz", weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32))
        meta = {**self.meta, "labels": list(self.labels), "embedder": self.embedder, "dim": self.dim,
                "max_chars": self.max_chars}
        (folder / f"{stem}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path, stem: str = STEM) -> SemanticHead | None:
        """The head saved in ``folder`` (with its head for other languages), or None when there is none."""
        folder = Path(folder)
        if not (folder / f"{stem}.json").is_file():
            return None
        meta = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        with np.load(folder / f"{stem}.npz", allow_pickle=False) as arrays:
            weights, bias = arrays["weights"], arrays["bias"]
        if weights.shape != (len(meta["labels"]), int(meta["dim"])) or bias.shape != (len(meta["labels"]),):
            raise ValueError(f"{folder / stem}.npz: weights {weights.shape} and bias {bias.shape} do not fit "
                             f"{len(meta['labels'])} labels of dimension {meta['dim']}")
        head = cls(tuple(meta["labels"]), weights, bias, str(meta["embedder"]), int(meta["max_chars"]), meta)
        if stem == STEM:
            other = cls.load(folder, OTHER_LANGUAGES)
            if other is not None and (other.labels, other.embedder, other.dim) != (head.labels, head.embedder,
                                                                                    head.dim):
                raise ValueError(f"{folder / OTHER_LANGUAGES}: labels or embedder differ from the head's")
            head.other_languages = other
        return head


def fuse(words: dict[str, float], head: dict[str, float], weight: float) -> dict[str, float]:
    """The weighted geometric mean of two distributions over the same labels, renormalised: a label both
    readers find likely stays likely; one that either finds unlikely falls."""
    logs = {k: (1.0 - weight) * np.log(max(words.get(k, 0.0), 1e-9)) + weight * np.log(max(head.get(k, 0.0), 1e-9))
            for k in words}
    top = max(logs.values())
    raw = {k: float(np.exp(v - top)) for k, v in logs.items()}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}
