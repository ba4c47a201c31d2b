"""What one source's crawl carries through Scrapy: the store, the settings, what it remembers between runs
and the report of this run (items, errors, lags) that becomes the source's health."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawlers.extract import published_lag_minutes
from crawlers.state import CrawlState

if TYPE_CHECKING:
    from pipeline.core.profiles import Profile
    from pipeline.core.settings import Settings
    from pipeline.core.store.base import Store


# Failures of the network, not of the page: retried with back-off, and again on later runs.
TRANSIENT_CODES = frozenset({"dns", "timeout", "connection", "connection_reset"})


@dataclass
class RunReport:
    source_id: str
    started_at: datetime
    items: int = 0
    pages: int = 0
    listings_ok: int = 0
    listings_failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    feed_items: int = 0
    lags: list[float] = field(default_factory=list)
    extraction_ms: list[float] = field(default_factory=list)
    blocked: bool = False
    backoff_until: datetime | None = None

    def add_item(self, payload: dict[str, Any]) -> None:
        self.items += 1
        lag = published_lag_minutes(payload)
        if lag is not None:
            self.lags.append(lag)
        ms = (payload.get("meta") or {}).get("extraction_ms")
        if ms is not None:
            self.extraction_ms.append(ms)

    def error(self, code: str, message: str, url: str) -> None:
        entry = {"code": code, "message": message, "url": url}
        if code in TRANSIENT_CODES:
            entry["transient"] = True
        self.errors.append(entry)

    def skip(self, reason: str, message: str, url: str) -> None:
        """A page fetched but not stored: not an article (a listing, an index, a login wall, an error page)."""
        self.skipped.append({"reason": reason, "message": message, "url": url})

    @property
    def failed(self) -> bool:
        """Nothing could be listed (every feed, sitemap or page failed), or the site blocks us."""
        return self.blocked or (self.listings_ok == 0 and (self.listings_failed > 0 or (self.items == 0 and bool(self.errors))))

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source_id, "items": self.items, "pages": self.pages, "failed": self.failed,
            "blocked": self.blocked, "errors": self.errors, "skipped": self.skipped,
            "network_errors": sum(1 for e in self.errors if e.get("transient")), "feed_items": self.feed_items,
            "extraction_ms": round(sum(self.extraction_ms) / len(self.extraction_ms), 1) if self.extraction_ms else None,
        }


@dataclass
class CrawlContext:
    source: dict[str, Any]
    settings: Settings
    store: Store | None
    state: CrawlState
    report: RunReport
    profile: Profile | None = None
    collected: list[dict[str, Any]] = field(default_factory=list)
