"""Every change the dashboard can make, as plain functions ``(store, actor, ...)``.

Each one checks the actor's permission first (:func:`dashboard.auth.require`), so a role is refused here,
on the server, whatever the page shows; and each one writes the audit trail with who, when, what and why.
Pages call these functions and nothing else to change data; tests call them directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard import auth
from dashboard.auth import Actor, AuthError, require
from pipeline import cases
from pipeline.item import STATUSES
from pipeline.store.base import NotFound, Store
from pipeline.timeutil import iso, now_utc

# Label records' tasks for flag decisions, and the two verdicts (feeds training: classifiers read "labels").
FLAG_VERDICTS = {"confirmed": "xác nhận", "rejected": "bác bỏ"}
SOURCE_KINDS = ("national_press", "provincial_press", "government_portal", "foreign_vietnamese_language",
                "foreign_press", "aggregator", "social", "submitted")
SOURCE_FETCH = ("feed", "sitemap", "section", "gnews", "youtube", "telegram", "page")
REPUTATIONS = ("official", "provincial", "government", "foreign", "foreign_vn", "unverified", "hostile")


class ActionError(AuthError):
    """An action refused for its content (not for permission); the message is shown in Vietnamese."""


@dataclass
class BulkResult:
    """What a bulk action did: the ids changed, and why each other id was left alone."""

    done: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def allowed_next(status: str | None) -> list[str]:
    """Statuses an item may move to from ``status`` (missing status is "new")."""
    return list(auth.load_policy()["transitions"].get(status or "new", []))


# ----------------------------------------------------------------------------------------- items
def set_status(store: Store, actor: Actor, item_ids: Sequence[str], status: str, reason: str = "") -> BulkResult:
    """Move items along the workflow; an item whose current status does not allow it is skipped, with why."""
    require(actor, "item.triage")
    if status not in STATUSES:
        raise ActionError(f"Trạng thái không hợp lệ: {status}.")
    result = BulkResult()
    items = {item["id"]: item for item in store.get_items(list(item_ids))}
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None:
            result.skipped[item_id] = "không tìm thấy tin"
            continue
        current = item.get("status") or "new"
        if status not in allowed_next(current):
            result.skipped[item_id] = f"không thể chuyển từ “{STATUSES.get(current, current)}” sang “{STATUSES[status]}”"
            continue
        store.update_item(item_id, {"status": status}, actor=actor.login, action="item.status", reason=reason)
        result.done.append(item_id)
    return result


def assign(store: Store, actor: Actor, item_ids: Sequence[str], assignee: str | None, reason: str = "") -> BulkResult:
    """Give items to a person (or to nobody). Taking an item oneself needs less than assigning others."""
    require(actor, "item.assign_self" if assignee == actor.login else "item.assign")
    if assignee is not None:
        user = store.get_record("users", assignee)
        if user is None or user.get("disabled"):
            raise ActionError(f"Không có tài khoản đang hoạt động {assignee}.")
    result = BulkResult()
    for item_id in item_ids:
        try:
            store.update_item(item_id, {"assignee": assignee}, actor=actor.login, action="item.assign", reason=reason)
        except NotFound:
            result.skipped[item_id] = "không tìm thấy tin"
        else:
            result.done.append(item_id)
    return result


def add_note(store: Store, actor: Actor, item_id: str, text: str) -> dict[str, Any]:
    require(actor, "item.note")
    text = text.strip()
    if not text:
        raise ActionError("Ghi chú trống.")
    item = _item(store, item_id)
    notes = item.get("notes") or []
    if isinstance(notes, str):  # a note written by a tool as plain text stays, as the first entry
        notes = [{"text": notes, "by": None, "at": None}]
    note = {"text": text, "by": actor.login, "at": iso(now_utc())}
    store.update_item(item_id, {"notes": [*notes, note]}, actor=actor.login, action="item.note", reason=text)
    return note


def label_flag(store: Store, actor: Actor, item_id: str, flag: str, verdict: str, reason: str = "") -> dict[str, Any]:
    """Confirm or reject one flag of an item: the decision is shown on the item and kept as a training label."""
    require(actor, "item.label")
    if verdict not in FLAG_VERDICTS:
        raise ActionError(f"Quyết định không hợp lệ: {verdict}.")
    item = _item(store, item_id)
    flags = [dict(entry) for entry in item.get("flags") or []]
    if not any(entry.get("name") == flag for entry in flags):
        raise ActionError(f"Tin không có cảnh báo {flag}.")
    at = iso(now_utc())
    for entry in flags:
        if entry.get("name") == flag:
            entry["decision"] = {"label": verdict, "actor": actor.login, "at": at}
    label = {"id": f"{item_id}|flag:{flag}", "item_id": item_id, "task": f"flag:{flag}", "label": verdict,
             "actor": actor.login, "at": at}
    store.put_record("labels", label["id"], label)
    store.update_item(item_id, {"flags": flags}, actor=actor.login, action=f"item.flag.{verdict}", reason=reason)
    return label


def _item(store: Store, item_id: str) -> dict[str, Any]:
    item = store.get_item(item_id)
    if item is None:
        raise ActionError(f"Không tìm thấy tin {item_id}.")
    return item


def mark_seen(store: Store, actor: Actor, now: datetime | None = None) -> str | None:
    require(actor, "view")
    return auth.mark_seen(store, actor.login, now)


# ----------------------------------------------------------------------------------------- cases
def create_case(store: Store, actor: Actor, *, known_agencies: Collection[str],
                deadline_hours: Mapping[str, float], **fields: Any) -> dict[str, Any]:
    require(actor, "case.create")
    return cases.create_case(store, actor.login, known_agencies=known_agencies, deadline_hours=deadline_hours,
                             **fields)


def send_case(store: Store, actor: Actor, case_id: str, reason: str = "") -> dict[str, Any]:
    require(actor, "case.route")
    return cases.send_case(store, actor.login, case_id, reason)


def acknowledge_case(store: Store, actor: Actor, case_id: str, at: str | None = None, reason: str = "") -> dict[str, Any]:
    require(actor, "case.update")
    return cases.acknowledge_case(store, actor.login, case_id, at, reason)


def record_response(store: Store, actor: Actor, case_id: str, response: str, reason: str = "") -> dict[str, Any]:
    require(actor, "case.update")
    return cases.record_response(store, actor.login, case_id, response, reason=reason)


def close_case(store: Store, actor: Actor, case_id: str, outcome: str, reason: str = "") -> dict[str, Any]:
    require(actor, "case.close")
    return cases.close_case(store, actor.login, case_id, outcome, reason)


def update_case(store: Store, actor: Actor, case_id: str, changes: dict[str, Any], reason: str = "") -> dict[str, Any]:
    require(actor, "case.update")
    return cases.update_case(store, actor.login, case_id, changes, reason)


def escalate_overdue(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Escalate overdue cases to every active lead; what the scheduler (or a lead's page view) runs."""
    leads = [user["id"] for user in auth.list_users(store) if user["role"] == "lead" and not user.get("disabled")]
    return cases.escalate_overdue(store, leads, now)


# ----------------------------------------------------------------------------------------- sources
def _source(store: Store, source_id: str) -> dict[str, Any]:
    source = store.get_record("sources", source_id)
    if source is None:
        raise ActionError(f"Không tìm thấy nguồn {source_id}.")
    return source


def _change_source(store: Store, actor: Actor, source_id: str, changes: dict[str, Any], action: str,
                   reason: str) -> dict[str, Any]:
    require(actor, "source.manage")
    source = _source(store, source_id)
    before = {key: source.get(key) for key in changes}
    source.update(changes)
    store.put_record("sources", source_id, source)
    store.audit(actor.login, action, "source", source_id, before=before, after=changes, reason=reason)
    return source


def set_source_enabled(store: Store, actor: Actor, source_id: str, enabled: bool, reason: str = "") -> dict[str, Any]:
    return _change_source(store, actor, source_id, {"enabled": enabled},
                          "source.enable" if enabled else "source.disable", reason)


def set_source_reputation(store: Store, actor: Actor, source_id: str, reputation: str, reason: str = "") -> dict[str, Any]:
    if reputation not in REPUTATIONS:
        raise ActionError(f"Loại uy tín không hợp lệ: {reputation}.")
    return _change_source(store, actor, source_id, {"reputation": reputation}, "source.reputation", reason)


def add_source(store: Store, actor: Actor, *, name: str, kind: str, fetch: str, urls: Sequence[str],
               reputation: str, language: str = "vi", homepage: str = "", poll_minutes: int = 30,
               notes: str = "") -> dict[str, Any]:
    from pipeline.sources import source_id

    require(actor, "source.manage")
    name = name.strip()
    urls = [url.strip() for url in urls if url.strip()]
    if not name or not urls:
        raise ActionError("Nguồn cần có tên và ít nhất một đường dẫn.")
    bad = [url for url in urls if not url.lower().startswith(("http://", "https://"))]
    if bad:
        raise ActionError(f"Đường dẫn không hợp lệ (cần http:// hoặc https://): {', '.join(bad)}.")
    if kind not in SOURCE_KINDS or fetch not in SOURCE_FETCH or reputation not in REPUTATIONS:
        raise ActionError("Loại nguồn, cách lấy tin hoặc loại uy tín không hợp lệ.")
    record = {"id": source_id(name), "name": name, "kind": kind, "fetch": fetch, "language": language,
              "reputation": reputation, "urls": urls, "homepage": homepage.strip() or urls[0],
              "poll_minutes": int(poll_minutes), "enabled": True, "config": {}, "health": {}, "notes": notes}
    if store.get_record("sources", record["id"]) is not None:
        raise ActionError(f"Đã có nguồn {record['id']}.")
    store.put_record("sources", record["id"], record)
    store.audit(actor.login, "source.add", "source", record["id"], after=record)
    return record


def submit_url(store: Store, actor: Actor, url: str, note: str = "", home: Any = None) -> dict[str, Any]:
    """Hand a URL to the crawlers' own submit function, which refuses private and local addresses."""
    require(actor, "source.submit_url")
    try:
        from crawlers.submit import submit_url as crawl_submit  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ActionError("Chức năng gửi đường dẫn chưa sẵn sàng (thiếu bộ thu thập).") from exc
    result = crawl_submit(store, url, submitted_by=actor.login, note=note, home=home)
    store.audit(actor.login, "source.submit_url", "url", url, after=result, reason=note)
    return result


# ----------------------------------------------------------------------------------------- claims
def save_claim(store: Store, actor: Actor, *, claim: str, rebuttal: str, rebuttal_source: str = "",
               rebuttal_date: str = "", rebuttal_url: str = "", topics: Sequence[str] = (),
               active: bool = True, claim_id: str | None = None) -> dict[str, Any]:
    """Add a known false claim with its rebuttal, or edit one (``claim_id``)."""
    require(actor, "claim.edit")
    if not claim.strip() or not rebuttal.strip():
        raise ActionError("Cần nhập cả nội dung sai sự thật và nội dung phản bác.")
    now = iso(now_utc())
    before = store.get_record("claims", claim_id) if claim_id else None
    if claim_id and before is None:
        raise ActionError(f"Không tìm thấy thông tin {claim_id}.")
    record = {
        **(before or {"id": f"claim-{uuid.uuid4().hex[:10]}", "created_by": actor.login, "created_at": now}),
        "claim": claim.strip(), "rebuttal": rebuttal.strip(), "rebuttal_source": rebuttal_source.strip(),
        "rebuttal_date": rebuttal_date.strip(), "rebuttal_url": rebuttal_url.strip(), "topics": list(topics),
        "active": bool(active), "updated_at": now,
    }
    store.put_record("claims", record["id"], record)
    store.audit(actor.login, "claim.update" if before else "claim.create", "claim", record["id"],
                before=before, after=record)
    return record


# ----------------------------------------------------------------------------------------- digests
def approve_digest(store: Store, actor: Actor, digest_id: str, reason: str = "") -> dict[str, Any]:
    require(actor, "digest.approve")
    digest = store.get_record("digests", digest_id)
    if digest is None:
        raise ActionError(f"Không tìm thấy bản điểm tin {digest_id}.")
    changes = {"approved_by": actor.login, "approved_at": iso(now_utc()), "status": "approved"}
    before = {key: digest.get(key) for key in changes}
    digest.update(changes)
    store.put_record("digests", digest_id, digest)
    store.audit(actor.login, "digest.approve", "digest", digest_id, before=before, after=changes, reason=reason)
    return digest


# ----------------------------------------------------------------------------------------- users
def create_user(store: Store, actor: Actor, login: str, role: str, password: str) -> dict[str, Any]:
    require(actor, "user.manage")
    return auth.create_user(store, login, role, password, by=actor.login)


def set_user_role(store: Store, actor: Actor, login: str, role: str) -> None:
    require(actor, "user.manage")
    auth.set_role(store, login, role, by=actor.login)


def set_user_disabled(store: Store, actor: Actor, login: str, disabled: bool) -> None:
    require(actor, "user.manage")
    if login == actor.login and disabled:
        raise ActionError("Không thể tự khóa tài khoản của mình.")
    auth.set_disabled(store, login, disabled, by=actor.login)


def reset_password(store: Store, actor: Actor, login: str, password: str) -> None:
    require(actor, "user.manage")
    auth.set_password(store, login, password, by=actor.login)
