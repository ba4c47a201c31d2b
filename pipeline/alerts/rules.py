"""Alert rules: data in the store (collection "alert_rules"), made and changed by a lead or an admin (dashboard)
or an operator (``diemtin alerts add|disable``), every change in the audit trail.

A rule is one of:

- **search**: a saved search in the product's query language, with optional filters (flags, topics, sections,
  places, source kinds...) and scope (the province's items, or all items including the national view);
- **urgency**: any item whose urgency reaches a threshold (with the same optional filters);
- **spike**: coverage of its items rising far above the same hours of the weeks before (pipeline/alerts/spikes.py).

and says who hears of it (recipients, in escalation order: user logins, e-mail addresses or ``telegram:CHAT_ID``),
over which channels (email, telegram, webhook), when not to disturb (quiet hours; urgent alerts still go), how
often at most (rate limit per hour), and whether its alerts are urgent (urgent alerts escalate to the next recipient
when nobody acknowledges them in time).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.settings import Settings
from pipeline.core.store.base import FACET_FIELDS, ItemQuery, Store
from pipeline.core.store.query import QueryError, parse_query
from pipeline.core.text import fold
from pipeline.core.timeutil import LOCAL_TZ, iso, now_utc

RULES = COLLECTION = "alert_rules"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TELEGRAM = re.compile(r"^telegram:(-?\d{1,20})$")
QUIET = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$")
# Facet fields a rule may not filter on: they change as analysts work, they are not what an alert watches.
NOT_FILTERS = ("status", "assignee", "cluster_id")
# Checked codes of the vocabulary, by the facet field that holds them.
CODED_FIELDS = {"flags": "flags", "source_kind": "source_kinds", "reputation": "reputations", "lang": "languages",
                "sections": "sections"}
# What a rule watches: the province's items; the national view (items that do not name the province but carry a
# flag, as the queue's "Toàn quốc" shows them); or every item.
SCOPES = ("province", "national", "all")
SPIKE_KEYS = {"fields": list, "factor": float, "min_count": int, "min_z": float, "window_hours": float, "weeks": int}
EDITABLE = ("name", "kind", "query", "filters", "scope", "min_urgency", "spike", "recipients", "channels", "webhooks",
            "quiet_hours", "rate_limit", "urgent", "escalate_minutes")


class RuleError(ValueError):
    """A rule that cannot be kept as given; the message says why, in Vietnamese."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:40] or "quy-tac"


def parse_quiet_hours(value: str | None) -> tuple[time, time] | None:
    if not value:
        return None
    match = QUIET.match(value.strip())
    if not match:
        raise RuleError(f"Giờ yên lặng '{value}' không hợp lệ; viết dạng 22:00-06:00.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if (h1, m1) == (h2, m2):
        raise RuleError("Giờ yên lặng phải có giờ bắt đầu khác giờ kết thúc.")
    return time(h1, m1), time(h2, m2)


def quiet_until(rule: Mapping[str, Any], moment: datetime) -> datetime | None:
    """While the rule's quiet hours hold ``moment``: when they end (UTC); otherwise None."""
    quiet = parse_quiet_hours(rule.get("quiet_hours"))
    if quiet is None:
        return None
    start, end = quiet
    local = moment.astimezone(LOCAL_TZ)
    now_t = local.time()
    inside = (start <= now_t < end) if start < end else (now_t >= start or now_t < end)
    if not inside:
        return None
    until = datetime.combine(local.date(), end, tzinfo=LOCAL_TZ)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(UTC)


def _strings(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"'{what}' phải là danh sách.")
    return [v.strip() for v in value if v.strip()]


def check_recipient(store: Store, recipient: str) -> str:
    """A user login with contact details, an e-mail address, or telegram:CHAT_ID."""
    if TELEGRAM.match(recipient) or EMAIL.match(recipient):
        return recipient
    user = store.get_record("users", recipient.lower())
    if user is None or user.get("disabled"):
        raise RuleError(f"Người nhận '{recipient}' không phải tài khoản đang hoạt động, địa chỉ thư, "
                        "hay telegram:MÃ_CHAT.")
    return recipient.lower()


def validate(store: Store, settings: Settings, data: Mapping[str, Any], known_topics: Iterable[str] | None = None,
             ) -> dict[str, Any]:
    """The rule as it will be kept, or RuleError naming what is wrong."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise RuleError("Quy tắc cần một tên.")
    kind = data.get("kind") or ("search" if data.get("query") else "urgency")
    if kind not in vocabulary.codes("alert_kinds"):
        raise RuleError(f"Loại quy tắc '{kind}' không hợp lệ; chọn: {', '.join(vocabulary.codes('alert_kinds'))}.")
    query = str(data.get("query") or "").strip() or None
    if kind == "search" and not query and not data.get("filters"):
        raise RuleError("Tìm kiếm đã lưu cần một truy vấn hoặc ít nhất một bộ lọc.")
    if query:
        try:
            parse_query(query)
        except QueryError as exc:
            raise RuleError(f"Truy vấn không hợp lệ: {exc}") from exc
    filters: dict[str, list[str]] = {}
    for field_name, values in (data.get("filters") or {}).items():
        if field_name not in FACET_FIELDS or field_name in NOT_FILTERS:
            allowed = ", ".join(f for f in FACET_FIELDS if f not in NOT_FILTERS)
            raise RuleError(f"Không lọc được theo '{field_name}'; các bộ lọc có: {allowed}.")
        values = _strings(values, field_name)
        if field_name in CODED_FIELDS and CODED_FIELDS[field_name] in vocabulary.KINDS:
            unknown = [v for v in values if v not in vocabulary.codes(CODED_FIELDS[field_name])]
            if unknown:
                raise RuleError(f"Mã không có trong từ điển ({field_name}): {', '.join(unknown)}.")
        if field_name == "topics" and known_topics is not None:
            unknown = sorted(set(values) - set(known_topics))
            if unknown:
                raise RuleError(f"Không có chủ đề {', '.join(unknown)}.")
        if values:
            filters[field_name] = values
    scope = data.get("scope") or "province"
    if scope not in SCOPES:
        raise RuleError("Phạm vi phải là 'province' (tin về tỉnh), 'national' (tin toàn quốc có dấu hiệu) "
                        "hoặc 'all' (mọi tin).")
    min_urgency = data.get("min_urgency")
    if kind == "urgency" and min_urgency is None:
        raise RuleError("Quy tắc tin khẩn cần ngưỡng mức khẩn (0–1).")
    if min_urgency is not None:
        try:
            min_urgency = float(min_urgency)
        except (TypeError, ValueError) as exc:
            raise RuleError("Ngưỡng mức khẩn phải là số từ 0 đến 1.") from exc
        if not 0 <= min_urgency <= 1:
            raise RuleError("Ngưỡng mức khẩn phải là số từ 0 đến 1.")
    spike: dict[str, Any] = {}
    for key, value in (data.get("spike") or {}).items():
        if key not in SPIKE_KEYS:
            raise RuleError(f"Tham số đột biến '{key}' không có; dùng: {', '.join(SPIKE_KEYS)}.")
        if value in (None, "", []):
            continue
        try:
            spike[key] = _strings(value, key) if SPIKE_KEYS[key] is list else SPIKE_KEYS[key](value)
        except (TypeError, ValueError) as exc:
            raise RuleError(f"Tham số đột biến '{key}' không hợp lệ: {value!r}.") from exc
    unknown_fields = [f for f in spike.get("fields", []) if f != "total" and f not in FACET_FIELDS]
    if unknown_fields:
        raise RuleError(f"Không đếm đột biến theo được: {', '.join(unknown_fields)}.")
    recipients = [check_recipient(store, r) for r in _strings(data.get("recipients"), "recipients")]
    channels = _strings(data.get("channels"), "channels") or ["email"]
    bad = [c for c in channels if c not in vocabulary.codes("alert_channels")]
    if bad:
        raise RuleError(f"Kênh không hợp lệ: {', '.join(bad)}; chọn: {', '.join(vocabulary.codes('alert_channels'))}.")
    webhooks = _strings(data.get("webhooks"), "webhooks")
    configured = settings.get_dict("alerts.webhooks")
    missing = [w for w in webhooks if w not in configured]
    if missing:
        raise RuleError(f"Chưa cấu hình webhook {', '.join(missing)} (alerts.webhooks).")
    if "webhook" in channels and not webhooks:
        webhooks = list(configured)
        if not webhooks:
            raise RuleError("Kênh webhook cần ít nhất một webhook trong cấu hình (alerts.webhooks).")
    if not recipients and not ("webhook" in channels and webhooks):
        raise RuleError("Quy tắc cần ít nhất một người nhận (hoặc một webhook).")
    parse_quiet_hours(data.get("quiet_hours"))
    rate_limit = data.get("rate_limit")
    if rate_limit is not None and (not isinstance(rate_limit, int) or isinstance(rate_limit, bool) or rate_limit < 1):
        raise RuleError("Giới hạn tần suất là số tin nhắn tối đa mỗi giờ (từ 1).")
    escalate = data.get("escalate_minutes")
    if escalate is not None and (not isinstance(escalate, int) or isinstance(escalate, bool) or escalate < 1):
        raise RuleError("Thời gian chuyển cấp là số phút (từ 1).")
    return {
        "name": name, "kind": kind, "query": query, "filters": filters, "scope": scope, "min_urgency": min_urgency,
        "spike": spike, "recipients": recipients, "channels": channels,
        "webhooks": webhooks if "webhook" in channels else [],
        "quiet_hours": (data.get("quiet_hours") or "").strip() or None, "rate_limit": rate_limit,
        "urgent": bool(data.get("urgent", False)), "escalate_minutes": escalate,
    }


def create_rule(store: Store, settings: Settings, data: Mapping[str, Any], *, by: str,
                known_topics: Iterable[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
    rule = validate(store, settings, data, known_topics)
    moment = iso(now or now_utc())
    base = _slug(rule["name"])
    rule_id = base
    n = 1
    while store.get_record(COLLECTION, rule_id) is not None:
        n += 1
        rule_id = f"{base}-{n}"
    rule.update(id=rule_id, enabled=True, created_by=by, created_at=moment, updated_by=by, updated_at=moment)
    store.put_record(COLLECTION, rule_id, rule)
    store.audit(by, "alert_rule.create", "alert_rule", rule_id, after=rule)
    return rule


def get_rule(store: Store, rule_id: str) -> dict[str, Any]:
    rule = store.get_record(COLLECTION, rule_id)
    if rule is None:
        raise RuleError(f"Không có quy tắc cảnh báo '{rule_id}'.")
    return rule


def update_rule(store: Store, settings: Settings, rule_id: str, changes: Mapping[str, Any], *, by: str,
                known_topics: Iterable[str] | None = None) -> dict[str, Any]:
    rule = get_rule(store, rule_id)
    unknown = [key for key in changes if key not in EDITABLE]
    if unknown:
        raise RuleError(f"Không sửa được: {', '.join(unknown)}.")
    merged = validate(store, settings, {**{k: rule.get(k) for k in EDITABLE}, **changes}, known_topics)
    before = {key: rule.get(key) for key in merged if rule.get(key) != merged[key]}
    rule.update(merged, updated_by=by, updated_at=iso(now_utc()))
    store.put_record(COLLECTION, rule_id, rule)
    store.audit(by, "alert_rule.update", "alert_rule", rule_id, before=before,
                after={key: merged[key] for key in before})
    return rule


def set_enabled(store: Store, rule_id: str, enabled: bool, *, by: str, reason: str = "") -> dict[str, Any]:
    rule = get_rule(store, rule_id)
    before = bool(rule.get("enabled", True))
    rule.update(enabled=enabled, updated_by=by, updated_at=iso(now_utc()))
    store.put_record(COLLECTION, rule_id, rule)
    store.audit(by, "alert_rule.enable" if enabled else "alert_rule.disable", "alert_rule", rule_id,
                before={"enabled": before}, after={"enabled": enabled}, reason=reason)
    return rule


def list_rules(store: Store, enabled_only: bool = False) -> list[dict[str, Any]]:
    rules = store.list_records(COLLECTION, order_by="id")
    return [r for r in rules if r.get("enabled", True)] if enabled_only else rules


def base_query(rule: Mapping[str, Any]) -> ItemQuery:
    """What a rule watches, as the store's query: its search, its filters, its scope."""
    filters = {name: tuple(values) for name, values in (rule.get("filters") or {}).items() if name in FACET_FIELDS}
    scope = rule.get("scope") or "province"
    if scope == "national":
        filters.setdefault("flags", vocabulary.codes("flags"))
    relevant = {"province": True, "national": False}.get(scope)
    return ItemQuery(text=rule.get("query") or None, relevant=relevant, **filters)


def digest_of(rule: Mapping[str, Any]) -> str:
    """A short fingerprint of what a rule watches (state kept per rule is reset when it changes)."""
    return hashlib.sha256(repr(base_query(rule)).encode()).hexdigest()[:12]
