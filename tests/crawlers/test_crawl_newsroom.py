"""A full crawl of the fixture newsroom, run as the scheduler runs it (`diemtin crawl` in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import make_home

from pipeline.core.home import Home
from pipeline.core.item import item_id, normalize_url
from pipeline.core.timeutil import now_utc, parse_iso

REPO = Path(__file__).resolve().parents[2]


def crawl(home: Home, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "crawl", "--once", "--json", *args],
                          capture_output=True, text=True, timeout=180, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def queued(home: Home) -> dict[str, dict[str, Any]]:
    with home.open_store() as store:
        records = store.claim_raw(1000)
    by_url: dict[str, dict[str, Any]] = {}
    for record in records:
        key = normalize_url(record.payload["url"])
        assert key not in by_url, f"queued twice: {key}"
        by_url[key] = record.payload
    return by_url


def health(home: Home, sid: str) -> dict[str, Any]:
    with home.open_store() as store:
        return store.get_record("sources", sid)["health"]


@pytest.fixture(scope="module")
def crawled(newsroom, tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("crawl") / "home", newsroom)
    summaries = crawl(home)
    return home, {s["source"]: s for s in summaries}, queued(home)


def by_path(items: dict[str, dict[str, Any]], path: str) -> dict[str, Any]:
    found = [p for url, p in items.items() if url.endswith(path)]
    assert found, f"no item for {path}; have {sorted(items)}"
    return found[0]


EXPECTED = {
    "bao-tinh": ["/tin/khoi-cong-duong-lien-xa-dong-hy-101.html", "/tin/tap-huan-chuyen-doi-so-hop-tac-xa-102.html",
                 "/tin/2025/11/20/pho-yen-dan-van-kheo-103.html"],
    "tin-tuc-24h": ["/suc-khoe/canh-bao-thong-tin-sai-vac-xin-cum-201.html", "/kinh-te/gia-xang-dau-giam-202.html",
                    "/van-hoa/tuan-van-hoa-viet-bac-203.html"],
    "bao-bac-ninh": ["/kinh-te/thu-hut-von-fdi-301.html", "/van-hoa/le-hoi-lim-302.html"],
    "chuyen-muc": ["/thoi-su/cao-bang-don-khach-401.html", "/thoi-su/tuyen-quang-xoa-nha-tam-402.html",
                   "/thoi-su/ha-giang-cam-sanh-403.html"],
    "bao-cu": ["/tin/thong-quan-xuyen-tet-501.html", "/tin/ngay-hoi-van-hoa-mong-502.html",
               "/tin/thu-hoach-man-hau-503.html", "/tin/hoi-nghi-cong-tac-dan-toc-504.html"],
    "tin-nguy-hiem": ["/tin/dien-tap-tran-dau-601.html", "/tin/cau-vuot-bien-602.html"],
    "quan-doi": ["/tin/hoi-thao-quan-su-701.html"],
    "tim-kiem": ["/tin/dai-hoc-ban-dan-104.html", "/tin/ho-nui-coc-105.html"],
    "kenh-youtube": ["watch?v=vid001", "watch?v=vid002"],
    "kenh-telegram": ["/kenhtinviet/101", "/kenhtinviet/102"],
}


# Pages that could not be fetched: their feed entries are queued instead, marked as from the feed.
FEED_ITEMS = {
    "tin-nguy-hiem": {"/tin/trang-khong-lo-603.html": "too_large", "/tin/trang-treo-604.html": "timeout",
                      "/tin/vong-lap-a-605.html": "redirect_loop", "/tin/da-xoa-608.html": "http_404",
                      "/tin/loi-609.html": "http_500"},
    "bao-tinh": {"/tin/khong-ton-tai-199.html": "http_404", "/tin/loi-may-chu-198.html": "http_500"},
}


def test_full_crawl_stores_every_expected_article_once(crawled, newsroom):
    home, _, items = crawled
    expected = [path for paths in EXPECTED.values() for path in paths]
    articles = {url: p for url, p in items.items() if not p["meta"].get("from_feed")}
    assert len(articles) == len(expected)
    for source, paths in EXPECTED.items():
        for path in paths:
            assert by_path(articles, path)["source"] == source
    assert not any("bi-mat" in url or "noi-bo" in url for url in items)


def test_pages_that_fail_leave_their_feed_entry_queued(crawled):
    _, summaries, items = crawled
    from_feed = {url: p for url, p in items.items() if p["meta"].get("from_feed")}
    assert len(from_feed) == sum(len(v) for v in FEED_ITEMS.values())
    for source, pages in FEED_ITEMS.items():
        for path, code in pages.items():
            item = by_path(from_feed, path)
            assert (item["source"], item["meta"]["fetch_error"]) == (source, code)
            assert item["meta"]["fetch_pending"] is True and item["title"]
    assert summaries["tin-nguy-hiem"]["feed_items"] == 5
    # Not ours to fetch (a private address) or the site asked to wait: no stand-in.
    assert not any("chuyen-huong" in url or "qua-tai" in url for url in from_feed)


def test_articles_carry_clean_text_and_metadata(crawled):
    _, _, items = crawled
    a1 = by_path(items, "/tin/khoi-cong-duong-lien-xa-dong-hy-101.html")
    assert a1["title"] == "Thái Nguyên khởi công tuyến đường liên xã ở Đồng Hỷ"
    assert "Hóa Thượng với xã Minh Lập" in a1["text"]
    for boilerplate in ("Bình luận thử nghiệm", "Vay tiêu dùng", "Giấy phép số", "Mua bán nhà đất"):
        assert boilerplate not in a1["text"]
    assert a1["author"] == "Thu Hằng"
    assert a1["site_name"] == "Báo Tỉnh điện tử"
    assert a1["image"].endswith("/anh/duong-lien-xa.jpg")
    assert a1["lang"] == "vi"
    assert a1["date_source"] == "page"
    assert abs((now_utc() - parse_iso(a1["published_at"])).total_seconds() - 3 * 3600) < 600
    assert "utm_source" not in a1["url"]
    assert len(a1["raw_html_sha256"]) == 64
    a2 = by_path(items, "/tin/tap-huan-chuyen-doi-so-hop-tac-xa-102.html")
    assert a2["date_source"] == "page"  # JSON-LD datePublished
    a3 = by_path(items, "/tin/2025/11/20/pho-yen-dan-van-kheo-103.html")
    assert (a3["date_source"], a3["published_at"]) == ("url", "2025-11-19T17:00:00Z")
    c2 = by_path(items, "/van-hoa/le-hoi-lim-302.html")
    assert c2["date_source"] == "feed"  # the news sitemap's publication date


def test_raw_html_is_kept_as_evidence(crawled):
    home, _, items = crawled
    a1 = by_path(items, "/tin/khoi-cong-duong-lien-xa-dong-hy-101.html")
    with home.open_store() as store:
        capture = store.get_capture(item_id(a1["url"]))
    assert capture is not None
    assert "Hóa Thượng" in capture["html"].decode("utf-8")
    import hashlib

    assert hashlib.sha256(capture["html"]).hexdigest() == capture["sha256"] == a1["raw_html_sha256"]
    assert capture["fetched_at"] == a1["fetched_at"]


def test_one_article_under_two_urls_is_stored_once(crawled):
    _, _, items = crawled
    b2 = [p for p in items.values() if p["title"] == "Giá xăng dầu đồng loạt giảm từ chiều nay"]
    assert len(b2) == 1
    assert b2[0]["url"].endswith("/kinh-te/gia-xang-dau-giam-202.html")


def test_future_date_is_rejected_for_the_feed_date(crawled):
    _, _, items = crawled
    b3 = by_path(items, "/van-hoa/tuan-van-hoa-viet-bac-203.html")
    assert b3["date_source"] == "feed"
    assert parse_iso(b3["published_at"]) <= now_utc()
    assert b3["meta"]["future_date_rejected"] == ["page"]


def test_legacy_encodings_and_broken_feeds_are_read(crawled):
    _, _, items = crawled
    assert by_path(items, "/tin/thong-quan-xuyen-tet-501.html")["title"] == "Lạng Sơn thông quan hàng hóa xuyên Tết"
    assert by_path(items, "/tin/ngay-hoi-van-hoa-mong-502.html")["title"] == "Điện Biên tổ chức Ngày hội văn hóa dân tộc Mông"
    assert by_path(items, "/tin/thu-hoach-man-hau-503.html")["title"] == "Sơn La thu hoạch mận hậu sớm"
    tcvn3 = by_path(items, "/tin/hoi-nghi-cong-tac-dan-toc-504.html")
    assert tcvn3["title"] == "Tin cũ: huyện tổ chức hội nghị về công tác dân tộc"
    assert "đồng bào dân tộc thiểu số" in tcvn3["text"]


def test_search_feed_resolves_the_real_publisher_url(crawled, newsroom):
    _, _, items = crawled
    decoded = by_path(items, "/tin/dai-hoc-ban-dan-104.html")
    assert decoded["url"].startswith(newsroom.base("baotinh"))
    assert decoded["title"] == "Đại học Thái Nguyên tuyển sinh thêm ngành bán dẫn"
    followed = by_path(items, "/tin/ho-nui-coc-105.html")
    assert followed["meta"]["aggregator_link"].startswith(newsroom.base("gnews"))


def test_channels_become_items(crawled):
    _, _, items = crawled
    video = by_path(items, "watch?v=vid001")
    assert "vùng chè đặc sản Tân Cương" in video["text"]
    assert video["date_source"] == "feed"
    post = by_path(items, "/kenhtinviet/101")
    assert post["text"].splitlines() == ["Tin nóng: mưa lớn gây sạt lở đất tại xã vùng cao của tỉnh Cao Bằng.",
                                         "Chính quyền đã di dời 30 hộ dân đến nơi an toàn."]
    assert post["image"] == "https://cdn4.telesco.pe/file/anh101.jpg"


def test_session_cookie_warm_up_opens_the_feed(crawled, newsroom):
    _, summaries, _ = crawled
    assert summaries["quan-doi"]["items"] == 1
    feed_hits = newsroom.hits_for("qdnd", "/rss/cate/")
    assert feed_hits and "ASP.NET_SessionId=phien123" in feed_hits[0].headers.get("cookie", "")


def test_hostile_pages_show_as_clear_errors_in_health(crawled):
    home, _, _ = crawled
    h = health(home, "tin-nguy-hiem")
    codes = {e["code"]: e for e in h["last_run"]["errors"]}
    assert {"too_large", "timeout", "redirect_loop", "blocked_address", "http_404", "http_500"} <= set(codes)
    assert codes["blocked_address"]["url"].startswith("http://127.0.0.2:")
    # Retry-After longer than a run may wait: the source backs off until then instead of hammering.
    assert codes["retry_later"]["url"].endswith("/tin/qua-tai-610.html")
    assert parse_iso(h["backoff_until"]) > now_utc() + timedelta(minutes=50)
    assert h["consecutive_failures"] == 0 and h["last_success"]
    assert h["last_run"]["items"] == 2 + 5  # two articles, five feed entries standing in for failed pages
    assert codes["timeout"].get("transient") is True and not codes["http_404"].get("transient")


def test_retry_after_is_honoured(crawled, newsroom):
    hits = newsroom.hits_for("nguyhiem", "/tin/cau-vuot-bien-602.html")
    assert [h.status for h in hits[:2]] == [429, 200]
    assert hits[1].at - hits[0].at >= 1.0


def test_robots_txt_forbidden_section_is_not_fetched(crawled, newsroom):
    home, _, _ = crawled
    assert not newsroom.hits_for("bacninh", "/noi-bo/")
    errors = health(home, "bao-bac-ninh")["last_run"]["errors"]
    assert [e["code"] for e in errors] == ["robots"]
    assert not newsroom.hits_for("bacninh", "/luu-tru/")  # older than the sitemap age limit


def test_javascript_challenge_is_reported_blocked_not_stored(crawled):
    home, summaries, items = crawled
    h = health(home, "lao-dong")
    assert h["blocked"] is True and h["consecutive_failures"] == 1
    assert h["last_error_code"] == "js_challenge"
    assert not any(p["source"] == "lao-dong" for p in items.values())


def test_second_run_uses_conditional_get_fetches_nothing_twice_and_gives_up_on_dead_pages(crawled, newsroom):
    home, _, _ = crawled
    before = len(newsroom.hits_for("baotinh", "/tin/khoi-cong"))
    summaries = {s["source"]: s for s in crawl(home, "--source", "bao-tinh", "--source", "tin-nguy-hiem")}
    feed_hits = newsroom.hits_for("baotinh", "/rss/home.rss")
    assert feed_hits[-1].headers.get("if-none-match") and feed_hits[-1].status == 304
    assert len(newsroom.hits_for("baotinh", "/tin/khoi-cong")) == before
    assert summaries["bao-tinh"]["items"] == 0
    # The dead pages are fetched again (their feed entries were queued on the first run, not again).
    assert len(newsroom.hits_for("nguyhiem", "/tin/da-xoa-608.html")) == 2
    assert summaries["tin-nguy-hiem"]["items"] == 0 and summaries["tin-nguy-hiem"]["feed_items"] == 0
    # Second failure of a dead page (max_url_attempts=2): given up, not fetched on a third run.
    crawl(home, "--source", "tin-nguy-hiem")
    assert len(newsroom.hits_for("nguyhiem", "/tin/da-xoa-608.html")) == 2
    assert not newsroom.hits_for("private")


def test_crawled_items_go_through_the_same_pipeline_as_ingest(crawled):
    from pipeline.core.process import Pipeline

    home, _, _ = crawled
    with home.open_store() as store:
        # The classifier stages are left out: they are tested with the pipeline, and load models for a minute.
        summary = Pipeline(home, store, stages=[]).run().as_dict(store)
        assert summary["failed"] == 0 and store.raw_counts()["pending"] == 0
        items = list(store.iter_items())
    by_url = {normalize_url(i["url"]): i for i in items}
    for source, paths in EXPECTED.items():
        for path in paths:
            item = by_path(by_url, path)
            assert item["source"] == source and not item.get("duplicate_of")
    tcvn3 = by_path(by_url, "/tin/hoi-nghi-cong-tac-dan-toc-504.html")
    assert tcvn3["lang"] == "vi" and tcvn3["date_source"] == "page"
    assert by_path(by_url, "/tin/khoi-cong-duong-lien-xa-dong-hy-101.html")["reputation"] == "provincial"
