"""Sources are data: records in the store's "sources" collection, seeded from the province profile."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from pipeline.text import fold

if TYPE_CHECKING:
    from pipeline.profiles import Profile
    from pipeline.store.base import Store


def source_id(name: str) -> str:
    """A readable, stable id from a source's name ("Báo Thái Nguyên" -> "bao-thai-nguyen")."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug or hashlib.sha1(name.encode()).hexdigest()[:10]


def seed_sources(store: Store, profile: Profile) -> int:
    """Add the profile's default sources that the store does not hold yet; returns how many were added."""
    added = 0
    for entry in profile.default_sources:
        record: dict[str, Any] = dict(entry)
        record.setdefault("id", source_id(record["name"]))
        if store.get_record("sources", record["id"]) is None:
            record.setdefault("enabled", True)
            store.put_record("sources", record["id"], record)
            added += 1
    return added
