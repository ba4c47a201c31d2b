"""The storage contract: written once, run against every backend (see conftest.BACKENDS).

Compare hit sets and counts, never scores: engines rank differently and both are right.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from pipeline.core.item import content_hash, item_id, url_key
from pipeline.core.store import ItemQuery, NotFound, Store
from pipeline.core.store.query import QueryError


def make_item(url: str, title: str, text: str, **fields):
    item = {
        "id": item_id(url), "url": url, "url_key": url_key(url), "content_hash": content_hash(title, text),
        "title": title, "text": text, "relevant": True, "duplicate_of": None, "status": "new",
        "published_at": "2025-07-10T03:00:00Z", "fetched_at": "2025-07-10T04:00:00Z",
        "source": "bao-thai-nguyen", "source_kind": "provincial_press", "reputation": "provincial", "lang": "vi",
        "topics": [], "flags": [], "places": [], "tone": {"label": "trung_lap", "score": 0.5}, "urgency": 0.0,
    }
    item.update(fields)
    return item


@pytest.fixture
def newsroom(store: Store):
    items = [
        make_item("https://baothainguyen.vn/lu-quet-ba-be", "Lũ quét ở Bắc Kạn cũ",
                  "Mưa lớn gây sạt lở đất tại xã Ba Bể, nhiều hộ dân phải sơ tán khẩn cấp.",
                  topics=[{"id": "thien_tai", "score": 0.9}], places=[{"name": "Bắc Kạn"}, {"name": "Ba Bể"}],
                  tone={"label": "tieu_cuc", "score": 0.8}, urgency=0.9,
                  flags=[{"name": "scam", "score": 0.7}], published_at="2025-07-10T03:00:00Z"),
        make_item("https://vnexpress.net/thai-nguyen-fdi", "Thái Nguyên thu hút vốn FDI",
                  "Tỉnh Thái Nguyên đón dự án đầu tư nước ngoài; hoà bình và hợp tác được nhấn mạnh.",
                  source="vnexpress", source_kind="national_press", reputation="official",
                  topics=[{"id": "dau_tu", "score": 0.8}], places=[{"name": "Thái Nguyên"}],
                  tone={"label": "tich_cuc", "score": 0.9}, urgency=0.2, published_at="2025-07-10T20:00:00Z"),
        make_item("https://example.org/hostile", "Bài viết xuyên tạc về Bắc Kạn",
                  "Trang này đưa tin sai sự thật, kích động chống phá ở Bắc Cạn.",
                  source="trang-x", source_kind="social", reputation="hostile", lang="vi",
                  flags=[{"name": "incitement", "score": 0.9}, {"name": "likely_false", "score": 0.6}],
                  places=[{"name": "Bắc Kạn"}], urgency=0.95, status="reviewing", assignee="lan",
                  published_at="2025-07-08T05:00:00Z"),
        make_item("https://news.example.com/en", "Thai Nguyen attracts investment",
                  "Foreign investors in Thai Nguyen province.", lang="en", source="vnexpress-en",
                  source_kind="national_press", published_at="2025-07-09T02:00:00Z"),
        make_item("https://dantri.com.vn/khac", "Giá vàng hôm nay", "Không liên quan đến tỉnh.",
                  relevant=False, source="dantri", source_kind="national_press", published_at="2025-07-09T02:00:00Z"),
        make_item("https://copy.example.com/lu-quet", "Lũ quét ở Bắc Kạn cũ",
                  "Mưa lớn gây sạt lở đất tại xã Ba Bể, nhiều hộ dân phải sơ tán khẩn cấp.",
                  duplicate_of=item_id("https://baothainguyen.vn/lu-quet-ba-be"), source="copy",
                  published_at="2025-07-10T05:00:00Z"),
    ]
    store.upsert_items(items)
    store.refresh()
    return {item["url"]: item["id"] for item in items}


def ids_for(newsroom, *urls):
    return {newsroom[u] for u in urls}


# ---------------------------------------------------------------- records
def test_records_round_trip_and_filtering(store: Store):
    store.put_record("cases", "c1", {"title": "Vụ 1", "agency": "cong-an", "created_at": "2025-07-01T00:00:00Z"})
    store.put_record("cases", "c2", {"title": "Vụ 2", "agency": "ngoai-vu", "created_at": "2025-07-02T00:00:00Z"})
    store.put_record("cases", "c3", {"title": "Vụ 3", "agency": "cong-an", "created_at": "2025-07-03T00:00:00Z"})
    assert store.get_record("cases", "c1")["title"] == "Vụ 1"
    assert store.get_record("cases", "missing") is None
    assert [r["id"] for r in store.list_records("cases", {"agency": "cong-an"})] == ["c1", "c3"]
    assert [r["id"] for r in store.list_records("cases", {"agency": ["ngoai-vu", "cong-an"]}, order_by="created_at",
                                               descending=True, limit=2)] == ["c3", "c2"]
    store.put_record("cases", "c1", {"title": "Vụ 1 (sửa)", "agency": "cong-an"})
    assert store.get_record("cases", "c1")["title"] == "Vụ 1 (sửa)"
    assert store.delete_record("cases", "c1") is True
    assert store.delete_record("cases", "c1") is False
    assert store.get_record("cases", "c1") is None


def test_records_of_one_collection_are_separate_from_another(store: Store):
    store.put_record("users", "lan", {"role": "analyst"})
    assert store.get_record("sources", "lan") is None
    assert store.list_records("sources") == []


# ---------------------------------------------------------------- raw queue
def test_raw_queue_ignores_the_same_payload_twice(store: Store):
    payload = {"url": "https://a.vn/1", "title": "Một", "text": "Nội dung"}
    assert store.enqueue_raw([payload, dict(payload)]) == 1
    assert store.enqueue_raw([payload]) == 0
    assert store.enqueue_raw([dict(payload, text="Nội dung đã sửa")]) == 1
    assert store.raw_counts()["pending"] == 2


def test_raw_queue_keeps_claimed_records_until_finished(store: Store):
    store.enqueue_raw([{"url": f"https://a.vn/{i}", "text": str(i)} for i in range(5)])
    first = store.claim_raw(3)
    assert [r.payload["url"] for r in first] == ["https://a.vn/0", "https://a.vn/1", "https://a.vn/2"]
    # Not finished (a crash): the same records are claimed again.
    assert [r.raw_id for r in store.claim_raw(3)] == [r.raw_id for r in first]
    store.finish_raw([r.raw_id for r in first])
    assert [r.payload["url"] for r in store.claim_raw(10)] == ["https://a.vn/3", "https://a.vn/4"]
    assert store.raw_counts() == {"pending": 2, "done": 3, "failed": 0}


def test_raw_queue_fails_a_record_after_repeated_errors_and_keeps_the_reason(store: Store):
    store.enqueue_raw([{"url": "https://a.vn/bad", "text": "x"}])
    for _ in range(3):
        (record,) = store.claim_raw(1)
        store.finish_raw([], {record.raw_id: "trang hỏng"})
    assert store.claim_raw(1) == []
    assert store.raw_counts()["failed"] == 1


# ---------------------------------------------------------------- items and search
def test_items_come_back_in_the_order_asked(store: Store, newsroom):
    ids = list(newsroom.values())[:3][::-1]
    assert [i["id"] for i in store.get_items(ids + ["nope"])] == ids
    assert store.count_items() == 6
    assert sorted(i["id"] for i in store.iter_items(batch_size=2)) == sorted(newsroom.values())


def test_exact_duplicate_keys_are_found(store: Store, newsroom):
    url = "https://baothainguyen.vn/lu-quet-ba-be"
    found = store.find_by_keys([url_key(url), "unknown"], [content_hash("Giá vàng hôm nay", "Không liên quan đến tỉnh.")])
    assert found[url_key(url)] == newsroom[url]
    assert found[content_hash("Giá vàng hôm nay", "Không liên quan đến tỉnh.")] == newsroom["https://dantri.com.vn/khac"]
    assert "unknown" not in found


@pytest.mark.parametrize("text", ["Bắc Kạn", "bac kan", "BẮC KẠN", "Bắc Kạn"])
def test_search_finds_words_with_or_without_diacritics(store: Store, newsroom, text):
    hits = set(store.search(ItemQuery(text=text, relevant=True)).ids)
    assert hits == ids_for(newsroom, "https://baothainguyen.vn/lu-quet-ba-be", "https://example.org/hostile")


def test_search_matches_across_tone_mark_conventions(store: Store, newsroom):
    expected = ids_for(newsroom, "https://vnexpress.net/thai-nguyen-fdi")
    assert set(store.search(ItemQuery(text="hòa bình")).ids) == expected
    assert set(store.search(ItemQuery(text="hoà bình")).ids) == expected


def test_phrase_query_needs_the_words_in_order(store: Store, newsroom):
    assert set(store.search(ItemQuery(text='"sạt lở đất"')).ids) == ids_for(newsroom, "https://baothainguyen.vn/lu-quet-ba-be")
    assert store.search(ItemQuery(text='"đất lở sạt"')).total == 0


def test_boolean_queries(store: Store, newsroom):
    flood = "https://baothainguyen.vn/lu-quet-ba-be"
    fdi = "https://vnexpress.net/thai-nguyen-fdi"
    assert set(store.search(ItemQuery(text="FDI OR sạt")).ids) == ids_for(newsroom, flood, fdi)
    assert set(store.search(ItemQuery(text="Bắc Kạn NOT xuyên", relevant=True)).ids) == ids_for(newsroom, flood)
    assert set(store.search(ItemQuery(text="Bắc Kạn -\"xuyên tạc\"", relevant=True)).ids) == ids_for(newsroom, flood)
    assert set(store.search(ItemQuery(text="(FDI OR lũ) AND Thái", relevant=True)).ids) == ids_for(newsroom, fdi)
    everything_but_bac_kan = ids_for(newsroom, fdi, "https://news.example.com/en")
    assert set(store.search(ItemQuery(text="sạt OR NOT kạn", relevant=True)).ids) == everything_but_bac_kan | {newsroom[flood]}


def test_malformed_query_is_a_clear_error(store: Store, newsroom):
    with pytest.raises(QueryError):
        store.search(ItemQuery(text="(Bắc Kạn"))
    with pytest.raises(QueryError):
        store.search(ItemQuery(text='NOT "Bắc Kạn"'))


def test_duplicates_are_left_out_unless_asked(store: Store, newsroom):
    assert store.search(ItemQuery(text="sạt lở")).total == 1
    assert store.search(ItemQuery(text="sạt lở", include_duplicates=True)).total == 2


def test_field_filters(store: Store, newsroom):
    hostile = "https://example.org/hostile"
    assert set(store.search(ItemQuery(flags=("incitement",))).ids) == ids_for(newsroom, hostile)
    assert set(store.search(ItemQuery(reputation=("hostile", "official"))).ids) == ids_for(
        newsroom, hostile, "https://vnexpress.net/thai-nguyen-fdi")
    assert set(store.search(ItemQuery(status=("reviewing",), assignee=("lan",))).ids) == ids_for(newsroom, hostile)
    assert set(store.search(ItemQuery(places=("Ba Bể",))).ids) == ids_for(newsroom, "https://baothainguyen.vn/lu-quet-ba-be")
    assert set(store.search(ItemQuery(topics=("dau_tu",))).ids) == ids_for(newsroom, "https://vnexpress.net/thai-nguyen-fdi")
    assert set(store.search(ItemQuery(tone=("tich_cuc",))).ids) == ids_for(newsroom, "https://vnexpress.net/thai-nguyen-fdi")
    assert set(store.search(ItemQuery(lang=("en",))).ids) == ids_for(newsroom, "https://news.example.com/en")
    assert store.search(ItemQuery(relevant=False)).ids == [newsroom["https://dantri.com.vn/khac"]]
    assert store.search(ItemQuery(source_kind=("social",), relevant=True)).total == 1


def test_date_filter_is_half_open(store: Store, newsroom):
    query = ItemQuery(date_from=datetime(2025, 7, 9, 2, 0, tzinfo=UTC), date_to=datetime(2025, 7, 10, 3, 0, tzinfo=UTC))
    assert set(store.search(query).ids) == ids_for(newsroom, "https://news.example.com/en", "https://dantri.com.vn/khac")


def test_sort_by_urgency_and_paging(store: Store, newsroom):
    query = ItemQuery(relevant=True, sort="urgency", limit=2)
    first = store.search(query)
    assert first.total == 4
    assert first.ids == [newsroom["https://example.org/hostile"], newsroom["https://baothainguyen.vn/lu-quet-ba-be"]]
    second = store.search(query.with_(offset=2))
    assert len(second.ids) == 2 and not set(second.ids) & set(first.ids)


def test_newest_first_by_default(store: Store, newsroom):
    ids = store.search(ItemQuery(relevant=True)).ids
    assert ids[0] == newsroom["https://vnexpress.net/thai-nguyen-fdi"]
    assert ids[-1] == newsroom["https://example.org/hostile"]


def test_counts_by_field(store: Store, newsroom):
    assert store.count_by("source_kind", ItemQuery(relevant=True)) == [("national_press", 2), ("provincial_press", 1),
                                                                      ("social", 1)]
    assert dict(store.count_by("places", ItemQuery())) == {"Bắc Kạn": 2, "Ba Bể": 1, "Thái Nguyên": 1}
    assert dict(store.count_by("flags", ItemQuery(text="Bắc Kạn"))) == {"incitement": 1, "likely_false": 1, "scam": 1}


def test_histogram_counts_by_vietnamese_day(store: Store, newsroom):
    # 20:00 UTC on 10/07 is 03:00 on 11/07 in Vietnam.
    assert store.histogram(ItemQuery(relevant=True)) == [("2025-07-08", 1), ("2025-07-09", 1), ("2025-07-10", 1),
                                                         ("2025-07-11", 1)]


def test_items_are_found_by_when_the_office_first_saw_them(store: Store, newsroom):
    """Alert rules ask "what is new since I last looked": the date an item was first ingested, whatever its
    publication date (an old article crawled today is new to the office)."""
    old_news = make_item("https://baothainguyen.vn/bai-cu", "Bài cũ mới thu thập", "Nội dung về Thái Nguyên.",
                         published_at="2024-01-05T03:00:00Z", fetched_at="2025-07-12T01:00:00Z",
                         ingested_at="2025-07-12T01:05:00Z")
    store.upsert_items([old_news])
    store.refresh()
    since = datetime(2025, 7, 12, 0, 0, tzinfo=UTC)
    found = store.search(ItemQuery(date_field="ingested_at", date_from=since))
    assert found.ids == [old_news["id"]]
    # Items without ingested_at (written by older versions) count from their fetch time.
    assert store.search(ItemQuery(date_field="ingested_at", date_to=since)).total == 5
    assert store.search(ItemQuery(date_from=since)).total == 0  # by publication date: nothing this new
    with pytest.raises(Exception, match="cannot filter by date"):
        ItemQuery(date_field="updated_at")


def test_items_are_counted_and_filtered_by_the_sections_of_their_topics(store: Store, newsroom):
    """Each topic declares its newsroom sections; spikes and saved searches count and filter by them."""
    store.upsert_items([
        make_item("https://baothainguyen.vn/dich-ta", "Dịch tả lợn ở Phú Bình", "Ổ dịch mới.",
                  topics=[{"id": "y_te", "score": 0.9, "sections": ["suc_khoe", "nong_nghiep"]}]),
        make_item("https://baothainguyen.vn/vu-lua", "Vụ lúa xuân", "Nông dân xuống đồng.",
                  topics=[{"id": "nong_nghiep", "score": 0.8, "sections": ["nong_nghiep"]}]),
    ])
    store.refresh()
    assert dict(store.count_by("sections", ItemQuery())) == {"nong_nghiep": 2, "suc_khoe": 1}
    assert store.search(ItemQuery(sections=("suc_khoe",))).total == 1


def test_item_update_is_searchable_and_audited(store: Store, newsroom):
    target = newsroom["https://vnexpress.net/thai-nguyen-fdi"]
    store.update_item(target, {"status": "verified", "assignee": "minh"}, actor="lan", action="status",
                      reason="Đã kiểm tra với Sở")
    assert store.get_item(target)["status"] == "verified"
    assert store.search(ItemQuery(status=("verified",))).ids == [target]
    (entry,) = store.list_audit("item", target)
    assert entry["actor"] == "lan" and entry["after"] == {"status": "verified", "assignee": "minh"}
    assert entry["before"] == {"status": "new", "assignee": None} and entry["reason"] == "Đã kiểm tra với Sở"
    with pytest.raises(NotFound):
        store.update_item("missing", {"status": "closed"}, actor="lan", action="status")


def test_audit_trail_is_kept_in_order(store: Store):
    for n in range(3):
        store.audit("lan", f"step-{n}", "case", "c1", after={"n": n})
    store.audit("minh", "other", "case", "c2")
    assert [e["action"] for e in store.list_audit("case", "c1")] == ["step-0", "step-1", "step-2"]
    assert len(store.list_audit()) == 4


def test_captures_keep_raw_html_bytes(store: Store):
    html = "<html><body>Bắc Kạn</body></html>".encode()
    store.put_capture("i1", html, "abc123", "2025-07-10T04:00:00Z", "https://a.vn/1")
    capture = store.get_capture("i1")
    assert capture["html"] == html and capture["sha256"] == "abc123" and capture["url"] == "https://a.vn/1"
    assert store.get_capture("i2") is None


def test_vectors_nearest_first_and_restricted(store: Store):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 16)).astype(np.float32)
    ids = [f"v{i}" for i in range(20)]
    store.put_vectors("items", ids, vectors)
    hits = store.knn("items", vectors[7], k=3)
    assert hits[0][0] == "v7" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
    allowed = {"v1", "v2", "v3"}
    assert {h[0] for h in store.knn("items", vectors[7], k=5, allowed=allowed)} <= allowed
    # A vector replaced under the same id is found by its new value.
    store.put_vectors("items", ["v7"], [vectors[8]])
    assert {h[0] for h in store.knn("items", vectors[8], k=2)} == {"v7", "v8"}
    assert store.knn("claims", vectors[0], k=3) == []
    assert store.vector_spaces() == ["items"]
    listed = dict(store.iter_vectors("items"))
    assert sorted(listed) == sorted(ids)
    assert np.allclose(listed["v8"], vectors[8] / np.linalg.norm(vectors[8]), atol=1e-5)


def test_reindex_rebuilds_search_from_the_records(store: Store, newsroom):
    before = set(store.search(ItemQuery(text="Bắc Kạn", include_duplicates=True)).ids)
    assert store.reindex() == 6
    store.refresh()
    assert set(store.search(ItemQuery(text="Bắc Kạn", include_duplicates=True)).ids) == before


def test_hybrid_search_ranks_full_text_candidates_by_similarity(store: Store, newsroom):
    ids = list(newsroom.values())
    basis = np.eye(len(ids), 8, dtype=np.float32)
    store.put_vectors("items", ids, basis)
    probe = basis[2] + 0.5 * basis[0]  # most like the hostile item, then the flood item
    ranked = store.hybrid_search(ItemQuery(text="Bắc Kạn", relevant=True), probe)
    assert [item["id"] for item, _ in ranked] == [ids[2], ids[0]]
    assert ranked[0][1] > ranked[1][1]
    assert store.hybrid_search(ItemQuery(text="không có từ này"), probe) == []


def test_search_reads_spellings_that_dodge_filters(store: Store):
    """Look-alike letters and split-up words are indexed as a reader reads them, on every backend."""
    store.upsert_items([
        make_item("https://fb.example/a", "Тhái Nguyên: vỡ đập", "Chia sẻ gấp, vỡ đập ở Тhái Nguyên."),
        make_item("https://fb.example/b", "Tin nóng", "Lũ về T.h.á.i N.g.u.y.ê.n trong đêm."),
        make_item("https://fb.example/c", "Tin khác", "Lũ về Hà Nội trong đêm."),
    ])
    store.refresh()
    found = set(store.search(ItemQuery(text='"Thái Nguyên"')).ids)
    assert found == {item_id("https://fb.example/a"), item_id("https://fb.example/b")}


@pytest.fixture
def words_newsroom(store: Store):
    """Vietnamese words of two syllables, once together and once apart."""
    items = [
        make_item("https://baothainguyen.vn/thu-giu-ma-tuy", "Thu giữ 5 kg ma túy tổng hợp",
                  "Công an tỉnh Thái Nguyên thu giữ 5 kg ma túy tổng hợp tại xã Phú Bình."),
        make_item("https://baothainguyen.vn/chuyen-ma", "Chuyện ma ở bản làng",
                  "Chuyện ma ở bản được kể lại; ông lão say túy lúy sau bữa rượu."),
        make_item("https://baothainguyen.vn/sat-lo", "Sạt lở đất ở Ba Bể", "Mưa lớn gây sạt lở đất tại xã Ba Bể."),
        make_item("https://baothainguyen.vn/mai-nha", "Mưa to ở Chợ Đồn",
                  "Mái nhà bị sạt một góc, bờ kè lở một đoạn sau trận mưa."),
    ]
    store.upsert_items(items)
    store.refresh()
    return {item["url"]: item["id"] for item in items}


@pytest.mark.parametrize("text", ["ma túy", "ma tuy", "MA TÚY", '"ma túy"', "ma  túy"])
def test_two_syllables_of_a_dictionary_word_match_as_that_word(store: Store, words_newsroom, text):
    assert set(store.search(ItemQuery(text=text)).ids) == {words_newsroom["https://baothainguyen.vn/thu-giu-ma-tuy"]}


@pytest.mark.parametrize("text", ["sạt lở", "sat lo", '"sạt lở"'])
def test_sat_lo_is_one_word_with_or_without_quotes_or_diacritics(store: Store, words_newsroom, text):
    assert set(store.search(ItemQuery(text=text)).ids) == {words_newsroom["https://baothainguyen.vn/sat-lo"]}


def test_or_between_syllables_searches_each_on_its_own(store: Store, words_newsroom):
    both = {words_newsroom["https://baothainguyen.vn/thu-giu-ma-tuy"], words_newsroom["https://baothainguyen.vn/chuyen-ma"]}
    assert set(store.search(ItemQuery(text="ma OR túy")).ids) == both
    apart = {words_newsroom["https://baothainguyen.vn/sat-lo"], words_newsroom["https://baothainguyen.vn/mai-nha"]}
    assert set(store.search(ItemQuery(text="sat OR lo")).ids) == apart
    # A word next to one that is not in the dictionary with it stays a word of its own.
    assert set(store.search(ItemQuery(text="ma túy Phú Bình")).ids) == {
        words_newsroom["https://baothainguyen.vn/thu-giu-ma-tuy"]}


def test_relevance_puts_title_and_lead_matches_and_recent_items_first(store: Store):
    body = "Ông Nguyễn Văn A cho biết. " * 40
    recent = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = (datetime.now(UTC) - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = [
        make_item("https://a.vn/cu", "Tin cũ", body + "Cuối bài có nhắc chuyện sạt lở ở xã.",
                  published_at=old),
        make_item("https://a.vn/moi-tieu-de", "Sạt lở ở Ba Bể", "Mưa lớn kéo dài nhiều ngày.", published_at=recent),
        make_item("https://a.vn/moi-than-bai", "Tin mới", body + "Cuối bài có nhắc chuyện sạt lở ở xã.",
                  published_at=recent),
    ]
    store.upsert_items(items)
    store.refresh()
    ranked = store.search(ItemQuery(text="sạt lở", sort="relevance")).items
    assert [item["url"] for item in ranked] == ["https://a.vn/moi-tieu-de", "https://a.vn/moi-than-bai", "https://a.vn/cu"]
    assert store.search(ItemQuery(text="sạt lở", sort="relevance", limit=1, offset=2)).items[0]["url"] == "https://a.vn/cu"
