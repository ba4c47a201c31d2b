"""The tone model's second reader: a linear head over the e5 sentence vector of an item's headline.

The word model (classifiers/runtime/tone.py) reads n-grams and the cue reader's sums; it cannot tell "giá sầu
riêng giảm" (the farmers' loss) from "giá xăng giảm" (everyone's gain) unless it saw those words, and it calls
good news about bad things ("ngăn chặn 37 vụ lừa đảo") bad. The multilingual e5 model that claim matching already
runs reads the headline as a whole sentence; a logistic regression on its vector, trained on the tone model's
rows, knows what the event means for the province more often than the words do. On the tone model's training
rows (grouped 5-fold cross-validation at the shipped guard, classifiers/EVALUATION.md) the two together make half
the reversals of the words alone on clear-cut rows (7 against 14 of 2,117) with more agreement (0.882 against
0.873; real news rows 0.773 against 0.760). On held-out real news that mostly names the province in passing it
changed little (see EVALUATION.md).

How it is used (:class:`~classifiers.runtime.tone.ToneClassifier`):

- only when the word model is unsure (its top probability below ``classifiers.tone_embed_gate``) and the headline
  is about the province (named in the title or lead, not in passing: :func:`~classifiers.runtime.tone.asks_head`):
  e5 costs ~30 ms an item on a CPU, a confident item never changes, and the headline of a national article that
  names the province further down is about someone else;
- the text embedded is claim matching's headline window (:func:`head_text`), so an item that is a claim candidate
  is not embedded twice (the embedder keeps recent vectors);
- the two distributions are combined as a weighted geometric mean (``classifiers.tone_embed_weight``), then the
  reversal guard and the digest's bar apply as before;
- only with the embedder it was trained on (``embedder`` in its meta): another model's vectors mean nothing to it.

Artifact, next to the shipped tone model: ``semantic_head.npz`` (weights and bias, no pickle) and
``semantic_head.json`` (labels, embedder, dimension, text length, training rows, provenance).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.runtime.itemtext import claim_windows

ARRAYS = "semantic_head.npz"
META = "semantic_head.json"


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

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    def probs(self, vectors: np.ndarray) -> np.ndarray:
        logits = np.asarray(vectors, dtype=np.float32) @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        out = np.exp(logits)
        return out / out.sum(axis=1, keepdims=True)

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / ARRAYS, weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32))
        meta = {**self.meta, "labels": list(self.labels), "embedder": self.embedder, "dim": self.dim,
                "max_chars": self.max_chars}
        (folder / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> SemanticHead | None:
        """The head saved in ``folder``, or None when there is none."""
        folder = Path(folder)
        if not (folder / META).is_file():
            return None
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS, allow_pickle=False) as arrays:
            weights, bias = arrays["weights"], arrays["bias"]
        if weights.shape != (len(meta["labels"]), int(meta["dim"])) or bias.shape != (len(meta["labels"]),):
            raise ValueError(f"{folder / ARRAYS}: weights {weights.shape} and bias {bias.shape} do not fit "
                             f"{len(meta['labels'])} labels of dimension {meta['dim']}")
        return cls(tuple(meta["labels"]), weights, bias, str(meta["embedder"]), int(meta["max_chars"]), meta)


def fuse(words: dict[str, float], head: dict[str, float], weight: float) -> dict[str, float]:
    """The weighted geometric mean of two distributions over the same labels, renormalised: a label both
    readers find likely stays likely; one that either finds unlikely falls."""
    logs = {k: (1.0 - weight) * np.log(max(words.get(k, 0.0), 1e-9)) + weight * np.log(max(head.get(k, 0.0), 1e-9))
            for k in words}
    top = max(logs.values())
    raw = {k: float(np.exp(v - top)) for k, v in logs.items()}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}
