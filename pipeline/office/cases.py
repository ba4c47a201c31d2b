"""Cases: one or more items routed to the agency that must act on them, tracked until closed.

A case lives in the store's "cases" collection; every change is also written to the audit trail with who,
when, what and why. The lifecycle is open -> sent (a lead approves the routing) -> acknowledged (the agency
confirmed receipt) -> responded (the agency answered) -> closed (with an outcome). A case past its deadline
and not yet answered is overdue and is escalated to the leads once.

These functions do not check who may call them: the dashboard's service layer (dashboard/actions.py) does,
and the command line is the operator's own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.store.base import NotFound, Store, StoreError
from pipeline.core.timeutil import LOCAL_TZ, iso, now_utc, parse_iso

# Severity and case status codes as stored -> the Vietnamese the interface and documents show.
SEVERITIES = vocabulary.texts("severities")
CASE_STATUSES = vocabulary.texts("case_statuses")

# Which case statuses each step may start from.
_STEP_FROM: dict[str, tuple[str, ...]] = {
    "sent": ("open",),
    "acknowledged": ("sent",),
    "responded": ("sent", "acknowledged"),
    "closed": ("open", "sent", "acknowledged", "responded"),
}

# What a case step does to its items' status (pipeline/core/vocabulary.yaml), and from which statuses.
_ITEM_STATUS_ON: dict[str, tuple[str, tuple[str, ...]]] = {
    "sent": ("routed", ("new", "reviewing", "verified", "false", "hostile")),
    "responded": ("responded", ("routed",)),
    "closed": ("closed", ("verified", "false", "hostile", "irrelevant", "routed", "responded")),
}

OPEN_STATUSES = ("open", "sent", "acknowledged")


class CaseError(StoreError):
    """A case operation that cannot be done; the message is shown to the person, in Vietnamese."""


def agency_options(profile: Any) -> dict[str, str]:
    """The profile's agencies as id -> display name, in the profile's order."""
    options: dict[str, str] = {}
    for agency in getattr(profile, "agencies", None) or []:
        if isinstance(agency, Mapping):
            options[str(agency["id"])] = str(agency.get("name") or agency["id"])
        else:
            options[str(agency.id)] = str(getattr(agency, "name", None) or agency.id)
    return options


def suggest_agency(profile: Any, items: Sequence[dict[str, Any]]) -> str | None:
    """The agency the items route to (pipeline/office/routing.py: flags, named bodies, topics, section, place);
    None when nothing matches, so the analyst picks."""
    from pipeline.office.routing import suggest_agency_id

    return suggest_agency_id(profile, items)


def default_deadline(severity: str, deadline_hours: Mapping[str, float], now: datetime | None = None) -> str:
    return iso((now or now_utc()) + timedelta(hours=float(deadline_hours[severity])))  # type: ignore[return-value]


def _new_case_id(store: Store, now: datetime) -> str:
    """Readable ids for documents and phone calls: HS-<local date>-<sequence of the day>."""
    day = now.astimezone(LOCAL_TZ).strftime("%Y%m%d")
    sequence = 1 + sum(1 for case in store.list_records("cases") if str(case["id"]).startswith(f"HS-{day}-"))
    while store.get_record("cases", f"HS-{day}-{sequence:03d}") is not None:
        sequence += 1
    return f"HS-{day}-{sequence:03d}"


def get_case(store: Store, case_id: str) -> dict[str, Any]:
    case = store.get_record("cases", case_id)
    if case is None:
        raise NotFound(f"Không tìm thấy hồ sơ {case_id}.")
    return case


def list_cases(store: Store, status: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Cases, newest first."""
    where = {"status": list(status)} if status else None
    return store.list_records("cases", where=where, order_by="created_at", descending=True)


def create_case(
    store: Store, actor: str, *, title: str, item_ids: Sequence[str], agency: str, severity: str,
    deadline: str | datetime | None = None, asked: str = "", contact: str = "", notes: str = "",
    known_agencies: Collection[str] | None = None, deadline_hours: Mapping[str, float] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Open a case from items. ``known_agencies`` (the profile's ids) rejects an agency nobody configured."""
    now = now or now_utc()
    title = title.strip()
    if not title:
        raise CaseError("Hồ sơ cần có tiêu đề.")
    if not item_ids:
        raise CaseError("Hồ sơ cần ít nhất một tin.")
    found = {item["id"] for item in store.get_items(list(item_ids))}
    missing = [item_id for item_id in item_ids if item_id not in found]
    if missing:
        raise CaseError(f"Không tìm thấy tin: {', '.join(missing)}.")
    if known_agencies is not None and agency not in known_agencies:
        raise CaseError(f"Cơ quan {agency!r} không có trong danh sách cơ quan của tỉnh.")
    if severity not in SEVERITIES:
        raise CaseError(f"Mức độ không hợp lệ: {severity}.")
    if deadline is None:
        if deadline_hours is None:
            raise CaseError("Hồ sơ cần có hạn xử lý.")
        deadline_iso = default_deadline(severity, deadline_hours, now)
    else:
        deadline_iso = iso(parse_iso(deadline))
    case = {
        "id": _new_case_id(store, now), "title": title, "item_ids": list(dict.fromkeys(item_ids)),
        "agency": agency, "severity": severity, "deadline": deadline_iso, "status": "open",
        "asked": asked.strip(), "contact": contact.strip(), "created_by": actor, "created_at": iso(now),
        "acknowledged_at": None, "response": None, "responded_at": None, "outcome": None,
        "closed_at": None, "closed_by": None, "notes": notes.strip(), "escalated_at": None,
    }
    store.put_record("cases", case["id"], case)
    store.audit(actor, "case.create", "case", case["id"], after=case)
    for item_id in case["item_ids"]:
        store.audit(actor, "case.link", "item", item_id, after={"case_id": case["id"]},
                    reason=f"Lập hồ sơ {case['id']}")
    return case


def _step(store: Store, actor: str, case_id: str, step: str, changes: dict[str, Any], reason: str) -> dict[str, Any]:
    case = get_case(store, case_id)
    if case["status"] not in _STEP_FROM[step]:
        raise CaseError(
            f"Hồ sơ {case_id} đang ở trạng thái “{CASE_STATUSES[case['status']]}”, không thể chuyển sang "
            f"“{CASE_STATUSES[step]}”."
        )
    before = {key: case.get(key) for key in [*changes, "status"]}
    case.update(changes, status=step)
    store.put_record("cases", case_id, case)
    store.audit(actor, f"case.{step}", "case", case_id, before=before, after={**changes, "status": step},
                reason=reason)
    _move_items(store, actor, case, step)
    return case


def _move_items(store: Store, actor: str, case: dict[str, Any], step: str) -> None:
    """Carry a case step over to its items' workflow status, where the item is at the matching stage."""
    if step not in _ITEM_STATUS_ON:
        return
    target, from_statuses = _ITEM_STATUS_ON[step]
    for item in store.get_items(case["item_ids"]):
        if (item.get("status") or "new") in from_statuses:
            store.update_item(item["id"], {"status": target}, actor=actor, action="item.status",
                              reason=f"Theo hồ sơ {case['id']}")


def send_case(store: Store, actor: str, case_id: str, reason: str = "") -> dict[str, Any]:
    """The routing is approved and the case goes to the agency."""
    return _step(store, actor, case_id, "sent", {"sent_at": iso(now_utc()), "sent_by": actor}, reason)


def acknowledge_case(store: Store, actor: str, case_id: str, at: str | datetime | None = None,
                     reason: str = "") -> dict[str, Any]:
    return _step(store, actor, case_id, "acknowledged", {"acknowledged_at": iso(parse_iso(at) or now_utc())}, reason)


def record_response(store: Store, actor: str, case_id: str, response: str, at: str | datetime | None = None,
                    reason: str = "") -> dict[str, Any]:
    if not response.strip():
        raise CaseError("Cần ghi nội dung phản hồi của cơ quan.")
    return _step(store, actor, case_id, "responded",
                 {"response": response.strip(), "responded_at": iso(parse_iso(at) or now_utc())}, reason)


def close_case(store: Store, actor: str, case_id: str, outcome: str, reason: str = "") -> dict[str, Any]:
    if not outcome.strip():
        raise CaseError("Cần ghi kết quả xử lý khi đóng hồ sơ.")
    return _step(store, actor, case_id, "closed",
                 {"outcome": outcome.strip(), "closed_at": iso(now_utc()), "closed_by": actor}, reason)


def update_case(store: Store, actor: str, case_id: str, changes: dict[str, Any], reason: str = "") -> dict[str, Any]:
    """Edit a case's details (not its status): title, agency, severity, deadline, asked, contact, notes."""
    allowed = {"title", "agency", "severity", "deadline", "asked", "contact", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise CaseError(f"Không sửa được trường: {', '.join(sorted(unknown))}.")
    if "severity" in changes and changes["severity"] not in SEVERITIES:
        raise CaseError(f"Mức độ không hợp lệ: {changes['severity']}.")
    if "deadline" in changes:
        changes = {**changes, "deadline": iso(parse_iso(changes["deadline"]))}
    case = get_case(store, case_id)
    before = {key: case.get(key) for key in changes}
    case.update(changes)
    store.put_record("cases", case_id, case)
    store.audit(actor, "case.update", "case", case_id, before=before, after=changes, reason=reason)
    return case


def is_overdue(case: dict[str, Any], now: datetime | None = None) -> bool:
    deadline = parse_iso(case.get("deadline"))
    return case.get("status") in OPEN_STATUSES and deadline is not None and deadline < (now or now_utc())


def overdue_cases(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Cases past their deadline that the agency has not answered, most overdue first."""
    now = now or now_utc()
    late = [case for case in list_cases(store, OPEN_STATUSES) if is_overdue(case, now)]
    return sorted(late, key=lambda case: case["deadline"])


def active_leads(store: Store) -> list[str]:
    return [user["id"] for user in store.list_records("users", where={"role": "lead"}, order_by="id")
            if not user.get("disabled")]


def escalate_overdue(store: Store, now: datetime | None = None, actor: str = "system") -> list[dict[str, Any]]:
    """Escalate each overdue case to the active leads once: the case records who it went to and when, the
    audit trail says why, and the dashboard shows escalated cases to leads on every page. The scheduler
    calls this each tick; returns the cases escalated now."""
    now = now or now_utc()
    leads = active_leads(store)
    escalated = []
    for case in overdue_cases(store, now):
        if case.get("escalated_at"):
            continue
        changes = {"escalated_at": iso(now), "escalated_to": list(leads)}
        case.update(changes)
        store.put_record("cases", case["id"], case)
        store.audit(actor, "case.escalate", "case", case["id"], after=changes,
                    reason=f"Quá hạn xử lý từ {case['deadline']}")
        escalated.append(case)
    return escalated
