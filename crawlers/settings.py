"""Scrapy settings of the Scrapy project, built from the product's settings (``crawl.*``) so that an
office tunes the crawler in its config.yaml like everything else."""

from __future__ import annotations

from typing import Any

from pipeline.core.settings import Settings

BOT_NAME = "diemtin"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    c = settings.section("crawl")
    delay = float(c["download_delay"])
    return {
        "BOT_NAME": BOT_NAME,
        "SPIDER_MODULES": SPIDER_MODULES,
        "USER_AGENT": c["user_agent"],
        "ROBOTSTXT_OBEY": bool(c["obey_robots"]),
        "ROBOTSTXT_USER_AGENT": c["user_agent"],
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(c["concurrent_requests_per_domain"]),
        "DOWNLOAD_DELAY": delay,
        "RANDOMIZE_DOWNLOAD_DELAY": delay > 0,
        "AUTOTHROTTLE_ENABLED": bool(c["autothrottle"]),
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": float(c["autothrottle_max_delay"]),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(c["concurrent_requests_per_domain"]),
        "DOWNLOAD_TIMEOUT": float(c["download_timeout"]),
        "DOWNLOAD_MAXSIZE": int(c["max_page_bytes"]),
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": int(c["max_redirects"]),
        "RETRY_TIMES": int(c["retry_times"]),
        # 429 and 503 are retried by RetryAfterMiddleware, which honours Retry-After.
        "RETRY_HTTP_CODES": [500, 502, 504, 522, 524, 408],
        # Requests are de-duplicated by the spider against what earlier runs fetched (crawlers.state);
        # Scrapy's own filter would silently drop the second hop of a redirect loop instead of reporting it.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "COOKIES_ENABLED": True,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "vi,en;q=0.8",
        },
        "TWISTED_DNS_RESOLVER": "crawlers.middlewares.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.BackoffRetryMiddleware": 550,
            "crawlers.middlewares.AddressGuardMiddleware": 10,
            "crawlers.middlewares.ConditionalGetMiddleware": 420,
            "crawlers.middlewares.RetryAfterMiddleware": 560,
            "crawlers.middlewares.ChallengeMiddleware": 585,
        },
        "ITEM_PIPELINES": {"crawlers.pipelines.StorePipeline": 300},
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_ENABLED": True,
        "DIEMTIN_ALLOWED_NETWORKS": list(c["allowed_networks"] or []),
        "DIEMTIN_MAX_RETRY_AFTER": float(c["max_retry_after_seconds"]),
        "DIEMTIN_RETRY_BACKOFF": float(c["retry_backoff_seconds"]),
        "DIEMTIN_RETRY_BACKOFF_MAX": float(c["retry_backoff_max_seconds"]),
        "DIEMTIN_CHALLENGE_MARKERS": list(c["challenge_markers"]),
        "DIEMTIN_CHALLENGE_MAX_TEXT": int(c["challenge_max_text_chars"]),
    }
