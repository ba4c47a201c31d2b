"""Figures of the triage flags, end to end (cues + shipped models + combination, as the pipeline scores them).

For each flag, on data no shipped model or rule was tuned on:

- ``heldout``: the written corpus's held-out file (synthetic: optimistic, see classifiers/data/corpora/README.md):
  ROC-AUC of the flag's score, precision / recall / F1 at the flag threshold, and ROC-AUC within each stance
  (critical, supportive, neutral positives against all negatives) so a flag that catches one side's harm less
  shows up;
- ``stance_pairs``: the same event told by a critical and a supportive voice (classifiers/data/corpora/
  stance_pairs): the share of pairs whose two texts get the same decision, the mean |score difference|, and
  the mean score of each voice;
- ``real news``: VNTC articles (MIT) that no model trained on: the share flagged (false alarms on real news);
- ``ViHSD dev`` (research-only, measured in place, never copied or trained on): incitement's ROC-AUC on hate vs
  clean comments, and on hate + offensive vs clean, leaving out the dev comments that ViHOS (a training source)
  annotates;
- ``VFND`` (GPL, development only): likely_false's ROC-AUC on fake vs real articles;
- ``evasion``: relevance under spellings that dodge filters (classifiers/training/evasion.py).

Run: ``diemtin classifier benchmark --only flags`` (and ``--only evasion``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from classifiers.runtime.flags import FlagClassifier
from classifiers.training.flag_models import CORPORA, FLAGS, VNTC_POOL, corpus_rows, vihos_rows, vntc_rows
from pipeline.core.settings import Settings
from pipeline.core.text import fold

BATCH = 256


def _auc(truth: Sequence[bool], scores: Sequence[float]) -> float | None:
    if not any(truth) or all(truth):
        return None
    return round(float(roc_auc_score(truth, scores)), 4)


def score_items(classifier: FlagClassifier, items: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
    out = []
    for start in range(0, len(items), BATCH):
        for scores in classifier.score_batch([dict(i) for i in items[start:start + BATCH]]):
            out.append({name: entry["score"] for name, entry in scores.items()})
    return out


def heldout_figures(classifier: FlagClassifier, flag: str) -> dict[str, Any]:
    rows = corpus_rows(flag, "heldout")
    scores = [s[flag] for s in score_items(classifier, rows)]
    truth = [r["label"] == "positive" for r in rows]
    predicted = [s >= classifier.threshold for s in scores]
    p, r, f, _ = precision_recall_fscore_support(truth, predicted, average="binary", zero_division=0)
    out: dict[str, Any] = {"n": len(rows), "positive": sum(truth), "roc_auc": _auc(truth, scores),
                           "precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4)}
    by_stance = {}
    for stance in ("critical", "supportive", "neutral"):
        chosen = [i for i, row in enumerate(rows) if row["label"] == "negative" or row.get("stance") == stance]
        positives = sum(1 for i in chosen if truth[i])
        if positives >= 5:
            by_stance[stance] = {"positives": positives, "roc_auc": _auc([truth[i] for i in chosen],
                                                                          [scores[i] for i in chosen]),
                                 "recall": round(sum(predicted[i] for i in chosen if truth[i]) / positives, 4)}
        negatives = [i for i, row in enumerate(rows) if row["label"] == "negative" and row.get("stance") == stance]
        if negatives:
            by_stance.setdefault(stance, {})["false_alarms"] = round(sum(predicted[i] for i in negatives) /
                                                                     len(negatives), 4)
    out["by_stance"] = by_stance
    no_diacritics = [i for i, row in enumerate(rows) if row.get("diacritics") is False]
    if no_diacritics:
        out["no_diacritics_roc_auc"] = _auc([truth[i] for i in no_diacritics], [scores[i] for i in no_diacritics])
    return out


def stance_pair_figures(classifier: FlagClassifier) -> dict[str, Any]:
    pairs = [json.loads(line) for line in (CORPORA / "stance_pairs" / "pairs.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    critical = score_items(classifier, [p["critical"] for p in pairs])
    supportive = score_items(classifier, [p["supportive"] for p in pairs])
    out: dict[str, Any] = {"pairs": len(pairs)}
    for flag in FLAGS:
        c = np.array([s[flag] for s in critical])
        s = np.array([s[flag] for s in supportive])
        expected = [flag in p["expected_flags"] for p in pairs]
        same = np.mean((c >= classifier.threshold) == (s >= classifier.threshold))
        entry: dict[str, Any] = {"same_decision": round(float(same), 4),
                                 "mean_abs_difference": round(float(np.mean(np.abs(c - s))), 4),
                                 "mean_critical": round(float(c.mean()), 4), "mean_supportive": round(float(s.mean()), 4)}
        if any(expected):
            entry["roc_auc_flagged_vs_harmless"] = _auc(expected * 2, list(c) + list(s))
            entry["recall_critical"] = round(float(np.mean([c[i] >= classifier.threshold
                                                            for i, e in enumerate(expected) if e])), 4)
            entry["recall_supportive"] = round(float(np.mean([s[i] >= classifier.threshold
                                                              for i, e in enumerate(expected) if e])), 4)
        harmless = [i for i, p in enumerate(pairs) if not p["expected_flags"]]
        # Does the score tell the critical voice from the supportive one on harmless events? 0.5 is "no".
        entry["critical_vs_supportive_roc_auc_harmless"] = _auc([True] * len(harmless) + [False] * len(harmless),
                                                                [c[i] for i in harmless] + [s[i] for i in harmless])
        entry["false_alarms_harmless"] = round(float(np.mean([(c[i] >= classifier.threshold) or
                                                              (s[i] >= classifier.threshold) for i in harmless])), 4)
        out[flag] = entry
    return out


def real_news_figures(classifier: FlagClassifier, data_dir: Path, n: int = 1000) -> dict[str, Any]:
    rows = vntc_rows(data_dir)[VNTC_POOL:VNTC_POOL + n]
    scores = score_items(classifier, rows)
    return {"n": len(rows), "flagged_share": {flag: round(float(np.mean([s[flag] >= classifier.threshold
                                                                          for s in scores])), 4)
                                              for flag in FLAGS}}


def vihsd_figures(classifier: FlagClassifier, data_dir: Path) -> dict[str, Any]:
    dev = [json.loads(line) for line in (Path(data_dir) / "vihsd_dev.jsonl").read_text("utf-8").splitlines() if line]
    seen = {fold(" ".join(r["text"].split())).lower() for r in vihos_rows(data_dir)}
    unseen = [r for r in dev if fold(" ".join(r["text"].split())).lower() not in seen]
    scores = [s["incitement"] for s in score_items(classifier, [{"title": "", "text": r["text"]} for r in unseen])]
    labels = [r["label"] for r in unseen]
    hate = [i for i, label in enumerate(labels) if label in ("hate", "clean")]
    return {"n": len(unseen), "left_out_annotated_by_vihos": len(dev) - len(unseen),
            "hate_vs_clean_roc_auc": _auc([labels[i] == "hate" for i in hate], [scores[i] for i in hate]),
            "hate_or_offensive_vs_clean_roc_auc": _auc([label != "clean" for label in labels], scores),
            "clean_flagged_share": round(float(np.mean([scores[i] >= classifier.threshold for i in hate
                                                        if labels[i] == "clean"])), 4)}


def vfnd_figures(classifier: FlagClassifier, data_dir: Path) -> dict[str, Any]:
    rows = [json.loads(line) for line in (Path(data_dir) / "vfnd.jsonl").read_text("utf-8").splitlines() if line]
    scores = [s["likely_false"] for s in score_items(classifier, rows)]
    truth = [r["label"] == "fake" for r in rows]
    return {"n": len(rows), "fake": sum(truth), "roc_auc": _auc(truth, scores),
            "fake_flagged": round(float(np.mean([s >= classifier.threshold for s, t in zip(scores, truth, strict=True)
                                                 if t])), 4),
            "real_flagged": round(float(np.mean([s >= classifier.threshold for s, t in zip(scores, truth, strict=True)
                                                 if not t])), 4)}


def run(data_dir: str | Path, only: Iterable[str] = ("flags",)) -> Iterable[dict[str, Any]]:
    data = Path(data_dir)
    wanted = set(only)
    if "flags" in wanted:
        started = time.perf_counter()
        classifier = FlagClassifier(threshold=Settings().get_float("classifiers.flag_threshold"))
        load_s = time.perf_counter() - started
        for flag in FLAGS:
            yield {"benchmark": "flag_heldout", "flag": flag, **heldout_figures(classifier, flag)}
        yield {"benchmark": "stance_pairs", **stance_pair_figures(classifier)}
        if (data / "vntc_train.jsonl").is_file():
            yield {"benchmark": "real_news_vntc", **real_news_figures(classifier, data)}
        if (data / "vihsd_dev.jsonl").is_file():
            yield {"benchmark": "incitement_vihsd_dev", **vihsd_figures(classifier, data)}
        if (data / "vfnd.jsonl").is_file():
            yield {"benchmark": "likely_false_vfnd", **vfnd_figures(classifier, data)}
        yield {"benchmark": "flag_models_load_seconds", "seconds": round(load_s, 3)}
    if "evasion" in wanted:
        from classifiers.training.evasion import measure

        # Real news (VNTC) and the written corpora's held-out rows, half of which name one of the provinces.
        items = [CORPORA / name / "heldout.jsonl" for name in ("likely_false", "scam")]
        yield {"benchmark": "relevance_evasion", **measure(data, n=600, items=items)}
