"""``diemtin classifier refresh``: the section model learns from the office's own crawl and decisions.

Rows come from two places in the home's store:

- **distant supervision**: items whose source or feed declares their section (``declared_section``, set by the
  topic stage from the source record, classifiers/runtime/sections.py) — the newsroom filed them;
- **analysts' corrections**: labels of task "topic" (an analyst set an item's section); a correction wins over
  the declared section of the same item.

They are added to the shipped training data (the provincial items' training split, repeated as in the shipped
model, and VNTC's 80% split when the file is at hand), and a share of the local rows, chosen by a hash of their
text, is held out. The new model becomes the home's "topic" model only if it is not worse on those held-out
local rows than the model in use (the home's current one, or the shipped one): local decisions can only make
sections better. With too few local rows to hold out, nothing changes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from classifiers.runtime.topics import model_text_rows
from classifiers.training.learn import holdout_split, learn_config
from classifiers.training.registry import labelled_rows, retrain
from classifiers.training.ship import PROVINCE_REPEAT, TOPIC_CONFIG, topic_rows
from pipeline.core import vocabulary
from pipeline.core.settings import Settings
from pipeline.core.store.base import ItemQuery, Store

log = logging.getLogger(__name__)
# Below this many held-out local rows a comparison says nothing: the current model stays.
MIN_HELD_OUT = 5
_PAGE = 500


def declared_rows(store: Store) -> list[dict[str, Any]]:
    """Stored items whose source declared their section, as training rows (label = the section)."""
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = store.search(ItemQuery(limit=_PAGE, offset=offset))
        for item in page.items:
            section = item.get("declared_section")
            if section in vocabulary.codes("sections") and ((item.get("title") or "").strip() or (item.get("text") or "").strip()):
                rows.append({**model_text_rows([item])[0], "label": section, "item_id": item["id"]})
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return rows


def local_rows(store: Store) -> list[dict[str, Any]]:
    """Declared-section items and analysts' corrections; a correction replaces the declared label of its item."""
    by_item = {row["item_id"]: row for row in declared_rows(store)}
    for row in labelled_rows(store, "topic"):
        if row["label"] in vocabulary.codes("sections"):
            by_item[row["item_id"]] = {**model_text_rows([row])[0], "label": row["label"], "item_id": row["item_id"]}
    return list(by_item.values())


def base_rows(vntc: Path | None) -> list[dict[str, Any]]:
    """The shipped model's training rows (classifiers/training/ship.py)."""
    return topic_rows(vntc)


def refresh_topics(home_path: str | Path, store: Store, settings: Settings, vntc: Path | None = None,
                   baseline: Any = None) -> dict[str, Any]:
    """Retrain the home's section model (see the module doc); returns the registry record, or a summary of
    why nothing was trained."""
    local = local_rows(store)
    train_local, held = holdout_split(local, float(learn_config(settings)["holdout_fraction"]))
    summary: dict[str, Any] = {"task": "topic", "local_rows": len(local), "held_out": len(held)}
    if len(held) < MIN_HELD_OUT:
        summary["status"] = "unchanged"
        summary["reason"] = (f"cần ít nhất {MIN_HELD_OUT} tin giữ lại để so sánh (có {len(held)}); "
                             "hãy khai báo chuyên mục cho nguồn hoặc sửa chuyên mục thêm")
        return summary
    rows = base_rows(vntc) + train_local * PROVINCE_REPEAT
    record = retrain(home_path, store, "topic", rows, dev_rows=held, settings=settings, include_labels=False,
                     baseline=baseline, config=TOPIC_CONFIG)
    return {**summary, **record}
