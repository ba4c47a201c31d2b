"""The batch pipeline: raw queue -> normalised item -> language -> relevance -> exact duplicates ->
classifier stages -> store.

Idempotent by construction: an item's id is the hash of its normalised URL, a batch's items are written
before its raw records are marked done, and a re-processed item keeps what analysts already decided. A
crash mid-batch therefore leaves the batch pending; running again writes the same items once.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pipeline.core.home import Home
from pipeline.core.item import content_hash, normalize_url, url_key
from pipeline.core.plugins import load_object
from pipeline.core.rawitem import Limits, RawItemError, check_date, check_raw
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.store.base import TRIAGE_FIELDS, RawRecord, Store, StoreError
from pipeline.core.text import normalize
from pipeline.core.timeutil import iso, now_utc

log = logging.getLogger(__name__)

Stage = Callable[[list[dict[str, Any]], Store], None]

__all__ = ["TRIAGE_FIELDS", "BatchSummary", "Pipeline", "RawItemError", "StageTimeout", "configured_stages",
           "process_queue"]

# A publication date more than this far in the future is a parsing error or a lie, not a date.
FUTURE_TOLERANCE = timedelta(hours=1)
RAW_KNOWN_KEYS = {"url", "title", "text", "html", "source", "published_at", "lang", "date_source", "fetched_at",
                  "author", "canonical_url", "site_name", "image", "raw_html_sha256", "meta"}
# Faults of the machine rather than of a record (the store is down, the disk is full): the batch stays pending
# for the next run, and no record is blamed for them.
SYSTEM_FAULTS: tuple[type[BaseException], ...] = (StoreError, OSError, MemoryError)


class StageTimeout(Exception):
    """A stage ran past its time budget (the batch is then done item by item, each with its own budget)."""


@dataclass
class BatchSummary:
    claimed: int = 0
    stored: int = 0
    relevant: int = 0
    duplicates: int = 0
    failed: int = 0
    retried: int = 0
    batches: int = 0
    seconds: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self, store: Store) -> dict[str, Any]:
        return {
            "claimed": self.claimed, "stored": self.stored, "relevant": self.relevant,
            "duplicates": self.duplicates, "failed": self.failed, "will_retry": self.retried,
            "batches": self.batches, "seconds": round(self.seconds, 3),
            "items_per_s": round(self.claimed / self.seconds, 1) if self.seconds else None,
            "queue": store.raw_counts(), "errors": self.errors[:20],
        }


@contextlib.contextmanager
def time_budget(seconds: float, what: str) -> Iterator[None]:
    """Raise StageTimeout in the block once it has used ``seconds`` of CPU time.

    CPU time, not wall time: on a machine shared with other work a stage is not cut for waiting its turn, and
    the timer (SIGVTALRM) is not the one pytest-timeout or an alarm() of the caller uses. Only the main thread
    can take signals; elsewhere (a web server's worker thread) the block runs unbounded and an overrun is logged.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        started = time.process_time()
        yield
        spent = time.process_time() - started
        if seconds > 0 and spent > seconds:
            log.warning("time budget exceeded outside the main thread %s", {"what": what, "seconds": round(spent, 1)})
        return

    def expired(signum: int, frame: Any) -> None:
        raise StageTimeout(f"bước {what} chạy quá {seconds:g} giây CPU")

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def stage_name(stage: Stage) -> str:
    return str(getattr(stage, "name", None) or getattr(stage, "__name__", None) or type(stage).__name__)


def cut_for_classification(text: str, limit: int) -> str:
    """The first ``limit`` characters, ending at a line or word boundary when one is near."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    boundary = max(head.rfind("\n"), head.rfind(" "))
    return head[:boundary] if boundary > limit * 0.9 else head


class Pipeline:
    def __init__(self, home: Home, store: Store, stages: Sequence[Stage] | None = None):
        self.home = home
        self.store = store
        settings = home.settings
        self.relevance = RelevanceMatcher(home.profile, settings.get_int("relevance.context_window"))
        self.batch_size = settings.get_int("pipeline.batch_size")
        self.limits = Limits.from_settings(settings)
        self.classify_max_chars = settings.get_int("pipeline.classify_max_chars")
        self.stage_seconds = settings.get_float("pipeline.stage_seconds")
        self.item_stage_seconds = settings.get_float("pipeline.item_stage_seconds")
        self.stages = list(stages) if stages is not None else configured_stages(home, store)
        self._sources: dict[str, dict[str, Any]] = {}
        self._extract: Callable[[str, str], dict[str, Any]] | None = None

    # ------------------------------------------------------------------ one raw record
    def build_item(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The item of one raw record. RawItemError (final: retrying cannot help) when the record is not one
        the product accepts; anything else a stage may raise is worth another try."""
        fields = dict(check_raw(payload, self.limits))
        url = fields["url"].strip()
        if not fields.get("text") and fields.get("html"):
            extracted = self._extracted(fields["html"], url)
            for key, value in extracted.items():
                if value and not fields.get(key):
                    fields[key] = value
            check_raw(fields, self.limits)  # what the extractor gave must hold too
        title = normalize(fields.get("title") or "", keep_newlines=False)
        text = normalize(fields.get("text") or "")
        if not title and not text:
            raise RawItemError("không có tiêu đề và nội dung (sau khi chuẩn hóa)")
        now = now_utc()
        published = _checked_date(fields.get("published_at") or fields.get("date"), now)
        fetched = check_date("fetched_at", fields.get("fetched_at")) or now
        source = self._source(fields.get("source"))
        key = url_key(url)
        meta = fields.get("meta") if isinstance(fields.get("meta"), dict) else {}
        item: dict[str, Any] = {
            "id": key, "url": url, "url_key": key,
            "canonical_url": (fields.get("canonical_url") or "").strip() or None,
            "content_hash": content_hash(title, text),
            "title": title, "text": text, "lead": _lead(text), "author": fields.get("author"),
            "site_name": fields.get("site_name"), "image": fields.get("image"),
            "source": fields.get("source") or "", "source_kind": source.get("kind") or fields.get("source_kind") or "",
            "reputation": source.get("reputation") or fields.get("reputation") or "",
            "lang": fields.get("lang") or _item_language(title, text),
            "published_at": iso(published) if published else None,
            "date_source": (fields.get("date_source") or "feed") if published else "none",
            "fetched_at": iso(fetched), "ingested_at": iso(now),
            "processed_at": iso(now), "raw_html_sha256": fields.get("raw_html_sha256"),
            "duplicate_of": None, "status": "new",
            "meta": {**meta, **{k: v for k, v in fields.items() if k not in RAW_KNOWN_KEYS}},
        }
        match = self.relevance.match(title, text, normalized=True)
        item["relevant"] = match.relevant
        item["places"] = match.places
        item["relevance_reason"] = match.reason
        return item

    def _extracted(self, html: str, url: str) -> dict[str, Any]:
        try:
            return self._html_extractor()(html, url)
        except ValueError as exc:  # the extractor's "no article here" (crawlers.extract.ExtractionError)
            raise RawItemError(f"không trích xuất được bài viết từ 'html': {exc}") from exc

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
        """Build, classify and store a batch. A record that cannot be built fails alone; a batch whose stages
        fail (or run past their budget) is done again record by record, so one bad record never holds back the
        others; a fault of the machine (store down, disk full) leaves the whole batch pending."""
        built: list[tuple[RawRecord, dict[str, Any]]] = []
        failed: dict[str, str] = {}
        final: set[str] = set()
        for record in records:
            try:
                built.append((record, self.build_item(record.payload)))
            except SYSTEM_FAULTS:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad record must not stop the batch
                self._failed(record, exc, failed, final, summary)
        if built:
            try:
                stored = self._store_items(built, self.stage_seconds if len(built) > 1 else self.item_stage_seconds)
            except SYSTEM_FAULTS:
                raise
            except Exception as exc:  # noqa: BLE001
                log.warning("batch failed, retrying record by record %s",
                            {"records": len(built), "error": f"{type(exc).__name__}: {exc}"})
                stored = []
                for record, _ in built:
                    try:
                        stored += self._store_items([(record, self.build_item(record.payload))],
                                                    self.item_stage_seconds)
                    except SYSTEM_FAULTS:
                        raise
                    except Exception as item_exc:  # noqa: BLE001
                        self._failed(record, item_exc, failed, final, summary)
        else:
            stored = []
        done = [raw_id for raw_ids, _ in stored for raw_id in raw_ids]
        self.store.finish_raw(done, failed, final=final)
        items = [item for _, item in stored]
        summary.claimed += len(records)
        summary.stored += len(items)
        summary.relevant += sum(1 for i in items if i["relevant"])
        summary.duplicates += sum(1 for i in items if i.get("duplicate_of"))
        summary.batches += 1

    def _failed(self, record: RawRecord, exc: BaseException, failed: dict[str, str], final: set[str],
                summary: BatchSummary) -> None:
        reason = str(exc) if isinstance(exc, RawItemError | StageTimeout) else f"{type(exc).__name__}: {exc}"
        failed[record.raw_id] = reason[:2000]
        is_final = isinstance(exc, RawItemError)
        if is_final:
            final.add(record.raw_id)
        gives_up = is_final or record.attempts + 1 >= self.store_max_attempts
        summary.failed += gives_up
        summary.retried += not gives_up
        summary.errors.append({"raw_id": record.raw_id, "url": str(record.payload.get("url"))[:300],
                               "error": failed[record.raw_id], "final": gives_up})
        log.warning("raw record failed %s", {"raw_id": record.raw_id, "error": failed[record.raw_id],
                                             "final": gives_up})

    @property
    def store_max_attempts(self) -> int:
        return self.home.settings.get_int("pipeline.max_attempts")

    def _store_items(self, built: list[tuple[RawRecord, dict[str, Any]]],
                     budget: float) -> list[tuple[list[str], dict[str, Any]]]:
        """Duplicates, stages (each within ``budget`` seconds of CPU) and the write, for records already built;
        returns (raw ids, item) of what was stored."""
        raw_of: dict[str, list[str]] = {}
        for record, item in built:
            raw_of.setdefault(item["id"], []).append(record.raw_id)
        items = self._merge_same_ids([item for _, item in built])
        self._mark_exact_duplicates(items)
        self.run_stages(items, budget)
        for item in items:
            if "_previous_flags" in item:  # no flags stage ran on it: what analysts decided stays as it was
                item["flags"] = item.pop("_previous_flags")
        self.store.upsert_items(items, preserve_analyst=True)
        return [(raw_of[item["id"]], item) for item in items]

    def run_stages(self, items: list[dict[str, Any]], budget: float | None = None,
                   timings: dict[str, float] | None = None) -> None:
        """Every stage on the batch, each within its time budget, reading at most ``pipeline.classify_max_chars``
        of each text: the stored item keeps its whole text, and evidence offsets (counted from the start) stay
        right for it. ``timings`` (stage name -> CPU seconds) is added to when given (benchmarks)."""
        budget = self.stage_seconds if budget is None else budget
        full: dict[int, str] = {}
        for index, item in enumerate(items):
            text = item.get("text") or ""
            if len(text) > self.classify_max_chars:
                full[index] = text
                item["text"] = cut_for_classification(text, self.classify_max_chars)
        try:
            for stage in self.stages:
                started = time.process_time()
                with time_budget(budget, stage_name(stage)):
                    stage(items, self.store)
                if timings is not None:
                    name = stage_name(stage)
                    timings[name] = timings.get(name, 0.0) + time.process_time() - started
        finally:
            for index, text in full.items():
                items[index]["classified_chars"] = len(items[index]["text"])
                items[index]["text"] = text

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
            # A record that failed before is tried alone, so it cannot hold back (or time out) a fresh batch.
            fresh = [record for record in records if not record.attempts]
            if fresh:
                self.process_batch(fresh, summary)
            for record in records:
                if record.attempts:
                    self.process_batch([record], summary)
            if on_batch is not None:
                on_batch(summary, len(records))
        self.store.refresh()  # everything processed is searchable when the command returns
        summary.seconds = time.perf_counter() - started
        log.info("queue processed %s", {"claimed": summary.claimed, "stored": summary.stored, "failed": summary.failed,
                                        "batches": summary.batches, "seconds": round(summary.seconds, 3)})
        return summary


def _checked_date(value: Any, now: Any) -> Any:
    try:
        moment = check_date("published_at", value, now=now)
    except RawItemError:
        return None
    if moment is not None and moment > now + FUTURE_TOLERANCE:
        return None
    return moment


def _lead(text: str, limit: int = 400) -> str:
    """The first paragraph, capped: what claim matching and summaries read instead of the whole article."""
    first = next((p for p in text.split("\n") if p.strip()), "")
    return first[:limit]


def _item_language(title: str, text: str) -> str:
    from pipeline.core.language import item_language

    return item_language(title, text)


def configured_stages(home: Home, store: Store) -> list[Stage]:
    """The stages named in ``pipeline.stages``, in order: each name is a factory ``(home, store) -> stages``."""
    stages: list[Stage] = []
    for name in home.settings.get("pipeline.stages"):
        stages.extend(load_object(name)(home, store))
    return stages


def process_queue(home: Home, store: Store, limit: int | None = None,
                  on_batch: Callable[[BatchSummary, int], None] | None = None) -> dict[str, Any]:
    return Pipeline(home, store).run(limit, on_batch).as_dict(store)
