"""Alert rules are checked data: what they watch, who hears, when not to disturb; every change audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.alerts.rules import RuleError, base_query, create_rule, quiet_until, update_rule, validate
from pipeline.core import vocabulary
from pipeline.core.settings import Settings

SETTINGS = Settings({"alerts": {"webhooks": {"zalo": "http://127.0.0.1:9/hook"}}})


def test_quiet_hours_across_midnight_end_in_the_morning_vietnam_time():
    rule = {"quiet_hours": "22:00-06:00"}
    assert quiet_until(rule, datetime(2026, 7, 15, 16, 0, tzinfo=UTC)) == datetime(2026, 7, 15, 23, 0, tzinfo=UTC)
    assert quiet_until(rule, datetime(2026, 7, 15, 22, 30, tzinfo=UTC)) == datetime(2026, 7, 15, 23, 0, tzinfo=UTC)
    assert quiet_until(rule, datetime(2026, 7, 15, 3, 0, tzinfo=UTC)) is None  # 10:00 in Hà Nội
    lunch = {"quiet_hours": "11:30-13:30"}
    assert quiet_until(lunch, datetime(2026, 7, 15, 5, 0, tzinfo=UTC)) == datetime(2026, 7, 15, 6, 30, tzinfo=UTC)
    assert quiet_until({}, datetime(2026, 7, 15, 16, 0, tzinfo=UTC)) is None


def test_filters_and_scope_become_the_store_query(home):
    flag = vocabulary.codes("flags")[0]
    with home.open_store() as store:
        rule = validate(store, SETTINGS, {"name": "x", "query": "lũ", "filters": {"flags": [flag], "places": "Ba Bể"},
                                          "recipients": ["a@b.vn"]})
    query = base_query(rule)
    assert (query.text, query.flags, query.places, query.relevant) == ("lũ", (flag,), ("Ba Bể",), True)
    assert base_query({**rule, "scope": "all"}).relevant is None
    national = base_query({**rule, "scope": "national", "filters": {}})
    assert national.relevant is False and national.flags == vocabulary.codes("flags")  # as the queue's "Toàn quốc"


@pytest.mark.parametrize(("data", "message"), [
    ({"query": "lũ"}, "cần một tên"),
    ({"name": "x"}, "ngưỡng mức khẩn"),
    ({"name": "x", "kind": "search"}, "cần một truy vấn hoặc ít nhất một bộ lọc"),
    ({"name": "x", "query": "lũ", "filters": {"status": ["new"]}}, "Không lọc được theo 'status'"),
    ({"name": "x", "query": "lũ", "kind": "urgency", "min_urgency": 2}, "từ 0 đến 1"),
    ({"name": "x", "kind": "spike", "spike": {"fields": ["khong_co"]}}, "Không đếm đột biến theo được"),
    ({"name": "x", "kind": "spike", "spike": {"factor": "nhiều"}}, "không hợp lệ"),
    ({"name": "x", "query": "lũ", "webhooks": ["khong-co"], "channels": ["webhook"]}, "Chưa cấu hình webhook"),
    ({"name": "x", "query": "lũ", "rate_limit": 0}, "Giới hạn tần suất"),
    ({"name": "x", "query": "lũ", "recipients": []}, "ít nhất một người nhận"),
])
def test_a_bad_rule_is_refused_with_why(home, data, message):
    data = {"recipients": ["a@b.vn"], **data}
    with home.open_store() as store, pytest.raises(RuleError, match=message):
        validate(store, SETTINGS, data)


def test_a_webhook_only_rule_needs_no_person_and_changes_are_audited(home):
    with home.open_store() as store:
        rule = create_rule(store, SETTINGS, {"name": "Sang Zalo", "query": "lũ", "channels": ["webhook"]}, by="lead")
        assert rule["webhooks"] == ["zalo"] and rule["recipients"] == []
        update_rule(store, SETTINGS, rule["id"], {"quiet_hours": "22:00-06:00", "rate_limit": 3}, by="admin")
        with pytest.raises(RuleError, match="Không sửa được"):
            update_rule(store, SETTINGS, rule["id"], {"created_by": "khac"}, by="admin")
        trail = store.list_audit("alert_rule", rule["id"])
    assert [(e["action"], e["actor"]) for e in trail] == [("alert_rule.create", "lead"), ("alert_rule.update", "admin")]
    assert trail[1]["after"] == {"quiet_hours": "22:00-06:00", "rate_limit": 3}
