"""Story clusters (one event, several outlets) and urgency with its reasons."""

from __future__ import annotations

from datetime import UTC, datetime

from classifiers.runtime.clusters import ClusterSettings, StoryClusters, cluster_record_id
from classifiers.runtime.urgency import Urgency
from pipeline.core.settings import Settings

BAO_LAC = {"name": "Xã Bảo Lạc", "kind": "commune"}


def _item(item_id: str, source: str, title: str, lead: str, at: str, places: list[dict] | None = None) -> dict:
    return {"id": item_id, "source": source, "title": title, "lead": lead, "text": lead, "published_at": at,
            "relevant": True, "places": places or []}


def _assign(clusters: StoryClusters, items: list[dict], store) -> None:
    clusters.assign(items, store)
    store.upsert_items(items)


def test_one_event_told_by_two_outlets_in_other_words_is_one_story_that_knows_its_first_item(store):
    clusters = StoryClusters(ClusterSettings.from_settings(Settings()))
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
    _assign(StoryClusters(ClusterSettings.from_settings(Settings())), [second], store)  # a later run: the earlier items come from the store
    assert second["cluster_id"] == first["cluster_id"] == "i1"
    assert other_event["cluster_id"] != first["cluster_id"]
    record = store.get_record("state", cluster_record_id("i1"))
    assert record["earliest_item"] == "i1" and record["outlet_count"] == 2 and record["item_count"] == 2


def test_same_kind_of_event_in_two_communes_is_two_stories(store):
    items = [
        _item("c1", "a", "Đại hội Đảng bộ xã Bảo Lạc nhiệm kỳ 2025-2030", "Đại hội Đảng bộ xã Bảo Lạc thành công.",
              "2026-11-20T01:00:00Z", [BAO_LAC]),
        _item("c2", "b", "Đại hội Đảng bộ xã Hòa An nhiệm kỳ 2025-2030", "Đại hội Đảng bộ xã Hòa An thành công.",
              "2026-11-20T02:00:00Z", [{"name": "Xã Hòa An", "kind": "commune"}]),
    ]
    _assign(StoryClusters(ClusterSettings.from_settings(Settings())), items, store)
    assert items[0]["cluster_id"] != items[1]["cluster_id"]


def test_near_duplicate_joins_its_originals_story(store):
    clusters = StoryClusters(ClusterSettings.from_settings(Settings()))
    original = _item("o1", "nhan-dan", "Khánh thành cầu treo ở Bảo Lạc", "Cây cầu treo mới nối hai bản.",
                     "2026-11-20T01:00:00Z", [BAO_LAC])
    _assign(clusters, [original], store)
    copy = {**original, "id": "o2", "source": "bao-moi", "duplicate_of": "o1"}
    clusters.assign([copy], store)
    assert copy["cluster_id"] == "o1"
    assert clusters.outlets("o1", store) == 2


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
