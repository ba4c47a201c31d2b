"""Network faults are temporary, not verdicts; pages that are not articles are skipped with a reason.

A fixture outlet on 127.0.0.1 lists an article on a host name that does not resolve, a slow page, a page
whose connection drops once, one that drops for a whole run, and a listing, a directory index, a tag page,
a login wall and an error page served with 200.
"""

from __future__ import annotations

import pytest
from conftest import make_home
from test_crawl_newsroom import by_path, crawl, health, queued

from pipeline.core.netguard import AddressRefused, HostUnresolved, check_url
from pipeline.office.sources import add_source, list_sources, set_enabled

DNS_URL = "http://khong-ton-tai.invalid/tin/mat-mang-807.html"


@pytest.fixture(scope="module")
def faults(newsroom, tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("faults") / "home", newsroom, retry_backoff_seconds=0.4,
                     retry_backoff_max_seconds=1)
    with home.open_store() as store:
        for source in list_sources(store):
            set_enabled(store, source["id"], False)
        add_source(store, {"id": "mang-loi", "name": "Mạng lỗi", "kind": "provincial_press", "fetch": "feed",
                           "urls": [newsroom.url("mangloi", "/rss.xml")]}, home.settings)
    (summary,) = crawl(home, "--source", "mang-loi")
    return home, summary, queued(home)


def test_a_name_that_does_not_resolve_is_not_a_blocked_address():
    with pytest.raises(HostUnresolved):
        check_url(DNS_URL)
    with pytest.raises(AddressRefused):
        check_url("http://bao.example/a.html", resolver=lambda host: ["10.0.0.7"])


def test_dns_failure_is_retried_reported_as_network_fault_and_the_feed_entry_is_kept(faults):
    _, summary, items = faults
    codes = {e["url"]: e for e in summary["errors"]}
    assert codes[DNS_URL]["code"] == "dns" and codes[DNS_URL]["transient"] is True
    assert not any(e["code"] == "blocked_address" for e in summary["errors"])
    item = items[next(url for url in items if "mat-mang-807" in url)]
    assert item["title"] == "Đồng Hỷ ra quân mùa trồng rừng"
    assert item["text"] == "Huyện Đồng Hỷ phát động Tết trồng cây, trồng mới 300 ha rừng sản xuất."
    assert item["date_source"] == "feed" and item["published_at"]
    assert item["meta"]["from_feed"] is True and item["meta"]["fetch_error"] == "dns"
    assert summary["network_errors"] >= 2, summary["errors"]


def test_a_slow_server_within_the_timeout_is_read(faults):
    _, _, items = faults
    assert not by_path(items, "/tin/cham-801.html")["meta"].get("from_feed")


def test_a_dropped_connection_is_retried_after_a_back_off(faults, newsroom):
    _, _, items = faults
    hits = newsroom.hits_for("mangloi", "/tin/chap-chon-802.html")
    assert [h.status for h in hits] == [0, 200]
    assert hits[1].at - hits[0].at >= 0.4
    article = by_path(items, "/tin/chap-chon-802.html")
    assert "1.200 mét khối" in article["text"] and not article["meta"].get("from_feed")


def test_not_articles_are_skipped_with_a_reason(faults):
    home, summary, items = faults
    reasons = {s["url"].split("/", 3)[-1]: s["reason"] for s in summary["skipped"]}
    assert reasons == {"tin/danh-sach-804.html": "listing", "tin/": "index", "tag/thai-nguyen": "tag",
                       "tin/dang-nhap-805.html": "login", "tin/khong-tim-thay-806.html": "error"}
    assert not any(url.endswith(("/danh-sach-804.html", "/tin/", "/tag/thai-nguyen", "/dang-nhap-805.html",
                                 "/khong-tim-thay-806.html")) for url in items)
    assert {s["reason"] for s in health(home, "mang-loi")["last_run"]["skipped"]} == set(reasons.values())


def test_a_page_down_for_a_whole_run_is_queued_from_its_feed_then_fetched_again(faults, newsroom):
    home, summary, items = faults
    stand_in = by_path(items, "/tin/mat-ket-noi-803.html")
    assert stand_in["meta"]["from_feed"] is True and stand_in["meta"]["fetch_error"] == "connection_reset"
    assert stand_in["text"] == "Khu di tích An toàn khu Định Hóa đón hàng nghìn lượt khách."
    h = health(home, "mang-loi")
    assert h["consecutive_failures"] == 0  # the feed was read: the source works, its network faltered
    assert any(e.get("transient") for e in h["last_run"]["errors"])

    (again,) = crawl(home, "--source", "mang-loi")
    from pipeline.core.process import Pipeline

    with home.open_store() as store:
        Pipeline(home, store, stages=[]).run()
        stored = [i for i in store.iter_items() if i["url"].endswith("/tin/mat-ket-noi-803.html")]
    # One item: the article replaced the feed's stand-in (same URL, same id).
    assert len(stored) == 1 and stored[0]["url"] == stand_in["url"]
    assert "hướng dẫn viên" in stored[0]["text"] and not stored[0]["meta"].get("from_feed")
    assert stored[0]["meta"]["replaces_feed_item"] is True
    # The unresolvable host is tried again on the later run (a fault, not a verdict).
    assert any(e["url"] == DNS_URL and e["code"] == "dns" for e in again["errors"])
    assert again["feed_items"] == 0  # stand-ins are queued once
    assert len(newsroom.hits_for("mangloi", "/tin/cham-801.html")) == 1  # done pages are not fetched again
