"""Choices of the shipped section model, made by cross-validation on TRAINING rows only (a developer's tool).

    python -m classifiers.training.topic_cv [--vntc PATH] [--folds 3] [--cache DIR]

Rows: the VNTC 80% split (readers' sections where relabelled, classifiers/data/corpora/vntc_sections), the
provincial ``train.jsonl`` and the modern news ``train.jsonl``. Folds are grouped: a provincial story (and every
repeat of its items) sits in one fold, so repeating provincial rows cannot leak copies across folds, as it would
in the trainer's own CV; a modern-news writer's articles sit in one fold, so they are scored by a model that never
read that writer (with ``--modern-repeat 0`` the modern rows are only scored, never trained on). For
each variant (provincial repeat, what to do with the not-yet-relabelled rows of the two catch-all folders, head,
C) it reports out-of-fold section accuracy on

- VNTC rows whose section is known (relabelled rows, and the eight other folders' mapped sections),
- the relabelled rows alone,
- provincial training items (primary section, and primary or ``sections_also``),
- modern news training articles (the same two),

and ``score`` = the mean of the VNTC, provincial and modern accuracies (old real news, province items, news in
today's words). With ``--headlines 0,1``, without and with a short copy of each distinct training row
(``ship.headline_copies``), each variant also scored on the short copies of the out-of-fold rows (``short_*``).
With ``--head``, the shipped variant and its semantic head (:func:`head_table`). The 20% split and
the held-out provincial items and modern-news writer are never read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.training.topic_data import (
    MODERN_NEWS,
    RELABELLED_FOLDERS,
    province_rows,
    shared_train_dir,
    vntc_split,
)

log = logging.getLogger(__name__)


def rows_and_groups(vntc: Path) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Training rows, their group (a VNTC row alone, a provincial story) and their kind."""
    train, _ = vntc_split(vntc)
    rows, groups, kinds = [], [], []
    for r in train:
        rows.append(r)
        groups.append(f"vntc-{r['vntc_row']}")
        if r["relabelled"]:
            kinds.append("relabelled")
        elif r["vntc"] in RELABELLED_FOLDERS:
            kinds.append("unlabelled")
        else:
            kinds.append("vntc")
    for r in province_rows("train"):
        rows.append(r)
        groups.append(f"story-{r['story_id']}")
        kinds.append("province")
    for r in province_rows("train", MODERN_NEWS):
        rows.append(r)
        groups.append(f"writer-{r['id'].rsplit('-', 1)[0]}")  # out-of-fold = a writer the model never read
        kinds.append("modern")
    return rows, groups, kinds


def run(vntc: Path, folds: int, variants: list[dict[str, Any]], cache: Path | None = None) -> list[dict[str, Any]]:
    import scipy.sparse as sp
    from sklearn.model_selection import StratifiedGroupKFold

    from classifiers.runtime.features import FeatureBuilder
    from classifiers.training.learn import _fit_linear, learn_config
    from classifiers.training.ship import TOPIC_CONFIG, headline_copy

    rows, groups, kinds = rows_and_groups(vntc)
    kinds_a = np.array(kinds)
    labels = sorted({r["label"] for r in rows})
    y = np.array([labels.index(r["label"]) for r in rows])
    cfg = {**learn_config(), **TOPIC_CONFIG}
    features = FeatureBuilder(cfg)
    x = features.fit_transform([features.prepare(r) for r in rows])
    short = features.transform([features.prepare({**r, **headline_copy(r)}) for r in rows])
    log.info("features %s", x.shape)
    split = list(StratifiedGroupKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y, groups))
    sections = [set(r.get("sections") or [r["label"]]) for r in rows]
    out = []
    for variant in variants:
        scores = np.zeros((len(y), len(labels)))
        short_scores = np.zeros((len(y), len(labels)))
        for train_idx, test_idx in split:
            keep = train_idx[kinds_a[train_idx] != "unlabelled"] if variant["unlabelled"] == "drop" else train_idx
            modern = keep[kinds_a[keep] == "modern"]
            keep = keep[kinds_a[keep] != "modern"]
            prov = keep[kinds_a[keep] == "province"]
            relabelled = keep[kinds_a[keep] == "relabelled"]
            fit_idx = np.concatenate([keep] + [prov] * (variant["repeat"] - 1)
                                     + [relabelled] * (variant.get("relabel_repeat", 1) - 1)
                                     + [modern] * variant.get("modern_repeat", 0))
            x_fit, y_fit = x[fit_idx], y[fit_idx]
            if variant.get("headlines"):  # each distinct row trained on, once
                once = np.concatenate([keep, modern]) if variant.get("modern_repeat", 0) else keep
                x_fit, y_fit = sp.vstack([x_fit, short[once]]).tocsr(), np.concatenate([y_fit, y[once]])
            w, b = _fit_linear(x_fit, y_fit, len(labels), variant["C"], variant["head"])
            scores[test_idx] = x[test_idx] @ w.T + b
            short_scores[test_idx] = short[test_idx] @ w.T + b
        guess = scores.argmax(1)
        ok = guess == y
        short_ok = short_scores.argmax(1) == y

        def acc(mask: np.ndarray, ok: np.ndarray = ok) -> float:
            return round(float(ok[mask].mean()), 4) if mask.any() else float("nan")

        known = (kinds_a == "vntc") | (kinds_a == "relabelled")
        prov = kinds_a == "province"
        any_ok = np.array([labels[g] in s for g, s in zip(guess, sections, strict=True)])
        modern = kinds_a == "modern"
        result = {**variant, "vntc_known": acc(known), "relabelled": acc(kinds_a == "relabelled"),
                  "province": acc(prov), "province_any": round(float(any_ok[prov].mean()), 4),
                  "modern": acc(modern), "modern_any": round(float(any_ok[modern].mean()), 4) if modern.any() else None}
        result.update({"short_vntc_known": acc(known, short_ok), "short_province": acc(prov, short_ok),
                       "short_modern": acc(modern, short_ok)})
        parts = [result["vntc_known"], result["province"]] + ([result["modern"]] if modern.any() else [])
        result["score"] = round(sum(parts) / len(parts), 4)
        out.append(result)
        print(json.dumps(result), flush=True)
        if cache is not None:
            np.save(cache / f"oof_{variant['head']}_C{variant['C']:g}_r{variant['repeat']}_{variant['unlabelled']}"
                         f"_rr{variant.get('relabel_repeat', 1)}_m{variant.get('modern_repeat', 0)}.npy",
                    scores)
    if cache is not None:
        (cache / "rows.json").write_text(json.dumps({"labels": labels, "kinds": kinds, "y": y.tolist()}))
    return out


# The semantic head's weights and gates tried by ``--head``.
HEAD_WEIGHTS = (0.2, 0.35, 0.5)
HEAD_GATES = (0.6, 0.8, 0.9, 1.01)


def head_table(vntc: Path, folds: int) -> list[dict[str, Any]]:
    """The section model's semantic head (classifiers/runtime/semantic_head.py) on the same folds: the shipped
    variant scores each fold's rows out-of-fold, a head fitted on the same training rows (repeats as weights)
    reads them too, and the two are combined as the topic stage combines them, for each weight and gate. Printed
    per setting: the first section right (as above) and the share of rows the head is asked about."""
    import tempfile

    from sklearn.model_selection import StratifiedGroupKFold

    from classifiers.training.semantic_heads import SECTION_HEAD_C, fit_semantic_head, headline_vectors
    from classifiers.training.ship import MODERN_REPEAT, PROVINCE_REPEAT, RELABELLED_REPEAT, TOPIC_CONFIG

    variant = {"head": TOPIC_CONFIG["head"], "C": TOPIC_CONFIG["C"][0], "repeat": PROVINCE_REPEAT,
               "unlabelled": "drop", "relabel_repeat": RELABELLED_REPEAT, "modern_repeat": MODERN_REPEAT}
    with tempfile.TemporaryDirectory() as tmp:
        run(vntc, folds, [variant], Path(tmp))
        scores = np.load(next(Path(tmp).glob("oof_*.npy")))
    rows, groups, kinds = rows_and_groups(vntc)
    kind = np.array(kinds)
    labels = sorted({r["label"] for r in rows})
    y = np.array([labels.index(r["label"]) for r in rows])
    known = kind != "unlabelled"

    def softmax(t: float) -> np.ndarray:
        z = scores / t
        z -= z.max(axis=1, keepdims=True)
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)

    # The section model's probabilities: its scores at the temperature that fits them best out-of-fold.
    words = min((softmax(t) for t in (0.1, 0.15, 0.2, 0.3, 0.5)),
                key=lambda p: -np.log(p[np.arange(len(y)), y][known] + 1e-12).mean())
    vectors, embedder, max_chars = headline_vectors(rows)
    heads = np.zeros_like(words)
    repeats = {"province": PROVINCE_REPEAT, "relabelled": RELABELLED_REPEAT, "modern": MODERN_REPEAT}
    for train_idx, test_idx in StratifiedGroupKFold(folds, shuffle=True, random_state=0).split(
            np.zeros(len(y)), y, groups):
        keep = train_idx[kind[train_idx] != "unlabelled"]
        head = fit_semantic_head(vectors[keep], labels, [labels[i] for i in y[keep]], embedder, max_chars,
                                 SECTION_HEAD_C, sample_weight=[float(repeats.get(kind[i], 1)) for i in keep])
        heads[test_idx] = head.probs(vectors[test_idx])
    out = []
    for weight in HEAD_WEIGHTS:
        for gate in HEAD_GATES:
            asked = words.max(axis=1) < gate
            # What fuse() decides, for all rows at once: the weighted geometric mean where the head is asked.
            both = (1 - weight) * np.log(words + 1e-9) + weight * np.log(heads + 1e-9)
            ok = np.where(asked[:, None], both, words).argmax(axis=1) == y
            result: dict[str, Any] = {"weight": weight, "gate": gate, "asked": round(float(asked[known].mean()), 3)}
            for name, mask in (("vntc_known", (kind == "vntc") | (kind == "relabelled")),
                               ("province", kind == "province"), ("modern", kind == "modern")):
                result[name] = round(float(ok[mask].mean()), 4)
            result["score"] = round((result["vntc_known"] + result["province"] + result["modern"]) / 3, 4)
            out.append(result)
            print(json.dumps(result), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vntc", type=Path, default=shared_train_dir() / "vntc_train.jsonl")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--heads", default="nbsvm,svm")
    parser.add_argument("--C", default="0.3,1")
    parser.add_argument("--repeat", default="1,3,6")
    parser.add_argument("--unlabelled", default="keep,drop")
    parser.add_argument("--relabel-repeat", default="1")
    parser.add_argument("--modern-repeat", default="0", help="times the modern news rows count (0: left out)")
    parser.add_argument("--headlines", default="0", help="1: a short copy of each distinct training row too")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--head", action="store_true", help="the shipped variant with its semantic head (weights, gates)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    if args.head:
        head_table(args.vntc, args.folds)
        return
    variants = [{"head": h, "C": float(c), "repeat": int(r), "unlabelled": u, "relabel_repeat": int(rr),
                 "modern_repeat": int(m), "headlines": bool(int(hl))}
                for h, c, r, u, rr, m, hl in itertools.product(args.heads.split(","), args.C.split(","),
                                                               args.repeat.split(","), args.unlabelled.split(","),
                                                               args.relabel_repeat.split(","),
                                                               args.modern_repeat.split(","),
                                                               args.headlines.split(","))]
    run(args.vntc, args.folds, variants, args.cache)


if __name__ == "__main__":
    main()
