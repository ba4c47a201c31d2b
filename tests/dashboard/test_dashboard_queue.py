"""The queue as data: filters, story rows with outlet counts, "new since last looked", evidence."""

from __future__ import annotations

from dashboard_seed import XSS_TITLE, seed_items

from dashboard.evidence import Span, evidence_spans, highlight_html
from dashboard.queue import QueueFilters, load_queue
from dashboard.widgets import labels, md
from pipeline.core.item import item_id

LANDSLIDE = item_id("https://baothainguyen.vn/xa-hoi/sat-lo-ba-be-123.html")
RUMOUR = item_id("https://facebook.com/groups/tin-nong/posts/1001")


def test_queue_shows_relevant_items_most_urgent_first_one_row_per_story(store):
    page = load_queue(store, QueueFilters(days=7))
    titles = [row.item["title"] for row in page.rows]
    assert titles[0] == "Thái Nguyên sắp xóa sổ xã Ba Bể, di dời toàn bộ dân?"
    urgencies = [row.item["urgency"] for row in page.rows]
    assert urgencies == sorted(urgencies, reverse=True)
    assert "Hà Nội tổ chức lễ hội ẩm thực đường phố" not in titles  # not about the province
    assert "Hội nghị tổng kết công tác năm" not in titles  # older than 7 days
    story = [row for row in page.rows if row.item.get("cluster_id") == "story-sat-lo-ba-be"]
    assert len(story) == 1  # two items of the story on the page, one row; the duplicate is hidden
    assert story[0].item["id"] == LANDSLIDE and len(story[0].member_ids) == 2
    assert (story[0].outlets, story[0].items_in_story) == (3, 3)


def test_all_time_range_includes_old_items(store):
    titles = [row.item["title"] for row in load_queue(store, QueueFilters(days=0)).rows]
    assert "Hội nghị tổng kết công tác năm" in titles


def test_search_matches_without_diacritics(store):
    page = load_queue(store, QueueFilters(text="sat lo", days=0))
    assert {row.item.get("cluster_id") for row in page.rows} == {"story-sat-lo-ba-be"}
    assert load_queue(store, QueueFilters(text="đình công OR \"ngừng việc\"", days=0)).total == 1


def test_filters_map_onto_the_item_query(store):
    filters = QueueFilters(flags=("incitement",), tones=("tieu_cuc",), source_kinds=("social",), reputations=("hostile",),
                           places=("Xã Ba Bể",), langs=("vi",), statuses=("new",), topics=("sap_xep_bo_may",))
    query = filters.to_query(limit=50)
    assert (query.flags, query.tone, query.source_kind, query.places, query.sort, query.relevant) == (
        ("incitement",), ("tieu_cuc",), ("social",), ("Xã Ba Bể",), "urgency", True)
    assert [row.item["id"] for row in load_queue(store, filters).rows] == [RUMOUR]
    english = load_queue(store, QueueFilters(langs=("en",), days=0)).rows
    assert [row.item["title"] for row in english] == ["Samsung to expand Thai Nguyen plant"]
    assert load_queue(store, QueueFilters(assignees=("chuyenvien",))).total == 0


def test_items_that_arrived_after_the_last_visit_are_marked_new(store):
    items = {item["id"]: item for item in seed_items()}
    seen = items[LANDSLIDE]["ingested_at"]  # the visit happened right after this item arrived
    page = load_queue(store, QueueFilters(days=7), seen_before=seen)
    marks = {row.item["id"]: row.is_new for row in page.rows}
    assert marks[RUMOUR] is True and marks[LANDSLIDE] is False
    assert all(row.is_new for row in load_queue(store, QueueFilters(days=7), seen_before=None).rows)


def test_crawled_markup_is_escaped_and_evidence_is_wrapped_in_our_marks():
    items = {item["id"]: item for item in seed_items()}
    xss = items[item_id("https://example-news.vn/thu-nghiem-xss.html")]
    rendered = highlight_html(xss["title"], evidence_spans(xss, "title", labels()))
    assert "<script>" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in rendered
    body = highlight_html(xss["text"], evidence_spans(xss, "text", labels()))
    assert "<a " not in body and "<b>" not in body and "onerror=alert(2)&gt;" in body
    assert '<mark class="ev-place" title="Địa danh: Tỉnh Thái Nguyên">tỉnh Thái Nguyên</mark>' in body
    assert md(XSS_TITLE).startswith("\\<script\\>")


def test_overlapping_evidence_shares_a_segment_with_both_reasons():
    html = highlight_html("Sạt lở tại xã Ba Bể", [Span(0, 19, "topic", "Chủ đề: Thiên tai"),
                                                  Span(10, 19, "place", "Địa danh: Xã Ba Bể")])
    assert html == ('<mark class="ev-topic" title="Chủ đề: Thiên tai">Sạt lở tại</mark>'
                    '<mark class="ev-place ev-topic" title="Chủ đề: Thiên tai; Địa danh: Xã Ba Bể"> xã Ba Bể</mark>')


def test_evidence_with_stale_offsets_is_found_by_its_words():
    item = {"text": "Người dân xã Ba Be phản ánh", "places": [{"name": "Xã Ba Bể", "alias": "xã Ba Bể", "start": 0,
                                                                   "end": 3, "field": "text"}]}
    (span,) = evidence_spans(item, "text", labels())
    assert item["text"][span.start:span.end] == "xã Ba Be"


def test_rumour_claim_evidence_and_flag_terms_are_highlighted():
    items = {item["id"]: item for item in seed_items()}
    spans = evidence_spans(items[RUMOUR], "text", labels())
    kinds = {(span.kind, items[RUMOUR]["text"][span.start:span.end]) for span in spans}
    assert ("claim", "Thái Nguyên sắp xóa sổ xã Ba Bể") in kinds
    assert ("flag", "luận điệu xuyên tạc") in kinds
    assert ("place", "xã Ba Bể") in kinds


def test_the_national_view_holds_flagged_items_that_do_not_name_the_province():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 25, tzinfo=UTC)
    province = QueueFilters().to_query(limit=10, now=now)
    national = QueueFilters(national=True).to_query(limit=10, now=now)
    assert province.relevant is True and province.flags == ()
    assert national.relevant is False and set(national.flags) == {"likely_false", "scam", "incitement", "sovereignty"}
    assert QueueFilters(national=True, flags=("scam",)).to_query(limit=10, now=now).flags == ("scam",)
