"""`diemtin alerts add|list|test|disable|enable|contact|calendar`, as an operator runs them: rules are data in the
store, every change audited as the operating-system user, bad input refused in Vietnamese."""

from __future__ import annotations

import getpass
from datetime import timedelta

from pipeline.core.timeutil import now_utc
from pipeline.office.accounts import create_user
from tests.alerts.plant import FALSE_FLAG, item, plant
from tests.conftest import json_lines, run_cli
from tests.servers import http_stand_in, telegram_answer


def test_add_list_test_and_disable_a_saved_search(home):
    with home.open_store() as store:
        now = now_utc()
        plant(store, [item("https://mxh.vn/tin-gia", now - timedelta(hours=2), "Tin giả: vỡ đập thủy điện Núi Cốc",
                           flags=[FALSE_FLAG], ingested=now - timedelta(hours=1), urgency=0.9)])
    added = json_lines(run_cli("alerts", "add", "--name", "Tin giả về đập", "--query", "đập OR hồ chứa",
                               "--flag", FALSE_FLAG, "--to", "canhbao@thainguyen.gov.vn", "--to", "telegram:1001",
                               "--channel", "email", "--channel", "telegram", "--quiet", "22:00-06:00",
                               "--rate-limit", "4", "--urgent", home=home).stdout)[0]
    assert added["id"] == "tin-gia-ve-dap" and added["filters"] == {"flags": [FALSE_FLAG]}
    assert added["recipients"] == ["canhbao@thainguyen.gov.vn", "telegram:1001"] and added["urgent"] is True

    listed = run_cli("alerts", "list", home=home).stdout
    assert "tin-gia-ve-dap" in listed and "[bật]" in listed and "đập OR hồ chứa" in listed

    preview = json_lines(run_cli("alerts", "test", "tin-gia-ve-dap", "--hours", "6", home=home).stdout)[0]
    assert [s["title"] for s in preview["stories"]] == ["Tin giả: vỡ đập thủy điện Núi Cốc"]
    with home.open_store() as store:
        assert store.list_records("alerts") == [] and store.list_records("alert_outbox") == []  # nothing stored

    run_cli("alerts", "disable", "tin-gia-ve-dap", "--reason", "đợt lũ đã qua", home=home)
    assert "[TẮT]" in run_cli("alerts", "list", home=home).stdout
    with home.open_store() as store:
        trail = store.list_audit("alert_rule", "tin-gia-ve-dap")
    assert [e["action"] for e in trail] == ["alert_rule.create", "alert_rule.disable"]
    assert {e["actor"] for e in trail} == {f"cli:{getpass.getuser()}"}
    assert trail[1]["reason"] == "đợt lũ đã qua"


def test_bad_rules_are_refused_in_vietnamese(home):
    cases = [
        (["--query", "(lũ"], "Truy vấn không hợp lệ"),
        (["--query", "lũ", "--flag", "khong_co_co_nay"], "Mã không có trong từ điển"),
        (["--query", "lũ", "--channel", "zalo"], "Kênh không hợp lệ"),
        (["--query", "lũ", "--quiet", "22h-6h"], "Giờ yên lặng"),
        (["--query", "lũ", "--channel", "webhook"], "alerts.webhooks"),
    ]
    for extra, message in cases:
        result = run_cli("alerts", "add", "--name", "Sai", "--to", "a@b.vn", *extra, home=home, check=False)
        assert result.returncode == 2 and message in result.stderr, (extra, result.stderr)
    result = run_cli("alerts", "add", "--name", "Sai", "--query", "lũ", "--to", "nguoi-la", home=home, check=False)
    assert "không phải tài khoản đang hoạt động" in result.stderr
    with home.open_store() as store:
        assert store.list_records("alert_rules") == []


def test_contact_and_a_test_message_over_telegram(home):
    with http_stand_in(telegram_answer) as bot:
        env = {"DIEMTIN_ALERTS__TELEGRAM_API": bot.url, "DIEMTIN_ALERTS__TELEGRAM_TOKEN": "TEST-TOKEN"}
        with home.open_store() as store:
            create_user(store, "trucban", "analyst", "mat-khau-dai-1", by="test")
        contact = json_lines(run_cli("alerts", "contact", "trucban", "--telegram", "1001", home=home).stdout)[0]
        assert contact == {"login": "trucban", "email": None, "telegram": "1001"}
        run_cli("alerts", "add", "--name", "Thử", "--spike", "--to", "trucban", "--channel", "telegram", home=home)
        result = run_cli("alerts", "test", "thu", "--send", home=home, env=env)
        lines = json_lines(result.stdout)
        assert lines[0]["kind"] == "spike" and lines[0]["spikes"] == []
        assert lines[1] == {"to": "trucban", "channel": "telegram", "ok": True, "reference": "1"}
        assert "Tin nhắn thử" in bot.requests[0].json()["text"]
        bad = run_cli("alerts", "contact", "trucban", "--telegram", "@trucban", home=home, check=False)
        assert bad.returncode == 2 and "Mã chat Telegram là một số" in bad.stderr


def test_calendar_lists_the_year_with_lunar_dates_converted(home):
    lines = json_lines(run_cli("alerts", "calendar", "--year", "2027", "--json", home=home).stdout)
    by_id = {line["id"]: line for line in lines}
    assert by_id["tet_nguyen_dan"]["first"] == "2027-02-06" and by_id["tet_nguyen_dan"]["lunar"] == [1, 1]
    assert by_id["quoc_khanh"]["first"] == "2027-09-02"
    assert by_id["le_hoi_den_duom"]["origin"] == "hồ sơ tỉnh thai-nguyen"
    text = run_cli("alerts", "calendar", "--year", "2027", home=home).stdout
    assert "06/02/2027" in text and "Tết Nguyên đán" in text and "âm lịch 1/1" in text
