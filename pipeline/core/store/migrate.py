"""Copying a whole store from one backend to another (embedded -> Elasticsearch, or back), resumably.

Everything that is written twice lands once: records replace by id, items and captures by item id,
vectors by (space, id), the raw queue by its key. Only the audit trail is append-only, so the checkpoint
counts the entries already copied; it also remembers the last item copied so a resumed run skips the
items it already wrote. At the end the counts are compared and every item's checksum on both sides.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.core.store.base import COLLECTIONS, Store, checksum

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class Checkpoint:
    records: bool = False
    raw: bool = False
    items_after: str = ""
    items_done: bool = False
    audit_copied: int = 0
    vectors_done: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        tmp.replace(path)


def _batches(iterator: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for entry in iterator:
        batch.append(entry)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_store(source: Store, target: Store, checkpoint_path: Path, batch_size: int = BATCH) -> dict[str, Any]:
    """Copy everything from ``source`` into ``target``, resuming from the checkpoint; returns the counts."""
    state = Checkpoint.load(checkpoint_path)
    if hasattr(target, "refresh_each_batch"):
        target.refresh_each_batch = False  # one refresh at the end instead of one per batch
    copied: dict[str, int] = {"records": 0, "raw_pending": 0, "items": 0, "captures": 0, "audit": 0, "vectors": 0}
    if not state.records:
        for collection in COLLECTIONS:
            for record in source.list_records(collection):
                target.put_record(collection, record["id"], record)
                copied["records"] += 1
        state.records = True
        state.save(checkpoint_path)
    if not state.raw:
        # Pending raw records are work still to do; done and failed ones stay in the source as history.
        for batch in _batches(iter(source.claim_raw(10**9)), BATCH):
            copied["raw_pending"] += target.enqueue_raw([record.payload for record in batch])
        state.raw = True
        state.save(checkpoint_path)
    if not state.items_done:
        pending = (item for item in source.iter_items(batch_size) if item["id"] > state.items_after)
        for batch in _batches(pending, batch_size):
            target.upsert_items(batch)
            for item in batch:
                capture = source.get_capture(item["id"])
                if capture is not None:
                    target.put_capture(item["id"], capture["html"], capture["sha256"], capture["fetched_at"],
                                       capture["url"])
                    copied["captures"] += 1
            copied["items"] += len(batch)
            state.items_after = batch[-1]["id"]
            state.save(checkpoint_path)
            log.info("migrated %d items (last %s)", copied["items"], state.items_after)
        state.items_done = True
        state.save(checkpoint_path)
    entries = source.list_audit(limit=10**9)
    for entry in entries[state.audit_copied:]:
        target.append_audit(entry)
        state.audit_copied += 1
        copied["audit"] += 1
        if state.audit_copied % BATCH == 0:
            state.save(checkpoint_path)
    state.save(checkpoint_path)
    for space in source.vector_spaces():
        if space in state.vectors_done:
            continue
        for batch in _batches(source.iter_vectors(space), BATCH):
            target.put_vectors(space, [item_id for item_id, _ in batch], np.stack([vec for _, vec in batch]))
            copied["vectors"] += len(batch)
        state.vectors_done.append(space)
        state.save(checkpoint_path)
    target.refresh()
    return copied


def verify(source: Store, target: Store) -> dict[str, Any]:
    """Counts on both sides and every item's checksum; ``ok`` is False on any difference."""
    counts: dict[str, tuple[int, int]] = {"items": (source.count_items(), target.count_items())}
    for collection in COLLECTIONS:
        counts[f"records.{collection}"] = (len(source.list_records(collection)), len(target.list_records(collection)))
    counts["audit"] = (len(source.list_audit(limit=10**9)), len(target.list_audit(limit=10**9)))
    counts["raw_pending"] = (source.raw_counts()["pending"], target.raw_counts()["pending"])
    for space in source.vector_spaces():
        counts[f"vectors.{space}"] = (sum(1 for _ in source.iter_vectors(space)),
                                      sum(1 for _ in target.iter_vectors(space)))
    mismatched: list[str] = []
    theirs = target.iter_items(BATCH)
    other = next(theirs, None)
    for item in source.iter_items(BATCH):
        while other is not None and other["id"] < item["id"]:
            other = next(theirs, None)
        if other is None or other["id"] != item["id"] or checksum(other) != checksum(item):
            mismatched.append(item["id"])
    differing = {name: pair for name, pair in counts.items() if pair[0] != pair[1]}
    return {"ok": not differing and not mismatched, "counts": {k: list(v) for k, v in counts.items()},
            "differing_counts": {k: list(v) for k, v in differing.items()},
            "checksum_mismatches": len(mismatched), "first_mismatches": mismatched[:10]}
