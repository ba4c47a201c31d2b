"""Alert evaluation, every tick of the main job: what each enabled rule finds since it last looked, as alerts (one
per story, not per copy), then the outbox (pipeline/alerts/delivery.py).

Saved searches and urgency rules ask the store for the items the office first saw (``ingested_at``) since the
rule's last evaluation, less a small overlap (a batch that took long to process becomes searchable late; an item
seen twice finds its story's alert already made). Copies are never counted (the store leaves duplicates out), and
items of one story (``cluster_id``) make one alert, to which later items of the story are added without a new
message. Spike rules ask the store for facet counts (pipeline/alerts/spikes.py); a series that stays high updates
its alert until it has been quiet for ``alerts.spike_cooldown_hours``.

One failing rule is logged and reported; the others and the outbox go on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pipeline.alerts import delivery
from pipeline.alerts.calendar import Calendar, office_calendar
from pipeline.alerts.channels import DeliveryError, Message, send
from pipeline.alerts.messages import number, series_label
from pipeline.alerts.rules import base_query, digest_of, list_rules
from pipeline.alerts.spikes import Finding, SpikeSettings, detect, explain
from pipeline.core.home import Home
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.taxonomy import HOME_TAXONOMY, taxonomy_for_home
from pipeline.core.timeutil import iso, now_utc, parse_iso

log = logging.getLogger(__name__)

STATE = "alerts:rule:"


def _alert_id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def rule_state(store: Store, rule: Mapping[str, Any]) -> dict[str, Any]:
    state = store.get_record("state", STATE + rule["id"]) or {}
    if state.get("watches") != digest_of(rule):  # the rule now watches something else: start afresh
        state = {"id": STATE + rule["id"], "watches": digest_of(rule), "episodes": {}}
    return state


# ---------------------------------------------------------------------------------------------- item rules
def _story(item: Mapping[str, Any]) -> str:
    return str(item.get("cluster_id") or item.get("duplicate_of") or item["id"])


def _urgent(rule: Mapping[str, Any], items: list[dict[str, Any]], settings: Settings) -> bool:
    threshold = settings.get_float("alerts.urgent_urgency")
    return bool(rule.get("urgent")) or any(float(i.get("urgency") or 0) >= threshold for i in items)


def evaluate_items(store: Store, settings: Settings, rule: Mapping[str, Any], state: dict[str, Any],
                   now: datetime, since: datetime | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    """New alerts of a saved search or an urgency rule (stories seen before are updated, not alerted again).
    ``since`` replaces the rule's own watermark and ``dry_run`` writes nothing and returns every story found,
    those alerted before marked ``seen`` (a preview of the last hours)."""
    max_age = timedelta(hours=settings.get_float("alerts.max_item_age_hours"))
    overlap = timedelta(minutes=settings.get_float("alerts.overlap_minutes"))
    base = base_query(rule).with_(date_field="ingested_at", date_to=None, sort="urgency",
                                  limit=settings.get_int("alerts.max_items_per_tick"))
    if since is None:
        last = parse_iso(state.get("watermark")) or parse_iso(rule.get("created_at")) or now
        since = max(last, now - max_age)
        # Items that became searchable after the last tick although the office saw them before it (a long
        # batch): counted without reading them, and read only when the count grew.
        tail = store.search(base.with_(date_from=since - overlap, date_to=since, limit=0)).total
        if tail > int(state.get("tail") or 0) or "tail" not in state:
            since -= overlap
    else:
        max_age = max(max_age, now - since)
    query = base.with_(date_from=since)
    threshold = rule.get("min_urgency")
    stories: dict[str, list[dict[str, Any]]] = {}
    found = store.search(query)
    if found.total > len(found.items):
        log.warning("more new items than a tick looks at %s", {"rule": rule["id"], "new": found.total,
                                                               "looked_at": len(found.items)})
        state["truncated"] = found.total - len(found.items)
    for item in found.items:
        published = parse_iso(item.get("published_at"))
        if published is not None and published < now - max_age:
            continue
        if threshold is not None and float(item.get("urgency") or 0) < float(threshold):
            continue
        stories.setdefault(_story(item), []).append(item)
    created = []
    for story, items in stories.items():
        alert_id = _alert_id(rule["id"], story)
        existing = store.get_record(delivery.ALERTS, alert_id)
        if existing is not None and not dry_run:
            new_ids = [i["id"] for i in items if i["id"] not in existing.get("item_ids", [])]
            if new_ids:
                existing["item_ids"] = [*existing.get("item_ids", []), *new_ids]
                existing["outlets"] = len({*existing.get("sources", []), *(i.get("source") for i in items)})
                existing["sources"] = sorted({*existing.get("sources", []), *(str(i.get("source") or "") for i in items)})
                existing["updated_at"] = iso(now)
                store.put_record(delivery.ALERTS, alert_id, existing)
            continue
        lead = max(items, key=lambda i: float(i.get("urgency") or 0))
        sources = sorted({str(i.get("source") or "") for i in items})
        alert = {
            "id": alert_id, "rule_id": rule["id"], "rule_name": rule.get("name"), "kind": rule.get("kind"),
            "urgent": _urgent(rule, items, settings), "state": "open", "level": 0, "story": story,
            "item_id": lead["id"], "item_ids": [i["id"] for i in items], "sources": sources, "outlets": len(sources),
            "title": str(lead.get("title") or lead.get("url") or ""), "url": lead.get("url"),
            "created_at": iso(now), "updated_at": iso(now), "deliveries": [], "spike": None,
        }
        if dry_run:
            alert["seen"] = existing is not None
        created.append(alert)
    state["watermark"] = iso(now)
    state["tail"] = store.search(base.with_(date_from=now - overlap, date_to=now, limit=0)).total
    return created


# ---------------------------------------------------------------------------------------------- spike rules
def _numbers(finding: Finding, topic_labels: Mapping[str, str]) -> dict[str, Any]:
    return {"field": finding.field, "value": finding.value, "label": series_label(finding.field, finding.value, topic_labels),
            "count": finding.count, "expected": round(finding.expected, 2), "ratio": round(finding.ratio, 2),
            "z": round(finding.z, 2), "explained": finding.explained, "events": list(finding.events)}


def evaluate_spikes(store: Store, settings: Settings, rule: Mapping[str, Any], state: dict[str, Any], now: datetime,
                    calendar: Calendar, cache_key: Any, topic_labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """New spike alerts. Series that rose together because of one story (a landslide lifts its topic, its
    commune and the total) make one alert listing every series; a series still high within the cool-down
    updates its alert instead of sending another."""
    spike_settings = SpikeSettings.from_settings(settings, rule.get("spike"))
    base = base_query(rule)
    findings = detect(store, base, now, spike_settings, calendar, cache_key=(cache_key, rule["id"]))
    cooldown = timedelta(hours=settings.get_float("alerts.spike_cooldown_hours"))
    episodes: dict[str, Any] = state.setdefault("episodes", {})
    groups: dict[str, list[tuple[Finding, dict[str, Any]]]] = {}
    for finding in findings:
        episode = episodes.get(finding.key)
        if episode and now - parse_iso(episode["last_seen"]) < cooldown:
            episode["last_seen"] = iso(now)
            alert = store.get_record(delivery.ALERTS, episode["alert_id"])
            if alert is not None and finding.count > alert["spike"].get("peak", 0):
                alert["spike"].update(peak=finding.count, latest=_numbers(finding, topic_labels))
                alert["updated_at"] = iso(now)
                store.put_record(delivery.ALERTS, alert["id"], alert)
            continue
        reasons = explain(store, base, finding, spike_settings.weeks)
        top = (reasons.get("stories") or [{}])[0].get("cluster_id") or finding.key
        groups.setdefault(top, []).append((finding, reasons))
    created = []
    for members in groups.values():
        finding, reasons = members[0]  # the steepest rise (findings come largest first)
        alert_id = _alert_id(rule["id"], finding.key, iso(now) or "")
        spike = {**_numbers(finding, topic_labels), "window_hours": spike_settings.window_hours,
                 "window_start": iso(finding.window_start), "window_end": iso(finding.window_end),
                 "samples": list(finding.samples), "peak": finding.count, "reasons": reasons,
                 "series": [_numbers(f, topic_labels) for f, _ in members]}
        lead = (reasons.get("stories") or [{}])[0]
        labels = ", ".join(series_label(f.field, f.value, topic_labels) for f, _ in members[:3])
        alert = {
            "id": alert_id, "rule_id": rule["id"], "rule_name": rule.get("name"), "kind": "spike",
            "urgent": bool(rule.get("urgent")), "state": "open", "level": 0, "story": finding.key,
            "item_id": lead.get("item_id"), "item_ids": [s["item_id"] for s in reasons.get("stories") or []],
            "title": f"Tăng đột biến: {labels} — {finding.count} tin trong {number(spike_settings.window_hours)} giờ "
                     f"(thường {number(finding.expected, 1)})",
            "url": None, "created_at": iso(now), "updated_at": iso(now), "deliveries": [], "spike": spike,
        }
        for member, _ in members:
            episodes[member.key] = {"alert_id": alert_id, "since": iso(now), "last_seen": iso(now)}
        created.append(alert)
    for key in [k for k, e in episodes.items() if now - parse_iso(e["last_seen"]) >= cooldown]:
        del episodes[key]
    return created


# ---------------------------------------------------------------------------------------------- a tick
_CALENDARS: dict[tuple[str, int], Calendar] = {}
_LABELS: dict[tuple[str, float], dict[str, str]] = {}


def _topic_labels(home: Home) -> dict[str, str]:
    """Topic labels of the home's taxonomy, read again only when the file changes (not on every tick)."""
    path = home.path / HOME_TAXONOMY
    key = (str(path), path.stat().st_mtime if path.is_file() else 0.0)
    if key not in _LABELS:
        _LABELS.clear()
        _LABELS[key] = taxonomy_for_home(home.path).labels()
    return _LABELS[key]


def _calendar(home: Home) -> Calendar:
    key = (str(home.path), id(home.profile))
    if key not in _CALENDARS:
        _CALENDARS.clear()
        _CALENDARS[key] = office_calendar(home.profile)
    return _CALENDARS[key]


def run_alerts(home: Home, store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Evaluate every enabled rule, queue the new alerts' messages, work through the outbox."""
    now = now or now_utc()
    started = time.perf_counter()
    settings = home.settings
    report: dict[str, Any] = {"rules": 0, "alerts": 0, "errors": {}}
    rules = list_rules(store, enabled_only=True)
    calendar = _calendar(home) if any(r.get("kind") == "spike" for r in rules) else None
    labels = _topic_labels(home)
    for rule in rules:
        report["rules"] += 1
        try:
            state = rule_state(store, rule)
            if rule.get("kind") == "spike":
                assert calendar is not None
                alerts = evaluate_spikes(store, settings, rule, state, now, calendar, str(home.path), labels)
            else:
                alerts = evaluate_items(store, settings, rule, state, now)
            for alert in alerts:
                delivery.schedule(store, settings, rule, alert, 0, now)
                store.put_record(delivery.ALERTS, alert["id"], alert)
            store.put_record("state", state["id"], state)
            report["alerts"] += len(alerts)
        except Exception as exc:  # one broken rule must not stop the others
            log.exception("alert rule failed %s", {"rule": rule.get("id")})
            report["errors"][rule["id"]] = f"{type(exc).__name__}: {exc}"
    report["evaluate_s"] = round(time.perf_counter() - started, 3)
    report["outbox"] = delivery.process_outbox(store, settings, now, labels)
    report["seconds"] = round(time.perf_counter() - started, 3)
    return report


def preview(home: Home, store: Store, rule: Mapping[str, Any], now: datetime | None = None,
            hours: float = 24) -> dict[str, Any]:
    """What a rule would alert on over the last ``hours`` (``diemtin alerts test``): nothing is stored or sent."""
    now = now or now_utc()
    settings = home.settings
    if rule.get("kind") == "spike":
        spike_settings = SpikeSettings.from_settings(settings, rule.get("spike"))
        findings = detect(store, base_query(rule), now, spike_settings, _calendar(home), cache_key=None)
        labels = taxonomy_for_home(home.path).labels()
        out = []
        for finding in findings:
            out.append({"series": series_label(finding.field, finding.value, labels), "count": finding.count,
                        "expected": round(finding.expected, 1), "ratio": round(finding.ratio, 1),
                        "explained": finding.explained, "events": list(finding.events),
                        "reasons": explain(store, base_query(rule), finding, spike_settings.weeks)})
        return {"rule": rule["id"], "kind": "spike", "spikes": out}
    since = now - timedelta(hours=hours)
    alerts = evaluate_items(store, settings, rule, {}, now, since=since, dry_run=True)
    return {"rule": rule["id"], "kind": rule.get("kind"), "stories": [
        {"title": a["title"], "items": len(a["item_ids"]), "urgent": a["urgent"], "item_id": a["item_id"],
         "url": a["url"], "alerted_before": a["seen"]} for a in alerts]}


def send_test(home: Home, store: Store, rule: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One test message to every recipient of a rule over every channel it has, now, outside the outbox: does
    the configuration reach people? (``diemtin alerts test RULE --send``, the dashboard's "Gửi thử".)"""
    settings = home.settings
    message = Message(
        subject=f"[Điểm tin] Tin nhắn thử của quy tắc «{rule.get('name')}»",
        text=f"Tin nhắn thử của quy tắc cảnh báo «{rule.get('name')}».\nNếu bạn nhận được tin này, kênh đã sẵn sàng.\n"
             f"{settings.get_str('dashboard.public_url')}",
        payload={"type": "diemtin.test", "rule": {"id": rule["id"], "name": rule.get("name")}})
    targets = [(c, a, who) for who in rule.get("recipients") or [] for c, a in delivery.targets(store, rule, who)]
    targets += [("webhook", name, f"webhook:{name}") for name in rule.get("webhooks") or []]
    results = []
    for channel, address, who in targets:
        try:
            reference = send(settings, channel, address, message)
            results.append({"to": who, "channel": channel, "ok": True, "reference": reference})
        except DeliveryError as exc:
            results.append({"to": who, "channel": channel, "ok": False, "error": str(exc)})
    missing = [who for who in rule.get("recipients") or [] if not delivery.targets(store, rule, who)]
    results += [{"to": who, "channel": None, "ok": False,
                 "error": "không có địa chỉ cho các kênh của quy tắc (đặt bằng `diemtin alerts contact`)"}
                for who in missing]
    return results
