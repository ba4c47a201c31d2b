"""The home's trained models: versions per task, the current one, and the rule for replacing it.

Layout: ``<home>/models/<task>/<version>/`` (one folder per trained version, with its metrics) and
``<home>/models/<task>/CURRENT`` naming the version in use; the store's "models" collection keeps one record
per version (what the dashboard shows). A retrained model replaces the current one only if it is not worse on
held-out rows that neither model trained on, so analysts' corrections can only make the classifiers better.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifiers import MODELS_DIR
from classifiers.runtime.linear import export_compact
from classifiers.training.learn import (
    TrainingError,
    evaluate,
    holdout_split,
    learn_config,
    load_model,
    row_key,
    train_model,
    without_keys,
)
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso, now_utc

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
COLLECTION = "models"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def task_dir(home_path: str | Path, task: str) -> Path:
    """``models/<task>`` with characters a folder name cannot hold replaced ("flag:hostile" -> "flag_hostile")."""
    return Path(home_path) / MODELS_DIR / _UNSAFE.sub("_", task)


def current_version(home_path: str | Path, task: str) -> str | None:
    marker = task_dir(home_path, task) / CURRENT_FILE
    return marker.read_text(encoding="utf-8").strip() or None if marker.is_file() else None


def labelled_rows(store: Store, task: str) -> list[dict[str, Any]]:
    """Analysts' labels for ``task`` as training rows (the latest decision per item wins)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in store.list_records("labels", where={"task": task}):
        item_id = record.get("item_id")
        if item_id and str(record.get("at") or "") >= str(latest.get(item_id, {}).get("at") or ""):
            latest[item_id] = record
    ids = list(latest)
    rows = []
    for start in range(0, len(ids), 500):
        for item in store.get_items(ids[start:start + 500]):
            label = latest[item["id"]].get("label")
            if label is not None and ((item.get("text") or "").strip() or (item.get("title") or "").strip()):
                rows.append({"title": item.get("title") or "", "text": item.get("text") or "", "label": str(label),
                             "item_id": item["id"]})
    if len(rows) < len(ids):
        log.warning("labels for %s: %d of %d labelled items missing or empty", task, len(ids) - len(rows), len(ids))
    return rows


def _next_version(folder: Path) -> str:
    numbers = [int(p.name[1:]) for p in folder.glob("v*") if p.is_dir() and p.name[1:].isdigit()]
    return f"v{max(numbers, default=0) + 1:04d}"


def retrain(home_path: str | Path, store: Store, task: str, rows: Sequence[dict[str, Any]] = (),
            dev_rows: Sequence[dict[str, Any]] | None = None, settings: Settings | None = None,
            include_labels: bool = True, baseline: Any = None, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train a new version of ``task`` on the analysts' labels plus ``rows``; make it current if not worse.

    Held-out rows are ``dev_rows`` when given, otherwise a stable hash-chosen share of all rows; rows the
    new model trains on are never among them. The comparison with the current model also leaves out the
    rows the current model trained on. With nothing held out to compare on, the current model stays.
    ``baseline`` is the model in use when the home has none of its own (a shipped model): the new one must not
    be worse than it either. Returns the version's record (also stored in the "models" collection).
    """
    cfg = {**learn_config(settings), **(config or {})}
    all_rows = (labelled_rows(store, task) if include_labels else []) + list(rows)
    if dev_rows is None:
        train_rows, held = holdout_split(all_rows, float(cfg["holdout_fraction"]))
    else:
        train_rows = all_rows
        held = without_keys(dev_rows, {row_key(row) for row in train_rows})
    if not train_rows:
        raise TrainingError(f"không có dữ liệu huấn luyện cho '{task}'")
    model = train_model(train_rows, task, cfg)
    if held:
        model.metrics = evaluate(model, held)

    folder = task_dir(home_path, task)
    version = _next_version(folder)
    previous = current_version(home_path, task)
    comparison: dict[str, Any] = {"current_version": previous}
    if previous is None and baseline is None:
        accept = True
        comparison["reason"] = "no current model"
    else:
        old = load_model(folder / previous) if previous is not None else baseline
        comparison["current_version"] = previous or "shipped"
        fair = without_keys(held, old.training_keys())
        comparison["n"] = len(fair)
        if fair:
            new_f1 = evaluate(model, fair)["macro_f1"]
            old_f1 = evaluate(old, fair)["macro_f1"]
            comparison.update(candidate_macro_f1=new_f1, current_macro_f1=old_f1)
            accept = new_f1 >= old_f1 - float(cfg["replace_tolerance"])
            comparison["reason"] = "not worse on held-out rows" if accept else "worse on held-out rows"
        else:
            accept = False
            comparison["reason"] = "no held-out rows to compare on"

    model.meta["version"] = version
    model.meta["comparison"] = comparison
    path = model.save(folder / version, train_keys=(row_key(row) for row in train_rows))
    export_compact(model, path)  # what the pipeline loads: no scikit-learn at start-up
    record = {
        "id": f"{task}@{version}", "task": task, "version": version,
        "path": str(path.relative_to(Path(home_path))), "created_at": model.meta["created_at"],
        "n_train": len(train_rows), "n_holdout": len(held), "labels": model.labels,
        "metrics": _summary(model.metrics), "comparison": comparison,
        "status": "current" if accept else "rejected", "replaces": previous if accept else None,
    }
    if accept:
        (folder / CURRENT_FILE).write_text(version + "\n", encoding="utf-8")
        if previous:
            old_record = store.get_record(COLLECTION, f"{task}@{previous}")
            if old_record:
                store.put_record(COLLECTION, old_record["id"], {**old_record, "status": "retired",
                                                                 "retired_at": iso(now_utc())})
    store.put_record(COLLECTION, record["id"], record)
    log.info("model %s %s: %s (%s)", task, version, record["status"], comparison["reason"])
    return record


def _summary(metrics: dict[str, Any] | None) -> dict[str, Any] | None:
    if metrics is None:
        return None
    return {key: metrics[key] for key in ("n", "accuracy", "macro_f1", "roc_auc", "per_class")}
