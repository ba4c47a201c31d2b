"""Downloader middlewares: the address guard, retries with back-off, Retry-After, conditional GET and
challenge detection.

The address guard is the security boundary of the crawler: URLs come from operators and, through
``diemtin submit`` and redirects, from anyone. None may reach a private, loopback or link-local address
(an office's router, a metadata service). Every request is checked, redirects included (Scrapy schedules a
redirect as a new request, which passes through here again), after DNS resolution; and the resolver itself
refuses such addresses at connection time, so a name that re-resolves differently is still stopped.

Only an address that resolves to a refused network is "blocked". A name that does not resolve at all is a
network fault (an office's internet is down, the DNS server hiccups): the request goes on, fails in the
downloader with a DNS error, and is retried with back-off like a timeout or a reset connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred

from pipeline.core.netguard import (
    AddressRefused,
    HostUnresolved,
    Network,
    address_refused,
    check_url,
    parse_networks,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)


class BlockedAddress(IgnoreRequest):
    """A URL whose host is, or resolves to, an address the crawler must not reach."""


class ChallengeBlocked(IgnoreRequest):
    """The site answered with a JavaScript challenge instead of the page."""


class RetryLater(IgnoreRequest):
    """The site asked to come back later than a run may wait (Retry-After)."""

    def __init__(self, message: str, until: float):
        super().__init__(message)
        self.until = until


# ------------------------------------------------------------------------------------------ address guard
def _guard(url: str, allowed: tuple[Network, ...]) -> None:
    """The core's guard, in Scrapy's terms: a refused address ends the request. A name that does not resolve
    is let through to fail on DNS in the download (retried with back-off, recorded as a temporary fault);
    GuardedResolver checks the address if the name resolves by then."""
    try:
        check_url(url, allowed)
    except AddressRefused as exc:
        raise BlockedAddress(str(exc)) from exc
    except HostUnresolved:
        return


class AddressGuardMiddleware:
    """Checks every request, redirects included, before anything is sent."""

    def __init__(self, allowed: tuple[Network, ...]):
        self.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(parse_networks(crawler.settings.getlist("DIEMTIN_ALLOWED_NETWORKS")))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, _guard, request.url, self.allowed)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses to hand out refused addresses at connection time."""

    allowed: tuple[Network, ...] = ()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allowed = parse_networks(crawler.settings.getlist("DIEMTIN_ALLOWED_NETWORKS"))
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:  # noqa: N802 (Twisted API)
        def check(address: str) -> str:
            why = address_refused(address, self.allowed)
            if why:
                raise BlockedAddress(f"{name} resolves to {why} address {address}")
            return address

        return super().getHostByName(name, timeout).addCallback(check)


# ------------------------------------------------------------------------------------------ back-off
class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (network faults and 5xx answers), spaced out: what failed a moment ago (a DNS
    server, a dropped link) usually fails again at once, so retry n waits base * 2**(n-1) seconds, capped.
    The faults met are kept in request.meta["network_faults"] for the report."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.base = settings.getfloat("DIEMTIN_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("DIEMTIN_RETRY_BACKOFF_MAX", 60.0)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        delay = float(request.meta.get("backoff_delay") or 0)
        if delay > 0:
            await asyncio.sleep(delay)

    def _retry(self, request: Request, reason: str | Exception | type[Exception]) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = int(retry.meta.get("retry_times", 1))
            retry.meta["backoff_delay"] = min(self.cap, self.base * 2 ** (attempt - 1))
            name = type(reason).__name__ if isinstance(reason, Exception) else str(reason)
            retry.meta["network_faults"] = [*request.meta.get("network_faults", []), name]
        return retry


# ------------------------------------------------------------------------------------------ Retry-After
def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """On 429 and 503, wait as the site asks (the whole site waits, not just the one URL) and retry;
    a wait longer than a run may take gives up with RetryLater, which the spider records as a back-off."""

    def __init__(self, max_wait: float, retries: int, default_wait: float):
        self.max_wait = max_wait
        self.retries = retries
        self.default_wait = default_wait
        self.paused_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        s = crawler.settings
        return cls(s.getfloat("DIEMTIN_MAX_RETRY_AFTER"), s.getint("RETRY_TIMES"), s.getfloat("DOWNLOAD_DELAY") or 1.0)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        host = urlsplit(request.url).netloc
        wait = self.paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if response.status not in (429, 503):
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        tries = int(request.meta.get("retry_after_times", 0))
        wait = asked if asked is not None else self.default_wait * (2**tries)
        if wait > self.max_wait:
            raise RetryLater(f"HTTP {response.status}, Retry-After {wait:.0f}s: {request.url}", time.time() + wait)
        if tries >= self.retries:
            return response
        host = urlsplit(request.url).netloc
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.monotonic() + wait)
        log.info("HTTP %s from %s, waiting %.1fs", response.status, host, wait)
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = tries + 1
        return retry


# ------------------------------------------------------------------------------------------ conditional GET
class ConditionalGetMiddleware:
    """Feeds, sitemaps and section pages carry their validators in request.meta["validators"] (kept per
    URL in the store by the spider); a 304 answer then reaches the spider as "nothing new"."""

    def process_request(self, request: Request, spider: Any = None) -> None:
        validators = request.meta.get("validators") or {}
        if validators.get("etag"):
            request.headers.setdefault("If-None-Match", validators["etag"])
        if validators.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", validators["last_modified"])


# ------------------------------------------------------------------------------------------ challenges
def looks_like_challenge(body: bytes, markers: Iterable[str], max_text_chars: int) -> bool:
    """A short page whose text is mostly script and which carries a challenge marker."""
    head = body[:200_000].decode("utf-8", "replace")
    if not any(marker.lower() in head.lower() for marker in markers):
        return False
    visible = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]+>", " ", head)
    return len(" ".join(visible.split())) <= max_text_chars


class ChallengeMiddleware:
    """A JavaScript challenge is a block, never an article (Lao Động serves one to every plain client)."""

    def __init__(self, markers: list[str], max_text_chars: int):
        self.markers = markers
        self.max_text_chars = max_text_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        s = crawler.settings
        return cls(s.getlist("DIEMTIN_CHALLENGE_MARKERS"), s.getint("DIEMTIN_CHALLENGE_MAX_TEXT"))

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if "html" in content_type and looks_like_challenge(response.body, self.markers, self.max_text_chars):
            raise ChallengeBlocked(f"JavaScript challenge at {response.url}")
        return response
