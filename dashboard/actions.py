"""Every change the dashboard can make, as plain functions ``(store, actor, ...)``.

Each one checks the actor's permission first (:func:`pipeline.office.accounts.require`), so a role is refused here,
on the server, whatever the page shows; and each one writes the audit trail with who, when, what and why.
Pages call these functions and nothing else to change data; tests call them directly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.home import Home
from pipeline.core.netguard import AddressRefused, HostUnresolved, check_url, parse_networks
from pipeline.core.plugins import load_object
from pipeline.core.settings import Settings
from pipeline.core.store.base import NotFound, Store
from pipeline.core.timeutil import iso, now_utc
from pipeline.office import accounts, cases, claims, sources
from pipeline.office.accounts import Actor, AuthError, require

# How long a hand-submitted URL may take to fetch and extract before the page gives up waiting.
SUBMIT_TIMEOUT_S = 120


class ActionError(AuthError):
    """An action refused for its content (not for permission); the message is shown in Vietnamese."""


@dataclass
class BulkResult:
    """What a bulk action did: the ids changed, and why each other id was left alone."""

    done: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def allowed_next(status: str | None) -> list[str]:
    """Statuses an item may move to from ``status`` (missing status is "new")."""
    return list(vocabulary.transitions().get(status or "new", ()))


# ----------------------------------------------------------------------------------------- items
def set_status(store: Store, actor: Actor, item_ids: Sequence[str], status: str, reason: str = "") -> BulkResult:
    """Move items along the workflow; an item whose current status does not allow it is skipped, with why."""
    require(actor, "item.triage")
    if status not in vocabulary.codes("statuses"):
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
            result.skipped[item_id] = f"không thể chuyển từ “{vocabulary.text('statuses', current)}” sang “{vocabulary.text('statuses', status)}”"
            continue
        result.done.append(item_id)
    _update_items(store, actor, [items[item_id] for item_id in result.done], {"status": status}, "item.status", reason)
    return result


def _update_items(store: Store, actor: Actor, items: Sequence[dict[str, Any]], changes: dict[str, Any],
                  action: str, reason: str) -> None:
    """Change many items in one write (one index commit for a bulk action), auditing each item: the store reads,
    changes and writes each item atomically with its audit entry, so a batch the pipeline writes meanwhile is not
    reverted and the audit's "before" is what was replaced."""
    if items:
        store.change_items({item["id"]: dict(changes) for item in items}, actor=actor.login, action=action,
                           reason=reason)


def assign(store: Store, actor: Actor, item_ids: Sequence[str], assignee: str | None, reason: str = "") -> BulkResult:
    """Give items to a person (or to nobody). Taking an item oneself needs less than assigning others."""
    require(actor, "item.assign_self" if assignee == actor.login else "item.assign")
    if assignee is not None:
        user = store.get_record("users", assignee)
        if user is None or user.get("disabled"):
            raise ActionError(f"Không có tài khoản đang hoạt động {assignee}.")
        if not Actor(user["id"], user["role"]).can("item.triage"):
            raise ActionError(f"Tài khoản {assignee} chỉ có quyền xem, không nhận xử lý tin được.")
    result = BulkResult()
    items = {item["id"]: item for item in store.get_items(list(item_ids))}
    for item_id in item_ids:
        if item_id in items:
            result.done.append(item_id)
        else:
            result.skipped[item_id] = "không tìm thấy tin"
    _update_items(store, actor, [items[item_id] for item_id in result.done], {"assignee": assignee},
                  "item.assign", reason)
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
    """Confirm or reject one flag of an item: the decision is shown on the item and kept as a training label.

    A rejected flag stops counting everywhere — urgency (recomputed now), the queue's filters and counts,
    exports, digests and routing (:func:`pipeline.core.vocabulary.flag_stands`) — and stays on the item with
    its decision, and in the audit trail, as history. Confirming it again makes it count again.
    """
    require(actor, "item.label")
    if verdict not in vocabulary.codes("flag_verdicts"):
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
    store.update_item(item_id, {"flags": flags, **_urgency({**item, "flags": flags}, store)}, actor=actor.login,
                      action=f"item.flag.{verdict}", reason=reason)
    return label


def add_flag(store: Store, actor: Actor, item_id: str, flag: str, note: str) -> dict[str, Any]:
    """Add a flag the classifiers missed, with the analyst's note as its evidence. It counts at once (urgency,
    filters, exports, digests, routing) and becomes a "confirmed" training label for ``diemtin classifier
    refresh``; re-processing the item keeps it."""
    require(actor, "item.label")
    if flag not in vocabulary.codes("flags"):
        raise ActionError(f"Cảnh báo không hợp lệ: {flag}.")
    note = (note or "").strip()
    if not note:
        raise ActionError("Cần ghi chú vì sao thêm cảnh báo này (ví dụ: dấu hiệu, nguồn xác minh).")
    item = _item(store, item_id)
    flags = [dict(entry) for entry in item.get("flags") or []]
    at = iso(now_utc())
    decision = {"label": "confirmed", "actor": actor.login, "at": at}
    evidence = {"kind": "analyst", "text": note, "start": None, "end": None,
                "detail": f"cán bộ {actor.login} thêm cảnh báo: {note}"}
    existing = next((entry for entry in flags if entry.get("name") == flag), None)
    if existing is not None:
        existing.update(raised=True, decision=decision, origin="analyst", note=note)
        existing["evidence"] = [evidence, *(existing.get("evidence") or [])]
    else:
        flags.append({"name": flag, "score": 1.0, "raised": True, "origin": "analyst", "note": note,
                      "evidence": [evidence], "decision": decision})
    label = {"id": f"{item_id}|flag:{flag}", "item_id": item_id, "task": f"flag:{flag}", "label": "confirmed",
             "actor": actor.login, "at": at, "note": note, "added": True}
    store.put_record("labels", label["id"], label)
    store.update_item(item_id, {"flags": flags, **_urgency({**item, "flags": flags}, store)}, actor=actor.login,
                      action="item.flag.added", reason=note)
    return label


def _urgency(item: dict[str, Any], store: Store) -> dict[str, Any]:
    """The item's urgency after a change of its flags, by the classifiers' rule (named in settings)."""
    try:
        rescore = load_object(Settings().get_str("pipeline.urgency_rescorer"))
    except (ImportError, AttributeError, ValueError):
        return {}
    urgency, reasons = rescore(item, store)
    return {"urgency": urgency, "urgency_reasons": reasons}


def set_section(store: Store, actor: Actor, item_id: str, section: str, reason: str = "") -> dict[str, Any]:
    """An analyst's correction of an item's section: the item's first topic becomes that section's topic, and
    the correction is kept as a training label (task "topic") that `diemtin classifier refresh` learns from."""
    require(actor, "item.label")
    if section not in vocabulary.codes("sections"):
        raise ActionError(f"Chuyên mục không hợp lệ: {section}.")
    item = _item(store, item_id)
    at = iso(now_utc())
    label_text = vocabulary.label("sections", section)
    chosen = next((dict(t) for t in item.get("topics") or [] if isinstance(t, dict) and t.get("id") == section), None)
    chosen = chosen or {"id": section, "label": label_text, "score": 1.0, "sections": [section], "evidence": []}
    chosen["score"] = 1.0
    chosen["evidence"] = [{"kind": "model", "text": "", "start": None, "end": None,
                           "detail": f"cán bộ {actor.login} sửa chuyên mục thành {label_text}"}, *chosen.get("evidence", [])]
    rest = [t for t in item.get("topics") or [] if isinstance(t, dict) and t.get("id") != section]
    label = {"id": f"{item_id}|topic", "item_id": item_id, "task": "topic", "label": section,
             "actor": actor.login, "at": at}
    store.put_record("labels", label["id"], label)
    store.update_item(item_id, {"topics": [chosen, *rest]}, actor=actor.login, action="item.section",
                      reason=reason or label_text)
    return label


def _item(store: Store, item_id: str) -> dict[str, Any]:
    item = store.get_item(item_id)
    if item is None:
        raise ActionError(f"Không tìm thấy tin {item_id}.")
    return item


def mark_seen(store: Store, actor: Actor, now: datetime | None = None) -> str | None:
    require(actor, "view")
    return accounts.mark_seen(store, actor.login, now)


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
    if reputation not in sources.REPUTATIONS:
        raise ActionError(f"Loại uy tín không hợp lệ: {reputation}.")
    return _change_source(store, actor, source_id, {"reputation": reputation}, "source.reputation", reason)


def add_source(store: Store, actor: Actor, record: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Add a source through the crawlers' own checks (pipeline.office.sources), audited."""
    require(actor, "source.manage")
    try:
        added = sources.add_source(store, record, settings)
    except sources.SourceError as exc:
        raise ActionError(f"Không thêm được nguồn: {exc}.") from exc
    store.audit(actor.login, "source.add", "source", added["id"], after=added)
    return added


def submit_url(home: Home, store: Store, actor: Actor, url: str, note: str = "") -> dict[str, Any]:
    """Fetch one URL now, through `diemtin submit` (the same address guard, robots and limits as the command
    line). It runs as a child process: Scrapy's reactor can run only once per process and never in one of
    the dashboard's threads."""
    require(actor, "source.submit_url")
    url = url.strip()
    try:  # refuse private and local addresses before starting anything
        check_url(url, parse_networks(home.settings.get("crawl.allowed_networks") or []))
    except AddressRefused as exc:
        store.audit(actor.login, "source.submit_url.refused", "url", url, reason=str(exc))
        raise ActionError(f"Không thu thập địa chỉ này (địa chỉ nội bộ hoặc không hợp lệ): {exc}") from exc
    except HostUnresolved as exc:
        raise ActionError(f"Không phân giải được tên miền (lỗi mạng hoặc sai địa chỉ), thử lại sau: {exc}") from exc
    command = [sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "submit", url, "--note", note]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=SUBMIT_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ActionError(f"Thu thập {url} quá {SUBMIT_TIMEOUT_S} giây, đã dừng.") from exc
    store.audit(actor.login, "source.submit_url", "url", url, after={"exit_status": done.returncode}, reason=note)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["lỗi không rõ"])[-1].removeprefix("diemtin: ")
        raise ActionError(f"Không thu thập được: {message}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


# ----------------------------------------------------------------------------------------- claims
def save_claim(store: Store, actor: Actor, fields: dict[str, Any], claim_id: str | None = None,
               reason: str = "") -> dict[str, Any]:
    """Add a known false claim with its rebuttal, or edit one (``claim_id``), through the knowledge base's
    own functions (classifiers.runtime.claims: checks, embedding for matching, audit)."""

    require(actor, "claim.edit")
    try:
        if claim_id is None:
            return claims.add_claim(store, fields, actor.login)
        if fields.get("active") is False and len(fields) == 1:
            return claims.deactivate_claim(store, claim_id, actor.login, reason)
        return claims.update_claim(store, claim_id, fields, actor.login, reason)
    except (claims.ClaimError, NotFound) as exc:
        raise ActionError(f"Không lưu được thông tin: {exc}.") from exc


# ----------------------------------------------------------------------------------------- digests
def approve_digest(store: Store, actor: Actor, digest_id: str) -> dict[str, Any]:
    """A lead signs a digest off, through the digests module's own workflow (draft -> approved)."""
    from pipeline.reports.digests import DigestError
    from pipeline.reports.digests import approve_digest as approve

    require(actor, "digest.approve")
    try:
        return approve(store, digest_id, actor.login)
    except DigestError as exc:
        raise ActionError(str(exc)) from exc


# ----------------------------------------------------------------------------------------- users
def create_user(store: Store, actor: Actor, login: str, role: str, password: str) -> dict[str, Any]:
    require(actor, "user.manage")
    return accounts.create_user(store, login, role, password, by=actor.login)


def set_user_role(store: Store, actor: Actor, login: str, role: str) -> None:
    require(actor, "user.manage")
    accounts.set_role(store, login, role, by=actor.login)


def set_user_disabled(store: Store, actor: Actor, login: str, disabled: bool) -> None:
    require(actor, "user.manage")
    if login == actor.login and disabled:
        raise ActionError("Không thể tự khóa tài khoản của mình.")
    accounts.set_disabled(store, login, disabled, by=actor.login)


def reset_password(store: Store, actor: Actor, login: str, password: str) -> None:
    require(actor, "user.manage")
    accounts.set_password(store, login, password, by=actor.login)


# ----------------------------------------------------------------------------------------- alerts
def create_alert_rule(store: Store, actor: Actor, settings: Settings, data: Mapping[str, Any],
                      known_topics: Collection[str] | None = None) -> dict[str, Any]:
    """A lead or an admin saves a rule (search, urgency or spike) with its recipients and channels."""
    from pipeline.alerts.rules import create_rule

    require(actor, "alert.manage")
    return create_rule(store, settings, data, by=actor.login, known_topics=known_topics)


def set_alert_rule_enabled(store: Store, actor: Actor, rule_id: str, enabled: bool, reason: str = "") -> dict[str, Any]:
    from pipeline.alerts.rules import set_enabled

    require(actor, "alert.manage")
    return set_enabled(store, rule_id, enabled, by=actor.login, reason=reason)


def acknowledge_alert(store: Store, actor: Actor, alert_id: str, token: str | None = None) -> dict[str, Any]:
    """Someone takes an alert in hand (from the list, or from the link in the message: ``token``); its
    escalation stops."""
    from pipeline.alerts.delivery import acknowledge

    require(actor, "alert.ack")
    return acknowledge(store, alert_id, by=actor.login, via="link" if token else "dashboard", token=token)


def resend_dead_letter(store: Store, actor: Actor, dead_id: str) -> dict[str, Any]:
    from pipeline.alerts.delivery import resend

    require(actor, "alert.manage")
    return resend(store, dead_id, by=actor.login)


def send_alert_test(home: Home, store: Store, actor: Actor, rule_id: str) -> list[dict[str, Any]]:
    """A test message to every recipient of a rule over every channel: does the configuration reach people?"""
    from pipeline.alerts.evaluate import send_test
    from pipeline.alerts.rules import get_rule

    require(actor, "alert.manage")
    results = send_test(home, store, get_rule(store, rule_id))
    store.audit(actor.login, "alert_rule.test", "alert_rule", rule_id,
                after={"ok": sum(1 for r in results if r["ok"]), "failed": sum(1 for r in results if not r["ok"])})
    return results


def set_alert_contact(store: Store, actor: Actor, login: str, email: str | None, telegram: str | None
                      ) -> dict[str, Any]:
    """Where an account receives alerts; one's own, or anyone's for a lead or an admin."""
    from pipeline.alerts.contacts import set_contact

    require(actor, "view" if login == actor.login else "alert.manage")
    return set_contact(store, login, email=email, telegram=telegram, by=actor.login)
