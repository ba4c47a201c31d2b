"""Calibrate the claim-matching thresholds (``classifiers.claim_suggest``, ``classifiers.claim_near_certain``).

Data: ``data/claim_calibration.jsonl``, written for this project: 24 claims, each with Vietnamese
paraphrases (as a post or headline would put it), contradictions (same words, opposite meaning: the
direction, a number, a negation, who beat whom), an English translation and a same-topic sentence that
is a different claim; every claim against the other claims' paraphrases gives the unrelated pairs.

Method: two folds by claim (even / odd groups). On one fold, ``suggest`` is the highest threshold that keeps
every paraphrase (a suggestion costs an analyst a glance), ``near_certain`` the lowest threshold no unrelated or same-topic pair reaches; both are
then measured on the other fold. The thresholds put in settings are those chosen on all claims.

The lexical prefilter (``classifiers.claim_prefilter``, :class:`classifiers.runtime.lexical.ClaimPrefilter`) decides
which items are embedded at all, so it must keep every paraphrase: its TF-IDF cosine is measured on the same
pairs, all texts of the file forming the batch, and the share of each relation it lets through is printed
(translations reach the embedder anyway: items not in Vietnamese skip the prefilter).

Run: ``.venv/bin/python -m classifiers.training.calibrate_claims [--embedder NAME]``; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from classifiers import DATA_DIR
from classifiers.runtime.claims import Consistency
from classifiers.runtime.embed import DEFAULT_EMBEDDER, Embedder, get_embedder
from classifiers.runtime.lexical import prefilter_similarities
from pipeline.core.settings import Settings

DATA = DATA_DIR / "claim_calibration.jsonl"


def load_pairs(path: Path = DATA) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    claims = {r["group"]: r["claim"] for r in rows}
    pairs = list(rows)
    for group, claim in claims.items():
        for other in rows:
            if other["group"] != group and other["relation"] == "paraphrase":
                pairs.append({"group": group, "claim": claim, "text": other["text"], "relation": "unrelated"})
    return pairs


def score_pairs(pairs: list[dict[str, Any]], embedder: Embedder, consistency: Consistency) -> None:
    texts = sorted({p["claim"] for p in pairs} | {p["text"] for p in pairs})
    vectors = dict(zip(texts, embedder.encode(texts), strict=True))
    for pair in pairs:
        pair["similarity"] = float(vectors[pair["claim"]] @ vectors[pair["text"]])
        pair["conflicts"] = consistency.conflicts(pair["claim"], pair["text"])


def choose(pairs: list[dict[str, Any]]) -> tuple[float, float]:
    para = np.array([p["similarity"] for p in pairs if p["relation"] == "paraphrase"])
    negatives = np.array([p["similarity"] for p in pairs if p["relation"] in ("unrelated", "same_topic")])
    suggest = float(np.floor(para.min() * 1000) / 1000)
    near_certain = float(np.ceil((negatives.max() + 1e-6) * 1000) / 1000)
    return suggest, max(near_certain, suggest)


def measure(pairs: list[dict[str, Any]], suggest: float, near_certain: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for relation in ("paraphrase", "translation", "contradiction", "same_topic", "unrelated"):
        chosen = [p for p in pairs if p["relation"] == relation]
        if not chosen:
            continue
        sims = np.array([p["similarity"] for p in chosen])
        near = [p for p in chosen if p["similarity"] >= near_certain]
        out[relation] = {
            "n": len(chosen),
            "similarity_mean": round(float(sims.mean()), 4),
            "similarity_min": round(float(sims.min()), 4),
            "similarity_max": round(float(sims.max()), 4),
            "at_suggest": int((sims >= suggest).sum()),
            "above_near_certain_by_similarity": len(near),
            "near_certain_after_checks": sum(1 for p in near if not p["conflicts"]),
        }
    return out


def measure_prefilter(pairs: list[dict[str, Any]], bar: float) -> dict[str, Any]:
    """Per relation: how many pairs the lexical prefilter lets through to the embedder at ``bar``."""
    claims = sorted({p["claim"] for p in pairs})
    texts = sorted({p["text"] for p in pairs})
    sims = prefilter_similarities(claims, texts)
    claim_index = {c: i for i, c in enumerate(claims)}
    text_index = {t: i for i, t in enumerate(texts)}
    out: dict[str, Any] = {"bar": bar}
    for relation in ("paraphrase", "translation", "contradiction", "same_topic", "unrelated"):
        scores = np.array([sims[text_index[p["text"]], claim_index[p["claim"]]] for p in pairs
                           if p["relation"] == relation])
        if scores.size:
            out[relation] = {"n": int(scores.size), "kept": int((scores >= bar).sum()),
                             "recall": round(float((scores >= bar).mean()), 4), "min": round(float(scores.min()), 4)}
    return out


def calibrate(embedder: Embedder, path: Path = DATA) -> dict[str, Any]:
    pairs = load_pairs(path)
    score_pairs(pairs, embedder, Consistency.load())
    folds = []
    for parity in (0, 1):
        train = [p for p in pairs if p["group"] % 2 == parity]
        test = [p for p in pairs if p["group"] % 2 != parity]
        suggest, near_certain = choose(train)
        folds.append({"chosen_on": "even claims" if parity == 0 else "odd claims", "suggest": suggest,
                      "near_certain": near_certain, "held_out": measure(test, suggest, near_certain)})
    suggest, near_certain = choose(pairs)
    return {"embedder": embedder.name, "pairs": len(pairs), "suggest": suggest, "near_certain": near_certain,
            "folds": folds, "all_claims": measure(pairs, suggest, near_certain),
            "prefilter": measure_prefilter(pairs, Settings().get_float("classifiers.claim_prefilter"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(calibrate(get_embedder(args.embedder), args.data), ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
