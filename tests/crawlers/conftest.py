"""The fixture newsroom, served for the whole crawl suite, and a home whose sources point at it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.core.home import Home
from pipeline.office.setup import create_home
from pipeline.office.sources import add_source, list_sources, set_enabled

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "newsroom"))
from server import Newsroom, load_newsroom  # noqa: E402

# Small delays and timeouts so the suite stays fast; everything else is the production default.
TEST_CRAWL_SETTINGS = {
    "download_delay": 0,
    "autothrottle": False,
    "download_timeout": 3,
    "retry_times": 1,
    "max_retry_after_seconds": 5,
    "concurrent_requests_per_domain": 4,
    "allowed_networks": ["127.0.0.1/32"],
    "max_url_attempts": 2,
    "source_timeout_seconds": 120,
}


@pytest.fixture(scope="session")
def newsroom() -> Iterator[Newsroom]:
    room = load_newsroom().start()
    yield room
    room.stop()


def fixture_sources(room: Newsroom) -> list[dict[str, Any]]:
    """The newsroom's outlets as an office would register them (only URLs and rules, no special code)."""
    u = room.url
    return [
        {"id": "bao-tinh", "name": "Báo Tỉnh", "kind": "provincial_press", "fetch": "feed",
         "urls": [u("baotinh", "/rss/home.rss")], "homepage": room.base("baotinh")},
        {"id": "tin-tuc-24h", "name": "Tin Tức 24h", "kind": "national_press", "fetch": "feed",
         "urls": [u("tintuc", "/atom.xml")]},
        {"id": "bao-bac-ninh", "name": "Báo Bắc Ninh", "kind": "provincial_press", "fetch": "sitemap",
         "urls": [u("bacninh", "/sitemap-index.xml")]},
        {"id": "chuyen-muc", "name": "Báo Chuyên mục", "kind": "provincial_press", "fetch": "section",
         "urls": [u("chuyenmuc", "/thoi-su")],
         "config": {"allow": [r"/thoi-su/[a-z0-9-]+-\d+\.html$"], "restrict_css": "main", "next_css": "a.next::attr(href)"}},
        {"id": "bao-cu", "name": "Báo Cũ", "kind": "provincial_press", "fetch": "feed",
         "urls": [u("cu", "/rss-1258.xml"), u("cu", "/rss-sai.xml"), u("cu", "/rss-hong.xml")]},
        {"id": "tin-nguy-hiem", "name": "Tin Nguy Hiểm", "kind": "national_press", "fetch": "feed",
         "urls": [u("nguyhiem", "/rss.xml")]},
        {"id": "quan-doi", "name": "Quân đội", "kind": "national_press", "fetch": "feed",
         "urls": [u("qdnd", "/rss/cate/tin-tuc-moi-nhat.rss")], "homepage": room.base("qdnd"),
         "config": {"warmup_url": "/rss"}},
        {"id": "lao-dong", "name": "Lao Động", "kind": "national_press", "fetch": "feed",
         "urls": [u("laodong", "/rss/home.rss")]},
        {"id": "tim-kiem", "name": "Tìm kiếm tin", "kind": "aggregator", "fetch": "gnews",
         "config": {"search_url": u("gnews", "/rss/search?q={query}&hl=vi&gl=VN&ceid=VN:vi"),
                    "query": '"Thái Nguyên"'}},
        {"id": "kenh-youtube", "name": "Truyền hình Tỉnh", "kind": "social", "fetch": "youtube",
         "urls": [u("youtube", "/feeds/videos.xml?channel_id=UCkenhtinh")]},
        {"id": "kenh-telegram", "name": "Kênh Tin Việt", "kind": "social", "fetch": "telegram",
         "urls": [u("telegram", "/s/kenhtinviet")]},
    ]


def make_home(path: Path, room: Newsroom, **crawl: Any) -> Home:
    home = create_home(path, "thai-nguyen")
    config = yaml.safe_load(home.config_path.read_text(encoding="utf-8"))
    config["crawl"] = {**TEST_CRAWL_SETTINGS, **crawl}
    home.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    home = Home(path)
    with home.open_store() as store:
        for source in list_sources(store):
            set_enabled(store, source["id"], False)
        for source in fixture_sources(room):
            add_source(store, source, home.settings, replace=True)
    return home
