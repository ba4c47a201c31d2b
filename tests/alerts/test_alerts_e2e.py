"""Alerts end to end, over real channels on 127.0.0.1: a saved search reaches the duty officer by e-mail
(plain, STARTTLS, SSL), Telegram and a webhook, once per story; a failing webhook is retried until it recovers or
kept as a dead letter; quiet hours, rate limits, acknowledgement and escalation; a planted spike alerts with its
reasons and planted holiday coverage does not."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from pipeline.alerts import delivery
from pipeline.alerts.evaluate import run_alerts
from pipeline.alerts.messages import ack_token
from pipeline.alerts.rules import create_rule
from pipeline.alerts.spikes import BASELINES
from pipeline.cli.scheduler import tick
from tests.alerts.conftest import (
    DUTY,
    DUTY_CHAT,
    LEAD,
    LEAD_CHAT,
    WEBHOOK_SECRET,
    configure,
    make_office,
)
from tests.alerts.plant import FALSE_FLAG, background, burst, item, plant
from tests.servers import failing_then_ok, http_stand_in, smtp_server, telegram_answer

# Wednesday 15/07/2026, 10:00 in Hà Nội.
NOW = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)
LANDSLIDE = "Sạt lở đất vùi lấp nhà dân ở xã Ba Bể"


def landslide_story(now: datetime = NOW, copies: int = 3, start: int = 0) -> list[dict]:
    """One landslide told by ``copies`` outlets (one story), plus an exact copy of the first (a duplicate)."""
    out = [item(f"https://bao{n}.vn/sat-lo-ba-be", now - timedelta(minutes=20), LANDSLIDE if n == 0 else
                f"{LANDSLIDE}, hàng chục hộ phải di dời", source=f"bao-{n}", cluster="story-satlo",
                topics=["thien_tai_su_co"], places=["Ba Bể"], ingested=now - timedelta(minutes=5), urgency=0.5)
           for n in range(start, start + copies)]
    copy = dict(out[0], id="copy-1", url="https://trang-chep.vn/sat-lo", duplicate_of=out[0]["id"], source="chep")
    return [*out, copy]


def saved_search(office, channels=("email", "telegram", "webhook"), **extra):
    with office.home.open_store() as store:
        return create_rule(store, office.home.settings, {
            "name": "Sạt lở ở Ba Bể", "query": '"sạt lở"', "recipients": [DUTY], "channels": list(channels),
            **({"webhooks": ["zalo"]} if "webhook" in channels else {}), **extra,
        }, by="lanhdao", now=NOW - timedelta(hours=1))


def _mails(server) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(e.original_content, policy=policy.default) for e in server.mailbox.envelopes]


def _alerts(store) -> list[dict]:
    return store.list_records("alerts", order_by="created_at")


def test_a_saved_search_reaches_the_duty_officer_on_every_channel_once_per_story(office):
    rule = saved_search(office)
    with office.home.open_store() as store:
        plant(store, landslide_story(), [item("https://bao.vn/che", NOW - timedelta(minutes=30),
                                              "Nông dân thu hoạch chè", ingested=NOW - timedelta(minutes=5))])
        report = run_alerts(office.home, store, NOW)
        assert report["alerts"] == 1 and report["outbox"]["sent"] == 3, report
        [alert] = _alerts(store)
        assert len(alert["item_ids"]) == 3  # three outlets, one story; the copy is not counted
        assert {d["channel"]: d["state"] for d in alert["deliveries"]} == {"email": "sent", "telegram": "sent",
                                                                          "webhook": "sent"}
        token = ack_token(store, alert["id"])

    [mail] = _mails(office.smtp)
    assert mail["To"] == f"{DUTY}@thainguyen.gov.vn" and LANDSLIDE in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    lead_id = alert["item_id"]
    assert f"https://diemtin.thainguyen.gov.vn/?item={lead_id}" in body
    assert f"https://diemtin.thainguyen.gov.vn/alerts?alert={alert['id']}&ack={token}" in body
    assert office.smtp.mailbox.encrypted == [True]  # STARTTLS before the password

    [sent] = office.telegram.requests
    assert sent.path == "/botTEST-TOKEN/sendMessage"
    message = sent.json()
    assert message["chat_id"] == DUTY_CHAT and LANDSLIDE in message["text"] and "parse_mode" not in message
    assert f"?item={lead_id}" in message["text"]

    [posted] = office.webhook.requests
    assert posted.path == "/zalo"
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), posted.body, hashlib.sha256).hexdigest()
    assert posted.headers["x-diemtin-signature"] == expected
    payload = json.loads(posted.body)
    assert payload["type"] == "diemtin.alert" and payload["rule"]["id"] == rule["id"]
    assert payload["items"][0]["link"] == f"https://diemtin.thainguyen.gov.vn/?item={lead_id}"

    # Later copies of the same story join its alert without another message.
    later = NOW + timedelta(minutes=10)
    with office.home.open_store() as store:
        plant(store, landslide_story(later, copies=2, start=3))
        assert run_alerts(office.home, store, later)["alerts"] == 0
        [alert] = _alerts(store)
        assert len(alert["item_ids"]) == 5
    assert len(office.smtp.mailbox.envelopes) == 1 and len(office.telegram.requests) == 1


@pytest.mark.parametrize("mode", ["none", "starttls", "ssl"])
def test_email_alerts_over_plain_starttls_and_ssl(tmp_path, certificates, mode):
    with smtp_server(mode, certificates) as smtp, http_stand_in(telegram_answer) as telegram, \
            http_stand_in(lambda n, r: (200, {})) as webhook:
        office = make_office(tmp_path / "home", smtp, telegram, webhook)
        saved_search(office, channels=("email",))
        with office.home.open_store() as store:
            plant(store, landslide_story())
            assert run_alerts(office.home, store, NOW)["outbox"]["sent"] == 1
        [mail] = _mails(smtp)
        assert LANDSLIDE in mail["Subject"]
        assert smtp.mailbox.encrypted == [mode != "none"]
        assert bool(smtp.mailbox.logins) == (mode != "none")


def test_credentials_over_plain_smtp_are_refused_and_kept_as_a_dead_letter(tmp_path, certificates):
    with smtp_server("none") as smtp, http_stand_in(telegram_answer) as telegram, \
            http_stand_in(lambda n, r: (200, {})) as webhook:
        office = make_office(tmp_path / "home", smtp, telegram, webhook)
        home = configure(office.home.path, {"smtp": {"user": "diemtin", "password": "mat-khau-thu"}})
        office.home = home
        saved_search(office, channels=("email",))
        with home.open_store() as store:
            plant(store, landslide_story())
            outbox = run_alerts(home, store, NOW)["outbox"]
            assert outbox == {**outbox, "sent": 0, "dead": 1}  # a configuration error: no retry can mend it
            [dead] = store.list_records("dead_letters")
        assert "không được mã hóa" in dead["errors"][0]["error"] and "mat-khau-thu" not in json.dumps(dead)
        assert smtp.mailbox.logins == [] and smtp.mailbox.envelopes == []


def test_a_webhook_that_fails_is_retried_with_back_off_until_it_recovers(tmp_path, certificates):
    with smtp_server("starttls", certificates) as smtp, http_stand_in(telegram_answer) as telegram, \
            http_stand_in(failing_then_ok(2)) as webhook:
        office = make_office(tmp_path / "home", smtp, telegram, webhook)
        saved_search(office, channels=("webhook",), recipients=[])
        with office.home.open_store() as store:
            plant(store, landslide_story())
            first = run_alerts(office.home, store, NOW)["outbox"]
            assert (first["sent"], first["failed"]) == (0, 1)
            [delivery_] = _alerts(store)[0]["deliveries"]
            assert delivery_["state"] == "failed" and "HTTP 503" in delivery_["error"]
            assert run_alerts(office.home, store, NOW + timedelta(seconds=30))["outbox"]["failed"] == 0  # not due
            assert run_alerts(office.home, store, NOW + timedelta(seconds=61))["outbox"]["failed"] == 1
            # The second retry waits twice as long (60 s, then 120 s).
            assert run_alerts(office.home, store, NOW + timedelta(seconds=150))["outbox"]["sent"] == 0
            assert run_alerts(office.home, store, NOW + timedelta(seconds=190))["outbox"]["sent"] == 1
            [delivery_] = _alerts(store)[0]["deliveries"]
            assert (delivery_["state"], delivery_["attempts"]) == ("sent", 3)
            assert store.list_records("alert_outbox") == [] and store.list_records("dead_letters") == []
        assert len(webhook.requests) == 3


def test_a_webhook_that_stays_down_becomes_a_dead_letter_that_can_be_sent_again(tmp_path, certificates):
    state = {"down": True}

    def receiver(number, request):
        return (503, {}) if state["down"] else (200, {})

    with smtp_server("starttls", certificates) as smtp, http_stand_in(telegram_answer) as telegram, \
            http_stand_in(receiver) as webhook:
        office = make_office(tmp_path / "home", smtp, telegram, webhook)
        home = configure(office.home.path, {"alerts": {"max_attempts": 3}})
        office.home = home
        saved_search(office, channels=("webhook",), recipients=[])
        moment = NOW
        with home.open_store() as store:
            plant(store, landslide_story())
            for _ in range(6):
                run_alerts(home, store, moment)
                moment += timedelta(minutes=10)
            [dead] = store.list_records("dead_letters")
            assert (dead["attempts"], dead["state"], dead["channel"]) == (3, "dead", "webhook")
            assert json.loads(json.dumps(dead["payload"]))["type"] == "diemtin.alert"
            assert _alerts(store)[0]["deliveries"][0]["state"] == "dead"
            assert len(webhook.requests) == 3

            state["down"] = False  # the receiver is fixed; an operator sends it again
            delivery.resend(store, dead["id"], by=LEAD, now=moment)
            assert run_alerts(home, store, moment)["outbox"]["sent"] == 1
            assert store.get_record("dead_letters", dead["id"])["state"] == "resent"
            assert _alerts(store)[0]["deliveries"][0]["state"] == "sent"
            assert [a["action"] for a in store.list_audit("alert")] == ["alert.resend"]


def test_telegram_errors_retry_when_they_can_and_stop_when_they_cannot(tmp_path, certificates):
    answers = iter([(429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                           "parameters": {"retry_after": 300}})])

    def bot(number, request):
        return next(answers, None) or telegram_answer(number, request)

    with smtp_server("starttls", certificates) as smtp, http_stand_in(bot) as telegram, \
            http_stand_in(lambda n, r: (200, {})) as webhook:
        office = make_office(tmp_path / "home", smtp, telegram, webhook)
        saved_search(office, channels=("telegram",))
        with office.home.open_store() as store:
            plant(store, landslide_story())
            run_alerts(office.home, store, NOW)
            [delivery_] = [d for d in _alerts(store)[0]["deliveries"] if d["address"] == DUTY_CHAT]
            assert delivery_["state"] == "failed"
            # Telegram asked for 300 s: the retry waits for it, not for the default 60 s.
            assert run_alerts(office.home, store, NOW + timedelta(seconds=120))["outbox"]["sent"] == 0
            assert run_alerts(office.home, store, NOW + timedelta(seconds=301))["outbox"]["sent"] == 1
        assert [r.json()["chat_id"] for r in telegram.requests] == [DUTY_CHAT, DUTY_CHAT]


def test_a_chat_telegram_does_not_know_is_a_dead_letter_at_once(office):
    with office.home.open_store() as store:
        create_rule(store, office.home.settings, {
            "name": "Sai chat", "query": '"sạt lở"', "recipients": ["telegram:-42"], "channels": ["telegram"]},
            by=LEAD, now=NOW - timedelta(hours=1))
        plant(store, landslide_story())
        office.telegram.answer = lambda n, r: (400, {"ok": False, "error_code": 400,
                                                    "description": "Bad Request: chat not found"})
        assert run_alerts(office.home, store, NOW)["outbox"]["dead"] == 1
        [dead] = store.list_records("dead_letters")
        assert "chat not found" in dead["errors"][0]["error"] and "TEST-TOKEN" not in json.dumps(dead)


def test_quiet_hours_hold_routine_alerts_until_morning_but_urgent_ones_go(office):
    night = datetime(2026, 7, 15, 16, 0, tzinfo=UTC)  # 23:00 in Hà Nội
    with office.home.open_store() as store:
        for name, query, urgent in (("Thường", '"sạt lở"', False), ("Khẩn", '"tin giả"', True)):
            create_rule(store, office.home.settings, {
                "name": name, "query": query, "recipients": [DUTY], "channels": ["telegram"],
                "quiet_hours": "22:00-06:00", "urgent": urgent}, by=LEAD, now=night - timedelta(hours=1))
        plant(store, landslide_story(night),
              [item("https://mxh.vn/tin-gia-1", night - timedelta(minutes=10), "Tin giả: vỡ đập thủy điện",
                    flags=[FALSE_FLAG], ingested=night - timedelta(minutes=5), urgency=0.9)])
        report = run_alerts(office.home, store, night)["outbox"]
        assert (report["sent"], report["held"]) == (1, 1)
        assert "[KHẨN]" in office.telegram.requests[0].json()["text"]
        held = [a for a in _alerts(store) if not a["urgent"]][0]["deliveries"][0]
        assert held["state"] == "held" and held["note"] == "giờ yên lặng"
        assert held["next_at"] == "2026-07-15T23:00:00Z"  # 06:00 in Hà Nội
        assert run_alerts(office.home, store, night + timedelta(hours=6, minutes=59))["outbox"]["sent"] == 0
        assert run_alerts(office.home, store, night + timedelta(hours=7, minutes=1))["outbox"]["sent"] == 1
    assert LANDSLIDE in office.telegram.requests[1].json()["text"]


def test_a_rate_limit_folds_a_wave_of_alerts_into_few_messages(office):
    with office.home.open_store() as store:
        create_rule(store, office.home.settings, {
            "name": "Mọi tin về lũ", "query": "lũ", "recipients": [DUTY], "channels": ["telegram"], "rate_limit": 2},
            by=LEAD, now=NOW - timedelta(hours=1))
        moment = NOW
        for wave in range(4):
            plant(store, [item(f"https://bao.vn/lu-{wave}-{n}", moment - timedelta(minutes=5),
                               f"Lũ ở xã số {wave}-{n}", ingested=moment - timedelta(minutes=2)) for n in range(3)])
            run_alerts(office.home, store, moment)
            moment += timedelta(minutes=5)
        sent_in_hour = len(office.telegram.requests)
        assert sent_in_hour == 2  # two messages in the first hour, the first listing three alerts
        assert "3 cảnh báo mới" in office.telegram.requests[0].json()["text"]
        run_alerts(office.home, store, NOW + timedelta(hours=1, minutes=1))
        texts = [r.json()["text"] for r in office.telegram.requests]
        assert "6 cảnh báo mới" in texts[-1]  # what waited goes together, once the hour has passed
        states = {d["state"] for a in _alerts(store) for d in a["deliveries"]}
        assert states == {"sent"} and len(_alerts(store)) == 12


def test_an_urgent_alert_nobody_acknowledges_escalates_to_the_next_recipient(office):
    with office.home.open_store() as store:
        create_rule(store, office.home.settings, {
            "name": "Tin giả khẩn", "filters": {"flags": [FALSE_FLAG]}, "kind": "search",
            "recipients": [DUTY, LEAD], "channels": ["telegram", "email"], "urgent": True, "escalate_minutes": 30},
            by=LEAD, now=NOW - timedelta(hours=1))
        plant(store, [item("https://mxh.vn/tin-gia-a", NOW - timedelta(minutes=10), "Tin giả: dịch tả ở Thái Nguyên",
                           flags=[FALSE_FLAG], ingested=NOW - timedelta(minutes=5), cluster="a", urgency=0.9),
                      item("https://mxh.vn/tin-gia-b", NOW - timedelta(minutes=10), "Tin giả: sơ tán khẩn xã Ba Bể",
                           flags=[FALSE_FLAG], ingested=NOW - timedelta(minutes=5), cluster="b", urgency=0.9)])
        run_alerts(office.home, store, NOW)
        assert {r.json()["chat_id"] for r in office.telegram.requests} == {DUTY_CHAT}
        first, second = sorted(_alerts(store), key=lambda a: a["title"])
        # One is taken in hand from the link in the message; the other is not.
        delivery.acknowledge(store, first["id"], by=DUTY, via="link", token=ack_token(store, first["id"]),
                             now=NOW + timedelta(minutes=10))
        assert run_alerts(office.home, store, NOW + timedelta(minutes=29))["outbox"]["escalated"] == 0
        report = run_alerts(office.home, store, NOW + timedelta(minutes=31))["outbox"]
        assert report["escalated"] == 1 and report["sent"] == 2
        escalated = store.get_record("alerts", second["id"])
        assert escalated["level"] == 1 and escalated["state"] == "open"
        assert {d["to"] for d in escalated["deliveries"]} == {DUTY, LEAD}
        actions = [(a["action"], a["actor"]) for a in store.list_audit("alert")]
        assert ("alert.ack", DUTY) in actions and ("alert.escalate", "scheduler") in actions
        assert run_alerts(office.home, store, NOW + timedelta(hours=3))["outbox"]["escalated"] == 0  # nobody left
    lead_message = [r.json()["text"] for r in office.telegram.requests if r.json()["chat_id"] == LEAD_CHAT]
    assert len(lead_message) == 1 and "[CHUYỂN CẤP 1]" in lead_message[0] and "sơ tán" in lead_message[0]
    assert [m["To"] for m in _mails(office.smtp)][-1] == f"{LEAD}@thainguyen.gov.vn"


def test_an_acknowledgement_link_must_carry_its_own_token(office):
    saved_search(office, channels=("telegram",))
    with office.home.open_store() as store:
        plant(store, landslide_story())
        run_alerts(office.home, store, NOW)
        [alert] = _alerts(store)
        with pytest.raises(delivery.AlertError, match="không đúng"):
            delivery.acknowledge(store, alert["id"], by=DUTY, via="link", token="0" * 32)
        assert store.get_record("alerts", alert["id"])["state"] == "open"


def test_urgency_rule_alerts_on_any_urgent_item(office):
    with office.home.open_store() as store:
        create_rule(store, office.home.settings, {"name": "Mọi tin rất khẩn", "kind": "urgency", "min_urgency": 0.8,
                                                  "recipients": [DUTY], "channels": ["telegram"]},
                    by=LEAD, now=NOW - timedelta(hours=1))
        plant(store, [item("https://a.vn/1", NOW - timedelta(minutes=9), "Cháy lớn ở chợ Thái", urgency=0.85,
                           ingested=NOW - timedelta(minutes=5)),
                      item("https://a.vn/2", NOW - timedelta(minutes=9), "Hội nghị thường kỳ", urgency=0.3,
                           ingested=NOW - timedelta(minutes=5))])
        assert run_alerts(office.home, store, NOW)["alerts"] == 1
        [alert] = _alerts(store)
    assert alert["title"] == "Cháy lớn ở chợ Thái" and alert["urgent"]  # urgency >= alerts.urgent_urgency


def test_a_planted_spike_alerts_with_its_reasons_and_holiday_coverage_does_not(office):
    BASELINES._data.clear()
    with office.home.open_store() as store:
        create_rule(store, office.home.settings, {"name": "Đột biến", "kind": "spike", "recipients": [DUTY],
                                                  "channels": ["telegram"]}, by=LEAD, now=NOW - timedelta(days=70))
        national_day = datetime(2026, 9, 2, 4, 0, tzinfo=UTC)
        plant(store, background(NOW - timedelta(weeks=9), national_day),
              burst("satlo", NOW - timedelta(hours=2, minutes=50), NOW - timedelta(minutes=5), 30,
                    [LANDSLIDE, "Sạt lở đất sau mưa lớn ở Ba Bể"], topics=["thien_tai_su_co"], places=["Ba Bể"]),
              burst("quockhanh", national_day - timedelta(hours=2, minutes=50), national_day - timedelta(minutes=5),
                    45, ["Thái Nguyên tưng bừng kỷ niệm Quốc khánh 2/9", "Treo cờ đón Quốc khánh ở Phổ Yên"],
                    topics=["ngay_le"], places=["Phổ Yên"]))
        report = run_alerts(office.home, store, NOW)
        assert report["alerts"] == 1 and not report["errors"], report  # one story lifted three series: one alert
        [alert] = _alerts(store)
        series = {s["field"] + ":" + s["value"] for s in alert["spike"]["series"]}
        assert series == {"total:", "topics:thien_tai_su_co", "places:Ba Bể"}
        # The same series still high ten minutes later: no second alert.
        assert run_alerts(office.home, store, NOW + timedelta(minutes=10))["alerts"] == 0
        before = len(_alerts(store))
        assert run_alerts(office.home, store, national_day)["alerts"] == 0
        assert len(_alerts(store)) == before
    [landslide] = [r.json()["text"] for r in office.telegram.requests]
    assert "Tăng đột biến" in landslide and "Chủ đề «Thiên tai, sự cố»: 30 tin trong 3 giờ qua" in landslide
    assert "Địa danh «Ba Bể»" in landslide and "gấp 30 lần" in landslide
    assert "Từ khóa nổi bật: " in landslide and "sạt lở (30 tin)" in landslide and LANDSLIDE in landslide


def test_the_scheduler_runs_alert_evaluation_every_tick(office):
    saved_search(office, channels=("telegram",))
    with office.home.open_store() as store:
        for source in store.list_records("sources"):
            store.put_record("sources", source["id"], dict(source, enabled=False))
        plant(store, landslide_story())
    report = tick(office.home, NOW)
    assert report["alerts"]["alerts"] == 1 and report["alerts"]["outbox"]["sent"] == 1, report["alerts"]
    assert tick(office.home, NOW + timedelta(seconds=30))["alerts"]["alerts"] == 0


def test_an_item_processed_during_a_tick_but_searchable_after_it_still_alerts(office):
    """A long batch stamps its items when it starts and makes them searchable when it ends: the tick between
    misses them; the next one sees the older part of its window grow and reads it again."""
    saved_search(office, channels=("telegram",))
    with office.home.open_store() as store:
        assert run_alerts(office.home, store, NOW)["alerts"] == 0
        plant(store, landslide_story())  # ingested 5 minutes before that tick, searchable only now
        assert run_alerts(office.home, store, NOW + timedelta(seconds=30))["alerts"] == 1
        assert run_alerts(office.home, store, NOW + timedelta(seconds=60))["alerts"] == 0
    assert len(office.telegram.requests) == 1
