"""Re-embedding stored items when the fast embedder changes, in the background.

Story vectors live in a space named after the embedder that made them (``stories-static``...), so a new
embedder starts an empty space and never mixes vectors of two models. Items processed from then on are
embedded by the pipeline; the older ones are embedded here a slice at a time, by the main job each tick
(``diemtin run``) or at once by ``diemtin classifier reembed``. Progress is a "state" record per space (the
offset reached in the items ordered by fetch time), so a stopped job resumes where it was.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from classifiers.runtime.clusters import REEMBED_PREFIX, reembed_state_id, space_name
from classifiers.runtime.embed import Embedder
from classifiers.runtime.itemtext import headline
from pipeline.core.store.base import ItemQuery, Store
from pipeline.core.timeutil import iso, now_utc

log = logging.getLogger(__name__)
STATE_PREFIX = REEMBED_PREFIX
state_id = reembed_state_id


def reembed_step(store: Store, embedder: Embedder, max_chars: int, limit: int = 2000) -> dict[str, Any]:
    """Embed up to ``limit`` stored items not yet in the embedder's story space; returns the progress."""
    record_id = state_id(embedder)
    state = store.get_record("state", record_id) or {"id": record_id, "kind": "reembed", "space": space_name(embedder),
                                                     "offset": 0, "done": False, "embedded": 0}
    if state.get("done"):
        return {"space": state["space"], "embedded": 0, "done": True}
    page = store.search(ItemQuery(relevant=True, sort="fetched_at", limit=limit, offset=int(state["offset"])))
    items = [i for i in page.items if not i.get("duplicate_of")]
    if items:
        vectors = embedder.encode([headline(i, max_chars) for i in items])
        store.put_vectors(state["space"], [i["id"] for i in items], np.asarray(vectors, dtype=np.float32))
    state["offset"] = int(state["offset"]) + len(page.items)
    state["embedded"] = int(state.get("embedded", 0)) + len(items)
    state["done"] = not page.items or state["offset"] >= page.total
    state["updated_at"] = iso(now_utc())
    store.put_record("state", record_id, state)
    log.info("reembed %s", {"space": state["space"], "embedded": len(items), "offset": state["offset"],
                            "total": page.total})
    return {"space": state["space"], "embedded": len(items), "offset": state["offset"], "total": page.total,
            "done": state["done"]}


def needs_reembed(store: Store, embedder: Embedder) -> bool:
    """True while stored items may be missing from the embedder's story space."""
    state = store.get_record("state", state_id(embedder))
    if state is not None:
        return not state.get("done")
    return store.count_items() > 0
