"""One spider for every source: the source record's ``fetch`` picks how its listings are read (feed,
sitemap, section page, search feed, YouTube feed, Telegram preview, single pages); articles found are
fetched and extracted the same way whatever listed them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from crawlers.context import TRANSIENT_CODES, CrawlContext
from crawlers.extract import ExtractionError, Hints, NotAnArticle, detect_language, extract_page, sha256_hex
from crawlers.feeds import FeedError, parse_feed
from crawlers.gnews import decode_article_url, resolve_from_page, search_urls, strip_publisher
from crawlers.middlewares import BlockedAddress, ChallengeBlocked, RetryLater
from crawlers.sitemaps import SitemapError, parse_sitemap
from crawlers.telegram import parse_preview
from pipeline.core.item import url_key
from pipeline.core.netguard import HostUnresolved
from pipeline.core.text import normalize
from pipeline.core.timeutil import iso, now_utc

Item = dict[str, Any]
REASONS_VI = {"listing": "trang danh sách bài", "index": "trang mục lục thư mục", "tag": "trang thẻ/chủ đề",
              "login": "trang đăng nhập", "error": "trang báo lỗi", "search": "trang tìm kiếm"}


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, *args: Any, context: CrawlContext, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.context = context
        self.source = context.source
        self.config: dict[str, Any] = self.source.get("config") or {}
        self.product_settings = context.settings
        self.articles_requested = 0
        self.article_keys: set[str] = set()  # article URLs requested in this run
        self.article_keys_done: set[str] = set()  # URLs articles were filed under in this run

    # ------------------------------------------------------------------ start
    async def start(self) -> AsyncIterator[Any]:
        warmup = self.config.get("warmup_url")
        if warmup:
            # Some sites (Quân đội Nhân dân) set the session cookie their feeds need on a first page.
            yield scrapy.Request(self._absolute(warmup), callback=self.after_warmup, errback=self.on_error,
                                 dont_filter=True, meta={"listing": True})
            return
        for request in self.listing_requests():
            yield request

    def after_warmup(self, response: Response) -> Iterator[Any]:
        self.context.report.pages += 1
        yield from self.listing_requests()

    def listing_requests(self) -> Iterator[scrapy.Request]:
        fetch = self.source.get("fetch", "feed")
        urls = list(self.source.get("urls") or [])
        if fetch == "page":
            for url in urls:
                yield self.article_request(url, Hints(), force=True, note=self.config.get("note", ""))
            return
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "section": self.parse_section,
                    "gnews": self.parse_gnews, "youtube": self.parse_youtube, "telegram": self.parse_telegram}[fetch]
        if fetch == "gnews" and not urls:
            urls += search_urls(self.config.get("search_url") or self.product_settings.get("crawl.gnews_search_url"),
                                self.search_queries())
        elif fetch == "youtube":
            template = self.product_settings.get("crawl.youtube_feed_url")
            urls += [template.format(channel_id=c) for c in self.config.get("channel_ids") or []]
        elif fetch == "telegram":
            template = self.product_settings.get("crawl.telegram_preview_url")
            urls += [template.format(channel=c.lstrip("@")) for c in self.config.get("channels") or []]
        if fetch == "feed" and self.config.get("sitemap_url"):
            yield self.listing_request(self.config["sitemap_url"], self.parse_sitemap)
        for url in urls:
            yield self.listing_request(url, callback)

    def search_queries(self) -> list[str]:
        """The source's own query (or queries); a search source with neither queries nor URLs searches
        every alias group of the province profile."""
        queries = list(self.config.get("queries") or [])
        if self.config.get("query"):
            queries.append(self.config["query"])
        if not queries and not self.source.get("urls") and self.context.profile is not None:
            queries = list(self.context.profile.search_queries)
        return queries

    def listing_request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        url = self._absolute(url)
        validators = self.context.state.validators.get(url_key(url), {})
        return scrapy.Request(url, callback=callback, errback=self.on_error, dont_filter=True, meta={
            "listing": True, "validators": validators, "handle_httpstatus_list": [304], **meta,
        })

    def article_request(self, url: str, hints: Hints, *, force: bool = False, **meta: Any) -> scrapy.Request | None:
        """A request for an article page, or None when it was fetched before (this run or an earlier one)
        or this run has fetched its share."""
        key = url_key(url)
        if key in self.article_keys:
            return None
        if not force:
            state = self.context.state
            # A URL whose fetch failed before is fetched again although its feed entry is in the store.
            if state.done(url) or (not state.pending(url) and self._stored(key)):
                return None
            if self.articles_requested >= int(self.product_settings.get("crawl.max_articles_per_run")):
                return None
        self.article_keys.add(key)
        self.articles_requested += 1
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, dont_filter=True,
                              meta={"hints": hints, "article_url": url, **meta})

    def _stored(self, key: str) -> bool:
        store = self.context.store
        return bool(store and store.find_by_keys([key], []))

    def _absolute(self, url: str) -> str:
        base = self.source.get("homepage") or (self.source.get("urls") or [""])[0]
        return urljoin(base, url) if base else url

    # ------------------------------------------------------------------ listings
    def listing_ok(self, response: Response) -> bool:
        """Count the listing; False when there is nothing new (304). Keeps the validators for next time."""
        report = self.context.report
        report.pages += 1
        report.listings_ok += 1
        if response.status == 304:
            return False
        validators = {}
        for header, name in ((b"ETag", "etag"), (b"Last-Modified", "last_modified")):
            value = response.headers.get(header)
            if value:
                validators[name] = value.decode("latin-1")
        key = url_key(response.request.url if response.request else response.url)
        if validators:
            self.context.state.validators[key] = validators
        else:
            self.context.state.validators.pop(key, None)
        return True

    def listing_failed(self, response: Response, code: str, message: str) -> None:
        report = self.context.report
        report.listings_ok -= 1
        report.listings_failed += 1
        report.error(code, message, response.url)
        self.context.state.validators.pop(url_key(response.url), None)

    def _content_type(self, response: Response) -> str:
        return response.headers.get("Content-Type", b"").decode("latin-1")

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if not self.listing_ok(response):
            return
        try:
            feed = parse_feed(response.body, self._content_type(response))
        except FeedError as exc:
            self.listing_failed(response, "bad_feed", f"Nguồn tin (RSS/Atom) không đọc được: {exc}")
            return
        if feed.problem:
            self.logger.info("malformed feed %s read anyway: %s", response.url, feed.problem)
        for entry in feed.entries:
            hints = Hints(title=entry.title, summary=entry.summary, author=entry.author, published=entry.published,
                          image=entry.image, language=self.source.get("language", ""))
            request = self.article_request(entry.url, hints)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if not self.listing_ok(response):
            return
        try:
            sitemap = parse_sitemap(response.body, int(self.product_settings.get("crawl.max_page_bytes")))
        except SitemapError as exc:
            self.listing_failed(response, "bad_sitemap", f"Sơ đồ trang (sitemap) không đọc được: {exc}")
            return
        max_age = float(self.product_settings.get("crawl.sitemap_max_age_days")) * 86400
        now = datetime.now(UTC)
        allow = [re.compile(p) for p in self.config.get("allow") or []]
        for entry in sitemap.entries:
            moment = entry.published or entry.modified
            if moment is not None and (now - moment).total_seconds() > max_age:
                continue
            if sitemap.is_index:
                yield self.listing_request(entry.loc, self.parse_sitemap)
            elif not allow or any(p.search(entry.loc) for p in allow):
                request = self.article_request(entry.loc, Hints(title=entry.title, published=entry.published))
                if request is not None:
                    yield request

    def parse_section(self, response: Response) -> Iterator[Any]:
        if not self.listing_ok(response):
            return
        extractor = LinkExtractor(
            allow=self.config.get("allow") or (), deny=self.config.get("deny") or (),
            restrict_css=self.config.get("restrict_css") or (), unique=True,
        )
        for link in extractor.extract_links(response):
            request = self.article_request(link.url, Hints(title=normalize(link.text, keep_newlines=False)))
            if request is not None:
                yield request
        page = int(response.meta.get("section_page", 1))
        next_css = self.config.get("next_css")
        if next_css and page < int(self.product_settings.get("crawl.section_max_pages")):
            following = response.css(next_css).get()
            if following:
                yield self.listing_request(response.urljoin(following), self.parse_section, section_page=page + 1)

    def parse_gnews(self, response: Response) -> Iterator[Any]:
        if not self.listing_ok(response):
            return
        try:
            feed = parse_feed(response.body, self._content_type(response))
        except FeedError as exc:
            self.listing_failed(response, "bad_feed", f"Kết quả tìm kiếm không đọc được: {exc}")
            return
        for entry in feed.entries:
            hints = Hints(title=strip_publisher(entry.title, entry.publisher), published=entry.published,
                          site_name=entry.publisher, language=self.source.get("language", ""))
            real = decode_article_url(entry.url)
            # Undecodable links are followed (redirects, or the interstitial page) in parse_article.
            request = self.article_request(real or entry.url, hints, aggregator_link=entry.url,
                                           publisher_url=entry.publisher_url)
            if request is not None:
                yield request

    def parse_youtube(self, response: Response) -> Iterator[Item]:
        if not self.listing_ok(response):
            return
        try:
            feed = parse_feed(response.body, self._content_type(response))
        except FeedError as exc:
            self.listing_failed(response, "bad_feed", f"Kênh YouTube không đọc được: {exc}")
            return
        for entry in feed.entries:
            if self.context.state.done(entry.url) or self._stored(url_key(entry.url)):
                continue
            yield self.direct_item(entry.url, title=entry.title, text=entry.summary or entry.title,
                                   published=entry.published, author=entry.author or feed.title,
                                   image=entry.image, capture=response.body, meta=entry.extra)

    def parse_telegram(self, response: Response) -> Iterator[Item]:
        if not self.listing_ok(response):
            return
        for post in parse_preview(response.text, response.url):
            if self.context.state.done(post.url) or self._stored(url_key(post.url)):
                continue
            first_line = post.text.split("\n", 1)[0]
            yield self.direct_item(post.url, title=first_line[:200], text=post.text, published=post.published,
                                   author=post.author, image=post.image, capture=post.html, meta={})

    def direct_item(self, url: str, *, title: str, text: str, published: datetime | None, author: str,
                    image: str, capture: bytes, meta: dict[str, Any]) -> Item:
        """An item whose listing is its content (a video's description, a channel message)."""
        fetched = now_utc()
        payload = {
            "url": url, "canonical_url": url, "title": title, "text": text, "author": author,
            "published_at": iso(published), "date_source": "feed" if published else "none",
            "lang": detect_language(f"{title}\n{text}", self.source.get("language", "")),
            "site_name": self.source.get("name", ""), "image": image,
            "fetched_at": iso(fetched), "raw_html_sha256": sha256_hex(capture), **self._source_fields(),
            "meta": {**meta},
        }
        return {"payload": payload, "capture": capture, "urls": [url]}

    # ------------------------------------------------------------------ articles
    def parse_article(self, response: Response) -> Iterator[Any]:
        report = self.context.report
        report.pages += 1
        article_url = response.meta["article_url"]
        hints: Hints = response.meta["hints"]
        aggregator = response.meta.get("aggregator_link")
        if aggregator and urlsplit(response.url).netloc == urlsplit(aggregator).netloc:
            real = resolve_from_page(response.text, response.url)
            if real is None:
                report.error("unresolved", f"Không tìm được bài gốc của liên kết tổng hợp: {aggregator}", aggregator)
                return
            request = self.article_request(real, hints, force=True, aggregator_link=None)
            if request is not None:
                yield request
            return
        try:
            record = extract_page(
                response.body, response.url, content_type=self._content_type(response), hints=hints,
                now=now_utc(), future_tolerance_minutes=int(self.product_settings.get("crawl.future_tolerance_minutes")),
            )
        except NotAnArticle as exc:
            report.skip(exc.reason, f"Bỏ qua, không phải bài viết ({REASONS_VI.get(exc.reason, exc.reason)}): "
                                    f"{response.url}", response.url)
            self.context.state.succeeded(article_url, response.url)  # nothing to fetch again
            return
        except ExtractionError:
            report.error("no_text", f"Trang không có nội dung bài viết: {response.url}", response.url)
            self.context.state.failed(article_url)
            return
        canonical = record["canonical_url"]
        if self.context.state.stubbed(article_url):
            # The feed's entry was queued under this URL when the page failed: the article replaces it.
            record["meta"]["replaces_feed_item"] = True
        elif _same_site(canonical, response.url):
            # One article under two URLs is one item: it is filed under the URL the site calls canonical.
            record["url"] = canonical
        done = {article_url, response.url, record["url"]}
        key = url_key(record["url"])
        if key in self.article_keys_done or (key != url_key(article_url) and self._stored(key)):
            self.context.state.succeeded(*done)
            return
        self.article_keys_done.add(key)
        record.update(self._source_fields())
        if response.meta.get("note"):
            record["meta"]["note"] = response.meta["note"]
        if aggregator:
            record["meta"]["aggregator_link"] = aggregator
            record["meta"]["publisher_url"] = response.meta.get("publisher_url", "")
        if response.meta.get("redirect_urls"):
            record["meta"]["redirects"] = response.meta["redirect_urls"]
        yield {"payload": record, "capture": response.body, "urls": sorted(done)}

    def _source_fields(self) -> dict[str, Any]:
        return {"source": self.source["id"], "source_kind": self.source.get("kind", ""),
                "reputation": self.source.get("reputation", "")}

    # ------------------------------------------------------------------ failures
    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        report = self.context.report
        code, message = describe_failure(failure, self.product_settings)
        url = request.url
        if isinstance(failure.value, ChallengeBlocked):
            report.blocked = True
        if isinstance(failure.value, RetryLater):
            until = datetime.fromtimestamp(failure.value.until, UTC)
            report.backoff_until = max(filter(None, [report.backoff_until, until]))
        report.error(code, message, url)
        if request.meta.get("listing"):
            report.listings_failed += 1
            return
        article_url = request.meta.get("article_url", url)
        state = self.context.state
        if code == "retry_later":
            return  # the site asked us to come back later: not a failure of the page
        if code in ("robots", "blocked_address"):
            # Not ours to fetch, now or later: remembered as given up.
            for _ in range(state.max_attempts):
                state.failed(article_url)
            return
        state.failed(article_url, transient=code in TRANSIENT_CODES)
        hints: Hints = request.meta.get("hints") or Hints()
        if hints.title and code != "js_challenge" and not state.stubbed(article_url):
            # What the listing said about the page reaches the analysts now, marked as from the feed; the
            # page is fetched again on later runs and, once read, replaces this item.
            state.mark_stubbed(article_url)
            self.context.report.feed_items += 1
            item = self.direct_item(article_url, title=hints.title, text=hints.summary or hints.title,
                                    published=hints.published, author=hints.author, image=hints.image,
                                    capture=b"", meta={"from_feed": True, "fetch_error": code,
                                                       "fetch_pending": not state.given_up(article_url)})
            item["urls"] = []  # not done: the page itself is still to be fetched
            yield item


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _same_site(a: str, b: str) -> bool:
    return _host(a) == _host(b)


def describe_failure(failure: Failure, settings: Any) -> tuple[str, str]:
    """An error code and the Vietnamese message the source's health shows."""
    exc = failure.value
    url = failure.request.url  # type: ignore[attr-defined]
    if isinstance(exc, BlockedAddress):
        return "blocked_address", f"Địa chỉ bị chặn (mạng nội bộ, loopback hoặc link-local): {exc}"
    if isinstance(exc, ChallengeBlocked):
        return "js_challenge", f"Trang chặn máy thu thập bằng thử thách JavaScript: {url}"
    if isinstance(exc, RetryLater):
        return "retry_later", f"Máy chủ yêu cầu quay lại sau ({exc}); tạm dừng nguồn này"
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status}", f"Lỗi HTTP {status}: {url}"
    if isinstance(exc, CannotResolveHostError):
        return "dns", f"Không phân giải được tên miền (lỗi mạng tạm thời, sẽ thử lại): {url}"
    if isinstance(exc, DownloadConnectionRefusedError):
        return "connection", f"Không kết nối được (lỗi mạng tạm thời, sẽ thử lại): {url}"
    if isinstance(exc, DownloadTimeoutError | twisted_errors.TimeoutError | TimeoutError):
        return "timeout", f"Quá thời gian chờ ({settings.get('crawl.download_timeout')} giây): {url}"
    if isinstance(exc, DownloadCancelledError):
        mb = settings.get_int("crawl.max_page_bytes") / 1024 / 1024
        return "too_large", f"Trang quá lớn (vượt {mb:g} MB), bỏ qua: {url}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots" in text.lower():
            return "robots", f"robots.txt của trang không cho phép thu thập: {url}"
        if "redirect" in text.lower():
            return "redirect_loop", f"Chuyển hướng quá nhiều lần (vòng lặp chuyển hướng): {url}"
        return "ignored", f"Bỏ qua ({text}): {url}"
    if isinstance(exc, twisted_errors.DNSLookupError | HostUnresolved):
        return "dns", f"Không phân giải được tên miền (lỗi mạng tạm thời, sẽ thử lại): {url}"
    if isinstance(exc, twisted_errors.TCPTimedOutError):
        return "timeout", f"Quá thời gian chờ kết nối (lỗi mạng tạm thời, sẽ thử lại): {url}"
    if isinstance(exc, twisted_errors.ConnectionLost | twisted_errors.ConnectionDone | ResponseFailed
                  | DownloadFailedError | ResponseDataLossError):
        return "connection_reset", f"Kết nối bị ngắt giữa chừng (lỗi mạng tạm thời, sẽ thử lại): {url}"
    if isinstance(exc, twisted_errors.ConnectionRefusedError | twisted_errors.ConnectError):
        return "connection", f"Không kết nối được: {url}"
    return "fetch_error", f"Lỗi tải trang ({type(exc).__name__}: {exc}): {url}"
