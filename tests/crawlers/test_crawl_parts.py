"""The crawler's parts on their own: address guard, decoding, dates, feeds, sitemaps, aggregator links,
challenge detection, the source registry and health."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from crawlers.dates import choose_date, parse_date, url_date
from crawlers.decoding import decode_body
from crawlers.feeds import FeedError, parse_feed
from crawlers.gnews import decode_article_url, search_urls, strip_publisher
from crawlers.middlewares import looks_like_challenge, retry_after_seconds
from crawlers.sitemaps import parse_sitemap
from pipeline.core.netguard import (
    ALLOW_PRIVATE_ENV,
    AddressRefused,
    address_refused,
    check_url,
    parse_networks,
)
from pipeline.core.settings import Settings
from pipeline.core.timeutil import iso, now_utc
from pipeline.office.sources import import_csv, is_due, record_run


@pytest.fixture(autouse=True)
def guard_on(monkeypatch):
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)


@pytest.mark.parametrize("address, why", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.1.1", "private"),
    ("172.16.0.9", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("::ffff:10.0.0.1", "private"), ("0.0.0.0", "private"), ("100.64.0.1", "private"),
])
def test_guard_refuses_private_loopback_and_link_local_addresses(address, why):
    assert address_refused(address) == why


def test_guard_lets_public_addresses_through():
    assert address_refused("203.162.4.190") is None
    assert address_refused("2001:4860:4860::8888") is None


def test_guard_allow_list_opens_only_the_listed_network():
    allowed = parse_networks(["127.0.0.1/32"])
    assert address_refused("127.0.0.1", allowed) is None
    assert address_refused("127.0.0.2", allowed) == "loopback"


def test_guard_setting_lifts_the_check_for_fixture_servers(monkeypatch):
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    assert address_refused("10.0.0.1") is None


def test_guard_decides_on_the_resolved_address_not_the_name():
    with pytest.raises(AddressRefused, match="private address 10.9.8.7"):
        check_url("https://tin-tuc.example/bai.html", resolver=lambda host: ["203.162.4.190", "10.9.8.7"])
    check_url("https://tin-tuc.example/bai.html", resolver=lambda host: ["203.162.4.190"])
    with pytest.raises(AddressRefused, match="loopback"):
        check_url("http://localhost:8080/admin")
    with pytest.raises(AddressRefused, match="scheme"):
        check_url("file:///etc/passwd")


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Wed, 25 Nov 2026 10:00:30 GMT", now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC).timestamp()) == 30
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_utf8_declared_as_latin1_is_read_as_utf8():
    body = '<?xml version="1.0" encoding="iso-8859-1"?><p>Thủ tướng Chính phủ</p>'.encode()
    assert "Thủ tướng Chính phủ" in decode_body(body, "application/xml; charset=iso-8859-1")


def test_windows_1258_declared_is_decoded_to_composed_unicode():
    # Windows-1258 writes "à" as "a" + combining grave (0xCC) and "ộ" as "ô" (0xF4) + dot below (0xF2).
    body = b'<meta charset="windows-1258"><p>Ha\xcc N\xf4\xf2i</p>'
    assert "Hà Nội" in decode_body(body)


def test_malformed_feed_still_gives_its_entries():
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T & B</title>'
            '<item><title>Tin một & hai</title><link>https://bao.example/tin-1.html</link>'
            '<description>Mô tả <b>đậm</description></item></channel>').encode()
    feed = parse_feed(body, "application/rss+xml")
    assert feed.problem
    assert [e.url for e in feed.entries] == ["https://bao.example/tin-1.html"]
    assert feed.entries[0].title == "Tin một & hai"


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedError):
        parse_feed("<html><body><h1>Trang chủ</h1></body></html>".encode(), "text/html")


def test_gzip_news_sitemap_gives_urls_with_publication_dates_and_titles():
    xml = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://bao.example/a-1.html</loc>'
           '<news:news><news:publication_date>2026-11-24T08:00:00+07:00</news:publication_date>'
           '<news:title>Tiêu đề</news:title></news:news></url></urlset>')
    sitemap = parse_sitemap(gzip.compress(xml.encode()), max_size=1_000_000)
    assert not sitemap.is_index
    (entry,) = sitemap.entries
    assert (entry.loc, entry.title, iso(entry.published)) == ("https://bao.example/a-1.html", "Tiêu đề", "2026-11-24T01:00:00Z")
    index = parse_sitemap(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
                          b'<loc>https://bao.example/s.xml.gz</loc></sitemap></sitemapindex>', max_size=1000)
    assert index.is_index and index.entries[0].loc == "https://bao.example/s.xml.gz"


def test_aggregator_links_give_the_publisher_url():
    import base64

    token = base64.urlsafe_b64encode(b"\x08\x13\x22\x1ehttps://baotinh.vn/tin-123.html\xd2\x01\x00").decode().rstrip("=")
    assert decode_article_url(f"https://news.google.com/rss/articles/{token}?oc=5") == "https://baotinh.vn/tin-123.html"
    assert decode_article_url("https://www.bing.com/news/apiclick.aspx?url=https%3a%2f%2fbao.vn%2fa.html&c=1") == "https://bao.vn/a.html"
    assert decode_article_url("https://news.google.com/rss/articles/AU_yqLxyz") is None
    assert strip_publisher("Tin nóng - Báo Tỉnh", "Báo Tỉnh") == "Tin nóng"
    assert search_urls("https://news.google.com/rss/search?q={query}&hl=vi", ['"Thái Nguyên"']) == [
        "https://news.google.com/rss/search?q=%22Th%C3%A1i+Nguy%C3%AAn%22&hl=vi"]


def test_dates_from_urls_and_vietnamese_text():
    assert iso(url_date("https://bao.vn/2025/11/20/tin.html")) == "2025-11-19T17:00:00Z"
    assert iso(url_date("https://tuoitre.vn/bai-viet-20251124153000123.htm")) == "2025-11-24T08:30:00Z"
    assert url_date("https://bao.vn/tin-post123456.html") is None
    assert iso(parse_date("25/11/2025 08:30")) == "2025-11-25T01:30:00Z"


def test_a_future_date_is_never_used():
    now = now_utc()
    moment, origin, rejected = choose_date(page=now + timedelta(days=400), feed=None, url=now - timedelta(days=1),
                                           now=now, tolerance_minutes=60)
    assert (origin, rejected) == ("url", ["page"])
    assert choose_date(page=None, feed=None, url=None, now=now, tolerance_minutes=60)[1] == "none"


def test_javascript_challenge_is_told_from_an_article():
    challenge = b'<html><body><script>document.cookie="D1N=1";location.reload()</script></body></html>'
    assert looks_like_challenge(challenge, ["document.cookie"], 400)
    article = b"<html><script>document.cookie='a=1'</script><p>" + ("Tin dài. " * 200).encode() + b"</p></html>"
    assert not looks_like_challenge(article, ["document.cookie"], 400)


REGISTRY = """name,homepage,kind,language,rss_urls,sitemap_url,notes,evidence
Báo Mẫu,https://baomau.vn,national_press,vi,https://baomau.vn/rss/home.rss;https://baomau.vn/rss/the-gioi.rss,,CONFIDENCE high,PS
Báo Đoán,https://baodoan.vn,provincial_press,vi,https://baodoan.vn/rss/home.rss,,RSS UNVERIFIED GUESS,CL
Tìm tin,https://news.google.com,aggregator,vi,https://news.google.com/rss/search?q={QUERY}&hl=vi,,Keyless,PS
Kênh video,https://www.youtube.com,social,vi,https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL_ID},,Keyless,PS
"Báo Sơ đồ, mới",https://sodo.vn,national_press,vi,,https://sodo.vn/sitemap-news.xml,Sitemap only,CL
"""


def test_registry_import_keeps_unverified_rows_disabled(tmp_path, home):
    path = tmp_path / "sources.csv"
    path.write_text(REGISTRY, encoding="utf-8")
    with home.open_store() as store:
        result = import_csv(store, path, home.settings)
        again = import_csv(store, path, home.settings)
        records = {r["id"]: r for r in store.list_records("sources")}
    assert (result["added"], result["errors"]) == (5, [])
    assert again["added"] == 0 and again["kept"] == 5
    assert records["bao-mau"]["fetch"] == "feed" and records["bao-mau"]["enabled"] is True
    assert records["bao-mau"]["reputation"] == "official" and len(records["bao-mau"]["urls"]) == 2
    assert records["bao-doan"]["enabled"] is False
    assert records["tim-tin"]["fetch"] == "gnews" and records["tim-tin"]["config"]["search_url"].endswith("q={query}&hl=vi")
    assert records["kenh-video"]["fetch"] == "youtube" and records["kenh-video"]["enabled"] is False
    assert records["bao-so-do-moi"]["fetch"] == "sitemap"


def test_health_counts_failures_until_a_success(home):
    settings = Settings()
    start = now_utc()
    with home.open_store() as store:
        store.put_record("sources", "s1", {"id": "s1", "name": "S1", "enabled": True, "poll_minutes": 30, "health": {}})
        record_run(store, "s1", started_at=start, items=0, failed=True, settings=settings,
                   errors=[{"code": "http_500", "message": "Lỗi HTTP 500: x", "url": "x"}])
        health = record_run(store, "s1", started_at=start, items=0, failed=True, settings=settings,
                            errors=[{"code": "timeout", "message": "Quá thời gian chờ", "url": "x"}])
        assert health["consecutive_failures"] == 2 and health["last_error_code"] == "timeout"
        assert "last_success" not in health
        health = record_run(store, "s1", started_at=start, items=6, lags_minutes=[10, 30, 20], settings=settings)
        assert health["consecutive_failures"] == 0 and health["last_success"]
        assert health["median_lag_minutes"] == 20
        assert health["items_per_day"] == 6.0
        record = store.get_record("sources", "s1")
    assert not is_due(record, start + timedelta(minutes=10))
    assert is_due(record, start + timedelta(minutes=31))
    record["health"]["backoff_until"] = iso(start + timedelta(hours=2))
    assert not is_due(record, start + timedelta(minutes=31))
