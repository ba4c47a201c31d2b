"""The trainer against the plain TF-IDF + logistic regression baseline on the public data in shared/data/train.

- ViHSD (hate speech, research-only data, read in place and never copied): train on vihsd_train, evaluate on
  vihsd_dev, as the dataset paper's dev split; also reported without the dev rows whose text occurs in
  training (short comments repeat). ViHOS annotates ViHSD comments (478 of the 2,672 dev comments are in its
  training split), so the offensive lexicon used here is rebuilt from ViHOS without the dev comments; the
  shipped one uses all of ViHOS's training split.
- ViHOS (MIT): a comment with any marked span is "hateful", else "clean"; train on ``vihos/train.csv``, evaluate
  on ``vihos/dev.csv``. The offensive lexicon is the shipped one, built from the training split only.
- VNTC (news topics, MIT): stratified 80/20 splits of vntc_train, one per seed (``--seeds``); test rows whose
  text occurs in the training part are dropped. ``--vntc-train N`` trains on N rows instead of 80% (the rest
  is the test side), the research session's "3k" split.

For each split: the trainer's macro-F1 (default settings, ``classifiers/training/learn.py``), the baseline's
(:mod:`classifiers.training.baseline`), and the paired bootstrap of their difference on the test rows (mean,
sd, share of resamples where the trainer is not better); over several seeds, the mean and sd across seeds.

Run: ``diemtin classifier benchmark --only vihsd|vntc|vihos [--seeds 3 | --seed 1] [--vntc-train 3000] [--head H]
[--sample N] [--no-baseline]``.
"""

from __future__ import annotations

import csv
import logging
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from classifiers.runtime import offensive_lexicon
from classifiers.training.baseline import Baseline, paired_bootstrap
from classifiers.training.learn import evaluate, read_jsonl, row_key, train_model, without_keys

log = logging.getLogger(__name__)

SEED = 0
VNTC_TEST_SHARE = 0.2


def _measure(name: str, train: list[dict[str, Any]], test: list[dict[str, Any]],
             config: dict[str, Any] | None = None, baseline: bool = True) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    model = train_model(train, name, config)
    train_seconds, train_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    metrics = evaluate(model, test)
    unseen = without_keys(test, {row_key(row) for row in train})
    unseen_metrics = evaluate(model, unseen)
    out: dict[str, Any] = {
        "dataset": name, "n_train": len(train), "n_test": len(test), "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
        "accuracy": round(metrics["accuracy"], 4), "macro_f1": round(metrics["macro_f1"], 4),
        "items_per_s": metrics["items_per_s"], "items_per_cpu_s": metrics["items_per_cpu_s"],
        "unseen": {"n": len(unseen), "accuracy": round(unseen_metrics["accuracy"], 4),
                   "macro_f1": round(unseen_metrics["macro_f1"], 4)},
        "per_class": {label: {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}
                      for label, scores in metrics["per_class"].items()},
        "confusion": metrics["confusion"],
        "n_features": model.meta["n_features"], "head": model.meta.get("head"), "C": model.meta.get("C"),
        "class_offsets": dict(zip(model.labels, model.meta["class_offsets"], strict=True)),
        "offsets_cross_fitted_gain": model.meta["cv_macro_f1"].get("offsets_cross_fitted_gain"),
        "temperature": round(model.temperature, 3), "lexicon_phrases": len(model.features.lexicon),
    }
    if baseline:
        started = time.process_time()
        reference = Baseline().fit(train)
        truth = [str(r["label"]) for r in test]
        ours = model.predict(test)
        theirs = reference.predict(test)
        from sklearn.metrics import f1_score

        out["baseline"] = {"macro_f1": round(float(f1_score(truth, theirs, average="macro")), 4), "C": reference.C,
                           "train_cpu_seconds": round(time.process_time() - started, 1)}
        out["difference"] = paired_bootstrap(truth, theirs, ours)
    return out


def vihos_rows(path: Path) -> list[dict[str, Any]]:
    """ViHOS comments as a two-label task: "hateful" when the annotators marked any span, else "clean"."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [{"text": row["content"], "label": "hateful" if row["index_spans"].strip() != "[]" else "clean"}
                for row in csv.DictReader(handle)]


def _sample(rows: Sequence[dict[str, Any]], n: int | None) -> list[dict[str, Any]]:
    if n is None or n >= len(rows):
        return list(rows)
    return random.Random(SEED).sample(list(rows), n)


def _across(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and sd over seeds of the trainer's, the baseline's and their difference's macro-F1."""
    out: dict[str, Any] = {"dataset": results[0]["dataset"], "seeds": len(results),
                           "macro_f1": _spread([r["macro_f1"] for r in results])}
    if all("baseline" in r for r in results):
        out["baseline_macro_f1"] = _spread([r["baseline"]["macro_f1"] for r in results])
        out["difference"] = _spread([r["macro_f1"] - r["baseline"]["macro_f1"] for r in results])
        out["difference"]["every_seed_better"] = all(r["macro_f1"] > r["baseline"]["macro_f1"] for r in results)
    return out


def _spread(values: list[float]) -> dict[str, float]:
    return {"mean": round(float(np.mean(values)), 4), "sd": round(float(np.std(values)), 4)}


def run_benchmarks(data_dir: str | Path, only: Sequence[str] | None = None, sample: int | None = None,
                   lexicon: bool = True, seeds: int | Sequence[int] = 1, vntc_train: int | None = None,
                   baseline: bool = True, head: str | None = None) -> Iterator[dict[str, Any]]:
    """One result per split (and a summary over seeds); ``seeds`` is a count (seeds 0..n-1) or the seeds
    themselves; ``lexicon=False`` measures without the offensive lexicon; ``head`` overrides ``learn.head``."""
    data = Path(data_dir)
    wanted = set(only or ("vihsd", "vntc", "vihos"))
    chosen = {"head": head} if head else {}
    off = {**chosen, "lexicon": ""} if not lexicon else (chosen or None)
    if "vihsd" in wanted:
        train, _ = read_jsonl(data / "vihsd_train.jsonl")
        dev, _ = read_jsonl(data / "vihsd_dev.jsonl")
        with tempfile.TemporaryDirectory() as folder:
            phrases = offensive_lexicon.build([data / "vihos" / "train.csv"], exclude=(r["text"] for r in dev))
            path = offensive_lexicon.write(Path(folder) / "lexicon.txt", phrases)
            yield _measure("vihsd", _sample(train, sample), dev, {"lexicon": str(path), **(off or {})}, baseline)
    if "vihos" in wanted:
        train = [r for r in vihos_rows(data / "vihos" / "train.csv") if r["text"].strip()]
        dev = [r for r in vihos_rows(data / "vihos" / "dev.csv") if r["text"].strip()]
        yield _measure("vihos", _sample(train, sample), dev, off, baseline)
    if "vntc" in wanted:
        rows, _ = read_jsonl(data / "vntc_train.jsonl")
        results = []
        for seed in range(seeds) if isinstance(seeds, int) else seeds:
            split = {"train_size": vntc_train} if vntc_train else {"test_size": VNTC_TEST_SHARE}
            train, test = train_test_split(rows, random_state=seed, stratify=[row["label"] for row in rows], **split)
            result = _measure("vntc", _sample(train, sample), test, off, baseline)
            result["seed"] = seed
            results.append(result)
            yield result
        if len(results) > 1:
            yield _across(results)
