"""Train, apply, explain and evaluate a text classifier for any task given as labelled rows: the one trainer
behind ``diemtin classifier train`` and every learned component (flags, section topics, tone, refresh).

A row is ``{"text": ..., "title": ... (optional), "label": ..., "features": [...] (optional)}``; labels are
strings. Features are the TF-IDF views of :mod:`classifiers.runtime.features` (syllable 1-2-grams of the accented
text, character 2-5-grams of the folded head, the offensive-lexicon indicator, a component's own numbers). The
head is linear: by default a class-weighted SVM and NB-SVM (Wang & Manning 2012) averaged into one weight matrix,
else either alone or logistic regression, with C (and, for "auto", the head) chosen by cross-validated macro-F1
on the training rows; the same out-of-fold scores fit per-class offsets (the decision macro-F1 rewards) and a
softmax temperature, so a 0.9 means about nine in ten. A linear model is what a 2-core office server trains in
minutes and applies to thousands of texts a second, and every score decomposes exactly into the terms of the
text, which is what :meth:`TextModel.explain` shows the analyst. Models are saved as plain data (JSON and
arrays, no pickle). Against a plain TF-IDF + logistic regression on each public dev set: classifiers/EVALUATION.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from classifiers.runtime.features import FeatureBuilder, field_texts
from pipeline.core.jsonl import read_jsonl as read_jsonl_lines
from pipeline.core.settings import Settings
from pipeline.core.text import fold
from pipeline.core.timeutil import iso, now_utc

# scikit-learn, joblib and scipy.optimize load only to train or evaluate: a saved model scores without them.
if TYPE_CHECKING:
    from scipy import sparse

log = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"  # earlier versions' format, still read
MODEL_JSON = "model.json"
ARRAYS_FILE = "arrays.npz"
VOCAB_FILE = "vocab.json.gz"
META_FILE = "meta.json"
METRICS_FILE = "metrics.json"
TRAIN_KEYS_FILE = "train_keys.txt"
FORMAT_VERSION = 2


class TrainingError(ValueError):
    """The rows cannot make a model (one label only, no text); the message is for the user, in Vietnamese."""


def learn_config(settings: Settings | None = None) -> dict[str, Any]:
    return (settings or Settings()).section("learn")


# ---------------------------------------------------------------------------------------------- rows
def read_jsonl(path: str | Path, require_label: bool = True) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of a JSONL file, and the lines that could not be used (``{"line", "error"}``, 1-based).

    A bad line never stops the run: it is reported with its number and skipped, so one stray line in a
    24,000-row export costs one row, not the training.
    """
    rows: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []

    def validate(row: Any) -> tuple[dict[str, Any] | None, str | None]:
        error = row_problem(row, require_label)
        return (None, error) if error else (row, None)

    for number, row, error in read_jsonl_lines(path, validate):
        if error:
            problems.append({"line": number, "error": error})
        else:
            rows.append(row)
    for problem in problems:
        log.warning("skipped line %s of %s: %s", problem["line"], path, problem["error"])
    return rows, problems


def row_problem(row: Any, require_label: bool = True) -> str | None:
    """Why a row cannot be used (in Vietnamese), or None."""
    if not isinstance(row, dict):
        return "dòng không phải một đối tượng JSON"
    for name in ("text", "title"):
        if row.get(name) is not None and not isinstance(row[name], str):
            return f"trường '{name}' phải là chuỗi"
    if not (row.get("text") or "").strip() and not (row.get("title") or "").strip():
        return "thiếu nội dung: cần trường 'text' (hoặc 'title') không rỗng"
    if require_label:
        label = row.get("label")
        if label is not None and not isinstance(label, str):
            return f"nhãn phải là chuỗi, ví dụ \"{label}\" thay cho {json.dumps(label)}"
        if not label or not label.strip():
            return "thiếu nhãn: trường 'label' phải là chuỗi không rỗng"
    return None


def row_key(row: dict[str, Any]) -> str:
    """Identity of a row's content: the same text (any tone-mark style, case or spacing) gives the same key."""
    title, text = field_texts(row)
    body = " ".join(fold(f"{title}\n{text}").lower().split())
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]


def holdout_split(rows: Sequence[dict[str, Any]], fraction: float) -> tuple[list[dict], list[dict]]:
    """(train, held out): a row is held out by a hash of its content, so it stays held out when rows are
    added, and copies of one text are never on both sides."""
    cut = int(round(fraction * 10000))
    train, held = [], []
    for row in rows:
        (held if int(row_key(row)[:8], 16) % 10000 < cut else train).append(row)
    return train, held


def without_keys(rows: Iterable[dict[str, Any]], keys: set[str]) -> list[dict[str, Any]]:
    return [row for row in rows if row_key(row) not in keys]


# ---------------------------------------------------------------------------------------------- model
def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


class TextModel:
    """A trained classifier: ``predict_proba``, ``predict``, ``explain``, ``save``."""

    def __init__(self, task: str, labels: list[str], features: FeatureBuilder, weights: np.ndarray,
                 bias: np.ndarray, temperature: float, meta: dict[str, Any]):
        self.task = task
        self.labels = list(labels)
        self.features = features
        self.weights = weights  # (n_labels, n_features) float32
        self.bias = bias  # (n_labels,)
        self.temperature = float(temperature)
        self.meta = meta
        self.metrics: dict[str, Any] | None = None
        self.path: Path | None = None  # the folder it was loaded from

    def training_keys(self) -> set[str]:
        """Keys (:func:`row_key`) of the rows this model trained on, when it was saved with them."""
        keys = self.path / TRAIN_KEYS_FILE if self.path else None
        return set(keys.read_text(encoding="utf-8").split()) if keys and keys.is_file() else set()

    def _matrix(self, rows: Sequence[dict[str, Any]]) -> sparse.csr_matrix:
        return self.features.transform([self.features.prepare(row) for row in rows])

    def decision_scores(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        if not rows:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return np.asarray(self._matrix(rows) @ self.weights.T) + self.bias

    def predict_proba(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
        probs = _softmax(self.decision_scores(rows) * self.temperature)
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in probs]

    def predict(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        scores = self.decision_scores(rows)
        return [self.labels[i] for i in scores.argmax(axis=1)] if len(scores) else []

    def explain(self, row: dict[str, Any], label: str, k: int = 10) -> list[dict[str, Any]]:
        """The ``k`` terms of the row that pushed its score for ``label`` up most, strongest first.

        Each is ``{"text", "weight", "field", "start", "end", "spans"}``: ``text`` as written at its first
        occurrence, offsets in the normalised ``field`` ("title" or "text"), ``spans`` every occurrence as
        ``[field, start, end]``. A weight is the term's exact share of the linear decision score (character
        grams shared out over the words they occur in), so the analyst sees why, not a guess at why; only
        grams that run into punctuation ("đ.m", "ngu,") are credited to no word.
        """
        if label not in self.labels:
            raise KeyError(f"label {label!r} is not one of the model's labels {self.labels}")
        doc = self.features.prepare(row)
        x = self.features.transform([doc])
        index = self.labels.index(label)
        terms = self.features.evidence(doc, x, self.weights[index])
        positive = [t for t in terms if t["weight"] > 0]
        positive.sort(key=lambda t: -t["weight"])
        return positive[:k]

    # ------------------------------------------------------------------------------------------ files
    def save(self, directory: str | Path, train_keys: Iterable[str] = ()) -> Path:
        """Write the model to ``directory`` as plain data: ``model.json`` (labels, settings, temperature),
        ``arrays.npz`` (weights as float16, bias, idf; loaded without pickle) and ``vocab.json.gz`` (the terms),
        plus meta.json, metrics.json when evaluated, and the keys of the training rows (so a later
        evaluation can leave them out)."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        settings, terms, arrays = self.features.state()
        np.savez_compressed(path / ARRAYS_FILE, weights=self.weights.astype(np.float16),
                            bias=self.bias.astype(np.float32), **arrays)
        with gzip.open(path / VOCAB_FILE, "wt", encoding="utf-8", compresslevel=9) as fh:
            json.dump(terms, fh, ensure_ascii=False)
        (path / MODEL_JSON).write_text(json.dumps(
            {"format": FORMAT_VERSION, "task": self.task, "labels": self.labels, "temperature": self.temperature,
             "features": settings}, ensure_ascii=False), encoding="utf-8")
        stale = path / MODEL_FILE
        if stale.is_file():
            stale.unlink()
        (path / META_FILE).write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")
        if self.metrics is not None:
            (path / METRICS_FILE).write_text(json.dumps(self.metrics, ensure_ascii=False, indent=2),
                                             encoding="utf-8")
        keys = sorted(set(train_keys))
        if keys:
            (path / TRAIN_KEYS_FILE).write_text("\n".join(keys) + "\n", encoding="utf-8")
        return path


def load_model(directory: str | Path) -> TextModel:
    """A model saved by :meth:`TextModel.save`; a task folder of the home's registry gives its current model.
    Models saved by earlier versions (``model.joblib``) still load."""
    path = Path(directory)
    if not (path / MODEL_JSON).is_file() and not (path / MODEL_FILE).is_file() and (path / "CURRENT").is_file():
        path = path / (path / "CURRENT").read_text(encoding="utf-8").strip()
    meta = json.loads((path / META_FILE).read_text(encoding="utf-8")) if (path / META_FILE).is_file() else {}
    if (path / MODEL_JSON).is_file():
        spec = json.loads((path / MODEL_JSON).read_text(encoding="utf-8"))
        if spec.get("format") != FORMAT_VERSION:
            raise ValueError(f"định dạng mô hình {spec.get('format')} không đọc được (cần {FORMAT_VERSION})")
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as arrays:
            loaded = {key: arrays[key] for key in arrays.files}
        with gzip.open(path / VOCAB_FILE, "rt", encoding="utf-8") as fh:
            terms = json.load(fh)
        features = FeatureBuilder.restore(spec["features"], terms, loaded)
        model = TextModel(spec["task"], spec["labels"], features, loaded["weights"].astype(np.float32),
                          loaded["bias"].astype(np.float32), spec["temperature"], meta)
    elif (path / MODEL_FILE).is_file():
        import joblib

        data = joblib.load(path / MODEL_FILE)
        model = TextModel(data["task"], data["labels"], data["features"], data["weights"], data["bias"],
                          data["temperature"], meta)
    else:
        raise FileNotFoundError(f"không có mô hình trong {path} (thiếu {MODEL_JSON})")
    if (path / METRICS_FILE).is_file():
        model.metrics = json.loads((path / METRICS_FILE).read_text(encoding="utf-8"))
    model.path = path
    return model


# ---------------------------------------------------------------------------------------------- training
HEADS = ("svm", "nbsvm", "lr")
# Settings of ``head`` that train several heads: "auto" keeps the one that cross-validates better, "svm+nbsvm"
# averages both (one linear model again, so scoring, saving and explain are unchanged).
ENSEMBLES = {"auto": ("svm", "nbsvm"), "svm+nbsvm": ("svm", "nbsvm")}
AVERAGED = ("svm+nbsvm",)


def _fit_linear(x: sparse.csr_matrix, y: np.ndarray, n_labels: int, c: float,
                head: str = "svm") -> tuple[np.ndarray, np.ndarray]:
    """One linear model as (n_labels, n_features) weights and biases, whatever the head:

    - ``svm``: a linear SVM with inverse-frequency class weights (one-vs-rest);
    - ``nbsvm``: NB-SVM (Wang & Manning 2012), one-vs-rest: each class's SVM sees the features scaled by their
      log-count ratio for that class, and its weights fold back into ordinary ones (``w_k * r_k``), so scoring,
      saving and the evidence of :meth:`TextModel.explain` are unchanged;
    - ``lr``: logistic regression with class weights.

    A binary model's one score s becomes (-s/2, s/2).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if head == "nbsvm":
        return _fit_nbsvm(x, y, n_labels, c)
    if head == "lr":
        model: Any = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)
    elif head == "svm":
        model = LinearSVC(C=c, class_weight="balanced").fit(x, y)
    else:
        raise TrainingError(f"không có đầu phân loại '{head}' (có: {', '.join((*HEADS, *ENSEMBLES))})")
    coef = model.coef_.astype(np.float32)
    intercept = model.intercept_.astype(np.float32)
    if n_labels == 2:
        return np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
    return coef, intercept


def _fit_nbsvm(x: sparse.csr_matrix, y: np.ndarray, n_labels: int, c: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy import sparse
    from sklearn.svm import LinearSVC

    binary = x.copy()
    binary.data[:] = 1
    classes = range(n_labels) if n_labels > 2 else [1]
    coef = np.zeros((n_labels, x.shape[1]), dtype=np.float32)
    bias = np.zeros(n_labels, dtype=np.float32)
    for k in classes:
        positive = np.asarray(binary[y == k].sum(0)).ravel() + 1.0
        negative = np.asarray(binary[y != k].sum(0)).ravel() + 1.0
        ratio = np.log((positive / positive.sum()) / (negative / negative.sum())).astype(np.float32)
        svm = LinearSVC(C=c, class_weight="balanced").fit(sparse.csr_matrix(x.multiply(ratio)), (y == k).astype(int))
        coef[k], bias[k] = svm.coef_[0] * ratio, svm.intercept_[0]
    if n_labels == 2:
        coef[0], bias[0] = -coef[1] / 2, -bias[1] / 2
        coef[1], bias[1] = coef[1] / 2, bias[1] / 2
    return coef, bias


def _grid(value: Any) -> list[float]:
    return [float(v) for v in value] if isinstance(value, list | tuple) else [float(value)]


def _fit_temperature(scores: np.ndarray, y: np.ndarray, max_temperature: float) -> float:
    """The softmax temperature that makes cross-validated scores the most likely (lowest log-loss).

    Capped: on a small, cleanly separated sample the likeliest temperature is unbounded, and a model that
    says 1.0 about everything it has not seen tells the analyst nothing.
    """
    from scipy.optimize import minimize_scalar

    def loss(log_t: float) -> float:
        probs = _softmax(scores * np.exp(log_t))
        return -float(np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))))

    bounds = (-3.0, float(np.log(max_temperature)))
    return float(np.exp(minimize_scalar(loss, bounds=bounds, method="bounded").x))


def _macro_f1(y: np.ndarray, predicted: np.ndarray, n_labels: int) -> float:
    """Macro-F1 over the labels that occur in ``y`` or ``predicted`` (as scikit-learn's), in one bincount: the
    offsets' search computes it thousands of times."""
    counts = np.bincount(y * n_labels + predicted, minlength=n_labels * n_labels).reshape(n_labels, n_labels)
    true_positive = np.diag(counts).astype(float)
    support, called = counts.sum(1), counts.sum(0)
    present = (support + called) > 0
    return float(np.mean(2 * true_positive[present] / (support + called)[present]))


def _fit_offsets(scores: np.ndarray, y: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-class offsets added to the scores that make the decisions' macro-F1 on these rows highest.

    Why: a class-weighted head calls the rare classes about as readily as the common one, and the softmax
    temperature only rescales; neither is the decision macro-F1 rewards (on short comments the rare "offensive"
    class is under-called). Coordinate ascent, each class in turn, over a grid of shifts in units of the spread
    of the top-two margin; a shift is kept only if it raises the macro-F1.
    """
    n_labels = scores.shape[1]
    top2 = np.sort(scores, axis=1)[:, -2:]
    spread = float(np.std(top2[:, 1] - top2[:, 0])) or 1.0
    grid = np.linspace(-1.0, 1.0, 41) * spread
    offsets = np.zeros(n_labels)
    best = _macro_f1(y, scores.argmax(1), n_labels)
    for _ in range(rounds):
        improved = False
        for k in range(n_labels):
            for value in grid:
                trial = offsets.copy()
                trial[k] = value
                f1 = _macro_f1(y, (scores + trial).argmax(1), n_labels)
                if f1 > best + 1e-9:
                    best, offsets, improved = f1, trial, True
        if not improved:
            break
    return offsets - offsets.mean()


def _offsets_if_they_hold(scores: np.ndarray, y: np.ndarray, split: list[tuple[np.ndarray, np.ndarray]]
                          ) -> tuple[np.ndarray, float]:
    """The offsets fitted on all out-of-fold scores, if offsets fitted without a fold raise the macro-F1 of that
    fold's decisions (summed over the folds), else none; and that cross-fitted gain.

    Offsets fitted and judged on the same rows always look better: on balanced classes (news sections) or a few
    hundred labels they fit noise, and the rows of a fold they never saw say so.
    """
    n_labels = scores.shape[1]
    shifted = np.zeros(len(y), dtype=int)
    for train_idx, test_idx in split:
        shifted[test_idx] = (scores[test_idx] + _fit_offsets(scores[train_idx], y[train_idx])).argmax(1)
    gain = _macro_f1(y, shifted, n_labels) - _macro_f1(y, scores.argmax(1), n_labels)
    return (_fit_offsets(scores, y) if gain > 0 else np.zeros(n_labels)), gain


def train_model(rows: Sequence[dict[str, Any]], task: str, config: dict[str, Any] | None = None) -> TextModel:
    """A model for ``task`` trained on every row given (rows need "text" or "title", and "label")."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    cfg = {**learn_config(), **(config or {})}
    started = time.perf_counter()
    usable = [row for row in rows if row_problem(row) is None]
    if len(usable) < len(rows):
        log.warning("train %s: %d rows without text or label ignored", task, len(rows) - len(usable))
    labels = sorted({str(row["label"]).strip() for row in usable})
    if len(labels) < 2:
        raise TrainingError(f"cần ít nhất hai nhãn khác nhau để huấn luyện '{task}' (có: {labels or 'không có'})")
    y = np.array([labels.index(str(row["label"]).strip()) for row in usable])
    features = FeatureBuilder(cfg)
    x = features.fit_transform([features.prepare(row) for row in usable])
    if x.shape[1] == 0:
        raise TrainingError(f"không trích được đặc trưng nào từ dữ liệu của '{task}'")
    counts = np.bincount(y, minlength=len(labels))
    folds = min(int(cfg["calibration_folds"]), int(counts.min()))
    head_setting = str(cfg.get("head", "svm"))
    members = list(ENSEMBLES.get(head_setting, [head_setting]))
    grid = _grid(cfg["C"])
    # C (and the head, for "auto") by cross-validated macro-F1 on the training rows, for each member head; the
    # same out-of-fold scores fit the softmax temperature, so a 0.9 means about nine in ten.
    best: dict[str, tuple[float, float, np.ndarray | None]] = {m: (-1.0, grid[len(grid) // 2], None) for m in members}
    cv: dict[str, float] = {}
    if folds >= 2:
        split = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        for member in members:
            for c in grid:
                scores = np.zeros((len(y), len(labels)), dtype=np.float64)
                for train_idx, test_idx in split:
                    fold_w, fold_b = _fit_linear(x[train_idx], y[train_idx], len(labels), c, member)
                    scores[test_idx] = x[test_idx] @ fold_w.T + fold_b
                f1 = float(f1_score(y, scores.argmax(1), average="macro"))
                cv[f"{member}_C{c:g}"] = round(f1, 4)
                if f1 > best[member][0]:
                    best[member] = (f1, c, scores)
    max_temperature = float(cfg["max_temperature"])
    if head_setting in AVERAGED:
        # Both heads, each at its own C, averaged on one scale: each head's scores times its own temperature
        # (its log-probabilities up to a per-row constant), so the average is again one linear model.
        head, c = head_setting, {m: best[m][1] for m in members}
        weights = np.zeros((len(labels), x.shape[1]), dtype=np.float32)
        bias = np.zeros(len(labels), dtype=np.float32)
        oof: np.ndarray | None = np.zeros((len(y), len(labels))) if folds >= 2 else None
        for member in members:
            _, member_c, member_scores = best[member]
            scale = _fit_temperature(member_scores, y, max_temperature) if member_scores is not None else 1.0
            member_w, member_b = _fit_linear(x, y, len(labels), member_c, member)
            weights += (scale / len(members)) * member_w
            bias += (scale / len(members)) * member_b
            if oof is not None and member_scores is not None:
                oof += (scale / len(members)) * member_scores
        if oof is not None:
            cv[head_setting] = round(float(f1_score(y, oof.argmax(1), average="macro")), 4)
        scores = oof
    else:
        head = max(members, key=lambda m: best[m][0])  # the first on a tie
        _, c, scores = best[head]
        weights, bias = _fit_linear(x, y, len(labels), c, head)
    offsets = np.zeros(len(labels))
    if cfg["class_offsets"] and scores is not None:
        offsets, gain = _offsets_if_they_hold(scores, y, split)
        cv["offsets_cross_fitted_gain"] = round(gain, 4)
        scores = scores + offsets
        bias = (bias + offsets).astype(np.float32)
        cv["with_offsets"] = round(float(f1_score(y, scores.argmax(1), average="macro")), 4)
    temperature = _fit_temperature(scores, y, max_temperature) if scores is not None else 1.0

    meta = {
        "task": task, "labels": labels, "format": FORMAT_VERSION, "created_at": iso(now_utc()),
        "n_train": len(usable), "label_counts": dict(zip(labels, map(int, counts), strict=True)),
        "n_features": int(x.shape[1]), "temperature": temperature, "head": head, "C": c, "cv_macro_f1": cv,
        "class_offsets": [round(float(v), 4) for v in offsets],
        "train_seconds": round(time.perf_counter() - started, 2), "config": cfg,
    }
    log.info("trained %s on %d rows, %d features, %.1fs", task, len(usable), x.shape[1], meta["train_seconds"])
    return TextModel(task, labels, features, weights, bias, temperature, meta)


# ---------------------------------------------------------------------------------------------- evaluation
def evaluate(model: TextModel, rows: Sequence[dict[str, Any]], positive: str | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support, ROC AUC (binary) and speed on ``rows``.

    Macro-F1 averages over the labels that occur in the rows or the predictions (as scikit-learn does).
    ROC AUC is for the ``positive`` label (default: the model's last label in sorted order) and only for a
    two-label model, and null when the rows hold only one of the two labels.
    """
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    if not rows:
        raise TrainingError("không có dòng nào để đánh giá")
    started, cpu_started = time.perf_counter(), time.process_time()
    probas = model.predict_proba(rows)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    truth = [str(row["label"]).strip() for row in rows]
    predicted = [max(model.labels, key=p.__getitem__) for p in probas]
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0)
    roc_auc = None
    if positive is not None and positive not in model.labels:
        raise TrainingError(f"nhãn dương '{positive}' không có trong mô hình (nhãn: {model.labels})")
    if len(model.labels) == 2:
        positive = positive or model.labels[-1]
        binary = [label == positive for label in truth]
        if any(binary) and not all(binary):
            roc_auc = float(roc_auc_score(binary, [p[positive] for p in probas]))
    return {
        "task": model.task,
        "n": len(rows),
        "accuracy": float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        "macro_f1": float(np.mean(f1)),
        "per_class": {label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                              "support": int(support[i])} for i, label in enumerate(labels)},
        "positive": positive if len(model.labels) == 2 else None,
        "roc_auc": roc_auc,
        "confusion": _confusion(truth, predicted),
        "items_per_s": round(len(rows) / seconds, 1) if seconds > 0 else None,
        # The same on CPU time: what the machine can do when other work is not competing for its cores.
        "items_per_cpu_s": round(len(rows) / cpu_seconds, 1) if cpu_seconds > 0 else None,
    }


def _confusion(truth: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    """{true label: {predicted label: count}}: where the errors go."""
    out: dict[str, dict[str, int]] = {}
    for (t, p), count in sorted(Counter(zip(truth, predicted, strict=True)).items()):
        out.setdefault(t, {})[p] = count
    return out
