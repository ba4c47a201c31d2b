"""Extraction on the structure of real Vietnamese news pages: the gold set (field accuracy), the held-out
outlets written after the extractor, and the cases behind each rule (sapo fallbacks, shown dates, guards)."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest

from crawlers.extract import extract_page
from crawlers.gold import FIELDS, evaluate, load_gold
from pipeline.core.timeutil import LOCAL_TZ, parse_iso
from tests.conftest import REPO

GOLD_DIR = REPO / "tests" / "fixtures" / "extraction_gold"
HELD_OUT_DIR = REPO / "tests" / "fixtures" / "extraction_heldout"

NOW = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


@pytest.fixture
def no_network(monkeypatch):
    """Gold pages are read from disk: any connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the gold set must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_gold_set_covers_twenty_outlets_with_every_field():
    pages = load_gold(GOLD_DIR)
    assert len({p.outlet for p in pages}) >= 20
    for page in pages:
        assert page.path.is_file(), page.path
        for key in ("title", "lead", "published_at", "day", "canonical", "body_first", "body_last"):
            assert page.expected.get(key), (page.path, key)
        assert page.expected["published_at"].endswith("+07:00")


def test_gold_set_field_accuracy(no_network):
    result = evaluate(GOLD_DIR)
    assert result["pages"] >= 25
    for field in FIELDS:
        assert result["fields"][field] >= 0.97, (field, result["failures"])


def test_held_out_outlets_field_accuracy(no_network):
    """Five outlets written after the extractor was finished: a check of generality, not of fitting."""
    result = evaluate(HELD_OUT_DIR)
    assert result["outlets"] == 5
    assert result["key_fields"] >= 0.9, result["failures"]


def page(head: str, body: str) -> bytes:
    return f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'.encode()


PARAS = "".join(f"<p>Đoạn thân bài số {i} kể chi tiết diễn biến sự việc tại địa phương trong tuần qua.</p>" for i in range(5))
LEAD = "Sáng nay, tỉnh tổ chức hội nghị tổng kết công tác phòng chống thiên tai năm qua và triển khai nhiệm vụ mới."


def test_a_sapo_missing_from_the_dom_comes_from_json_ld():
    head = (f'<meta property="og:title" content="Tổng kết phòng chống thiên tai"><meta property="og:description" content="{LEAD}">'
            f'<script type="application/ld+json">{{"@type":"NewsArticle","description":"{LEAD}","articleBody":"{LEAD} Đoạn thân bài"}}</script>')
    record = extract_page(page(head, f"<h1>Tổng kết phòng chống thiên tai</h1><div class='content'>{PARAS}</div>"),
                          "https://bao.vn/a.html", now=NOW)
    assert record["text"].startswith(LEAD)
    assert record["meta"]["lead_origin"] == "jsonld"


def test_a_lead_shown_under_an_unknown_name_is_found_by_the_description():
    head = f'<meta property="og:title" content="Tổng kết phòng chống thiên tai"><meta property="og:description" content="{LEAD[:90]}...">'
    body = f"<h1>Tổng kết phòng chống thiên tai</h1><div class='khoi-dau'><b>{LEAD}</b></div><div class='than-bai'>{PARAS}</div>"
    record = extract_page(page(head, body), "https://bao.vn/a.html", now=NOW)
    assert record["text"].startswith(LEAD)


def test_a_site_wide_description_is_not_a_lead():
    head = ('<meta property="og:title" content="Tổng kết phòng chống thiên tai">'
            '<meta property="og:description" content="Báo điện tử của Đảng bộ tỉnh, tiếng nói của Đảng bộ, chính quyền và nhân dân các dân tộc trong tỉnh">')
    record = extract_page(page(head, f"<h1>Tổng kết phòng chống thiên tai</h1><div>{PARAS}</div>"), "https://bao.vn/a.html", now=NOW)
    assert record["text"].startswith("Đoạn thân bài số 0")


def local(record):
    return parse_iso(record["published_at"]).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def test_the_date_shown_by_the_headline_wins_over_the_header_s_today():
    body = ('<header><span class="today">Chủ nhật, 08/03/2026</span><nav><a href="/">1</a><a href="/a">2</a><a href="/b">3</a>'
            '<a href="/c">4</a></nav></header><h1>Tổng kết phòng chống thiên tai năm 2025</h1>'
            f'<div class="post-date">Thứ Năm, 05/03/2026 - 15:22</div><div>{PARAS}</div>'
            '<div class="tin-khac"><a href="/x">Tin khác</a> (07/03/2026 10:00)</div>')
    record = extract_page(page("", body), "https://bao.vn/a.html", now=NOW)
    assert local(record) == "2026-03-05 15:22"
    assert (record["date_source"], record["meta"]["date_origin"]) == ("page", "text")


def test_a_relative_shown_date_counts_back_from_the_fetch():
    body = f'<h1>Tổng kết phòng chống thiên tai năm 2025</h1><span class="time">Cập nhật 2 giờ trước</span><div>{PARAS}</div>'
    record = extract_page(page("", body), "https://bao.vn/a.html", now=NOW)
    assert local(record) == "2026-03-08 10:00"
    assert record["meta"]["date_origin"] == "text_relative"


def test_metadata_that_labels_vietnam_time_as_utc_is_corrected_by_the_shown_time():
    head = '<meta property="article:published_time" content="2026-03-05T21:10:00Z">'
    body = f'<h1>Tổng kết phòng chống thiên tai năm 2025</h1><span class="date">05/03/2026 21:10</span><div>{PARAS}</div>'
    record = extract_page(page(head, body), "https://bao.vn/a.html", now=NOW)
    assert local(record) == "2026-03-05 21:10"


def test_a_page_without_any_date_says_so():
    record = extract_page(page("", f"<h1>Tổng kết phòng chống thiên tai năm 2025</h1><div>{PARAS}</div>"),
                          "https://bao.vn/a.html", now=NOW)
    assert record["published_at"] is None and record["date_source"] == "none"


def test_huge_markup_is_extracted_within_bounds():
    attributes = " ".join(f'data-a{i}="x"' for i in range(200_000))
    body = f"<div {attributes}><h1>Tổng kết phòng chống thiên tai năm 2025</h1>{PARAS}</div>" + "<div><span>x</span></div>" * 40_000
    started = time.perf_counter()
    record = extract_page(page("<script>" + "var a=1;" * 500_000 + "</script>", body), "https://bao.vn/a.html", now=NOW)
    assert time.perf_counter() - started < 10
    assert "Đoạn thân bài số 0" in record["text"]


def test_a_section_page_of_teasers_stays_a_listing_even_with_a_date_and_excerpts():
    """Articles with big teaser boxes are articles (gold: vnexpress/video-sidebars.html); a section page whose
    only "headline" and "lead" are a teaser's own is still a listing."""
    from crawlers.extract import NotAnArticle

    items = "".join(
        f'<article class="item-news"><h3 class="title-news"><a href="/tin-{i}.html">Bản tin thời sự số {i} về một sự việc '
        f'trong ngày</a></h3><p class="description">Mô tả ngắn của bản tin số {i}, kể lại vài chi tiết đáng chú ý vừa '
        f'xảy ra.</p><span class="time">07/03/2026 0{i % 10}:15</span></article>' for i in range(12))
    head = '<title>Thời sự - Báo</title><meta name="pubdate" content="2026-03-07T10:00:00+07:00">'
    with pytest.raises(NotAnArticle) as refused:
        extract_page(page(head, f'<h1 class="title-page">Thời sự</h1><div class="list-news-subfolder">{items}</div>'),
                     "https://bao.vn/thoi-su", now=NOW)
    assert refused.value.reason == "listing"


@pytest.mark.parametrize("url, headline", [
    ("https://bao.vn/bat-giu-500-kg-ma-tuy-o-bien-gioi-4861234.html", "Bắt giữ 500 kg ma túy ở biên giới Tây Nam"),
    ("https://bao.vn/loi-phan-mem-khien-hang-nghin-chuyen-bay-cham-4861235.html", "Lỗi phần mềm khiến hàng nghìn chuyến bay chậm"),
    ("https://bao.vn/su-kien-van-hoa-lon-nhat-nam-khai-mac-4861236.html", "Sự kiện văn hóa lớn nhất năm khai mạc tại Huế"),
])
def test_a_short_undated_brief_is_an_article_whatever_its_headline_or_slug_mentions(url, headline):
    """"500", "lỗi" in a headline or a slug that starts like a tag path ("/su-kien-...") make no error or tag
    page of a brief with a lead (the soft 404 and the tag page of the fault newsroom still are)."""
    body = (f"<h1>{headline}</h1><p class='sapo'>Lực lượng chức năng cho biết vụ việc xảy ra vào rạng sáng, hiện "
            f"đang được điều tra làm rõ.</p><div class='content'><p>Thông tin chi tiết sẽ được cập nhật.</p></div>")
    record = extract_page(page(f"<title>{headline}</title>", body), url, now=NOW)
    assert record["title"] == headline


def test_a_metadata_time_labelled_utc_just_ahead_of_the_fetch_is_read_as_vietnam_time():
    """Fetched 40 minutes after it went out at 11:20 (Vietnam), the page says "11:20Z": not a future date."""
    head = '<meta property="article:published_time" content="2026-03-08T11:20:00Z">'
    record = extract_page(page(head, f"<h1>Tổng kết phòng chống thiên tai năm 2025</h1><div>{PARAS}</div>"),
                          "https://bao.vn/a.html", now=NOW)
    assert local(record) == "2026-03-08 11:20" and record["date_source"] == "page"


def test_a_teaser_card_in_a_short_body_takes_only_itself_away():
    """The card of another article inside a three-paragraph body leaves; the body around it stays."""
    head = '<meta property="article:published_time" content="2026-03-05T07:15:00+07:00">'
    body = (f"<h1>Tổng kết phòng chống thiên tai năm 2025</h1><h2 class='sapo'>{LEAD}</h2><div class='maincontent'>"
            "<p>Mỗi xã được cấp thêm hai xuồng cứu hộ và một kho vật tư dự phòng trước mùa mưa bão năm nay.</p>"
            "<div class='grp'><article><h3><a href='/x.html'>Lũ quét ở vùng cao gây thiệt hại hàng chục tỷ đồng</a></h3>"
            "</article></div><p>Sau mùa mưa, tỉnh sẽ đánh giá kết quả và bổ sung kinh phí cho các xã.</p></div>")
    record = extract_page(page(head, body), "https://bao.vn/a.html", now=NOW)
    assert "Mỗi xã được cấp thêm" in record["text"] and "Sau mùa mưa" in record["text"]
    assert "Lũ quét" not in record["text"]
