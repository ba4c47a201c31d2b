"""Getting alerts to people: an outbox of messages, retried with back-off, kept as dead letters when they cannot
go; quiet hours and rate limits for what is not urgent; acknowledgement; escalation of urgent alerts nobody
acknowledged.

Every message of an alert is one entry of the alert's ``deliveries`` (what the dashboard shows: channel,
recipient, state, attempts, last error) and, while it still has to go, one record of the "alert_outbox"
collection (what the scheduler works through every tick; it stays small). A message that failed
``alerts.max_attempts`` times, or failed in a way no retry can mend, becomes a record of "dead_letters" with its
text, for an operator to fix the cause and send again from the dashboard.

Only the scheduler writes deliveries; the dashboard only acknowledges and resends. Both re-read an alert right
before writing it and change only their own fields, so neither undoes the other.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pipeline.alerts.channels import DeliveryError, Message, send
from pipeline.alerts.messages import alert_message, check_ack_token, combined_message
from pipeline.alerts.rules import RULES, TELEGRAM, quiet_until
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso, now_utc, parse_iso

log = logging.getLogger(__name__)

ALERTS = "alerts"
OUTBOX = "alert_outbox"
DEAD = "dead_letters"
RATE_STATE = "alerts:rate:"


class AlertError(ValueError):
    """An acknowledgement or a resend that cannot be done; the message says why, in Vietnamese."""


def _id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


# ---------------------------------------------------------------------------------------------- recipients
def targets(store: Store, rule: Mapping[str, Any], recipient: str) -> list[tuple[str, str]]:
    """(channel, address) pairs for one recipient of a rule: a login's e-mail and Telegram chat from its
    account, an e-mail address, or telegram:CHAT_ID; only over the rule's channels."""
    channels = rule.get("channels") or []
    found = []
    tg = TELEGRAM.match(recipient)
    if tg:
        if "telegram" in channels:
            found.append(("telegram", tg.group(1)))
    elif "@" in recipient:
        if "email" in channels:
            found.append(("email", recipient))
    else:
        user = store.get_record("users", recipient) or {}
        if user.get("disabled"):
            return []
        if "email" in channels and user.get("email"):
            found.append(("email", str(user["email"])))
        if "telegram" in channels and user.get("telegram"):
            found.append(("telegram", str(user["telegram"])))
    return found


def schedule(store: Store, settings: Settings, rule: Mapping[str, Any], alert: dict[str, Any], level: int,
             now: datetime) -> int:
    """Queue the messages of an alert for the recipient at ``level`` (0: the first; webhooks too), and the next
    escalation if the alert is urgent and someone is left to escalate to. Returns the messages queued."""
    recipients = list(rule.get("recipients") or [])
    queued = []
    if level < len(recipients):
        queued += [(channel, address, recipients[level]) for channel, address in targets(store, rule, recipients[level])]
    if level == 0:
        queued += [("webhook", name, f"webhook:{name}") for name in rule.get("webhooks") or []]
    deliveries = alert.setdefault("deliveries", [])
    for channel, address, who in queued:
        delivery_id = _id(alert["id"], str(level), channel, address)
        if any(d["id"] == delivery_id for d in deliveries):
            continue
        deliveries.append({"id": delivery_id, "channel": channel, "to": who, "address": address, "level": level,
                           "state": "pending", "attempts": 0, "error": None, "sent_at": None, "next_at": iso(now)})
        store.put_record(OUTBOX, delivery_id, {
            "id": delivery_id, "kind": "deliver", "alert_id": alert["id"], "rule_id": rule["id"], "channel": channel,
            "address": address, "level": level, "urgent": bool(alert.get("urgent")), "attempts": 0,
            "next_at": iso(now), "created_at": iso(now)})
    if alert.get("urgent") and level + 1 < len(recipients):
        minutes = rule.get("escalate_minutes") or settings.get_int("alerts.escalate_minutes")
        escalation_id = f"esc-{alert['id']}-{level + 1}"
        store.put_record(OUTBOX, escalation_id, {
            "id": escalation_id, "kind": "escalate", "alert_id": alert["id"], "rule_id": rule["id"],
            "level": level + 1, "next_at": iso(now + timedelta(minutes=minutes)), "created_at": iso(now)})
    if not queued and level == 0:
        log.warning("alert has nobody to reach %s", {"alert": alert["id"], "rule": rule["id"]})
    return len(queued)


# ---------------------------------------------------------------------------------------------- the outbox
def _save_deliveries(store: Store, alert_id: str, changed: Mapping[str, Mapping[str, Any]], **fields: Any) -> None:
    """Write delivery changes into the freshest copy of the alert (the dashboard may have acknowledged it)."""
    alert = store.get_record(ALERTS, alert_id)
    if alert is None:
        return
    for delivery in alert.get("deliveries") or []:
        if delivery["id"] in changed:
            delivery.update(changed[delivery["id"]])
    alert.update(fields)
    store.put_record(ALERTS, alert_id, alert)


def _rate(store: Store, rule_id: str) -> dict[str, Any]:
    return store.get_record("state", RATE_STATE + rule_id) or {"id": RATE_STATE + rule_id, "sent": {}}


def _budget(rate: Mapping[str, Any], key: str, limit: int, now: datetime) -> tuple[int, datetime | None]:
    """Messages still allowed this hour to one address, and when the next one frees if none."""
    recent = sorted(t for t in rate["sent"].get(key, []) if parse_iso(t) > now - timedelta(hours=1))
    if len(recent) < limit:
        return limit - len(recent), None
    return 0, parse_iso(recent[len(recent) - limit]) + timedelta(hours=1)


def process_outbox(store: Store, settings: Settings, now: datetime | None = None,
                   topic_labels: Mapping[str, str] | None = None) -> dict[str, int]:
    """Escalate what is due, then send what is due: the scheduler's work every tick."""
    now = now or now_utc()
    report = {"sent": 0, "failed": 0, "dead": 0, "held": 0, "escalated": 0, "skipped": 0}
    jobs = [job for job in store.list_records(OUTBOX) if parse_iso(job["next_at"]) <= now]
    rules: dict[str, dict[str, Any] | None] = {}

    def rule_of(rule_id: str) -> dict[str, Any] | None:
        if rule_id not in rules:
            rules[rule_id] = store.get_record(RULES, rule_id)
        return rules[rule_id]

    for job in [j for j in jobs if j.get("kind") == "escalate"]:
        store.delete_record(OUTBOX, job["id"])
        alert, rule = store.get_record(ALERTS, job["alert_id"]), rule_of(job["rule_id"])
        if alert is None or rule is None or alert.get("state") == "acknowledged":
            continue
        alert["level"] = job["level"]
        alert["escalate_minutes"] = rule.get("escalate_minutes") or settings.get_int("alerts.escalate_minutes")
        schedule(store, settings, rule, alert, job["level"], now)
        _save_escalation(store, alert)
        store.audit("scheduler", "alert.escalate", "alert", alert["id"], after={"level": job["level"]},
                    reason=f"chưa được xác nhận sau {alert['escalate_minutes']} phút")
        report["escalated"] += 1
        jobs += [j for j in store.list_records(OUTBOX, where={"alert_id": alert["id"], "kind": "deliver"})
                 if parse_iso(j["next_at"]) <= now and j["id"] not in {x["id"] for x in jobs}]

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for job in jobs:
        if job.get("kind") == "deliver":
            groups[(job["rule_id"], job["channel"], job["address"])].append(job)
    for (rule_id, channel, address), group in groups.items():
        rule = rule_of(rule_id) or {"id": rule_id, "name": rule_id}
        _deliver_group(store, settings, rule, channel, address, group, now, report, topic_labels or {})
    return report


def _save_escalation(store: Store, alert: Mapping[str, Any]) -> None:
    fresh = store.get_record(ALERTS, alert["id"]) or dict(alert)
    known = {d["id"] for d in fresh.get("deliveries") or []}
    fresh.setdefault("deliveries", []).extend(d for d in alert.get("deliveries") or [] if d["id"] not in known)
    fresh.update(level=alert["level"], escalate_minutes=alert.get("escalate_minutes"))
    store.put_record(ALERTS, alert["id"], fresh)


def _deliver_group(store: Store, settings: Settings, rule: Mapping[str, Any], channel: str, address: str,
                   group: list[dict[str, Any]], now: datetime, report: dict[str, int],
                   topic_labels: Mapping[str, str]) -> None:
    alerts = {job["alert_id"]: store.get_record(ALERTS, job["alert_id"]) for job in group}
    live = []
    for job in group:
        alert = alerts.get(job["alert_id"])
        if alert is None:
            store.delete_record(OUTBOX, job["id"])
            continue
        if alert.get("state") == "acknowledged" and not job.get("urgent") and job.get("attempts", 0) == 0:
            # Held through the night and acknowledged in the dashboard meanwhile: nobody needs it any more.
            store.delete_record(OUTBOX, job["id"])
            _save_deliveries(store, alert["id"], {job["id"]: {"state": "skipped", "next_at": None}})
            report["skipped"] += 1
            continue
        live.append(job)
    if not live:
        return
    urgent = [job for job in live if job.get("urgent")]
    routine = [job for job in live if not job.get("urgent")]
    quiet_end = quiet_until(rule, now)
    if quiet_end and routine:
        _hold(store, routine, quiet_end, "giờ yên lặng", report)
        routine = []
    rate = _rate(store, rule["id"])
    key = f"{channel}:{address}"
    limit = int(rule.get("rate_limit") or settings.get_int("alerts.rate_limit_per_hour"))
    batches: list[list[dict[str, Any]]] = [[job] for job in urgent]  # urgent: one message each, at once
    if routine:
        allowed, free_at = _budget(rate, key, limit, now)
        allowed -= len(urgent)
        if allowed <= 0:
            _hold(store, routine, free_at or now + timedelta(hours=1), "giới hạn tần suất", report)
        elif len(routine) <= allowed:
            batches += [[job] for job in routine] if len(routine) == 1 else [routine]
        else:
            batches.append(routine)  # over the limit: one message lists them all
    for batch in batches:
        ok = _send_batch(store, settings, rule, channel, address, batch, alerts, now, report, topic_labels)
        if ok:
            rate["sent"].setdefault(key, []).append(iso(now))
    if batches:
        rate["sent"] = {k: [t for t in v if parse_iso(t) > now - timedelta(hours=1)] for k, v in rate["sent"].items()}
        store.put_record("state", rate["id"], rate)


def _hold(store: Store, jobs: Sequence[dict[str, Any]], until: datetime, why: str, report: dict[str, int]) -> None:
    for job in jobs:
        job["next_at"] = iso(until)
        store.put_record(OUTBOX, job["id"], job)
        _save_deliveries(store, job["alert_id"], {job["id"]: {"state": "held", "next_at": iso(until), "note": why}})
        report["held"] += 1


def _leads(store: Store, alerts: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    ids = [a["item_id"] for a in alerts if a.get("item_id")]
    by_id = {item["id"]: item for item in store.get_items(ids)}
    return {a["id"]: by_id[a["item_id"]] for a in alerts if a.get("item_id") in by_id}


def _message(store: Store, settings: Settings, batch: Sequence[Mapping[str, Any]],
             alerts: Mapping[str, Mapping[str, Any] | None], topic_labels: Mapping[str, str]) -> Message:
    chosen = [alerts[job["alert_id"]] for job in batch]
    leads = _leads(store, chosen)  # type: ignore[arg-type]
    if len(chosen) == 1:
        alert = chosen[0]
        assert alert is not None
        return alert_message(store, settings, alert, topic_labels, [leads[alert["id"]]] if alert["id"] in leads else [])
    return combined_message(store, settings, chosen, topic_labels, leads)  # type: ignore[arg-type]


def _send_batch(store: Store, settings: Settings, rule: Mapping[str, Any], channel: str, address: str,
                batch: Sequence[dict[str, Any]], alerts: Mapping[str, Mapping[str, Any] | None], now: datetime,
                report: dict[str, int], topic_labels: Mapping[str, str]) -> bool:
    message = _message(store, settings, batch, alerts, topic_labels)
    try:
        reference = send(settings, channel, address, message)
    except DeliveryError as exc:
        _failed(store, settings, rule, channel, address, batch, message, exc, now, report)
        return False
    except Exception as exc:  # a bug in one channel must not stop the others; the message is kept
        log.exception("alert channel failed %s", {"channel": channel})
        _failed(store, settings, rule, channel, address, batch, message,
                DeliveryError(f"{type(exc).__name__}: {exc}"), now, report)
        return False
    for job in batch:
        store.delete_record(OUTBOX, job["id"])
        _save_deliveries(store, job["alert_id"], {job["id"]: {
            "state": "sent", "sent_at": iso(now), "attempts": job.get("attempts", 0) + 1, "error": None, "note": None,
            "next_at": None, "reference": reference, "combined": len(batch) if len(batch) > 1 else None}})
        report["sent"] += 1
    return True


def _failed(store: Store, settings: Settings, rule: Mapping[str, Any], channel: str, address: str,
            batch: Sequence[dict[str, Any]], message: Message, error: DeliveryError, now: datetime,
            report: dict[str, int]) -> None:
    max_attempts = settings.get_int("alerts.max_attempts")
    for job in batch:
        attempts = job.get("attempts", 0) + 1
        errors = [*job.get("errors", []), {"at": iso(now), "error": str(error)}][-10:]
        if error.permanent or attempts >= max_attempts:
            store.delete_record(OUTBOX, job["id"])
            dead_id = f"dl-{job['id']}-{attempts}"
            store.put_record(DEAD, dead_id, {
                "id": dead_id, "alert_id": job["alert_id"], "rule_id": rule["id"], "delivery_id": job["id"],
                "channel": channel, "address": address, "level": job.get("level", 0), "urgent": job.get("urgent"),
                "attempts": attempts, "errors": errors, "subject": message.subject, "text": message.text,
                "payload": message.payload, "created_at": iso(now), "state": "dead",
                "permanent": error.permanent})
            _save_deliveries(store, job["alert_id"], {job["id"]: {"state": "dead", "attempts": attempts,
                                                                  "error": str(error), "next_at": None}})
            log.warning("alert message given up %s", {"alert": job["alert_id"], "channel": channel,
                                                      "attempts": attempts, "error": str(error)})
            report["dead"] += 1
            continue
        wait = settings.get_float("alerts.retry_seconds") * 2 ** (attempts - 1)
        if error.retry_after:
            wait = max(wait, float(error.retry_after))
        job.update(attempts=attempts, errors=errors, next_at=iso(now + timedelta(seconds=wait)))
        store.put_record(OUTBOX, job["id"], job)
        _save_deliveries(store, job["alert_id"], {job["id"]: {"state": "failed", "attempts": attempts,
                                                              "error": str(error), "next_at": job["next_at"]}})
        report["failed"] += 1


# ---------------------------------------------------------------------------------------------- people's actions
def acknowledge(store: Store, alert_id: str, *, by: str, via: str = "dashboard", token: str | None = None,
                now: datetime | None = None) -> dict[str, Any]:
    """Someone has taken the alert in hand: it stops escalating. From the link in a message, ``token`` must be
    the one the link carried."""
    alert = store.get_record(ALERTS, alert_id)
    if alert is None:
        raise AlertError(f"Không có cảnh báo {alert_id}.")
    if via == "link" and not check_ack_token(store, alert_id, token or ""):
        raise AlertError("Đường dẫn xác nhận không đúng hoặc đã bị sửa.")
    if alert.get("state") == "acknowledged":
        return alert
    alert.update(state="acknowledged", acknowledged_by=by, acknowledged_at=iso(now or now_utc()), ack_via=via)
    store.put_record(ALERTS, alert_id, alert)
    ways = {"link": "đường dẫn trong tin nhắn", "dashboard": "bảng điều khiển", "cli": "dòng lệnh"}
    store.audit(by, "alert.ack", "alert", alert_id, before={"state": "open"}, after={"state": "acknowledged"},
                reason=f"qua {ways.get(via, via)}")
    for job in store.list_records(OUTBOX, where={"alert_id": alert_id, "kind": "escalate"}):
        store.delete_record(OUTBOX, job["id"])
    return alert


def resend(store: Store, dead_id: str, *, by: str, now: datetime | None = None) -> dict[str, Any]:
    """Send a dead letter again (its cause fixed): a fresh message in the outbox, the dead letter marked."""
    dead = store.get_record(DEAD, dead_id)
    if dead is None:
        raise AlertError(f"Không có thư lỗi {dead_id}.")
    if dead.get("state") != "dead":
        raise AlertError("Thư này đã được gửi lại.")
    moment = iso(now or now_utc())
    store.put_record(OUTBOX, dead["delivery_id"], {
        "id": dead["delivery_id"], "kind": "deliver", "alert_id": dead["alert_id"], "rule_id": dead["rule_id"],
        "channel": dead["channel"], "address": dead["address"], "level": dead.get("level", 0),
        "urgent": bool(dead.get("urgent")), "attempts": 0, "next_at": moment, "created_at": moment})
    _save_deliveries(store, dead["alert_id"], {dead["delivery_id"]: {"state": "pending", "next_at": moment,
                                                                     "attempts": 0}})
    dead.update(state="resent", resent_by=by, resent_at=moment)
    store.put_record(DEAD, dead_id, dead)
    store.audit(by, "alert.resend", "alert", dead["alert_id"], after={"dead_letter": dead_id})
    return dead
