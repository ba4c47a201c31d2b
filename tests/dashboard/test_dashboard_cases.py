"""Cases: routing to an agency, the lifecycle, overdue detection and escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard import actions
from pipeline.core.item import item_id
from pipeline.core.timeutil import LOCAL_TZ, iso, now_utc, parse_iso
from pipeline.office import cases
from pipeline.office.accounts import PermissionDenied

RUMOUR = item_id("https://facebook.com/groups/tin-nong/posts/1001")
STRIKE = item_id("https://laodong.vn/cong-doan/cong-nhan-kcn-yen-binh-ngung-viec-321.ldo")
HOURS = {"urgent": 24, "high": 72, "medium": 168, "low": 336}


def _open(store, actor, seeded, **overrides):
    fields = {"title": "Tin đồn xóa sổ xã Ba Bể", "item_ids": [RUMOUR], "agency": "cong-an-tinh",
              "severity": "high", "asked": "Xác minh, xử lý người đăng tin"}
    fields.update(overrides)
    agencies = cases.agency_options(seeded.profile)
    return actions.create_case(store, actor, known_agencies=list(agencies), deadline_hours=HOURS, **fields)


def test_case_goes_from_open_to_closed_and_carries_its_items_along(store, seeded, actors):
    analyst, lead = actors["analyst"], actors["lead"]
    for status in ("reviewing", "false"):
        assert actions.set_status(store, analyst, [RUMOUR], status).done == [RUMOUR]
    case = _open(store, analyst, seeded)
    assert case["id"].startswith("HS-") and case["status"] == "open" and case["created_by"] == "chuyenvien"
    with pytest.raises(PermissionDenied):
        actions.send_case(store, analyst, case["id"])  # routing needs a lead's approval
    actions.send_case(store, lead, case["id"], "đồng ý chuyển")
    assert store.get_item(RUMOUR)["status"] == "routed"
    actions.acknowledge_case(store, analyst, case["id"])
    actions.record_response(store, analyst, case["id"], "Công an tỉnh đã mời người đăng tin làm việc.")
    assert store.get_item(RUMOUR)["status"] == "responded"
    with pytest.raises(cases.CaseError, match="kết quả"):
        actions.close_case(store, lead, case["id"], " ")
    closed = actions.close_case(store, lead, case["id"], "Người đăng tin đã gỡ bài và xin lỗi.")
    assert closed["status"] == "closed" and closed["closed_by"] == "lanhdao" and closed["responded_at"]
    assert store.get_item(RUMOUR)["status"] == "closed"
    trail = [entry["action"] for entry in store.list_audit("case", case["id"])]
    assert trail == ["case.create", "case.sent", "case.acknowledged", "case.responded", "case.closed"]
    assert {entry["action"] for entry in store.list_audit("item", RUMOUR)} >= {"case.link", "item.status"}


def test_case_step_out_of_order_is_refused(store, seeded, actors):
    case = _open(store, actors["analyst"], seeded)
    with pytest.raises(cases.CaseError, match="không thể chuyển"):
        actions.acknowledge_case(store, actors["analyst"], case["id"])


def test_case_needs_a_known_agency_existing_items_and_a_valid_severity(store, seeded, actors):
    with pytest.raises(cases.CaseError, match="Cơ quan"):
        _open(store, actors["analyst"], seeded, agency="cia")
    with pytest.raises(cases.CaseError, match="Không tìm thấy tin"):
        _open(store, actors["analyst"], seeded, item_ids=["khong-co"])
    with pytest.raises(cases.CaseError, match="Mức độ"):
        _open(store, actors["analyst"], seeded, severity="rất cao")
    assert store.list_records("cases") == []


def test_deadline_defaults_from_severity_and_ids_count_up_within_a_day(store, seeded, actors):
    urgent = _open(store, actors["analyst"], seeded, severity="urgent")
    low = _open(store, actors["analyst"], seeded, severity="low", item_ids=[STRIKE])
    created = parse_iso(urgent["created_at"])
    assert parse_iso(urgent["deadline"]) - created == timedelta(hours=24)
    assert parse_iso(low["deadline"]) - parse_iso(low["created_at"]) == timedelta(hours=336)
    day = created.astimezone(LOCAL_TZ).strftime("%Y%m%d")
    assert (urgent["id"], low["id"]) == (f"HS-{day}-001", f"HS-{day}-002")


def test_overdue_case_is_escalated_to_active_leads_once(store, seeded, actors):
    late = _open(store, actors["analyst"], seeded, deadline=iso(now_utc() - timedelta(hours=2)))
    _open(store, actors["analyst"], seeded, item_ids=[STRIKE])  # deadline in 3 days: not overdue
    answered = _open(store, actors["analyst"], seeded, deadline=iso(now_utc() - timedelta(hours=1)))
    actions.send_case(store, actors["lead"], answered["id"])
    actions.record_response(store, actors["analyst"], answered["id"], "Đã xử lý")
    assert [case["id"] for case in cases.overdue_cases(store)] == [late["id"]]
    escalated = cases.escalate_overdue(store)
    assert [case["id"] for case in escalated] == [late["id"]]
    assert store.get_record("cases", late["id"])["escalated_to"] == ["lanhdao"]
    assert cases.escalate_overdue(store) == []  # once
    assert store.list_audit("case", late["id"])[-1]["action"] == "case.escalate"


def test_agency_is_suggested_from_the_items_flags_and_topics(seeded):
    from dashboard_seed import seed_items

    by_id = {item["id"]: item for item in seed_items()}
    # A rumour about the administrative merger: not a public-safety claim, so not the police (content routing).
    assert cases.suggest_agency(seeded.profile, [by_id[RUMOUR]]) == "bcd-35"
    assert cases.suggest_agency(seeded.profile, [by_id[STRIKE]]) == "ban-ql-kcn"
