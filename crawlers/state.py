"""What a source's crawls remember between runs, in the store's "state" collection: the URLs already
fetched (so a later run does not fetch them again, and a failing one is retried a bounded number of times)
and each listing URL's validators (ETag, Last-Modified) for conditional GET."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.core.item import url_key
from pipeline.core.timeutil import iso, now_utc

if TYPE_CHECKING:
    from pipeline.core.store.base import Store


class CrawlState:
    def __init__(self, store: Store | None, source_id: str, *, seen_limit: int, max_attempts: int):
        self.store = store
        self.source_id = source_id
        self.seen_limit = seen_limit
        self.max_attempts = max_attempts
        record = (store.get_record("state", self.record_id) if store else None) or {}
        self.urls: dict[str, dict[str, Any]] = dict(record.get("urls") or {})
        self.validators: dict[str, dict[str, str]] = dict(record.get("validators") or {})

    @property
    def record_id(self) -> str:
        return f"crawl:{self.source_id}"

    def done(self, url: str) -> bool:
        """Fetched before, or failed too often to try again."""
        entry = self.urls.get(url_key(url))
        return bool(entry) and (entry.get("ok") or int(entry.get("attempts", 0)) >= self.max_attempts)

    def succeeded(self, *urls: str) -> None:
        for url in urls:
            self.urls[url_key(url)] = {"at": iso(now_utc()), "ok": True}

    def failed(self, url: str) -> int:
        """Count one more failure of a URL; returns the failures so far."""
        entry = self.urls.setdefault(url_key(url), {"ok": False, "attempts": 0})
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry["at"] = iso(now_utc())
        return entry["attempts"]

    def save(self) -> None:
        if self.store is None:
            return
        if len(self.urls) > self.seen_limit:
            newest = sorted(self.urls.items(), key=lambda kv: kv[1].get("at") or "")[-self.seen_limit:]
            self.urls = dict(newest)
        self.store.put_record("state", self.record_id, {
            "id": self.record_id, "source": self.source_id, "urls": self.urls, "validators": self.validators,
        })
