"""The "Cảnh báo" page over the real app: alerts with the state of every message, acknowledgement from the list and
from the link in a message, dead letters sent again, rules managed by a lead, never by an analyst; crawled titles
shown as text; an alert's item link opens the item."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard import actions
from pipeline.alerts import delivery
from pipeline.alerts.messages import ack_token
from pipeline.alerts.rules import create_rule
from pipeline.core.item import item_id
from pipeline.core.timeutil import iso, now_utc
from pipeline.office.accounts import PermissionDenied

RUMOUR = item_id("https://facebook.com/groups/tin-nong/posts/1001")
XSS = item_id("https://example-news.vn/thu-nghiem-xss.html")


def _texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "subheader", "success", "error", "warning", "info")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def _html(at) -> str:
    return "\n".join(e.value for e in at.get("html"))


def _alert(store, settings, item, urgent=True, deliveries=None) -> dict:
    rule = store.get_record("alert_rules", "tin-nong") or create_rule(
        store, settings, {"name": "Tin nóng", "query": "Thái Nguyên", "recipients": ["a@b.vn"]}, by="lanhdao")
    alert = {"id": f"al-{item['id'][:8]}", "rule_id": rule["id"], "rule_name": rule["name"], "kind": "search",
             "urgent": urgent, "state": "open", "level": 0, "item_id": item["id"], "item_ids": [item["id"]],
             "title": item["title"], "created_at": iso(now_utc() - timedelta(minutes=5)), "spike": None,
             "deliveries": deliveries or [{"id": "d1", "channel": "telegram", "to": "chuyenvien", "level": 0,
                                           "state": "sent", "attempts": 1, "sent_at": iso(now_utc())}]}
    store.put_record("alerts", alert["id"], alert)
    return alert


def test_an_alert_opened_from_its_message_link_is_acknowledged_with_one_click(app, store, seeded):
    alert = _alert(store, seeded.settings, store.get_item(RUMOUR))
    token = ack_token(store, alert["id"])
    at = app("chuyenvien")
    assert "1 cảnh báo khẩn chưa ai xác nhận" in _texts(at)
    at.query_params["alert"] = alert["id"]
    at.query_params["ack"] = token
    at = at.switch_page("views/alerts.py").run()
    assert not at.exception, at.exception
    assert "Thái Nguyên sắp xóa sổ xã Ba Bể" in _html(at) and "KHẨN" in _html(at)
    at.button(key=f"ack_opened_{alert['id']}").click().run()
    assert "Đã xác nhận" in _texts(at)
    stored = store.get_record("alerts", alert["id"])
    assert (stored["state"], stored["acknowledged_by"], stored["ack_via"]) == ("acknowledged", "chuyenvien", "link")
    assert [e["action"] for e in store.list_audit("alert", alert["id"])] == ["alert.ack"]


def test_delivery_states_show_and_a_dead_letter_is_sent_again_by_a_lead(app, store, seeded):
    alert = _alert(store, seeded.settings, store.get_item(RUMOUR), deliveries=[
        {"id": "d-mail", "channel": "email", "to": "lanhdao", "level": 0, "state": "dead", "attempts": 5,
         "error": "Không kết nối được máy chủ thư"},
        {"id": "d-tg", "channel": "telegram", "to": "lanhdao", "level": 0, "state": "failed", "attempts": 2,
         "error": "Telegram trả lời HTTP 502", "next_at": iso(now_utc() + timedelta(minutes=2))}])
    store.put_record("dead_letters", "dl-1", {
        "id": "dl-1", "alert_id": alert["id"], "rule_id": alert["rule_id"], "delivery_id": "d-mail",
        "channel": "email", "address": "lanhdao@b.vn", "attempts": 5, "state": "dead", "subject": alert["title"],
        "errors": [{"at": iso(now_utc()), "error": "Không kết nối được máy chủ thư"}], "created_at": iso(now_utc())})
    at = app("lanhdao").switch_page("views/alerts.py").run()
    table = at.dataframe[0].value
    assert list(table["Trạng thái"]) == ["Không gửi được", "Lỗi, sẽ gửi lại"]
    assert "Telegram trả lời HTTP 502" in list(table["Ghi chú"])
    at.button(key="resend_dl-1").click().run()
    assert store.get_record("dead_letters", "dl-1")["state"] == "resent"
    assert store.get_record("alert_outbox", "d-mail")["attempts"] == 0

    analyst = app("chuyenvien").switch_page("views/alerts.py").run()
    assert not [b for b in analyst.button if b.key and b.key.startswith("resend_")]
    assert "Chỉ lãnh đạo hoặc quản trị viên" in _texts(analyst)


def test_a_lead_adds_a_rule_from_the_page_and_an_analyst_cannot(app, store, seeded, actors):
    at = app("lanhdao").switch_page("views/alerts.py").run()
    at.text_input(key="rule_name").input("Tin giả về thiên tai")
    at.text_input(key="rule_query").input('"vỡ đập" OR "sơ tán"')
    at.text_input(key="rule_recipients").input("chuyenvien, lanhdao")
    at.text_input(key="rule_quiet").input("22:00-06:00")
    [save] = [b for b in at.get("form_submit_button") if b.label == "Lưu quy tắc"]
    save.click().run()
    assert not at.exception, at.exception
    rule = store.get_record("alert_rules", "tin-gia-ve-thien-tai")
    assert rule["recipients"] == ["chuyenvien", "lanhdao"] and rule["quiet_hours"] == "22:00-06:00"
    assert store.list_audit("alert_rule", rule["id"])[0]["actor"] == "lanhdao"
    with pytest.raises(PermissionDenied):
        actions.create_alert_rule(store, actors["analyst"], seeded.settings, {"name": "x", "query": "lũ",
                                                                              "recipients": ["a@b.vn"]})
    with pytest.raises(PermissionDenied):
        actions.acknowledge_alert(store, actors["viewer"], "any")
    with pytest.raises(PermissionDenied):
        actions.set_alert_contact(store, actors["analyst"], "lanhdao", "x@y.vn", None)
    actions.set_alert_contact(store, actors["analyst"], "chuyenvien", "cv@thainguyen.gov.vn", "1001")
    assert store.get_record("users", "chuyenvien")["telegram"] == "1001"


def test_crawled_titles_are_shown_as_text_and_the_item_link_opens_the_item(app, store, seeded):
    alert = _alert(store, seeded.settings, store.get_item(XSS), urgent=False)
    at = app("chuyenvien").switch_page("views/alerts.py").run()
    page = _html(at)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt; Tin thử" in page
    [link] = [link for link in at.get("page_link") if "script" in link.proto.label]
    assert link.proto.page.endswith("views/item.py") or "item" in link.proto.page
    delivery.acknowledge(store, alert["id"], by="chuyenvien")
    at = at.run()
    assert alert["id"] not in _html(at) and "Không có cảnh báo nào chưa xác nhận." in _texts(at)


def test_a_link_to_an_item_opens_it(app):
    at = app("chuyenvien")
    at.query_params["item"] = RUMOUR
    at = at.switch_page("views/queue.py").run()
    assert at.title[0].value.startswith("Thái Nguyên sắp xóa sổ xã Ba Bể")
