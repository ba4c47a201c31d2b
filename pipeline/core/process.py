"""The batch pipeline: raw queue -> normalised item -> language -> relevance -> exact duplicates ->
classifier stages -> store.

Idempotent by construction: an item's id is the hash of its normalised URL, a batch's items are written
before its raw records are marked done, and a re-processed item keeps what analysts already decided. A
crash mid-batch therefore leaves the batch pending; running again writes the same items once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pipeline.core.dates import item_date
from pipeline.core.home import Home
from pipeline.core.item import content_hash, normalize_url, url_key
from pipeline.core.plugins import load_object
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.store.base import RawRecord, Store
from pipeline.core.text import normalize
from pipeline.core.timeutil import iso, now_utc

log = logging.getLogger(__name__)

Stage = Callable[[list[dict[str, Any]], Store], None]

# Fields that belong to the analysts, never overwritten when the same page is processed again.
TRIAGE_FIELDS = ("status", "assignee", "notes", "reviewed_by", "reviewed_at", "case_ids")
# A publication date more than this far in the future is a parsing error or a lie, not a date.
FUTURE_TOLERANCE = timedelta(hours=1)
RAW_KNOWN_KEYS = {"url", "title", "text", "html", "source", "published_at", "lang", "date_source", "fetched_at",
                  "author", "canonical_url", "site_name", "image", "raw_html_sha256", "meta"}


class RawItemError(ValueError):
    """A raw record that cannot become an item; the message is kept in the queue for the operator."""


@dataclass
class BatchSummary:
    claimed: int = 0
    stored: int = 0
    relevant: int = 0
    duplicates: int = 0
    failed: int = 0
    batches: int = 0
    seconds: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self, store: Store) -> dict[str, Any]:
        return {
            "claimed": self.claimed, "stored": self.stored, "relevant": self.relevant,
            "duplicates": self.duplicates, "failed": self.failed, "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "items_per_s": round(self.claimed / self.seconds, 1) if self.seconds else None,
            "queue": store.raw_counts(), "errors": self.errors[:20],
        }


class Pipeline:
    def __init__(self, home: Home, store: Store, stages: Sequence[Stage] | None = None):
        self.home = home
        self.store = store
        self.relevance = RelevanceMatcher(home.profile, home.settings.get_int("relevance.context_window"))
        self.batch_size = home.settings.get_int("pipeline.batch_size")
        self.stages = list(stages) if stages is not None else configured_stages(home, store)
        self._sources: dict[str, dict[str, Any]] = {}
        self._extract: Callable[[str, str], dict[str, Any]] | None = None

    # ------------------------------------------------------------------ one raw record
    def build_item(self, payload: dict[str, Any]) -> dict[str, Any]:
        url = (payload.get("url") or "").strip()
        if not url.startswith(("http://", "https://")):
            raise RawItemError(f"missing or non-http url: {url!r}")
        fields = dict(payload)
        if not fields.get("text") and fields.get("html"):
            extracted = self._html_extractor()(fields["html"], url)
            for key, value in extracted.items():
                if value and not fields.get(key):
                    fields[key] = value
        title = normalize(fields.get("title") or "", keep_newlines=False)
        text = normalize(fields.get("text") or "")
        if not title and not text:
            raise RawItemError("no title and no text")
        now = now_utc()
        published = _checked_date(fields.get("published_at") or fields.get("date"), now)
        source = self._source(fields.get("source"))
        key = url_key(url)
        item: dict[str, Any] = {
            "id": key, "url": url, "url_key": key,
            "canonical_url": fields.get("canonical_url"), "content_hash": content_hash(title, text),
            "title": title, "text": text, "lead": _lead(text), "author": fields.get("author"),
            "site_name": fields.get("site_name"), "image": fields.get("image"),
            "source": fields.get("source") or "", "source_kind": source.get("kind") or fields.get("source_kind") or "",
            "reputation": source.get("reputation") or fields.get("reputation") or "",
            "lang": fields.get("lang") or _detect_language(f"{title}\n{text[:1000]}"),
            "published_at": iso(published) if published else None,
            "date_source": (fields.get("date_source") or "feed") if published else "none",
            "fetched_at": fields.get("fetched_at") or iso(now), "ingested_at": iso(now),
            "processed_at": iso(now), "raw_html_sha256": fields.get("raw_html_sha256"),
            "duplicate_of": None, "status": "new",
            "meta": {**(fields.get("meta") or {}), **{k: v for k, v in fields.items() if k not in RAW_KNOWN_KEYS}},
        }
        match = self.relevance.match(title, text, normalized=True)
        item["relevant"] = match.relevant
        item["places"] = match.places
        item["relevance_reason"] = match.reason
        return item

    def _html_extractor(self) -> Callable[[str, str], dict[str, Any]]:
        """Loaded on first use: most batches come from the crawlers, already extracted."""
        if self._extract is None:
            self._extract = load_object(self.home.settings.get("pipeline.html_extractor"))
        return self._extract

    def _source(self, source_id: str | None) -> dict[str, Any]:
        if not source_id:
            return {}
        if source_id not in self._sources:
            self._sources[source_id] = self.store.get_record("sources", source_id) or {}
        return self._sources[source_id]

    # ------------------------------------------------------------------ one batch
    def process_batch(self, records: list[RawRecord], summary: BatchSummary) -> None:
        items: list[dict[str, Any]] = []
        raw_of: dict[str, list[str]] = {}
        failed: dict[str, str] = {}
        for record in records:
            try:
                item = self.build_item(record.payload)
            except Exception as exc:  # one bad record must not stop the batch
                failed[record.raw_id] = f"{type(exc).__name__}: {exc}"
                summary.errors.append({"url": str(record.payload.get("url")), "error": failed[record.raw_id]})
                log.warning("raw record failed %s", {"raw_id": record.raw_id, "error": failed[record.raw_id]})
                continue
            raw_of.setdefault(item["id"], []).append(record.raw_id)
            items.append(item)
        items = self._merge_same_ids(items)
        self._mark_exact_duplicates(items)
        for stage in self.stages:
            stage(items, self.store)
        for item in items:
            if "_previous_flags" in item:  # no flags stage ran on it: what analysts decided stays as it was
                item["flags"] = item.pop("_previous_flags")
        self.store.upsert_items(items)
        done = [raw_id for item in items for raw_id in raw_of[item["id"]]]
        self.store.finish_raw(done, failed)
        summary.claimed += len(records)
        summary.stored += len(items)
        summary.relevant += sum(1 for i in items if i["relevant"])
        summary.duplicates += sum(1 for i in items if i.get("duplicate_of"))
        summary.failed += len(failed)
        summary.batches += 1

    @staticmethod
    def _merge_same_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Two raw records of one URL in a batch: the later one wins, as a later fetch would."""
        by_id: dict[str, dict[str, Any]] = {}
        for item in items:
            by_id[item["id"]] = item
        return list(by_id.values())

    def _mark_exact_duplicates(self, items: list[dict[str, Any]]) -> None:
        """Same normalised URL -> the same item (keep analysts' fields); same content elsewhere -> duplicate_of
        the earliest item holding it; a canonical URL that is another stored item -> duplicate of it."""
        existing = {i["id"]: i for i in self.store.get_items([i["id"] for i in items])}
        canon_keys = {i["id"]: url_key(i["canonical_url"]) for i in items
                      if i.get("canonical_url") and normalize_url(i["canonical_url"]) != normalize_url(i["url"])}
        known = self.store.find_by_keys(list(canon_keys.values()), [i["content_hash"] for i in items])
        first_in_batch: dict[str, str] = {}
        for item in items:
            previous = existing.get(item["id"])
            if previous is not None:
                for key in TRIAGE_FIELDS:
                    if key in previous:
                        item[key] = previous[key]
                if previous.get("flags"):
                    # The flags stage recomputes flags and keeps analysts' decisions and added flags from these.
                    item["_previous_flags"] = previous["flags"]
                item["ingested_at"] = previous.get("ingested_at", item["ingested_at"])
            original = known.get(canon_keys.get(item["id"], "")) or known.get(item["content_hash"])
            if original is None:
                original = first_in_batch.setdefault(item["content_hash"], item["id"])
            if original != item["id"]:
                item["duplicate_of"] = original

    # ------------------------------------------------------------------ the queue
    def run(self, limit: int | None = None,
            on_batch: Callable[[BatchSummary, int], None] | None = None) -> BatchSummary:
        """Process the queue (or ``limit`` records of it); ``on_batch(summary, claimed)`` follows the progress."""
        summary = BatchSummary()
        started = time.perf_counter()
        while limit is None or summary.claimed < limit:
            size = self.batch_size if limit is None else min(self.batch_size, limit - summary.claimed)
            records = self.store.claim_raw(size)
            if not records:
                break
            self.process_batch(records, summary)
            if on_batch is not None:
                on_batch(summary, len(records))
        self.store.refresh()  # everything processed is searchable when the command returns
        summary.seconds = time.perf_counter() - started
        log.info("queue processed %s", {"claimed": summary.claimed, "stored": summary.stored, "failed": summary.failed,
                                        "batches": summary.batches, "seconds": round(summary.seconds, 3)})
        return summary


def _checked_date(value: Any, now: Any) -> Any:
    try:
        moment = item_date(value, now=now)
    except ValueError:
        return None
    if moment is not None and moment > now + FUTURE_TOLERANCE:
        return None
    return moment


def _lead(text: str, limit: int = 400) -> str:
    """The first paragraph, capped: what claim matching and summaries read instead of the whole article."""
    first = next((p for p in text.split("\n") if p.strip()), "")
    return first[:limit]


def _detect_language(text: str) -> str:
    from pipeline.core.language import detect_language

    return detect_language(text)


def configured_stages(home: Home, store: Store) -> list[Stage]:
    """The stages named in ``pipeline.stages``, in order: each name is a factory ``(home, store) -> stages``."""
    stages: list[Stage] = []
    for name in home.settings.get("pipeline.stages"):
        stages.extend(load_object(name)(home, store))
    return stages


def process_queue(home: Home, store: Store, limit: int | None = None,
                  on_batch: Callable[[BatchSummary, int], None] | None = None) -> dict[str, Any]:
    return Pipeline(home, store).run(limit, on_batch).as_dict(store)
