"""Data upgrades of a stored home, run by `diemtin store upgrade` (idempotent: running twice changes nothing).

- Retired flags (vocabulary ``retired_flags``: the stance-based ``hostile`` and the subject-based ``sensitive``)
  leave the item's ``flags`` — so they no longer count in urgency, filters, exports, digests or routing — and
  are kept under ``retired_flags`` with the date they were retired, as history. Analysts' labels for them stay
  in the labels collection untouched. Urgency is recomputed by the next `process` of the item; until then the
  stored urgency is lowered by nothing: the queue's filters and counts already ignore the retired flags.
"""

from __future__ import annotations

import logging
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso, now_utc

log = logging.getLogger(__name__)
BATCH = 500


def retire_flags(store: Store, batch_size: int = BATCH) -> dict[str, Any]:
    """Move retired flags out of every item's ``flags``; returns how many items and flags moved, by flag."""
    retired = set(vocabulary.codes("retired_flags"))
    moved: dict[str, int] = dict.fromkeys(sorted(retired), 0)
    changed: list[dict[str, Any]] = []
    items = 0
    at = iso(now_utc())
    for item in store.iter_items():
        flags = item.get("flags") or []
        old = [f for f in flags if isinstance(f, dict) and f.get("name") in retired]
        if not old:
            continue
        item["flags"] = [f for f in flags if not (isinstance(f, dict) and f.get("name") in retired)]
        item["retired_flags"] = [*(item.get("retired_flags") or []), *({**f, "retired_at": at} for f in old)]
        for flag in old:
            moved[flag["name"]] += 1
        changed.append(item)
        items += 1
        if len(changed) >= batch_size:
            store.upsert_items(changed)
            changed = []
    if changed:
        store.upsert_items(changed)
    store.refresh()
    log.info("retired flags %s", {"items": items, "flags": moved})
    return {"items": items, "flags": moved}


def upgrade(store: Store) -> dict[str, Any]:
    """Every upgrade, in order."""
    return {"retire_flags": retire_flags(store)}
