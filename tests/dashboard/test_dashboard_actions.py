"""The service layer: every change is permission-checked on the server and audited."""

from __future__ import annotations

import pytest
from dashboard_seed import CLAIM_ID

from dashboard import actions
from pipeline.core.item import item_id
from pipeline.core.store import ItemQuery
from pipeline.office.accounts import PermissionDenied

LANDSLIDE = item_id("https://baothainguyen.vn/xa-hoi/sat-lo-ba-be-123.html")
RUMOUR = item_id("https://facebook.com/groups/tin-nong/posts/1001")
FESTIVAL = item_id("https://baothainguyen.vn/van-hoa/le-hoi-long-tong-ba-be-987.html")


def _every_mutation(store, actor, seeded):
    """Each mutating action of the dashboard, called as ``actor``."""
    return {
        "set_status": lambda: actions.set_status(store, actor, [LANDSLIDE], "reviewing"),
        "assign_self": lambda: actions.assign(store, actor, [LANDSLIDE], actor.login),
        "assign_other": lambda: actions.assign(store, actor, [LANDSLIDE], "lanhdao"),
        "add_note": lambda: actions.add_note(store, actor, LANDSLIDE, "ghi chú"),
        "label_flag": lambda: actions.label_flag(store, actor, RUMOUR, "incitement", "confirmed"),
        "add_flag": lambda: actions.add_flag(store, actor, LANDSLIDE, "scam", "trang giả mạo xin tiền cứu trợ"),
        "set_section": lambda: actions.set_section(store, actor, LANDSLIDE, "moi_truong"),
        "create_case": lambda: actions.create_case(
            store, actor, known_agencies=["cong-an-tinh"], deadline_hours={"high": 72}, title="Hồ sơ",
            item_ids=[RUMOUR], agency="cong-an-tinh", severity="high"),
        "source_enable": lambda: actions.set_source_enabled(store, actor, "bao-thai-nguyen", False),
        "source_reputation": lambda: actions.set_source_reputation(store, actor, "bao-thai-nguyen", "hostile"),
        "add_source": lambda: actions.add_source(store, actor, {"name": "Nguồn mới", "urls": ["https://a.vn/rss"]},
                                                 seeded.settings),
        "submit_url": lambda: actions.submit_url(seeded, store, actor, "https://vnexpress.net/x.html"),
        "save_claim": lambda: actions.save_claim(store, actor, {"active": False}, claim_id=CLAIM_ID),
        "approve_digest": lambda: actions.approve_digest(store, actor, "day-2026-11-24"),
        "create_user": lambda: actions.create_user(store, actor, "moi", "viewer", "mat-khau-123"),
        "reset_password": lambda: actions.reset_password(store, actor, "chuyenvien", "mat-khau-123"),
        "set_role": lambda: actions.set_user_role(store, actor, "chuyenvien", "admin"),
        "disable_user": lambda: actions.set_user_disabled(store, actor, "chuyenvien", True),
    }


def _snapshot(store):
    return (store.get_items([LANDSLIDE, RUMOUR]), store.list_records("cases"), store.list_records("sources"),
            store.list_records("claims"), store.list_records("labels"), store.list_records("users"),
            len(store.list_audit()))


def test_viewer_is_refused_every_change_on_the_server_and_nothing_changes(store, seeded, actors):
    before = _snapshot(store)
    for name, mutate in _every_mutation(store, actors["viewer"], seeded).items():
        with pytest.raises(PermissionDenied):
            mutate()
            pytest.fail(f"viewer was allowed to {name}")
    assert _snapshot(store) == before


def test_analyst_is_refused_what_needs_a_lead_or_admin(store, seeded, actors):
    mutations = _every_mutation(store, actors["analyst"], seeded)
    for name in ("assign_other", "source_enable", "source_reputation", "add_source", "approve_digest",
                 "create_user", "reset_password", "set_role", "disable_user"):
        with pytest.raises(PermissionDenied):
            mutations[name]()


def test_status_workflow_refuses_skipping_review_and_audits_each_step(store, actors):
    analyst = actors["analyst"]
    skipped = actions.set_status(store, analyst, [LANDSLIDE], "false", "đoán")
    assert skipped.done == [] and "không thể chuyển" in skipped.skipped[LANDSLIDE]
    assert store.get_item(LANDSLIDE)["status"] == "new"
    actions.set_status(store, analyst, [LANDSLIDE], "reviewing", "xem")
    actions.set_status(store, analyst, [LANDSLIDE], "verified", "đã xác minh với UBND xã")
    assert store.get_item(LANDSLIDE)["status"] == "verified"
    trail = [e for e in store.list_audit("item", LANDSLIDE) if e["action"] == "item.status"]
    assert [(e["before"]["status"], e["after"]["status"]) for e in trail] == [("new", "reviewing"), ("reviewing", "verified")]
    assert trail[-1]["actor"] == "chuyenvien" and trail[-1]["reason"] == "đã xác minh với UBND xã" and trail[-1]["at"]


def test_bulk_mark_reviewed_moves_new_items_and_says_why_others_were_skipped(store, actors):
    analyst = actors["analyst"]
    store.update_item(FESTIVAL, {"status": "routed"}, actor="t", action="item.status")
    result = actions.set_status(store, analyst, [LANDSLIDE, RUMOUR, FESTIVAL, "khong-co"], "reviewing")
    assert result.done == [LANDSLIDE, RUMOUR]
    assert set(result.skipped) == {FESTIVAL, "khong-co"}
    assert [item["status"] for item in store.get_items([LANDSLIDE, RUMOUR, FESTIVAL])] == ["reviewing", "reviewing", "routed"]


def test_flag_decision_is_kept_as_a_training_label_and_on_the_item(store, actors):
    before = store.get_item(RUMOUR)
    label = actions.label_flag(store, actors["analyst"], RUMOUR, "incitement", "rejected", "tin cũ, đã đính chính")
    assert store.get_record("labels", label["id"]) == {
        "id": f"{RUMOUR}|flag:incitement", "item_id": RUMOUR, "task": "flag:incitement", "label": "rejected",
        "actor": "chuyenvien", "at": label["at"]}
    item = store.get_item(RUMOUR)
    flags = {flag["name"]: flag for flag in item["flags"]}
    assert flags["incitement"]["decision"]["label"] == "rejected"  # kept on the item as history
    assert "decision" not in flags["likely_false"]
    assert store.list_audit("item", RUMOUR)[-1]["action"] == "item.flag.rejected"
    with pytest.raises(actions.ActionError):
        actions.label_flag(store, actors["analyst"], RUMOUR, "sovereignty", "confirmed")
    # A rejected flag stops counting: the queue's filter and counts, and urgency (recomputed).
    store.refresh()
    assert RUMOUR not in store.search(ItemQuery(flags=("incitement",))).ids
    assert RUMOUR in store.search(ItemQuery(flags=("likely_false",))).ids
    assert dict(store.count_by("flags", ItemQuery())).get("incitement", 0) == 0
    assert not any("kích động" in reason for reason in item["urgency_reasons"])
    assert item["urgency"] <= before["urgency"]


def test_an_analyst_adds_a_flag_the_classifiers_missed_with_a_note(store, actors):
    with pytest.raises(actions.ActionError):
        actions.add_flag(store, actors["analyst"], LANDSLIDE, "scam", "  ")
    with pytest.raises(actions.ActionError):
        actions.add_flag(store, actors["analyst"], LANDSLIDE, "hostile", "cờ cũ")
    label = actions.add_flag(store, actors["analyst"], LANDSLIDE, "scam", "trang giả mạo kêu gọi chuyển tiền cứu trợ")
    assert store.get_record("labels", label["id"])["label"] == "confirmed"
    item = store.get_item(LANDSLIDE)
    flag = next(f for f in item["flags"] if f["name"] == "scam")
    assert flag["origin"] == "analyst" and flag["decision"]["label"] == "confirmed"
    assert flag["evidence"][0]["kind"] == "analyst" and "chuyển tiền cứu trợ" in flag["evidence"][0]["text"]
    assert any("lừa đảo" in reason for reason in item["urgency_reasons"])
    store.refresh()
    assert LANDSLIDE in store.search(ItemQuery(flags=("scam",))).ids
    assert store.list_audit("item", LANDSLIDE)[-1]["action"] == "item.flag.added"


def test_an_analysts_section_correction_leads_the_items_topics_and_is_kept_as_a_training_label(store, actors):
    label = actions.set_section(store, actors["analyst"], LANDSLIDE, "moi_truong", "sạt lở là thiên tai")
    assert store.get_record("labels", label["id"])["task"] == "topic"
    assert store.get_record("labels", label["id"])["label"] == "moi_truong"
    first = store.get_item(LANDSLIDE)["topics"][0]
    assert first["id"] == "moi_truong" and first["sections"] == ["moi_truong"]
    assert "sửa chuyên mục" in first["evidence"][0]["detail"]
    assert store.list_audit("item", LANDSLIDE)[-1]["action"] == "item.section"
    with pytest.raises(actions.ActionError):
        actions.set_section(store, actors["analyst"], LANDSLIDE, "suc_khoe")


def test_analyst_takes_an_item_but_only_a_lead_assigns_it_to_someone_else(store, actors):
    actions.assign(store, actors["analyst"], [LANDSLIDE], "chuyenvien")
    assert store.get_item(LANDSLIDE)["assignee"] == "chuyenvien"
    actions.assign(store, actors["lead"], [LANDSLIDE, RUMOUR], "quantri", "phân công trực ban")
    assert [item["assignee"] for item in store.get_items([LANDSLIDE, RUMOUR])] == ["quantri", "quantri"]
    with pytest.raises(actions.ActionError, match="tài khoản"):
        actions.assign(store, actors["lead"], [LANDSLIDE], "khong-co-ai")
    with pytest.raises(actions.ActionError, match="chỉ có quyền xem"):
        actions.assign(store, actors["lead"], [LANDSLIDE], "nguoixem")


def test_notes_accumulate_with_author_and_time(store, actors):
    actions.add_note(store, actors["analyst"], LANDSLIDE, "Đã gọi UBND xã Ba Bể")
    actions.add_note(store, actors["lead"], LANDSLIDE, "Theo dõi tiếp")
    notes = store.get_item(LANDSLIDE)["notes"]
    assert [(n["by"], n["text"]) for n in notes] == [("chuyenvien", "Đã gọi UBND xã Ba Bể"), ("lanhdao", "Theo dõi tiếp")]
    with pytest.raises(actions.ActionError):
        actions.add_note(store, actors["analyst"], LANDSLIDE, "   ")


def test_admin_switches_a_source_off_and_changes_its_reputation_with_audit(store, actors):
    actions.set_source_enabled(store, actors["admin"], "bao-thai-nguyen", False, "trang lỗi")
    actions.set_source_reputation(store, actors["admin"], "nhom-tin-nong", "unverified")
    assert store.get_record("sources", "bao-thai-nguyen")["enabled"] is False
    assert store.get_record("sources", "nhom-tin-nong")["reputation"] == "unverified"
    assert store.list_audit("source", "bao-thai-nguyen")[-1]["before"] == {"enabled": True}
    with pytest.raises(actions.ActionError):
        actions.set_source_reputation(store, actors["admin"], "nhom-tin-nong", "trusted")


def test_admin_adds_a_source_through_the_source_checks(store, seeded, actors):
    added = actions.add_source(store, actors["admin"], {"name": "Báo Mới Tỉnh", "kind": "provincial_press",
                                                         "urls": ["https://baomoi.example/rss"]}, seeded.settings)
    assert store.get_record("sources", added["id"])["urls"] == ["https://baomoi.example/rss"]
    with pytest.raises(actions.ActionError, match="không hợp lệ"):
        actions.add_source(store, actors["admin"], {"name": "Xấu", "urls": ["ftp://x"]}, seeded.settings)


def test_submitted_private_address_is_refused_before_anything_is_fetched(store, seeded, actors, monkeypatch):
    monkeypatch.delenv("DIEMTIN_ALLOW_PRIVATE_NETWORKS", raising=False)
    for url in ("http://127.0.0.1:8080/admin", "http://10.0.0.5/", "http://[::1]/", "file:///etc/passwd"):
        with pytest.raises(actions.ActionError, match="Không thu thập"):
            actions.submit_url(seeded, store, actors["analyst"], url)
    assert store.raw_counts().get("pending", 0) == 0
    assert store.list_audit("url")[-1]["action"] == "source.submit_url.refused"


def test_lead_approves_a_draft_digest_through_the_digest_workflow(store, actors):
    store.put_record("digests", "day-2026-11-24", {"id": "day-2026-11-24", "status": "draft", "period": "day",
                                                     "created_at": "2026-11-25T00:00:00Z", "files": {}})
    approved = actions.approve_digest(store, actors["lead"], "day-2026-11-24")
    assert approved["status"] == "approved" and approved["approved_by"] == "lanhdao"
    with pytest.raises(actions.ActionError):
        actions.approve_digest(store, actors["lead"], "day-2026-11-24")


def test_claims_are_added_edited_and_retired_through_the_knowledge_base(store, seeded, actors):
    analyst = actors["analyst"]
    added = actions.save_claim(store, analyst, {
        "claim": "Nhà máy nước Thái Nguyên bị nhiễm độc", "rebuttal": "Sở Y tế kiểm tra: nước đạt chuẩn.",
        "rebuttal_source": "Sở Y tế", "rebuttal_date": "2025-11-02", "topics": ["kinh_te_xa_hoi"]})
    actions.save_claim(store, analyst, {"rebuttal": "Kết quả xét nghiệm: nước đạt QCVN 01."},
                       claim_id=added["id"], reason="bổ sung")
    actions.save_claim(store, analyst, {"active": False}, claim_id=CLAIM_ID, reason="hết hiệu lực")
    assert store.get_record("claims", added["id"])["rebuttal"] == "Kết quả xét nghiệm: nước đạt QCVN 01."
    assert store.get_record("claims", CLAIM_ID)["active"] is False
    assert [e["action"] for e in store.list_audit("claim") if e["actor"] == analyst.login] == [
        "claim.add", "claim.update", "claim.deactivate"]
    with pytest.raises(actions.ActionError):
        actions.save_claim(store, analyst, {"claim": "", "rebuttal": ""})
