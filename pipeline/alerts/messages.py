"""What an alert says, in Vietnamese, on every channel: what happened, how urgent, why it was sent, and links to
the item (or the story) in the dashboard and to acknowledge it. Crawled titles are sent as plain text, never
markup, so nothing in an article can format or script a message."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from pipeline.alerts.channels import Message
from pipeline.core import vocabulary
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.timeutil import format_vn

LINK_KEY = "alerts:link-key"


def number(value: float, decimals: int = 0) -> str:
    """A number as Vietnamese writes it: 1.234 and 12,5 (no ",0" on a whole number)."""
    text = f"{value:,.{decimals}f}"
    if decimals and text.endswith("." + "0" * decimals):
        text = text[: -decimals - 1]
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
SERIES_NAMES = {"total": "Tổng số tin", "topics": "Chủ đề", "sections": "Chuyên mục", "places": "Địa danh",
                "flags": "Cảnh báo nội dung", "source": "Nguồn", "source_kind": "Loại nguồn", "tone": "Sắc thái",
                "lang": "Ngôn ngữ", "reputation": "Độ tin cậy nguồn"}


def _base(settings: Settings) -> str:
    return settings.get_str("dashboard.public_url").rstrip("/")


def item_link(settings: Settings, item_id: str) -> str:
    """The item in the dashboard (the query-parameter form the dashboard's deep links take)."""
    return f"{_base(settings)}/?{urlencode({'item': item_id})}"


def _link_key(store: Store) -> bytes:
    """A random key of the home, made on first use, that signs acknowledgement links."""
    record = store.get_record("state", LINK_KEY)
    if record is None:
        record = {"id": LINK_KEY, "key": secrets.token_hex(32)}
        store.put_record("state", LINK_KEY, record)
    return bytes.fromhex(record["key"])


def ack_token(store: Store, alert_id: str) -> str:
    return hmac.new(_link_key(store), alert_id.encode(), hashlib.sha256).hexdigest()[:32]


def check_ack_token(store: Store, alert_id: str, token: str) -> bool:
    return hmac.compare_digest(ack_token(store, alert_id), str(token or ""))


def alert_link(settings: Settings, alert_id: str, token: str | None = None) -> str:
    params = {"alert": alert_id}
    if token:
        params["ack"] = token
    return f"{_base(settings)}/alerts?{urlencode(params, quote_via=quote)}"


def series_label(field: str, value: str, topic_labels: Mapping[str, str]) -> str:
    if field == "total":
        return "Tổng số tin"
    if field == "topics":
        value = topic_labels.get(value, value)
    elif field == "flags":
        value = vocabulary.label("flags", value)
    elif field in ("source_kind", "reputation", "lang", "sections"):
        kind = {"source_kind": "source_kinds", "reputation": "reputations", "lang": "languages",
                "sections": "sections"}[field]
        value = vocabulary.label(kind, value) if kind in vocabulary.KINDS else value
    return f"{SERIES_NAMES.get(field, field)} «{value}»"


def _item_lines(item: Mapping[str, Any], topic_labels: Mapping[str, str]) -> list[str]:
    lines = []
    when = format_vn(item.get("published_at")) or "không rõ ngày"
    lines.append(f"{item.get('source') or 'không rõ nguồn'} · {when}")
    flags = [vocabulary.label("flags", name) for name in vocabulary.raised_flag_names(dict(item))]
    if flags:
        lines.append("Dấu hiệu: " + ", ".join(flags))
    topics = [topic_labels.get(t.get("id"), t.get("id")) for t in item.get("topics") or [] if isinstance(t, dict)]
    if topics:
        lines.append("Chủ đề: " + ", ".join(str(t) for t in topics[:3]))
    if item.get("urgency") is not None:
        lines.append(f"Mức khẩn: {number(float(item['urgency']), 2)}")
    return lines


def headline(alert: Mapping[str, Any]) -> str:
    prefix = "[KHẨN] " if alert.get("urgent") else ""
    if alert.get("level"):
        prefix = f"[CHUYỂN CẤP {alert['level']}] " + prefix
    return f"{prefix}{alert.get('title') or ''}".strip()


def alert_message(store: Store, settings: Settings, alert: Mapping[str, Any], topic_labels: Mapping[str, str],
                  items: Sequence[Mapping[str, Any]] = ()) -> Message:
    """One alert as one message."""
    token = ack_token(store, alert["id"])
    lines = [headline(alert), f"Quy tắc: {alert.get('rule_name')}"]
    if alert.get("level"):
        lines.append(f"Chưa ai xác nhận sau {alert.get('escalate_minutes')} phút: chuyển đến người nhận tiếp theo.")
    lines.append("")
    spike = alert.get("spike")
    if spike:
        lines += spike_lines(spike, topic_labels)
        if alert.get("item_id"):
            lines.append(f"Xem câu chuyện chính: {item_link(settings, alert['item_id'])}")
    elif items:
        lead = items[0]
        lines.append(str(lead.get("title") or lead.get("url") or ""))
        lines += _item_lines(lead, topic_labels)
        if len(alert.get("item_ids") or []) > 1:
            lines.append(f"Câu chuyện: {len(alert['item_ids'])} tin từ {alert.get('outlets') or 1} nguồn")
        lines.append(f"Xem tin: {item_link(settings, lead['id'])}")
    lines += ["", f"Xác nhận đã nhận: {alert_link(settings, alert['id'], token)}"]
    text = "\n".join(lines)
    payload = {
        "type": "diemtin.alert", "id": alert["id"], "rule": {"id": alert.get("rule_id"), "name": alert.get("rule_name")},
        "kind": alert.get("kind"), "urgent": bool(alert.get("urgent")), "level": alert.get("level", 0),
        "title": alert.get("title"), "text": text, "created_at": alert.get("created_at"),
        "items": [{"id": i["id"], "title": i.get("title"), "url": i.get("url"), "source": i.get("source"),
                   "published_at": i.get("published_at"), "link": item_link(settings, i["id"]),
                   "flags": vocabulary.raised_flag_names(i),
                   "topics": [t.get("id") for t in i.get("topics") or [] if isinstance(t, dict)]} for i in items],
        "spike": spike, "links": {"alert": alert_link(settings, alert["id"]),
                                  "acknowledge": alert_link(settings, alert["id"], token)},
    }
    return Message(subject=f"[Điểm tin] {headline(alert)}", text=text, payload=payload)


def spike_lines(spike: Mapping[str, Any], topic_labels: Mapping[str, str]) -> list[str]:
    """What rose, by how much, against what, what the calendar set aside, and why."""
    hours = number(spike.get("window_hours") or 3)
    lines = []
    for series in spike.get("series") or [spike]:
        label = series.get("label") or series_label(series["field"], series["value"], topic_labels)
        lines.append(f"{label}: {series['count']} tin trong {hours} giờ qua, thường khoảng "
                     f"{number(series['expected'], 1)} (gấp {number(series['ratio'], 1)} lần).")
        if series.get("explained"):
            lines.append(f"  (đã trừ {series['explained']} tin về sự kiện trong lịch: "
                         f"{', '.join(series.get('events') or [])})")
    reasons = spike.get("reasons") or {}
    if reasons.get("terms"):
        lines.append("Từ khóa nổi bật: " + ", ".join(f"{t['term']} ({t['items']} tin)" for t in reasons["terms"]))
    if reasons.get("stories"):
        lines.append("Câu chuyện chính:")
    for story in reasons.get("stories") or []:
        lines.append(f"• {story['title']} ({story['items']} tin)")
    if reasons.get("sources"):
        lines.append("Nguồn đăng nhiều: " + ", ".join(f"{s['source']} ({s['items']})" for s in reasons["sources"]))
    return lines


def combined_message(store: Store, settings: Settings, alerts: Sequence[Mapping[str, Any]],
                     topic_labels: Mapping[str, str], leads: Mapping[str, Mapping[str, Any]]) -> Message:
    """Several alerts of one rule due for one recipient at once (after quiet hours, or over the rate limit): one
    message listing them, each with its links."""
    rule = alerts[0].get("rule_name")
    lines = [f"{len(alerts)} cảnh báo mới — quy tắc: {rule}", ""]
    for n, alert in enumerate(alerts, start=1):
        lead = leads.get(alert["id"])
        lines.append(f"{n}. {headline(alert)}")
        if alert.get("spike"):
            lines += ["   " + line for line in spike_lines(alert["spike"], topic_labels)]
        elif lead:
            lines.append(f"   {lead.get('source') or ''} · {format_vn(lead.get('published_at')) or 'không rõ ngày'}")
            lines.append(f"   Xem tin: {item_link(settings, lead['id'])}")
        lines.append(f"   Xác nhận: {alert_link(settings, alert['id'], ack_token(store, alert['id']))}")
    text = "\n".join(lines)
    payload = {"type": "diemtin.alerts", "count": len(alerts), "text": text,
               "alerts": [{"id": a["id"], "title": a.get("title"), "urgent": bool(a.get("urgent")),
                           "link": alert_link(settings, a["id"])} for a in alerts]}
    return Message(subject=f"[Điểm tin] {len(alerts)} cảnh báo mới — {rule}", text=text, payload=payload)
