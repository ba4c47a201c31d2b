"""Running crawls in this process: one Scrapy crawler per source, then each source's health updated.

Scrapy's reactor runs once per process, so each call here is the whole life of a crawl process;
``crawlers.scheduling`` starts one such process per due source.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess

from crawlers.context import CrawlContext, RunReport
from crawlers.settings import scrapy_settings
from crawlers.spiders.source import SourceSpider
from crawlers.state import CrawlState
from pipeline.core.timeutil import now_utc
from pipeline.office.sources import FETCH_KINDS, SourceError, record_run

if TYPE_CHECKING:
    from pipeline.core.home import Home
    from pipeline.core.store.base import Store

log = logging.getLogger(__name__)


def _crawler_process(home: Home) -> CrawlerProcess:
    process = CrawlerProcess(scrapy_settings(home.settings), install_root_handler=False)
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    return process


def _context(home: Home, store: Store | None, source: dict[str, Any]) -> CrawlContext:
    settings = home.settings
    state = CrawlState(store, source["id"], seen_limit=settings.get_int("crawl.seen_limit"),
                       max_attempts=settings.get_int("crawl.max_url_attempts"),
                       max_transient=settings.get_int("crawl.max_transient_url_attempts"))
    profile = home.profile if source.get("fetch") == "gnews" else None
    return CrawlContext(source=source, settings=settings, store=store, state=state,
                        report=RunReport(source_id=source["id"], started_at=now_utc()), profile=profile)


def run_crawls(home: Home, sources: list[dict[str, Any]], store: Store | None) -> list[RunReport]:
    """Crawl the sources once; with a store, items are queued and health is recorded, without one
    (``diemtin extract URL``) the extracted records are only collected in the contexts."""
    for source in sources:
        if source.get("fetch") not in FETCH_KINDS:
            raise SourceError(f"nguồn {source.get('id')!r}: cách thu thập không hợp lệ {source.get('fetch')!r}")
    contexts = [_context(home, store, source) for source in sources]
    if not contexts:
        return []
    process = _crawler_process(home)
    for context in contexts:
        process.crawl(SourceSpider, context=context)
    process.start()
    if store is not None:
        for context in contexts:
            finish(store, context)
    return [context.report for context in contexts]


def collect_pages(home: Home, urls: list[str]) -> list[dict[str, Any]]:
    """Fetch and extract pages without storing anything (through the same guard, robots and limits)."""
    source = {"id": "extract", "name": "extract", "kind": "submitted", "fetch": "page", "urls": urls,
              "reputation": "unverified", "language": "vi"}
    context = _context(home, None, source)
    process = _crawler_process(home)
    process.crawl(SourceSpider, context=context)
    process.start()
    return [*context.collected, *({"error": e["message"], "url": e["url"]} for e in context.report.errors)]


def finish(store: Store, context: CrawlContext) -> None:
    report = context.report
    context.state.save()
    if store.get_record("sources", report.source_id) is None:
        return
    record_run(
        store, report.source_id, started_at=report.started_at, items=report.items, lags_minutes=report.lags,
        errors=report.errors, failed=report.failed, blocked=report.blocked, backoff_until=report.backoff_until,
        pages=report.pages, settings=context.settings,
    )
    # What record_run does not know: pages skipped as not articles, and whether a failed run failed on
    # network faults alone (an outage to wait out, not a broken source).
    transient = report.failed and bool(report.errors) and all(e.get("transient") for e in report.errors)
    if report.skipped or transient:
        record = store.get_record("sources", report.source_id)
        if record and record.get("health", {}).get("last_run") is not None:
            if report.skipped:
                record["health"]["last_run"]["skipped"] = report.skipped[-20:]
            record["health"]["last_run"]["network_fault"] = transient
            store.put_record("sources", report.source_id, record)
    log.info("crawled %s: %d items, %d pages, %d errors, %d skipped", report.source_id, report.items, report.pages,
             len(report.errors), len(report.skipped))
