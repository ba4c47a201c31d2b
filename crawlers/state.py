"""What a source's crawls remember between runs, in the store's "state" collection: the URLs already
fetched (so a later run does not fetch them again, and a failing one is retried a bounded number of times:
failures of the page itself count against ``max_attempts``, network faults against the larger
``max_transient``), whether the feed's own entry was queued in the page's stead, and each listing URL's
validators (ETag, Last-Modified) for conditional GET."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.core.item import url_key
from pipeline.core.timeutil import iso, now_utc

if TYPE_CHECKING:
    from pipeline.core.store.base import Store


class CrawlState:
    def __init__(self, store: Store | None, source_id: str, *, seen_limit: int, max_attempts: int,
                 max_transient: int | None = None):
        self.store = store
        self.source_id = source_id
        self.seen_limit = seen_limit
        self.max_attempts = max_attempts
        self.max_transient = max_transient if max_transient is not None else max_attempts
        record = (store.get_record("state", self.record_id) if store else None) or {}
        self.urls: dict[str, dict[str, Any]] = dict(record.get("urls") or {})
        self.validators: dict[str, dict[str, str]] = dict(record.get("validators") or {})

    @property
    def record_id(self) -> str:
        return f"crawl:{self.source_id}"

    def done(self, url: str) -> bool:
        """Fetched before, or failed too often to try again."""
        entry = self.urls.get(url_key(url))
        return bool(entry) and (entry.get("ok") or self.given_up(url))

    def given_up(self, url: str) -> bool:
        entry = self.urls.get(url_key(url)) or {}
        return (int(entry.get("attempts", 0)) >= self.max_attempts
                or int(entry.get("transient", 0)) >= self.max_transient)

    def pending(self, url: str) -> bool:
        """Failed before and to be fetched again (its feed entry may stand in for it in the store)."""
        entry = self.urls.get(url_key(url))
        return bool(entry) and not entry.get("ok") and not self.given_up(url)

    def stubbed(self, url: str) -> bool:
        """The feed's entry for this URL was queued in the page's stead."""
        return bool((self.urls.get(url_key(url)) or {}).get("stub"))

    def mark_stubbed(self, url: str) -> None:
        self.urls.setdefault(url_key(url), {"ok": False, "attempts": 0})["stub"] = True

    def succeeded(self, *urls: str) -> None:
        for url in urls:
            self.urls[url_key(url)] = {"at": iso(now_utc()), "ok": True}

    def failed(self, url: str, *, transient: bool = False) -> int:
        """Count one more failure of a URL (a network fault when ``transient``); returns the failures so
        far of that kind."""
        entry = self.urls.setdefault(url_key(url), {"ok": False, "attempts": 0})
        kind = "transient" if transient else "attempts"
        entry[kind] = int(entry.get(kind, 0)) + 1
        entry["at"] = iso(now_utc())
        return entry[kind]

    def save(self) -> None:
        if self.store is None:
            return
        if len(self.urls) > self.seen_limit:
            newest = sorted(self.urls.items(), key=lambda kv: kv[1].get("at") or "")[-self.seen_limit:]
            self.urls = dict(newest)
        self.store.put_record("state", self.record_id, {
            "id": self.record_id, "source": self.source_id, "urls": self.urls, "validators": self.validators,
        })
