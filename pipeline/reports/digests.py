"""Saved digests and reports: issue, list, approve, download, send, and the scheduler's hook.

A digest is a record of the store's "digests" collection, id = its period ("day-2026-11-24",
"quarter-2026-Q4"), so the scheduler can call :func:`run_due_digests` every tick and never issue a period
twice. Its rendered files are kept inside the record (base64, with their SHA-256): the store is the only
state the parts share, so the dashboard downloads them on whichever machine it runs, the Elasticsearch
deployment included, and a file cannot drift from the record that was approved. A day's digest in all four
formats is a few hundred kilobytes.

Workflow: draft -> approved (by a lead or admin, per the "users" collection) -> sent (by e-mail). An
approved or sent digest is never rebuilt: it is what the lead signed off.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from datetime import date, datetime
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.home import Home
from pipeline.core.store.base import Store
from pipeline.core.timeutil import LOCAL_TZ, iso, now_utc
from pipeline.documents.document import document_number
from pipeline.documents.formats import MEDIA_TYPES, render
from pipeline.reports.build import build_digest, build_report, symbol_of
from pipeline.reports.mail import build_message, send_message
from pipeline.reports.periods import DIGEST_PERIODS, PERIOD_NAMES, Period, local_today

log = logging.getLogger(__name__)

COLLECTION = "digests"
# Roles (of the "users" collection) that sign off and send what the office issues, as for case routing.
APPROVER_ROLES = ("lead", "admin")


class DigestError(Exception):
    """A digest operation that cannot be done; the message is for the person, in Vietnamese."""


def _next_number(store: Store, symbol: str, year: int) -> str:
    """Documents are numbered from 1 each year, per symbol, as the office's register does."""
    used = [int(d["number"]) for d in store.list_records(COLLECTION)
            if d.get("symbol") == symbol and str(d.get("issued_on", "")).startswith(str(year))
            and str(d.get("number", "")).isdigit()]
    return str(max(used, default=0) + 1)


def _file_name(record: dict[str, Any], fmt: str) -> str:
    stem = "diem-tin" if record["period"] in DIGEST_PERIODS else "bao-cao"
    return f"{stem}-{re.sub(r'[^A-Za-z0-9-]', '-', record['id'])}.{fmt}"


def issue(home: Home, store: Store, period: Period, actor: str, now: datetime | None = None) -> dict[str, Any]:
    """Build the digest (or report) of a period, render every configured format and save it as a draft.

    A draft of the same period is replaced (keeping its number); an approved or sent one is refused.
    """
    now = now or now_utc()
    existing = store.get_record(COLLECTION, period.key)
    if existing and existing.get("status") != "draft":
        raise DigestError(f"Điểm tin {period.key} đã {vocabulary.text('digest_statuses', existing['status'])}, không thể lập lại.")
    issued_on = local_today(now)
    symbol = symbol_of(home.settings, period)
    number = existing["number"] if existing else _next_number(store, symbol, issued_on.year)
    builder = build_digest if period.kind in DIGEST_PERIODS else build_report
    document, figures = builder(home, store, period, issued_on, number)
    record: dict[str, Any] = {
        "id": period.key, "period": period.kind, "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(), "date_from": figures.pop("date_from"), "date_to": figures.pop("date_to"),
        "title": document.title, "subtitle": document.subtitle, "number": number, "symbol": symbol,
        "issued_on": issued_on.isoformat(), "status": "draft", "created_at": iso(now), "created_by": actor,
        "approved_by": None, "approved_at": None, "sent_at": None, "sent_by": None, "sent_to": [],
        "figures": figures, "files": {},
    }
    for fmt in home.settings.get("digest.formats"):
        data = render(document, fmt)
        record["files"][fmt] = {
            "name": _file_name(record, fmt), "media_type": MEDIA_TYPES[fmt], "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "data": base64.b64encode(data).decode("ascii"),
        }
    store.put_record(COLLECTION, record["id"], record)
    store.audit(actor, "digest.issue", "digest", record["id"], before=_summary(existing) if existing else None,
                after=_summary(record))
    log.info("digest issued id=%s formats=%s items=%s", record["id"], list(record["files"]), figures.get("items"))
    return record


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the file contents: what listings and the audit trail carry."""
    out = {k: v for k, v in record.items() if k != "files"}
    out["files"] = {fmt: {k: v for k, v in f.items() if k != "data"} for fmt, f in (record.get("files") or {}).items()}
    return out


def get_digest(store: Store, digest_id: str) -> dict[str, Any]:
    record = store.get_record(COLLECTION, digest_id)
    if record is None:
        raise DigestError(f"Không tìm thấy điểm tin '{digest_id}'.")
    return record


def list_digests(store: Store) -> list[dict[str, Any]]:
    """Saved digests and reports, newest first, without file contents (sizes and checksums are kept)."""
    records = store.list_records(COLLECTION, order_by="created_at", descending=True)
    return [_summary(r) for r in records]


def digest_file(store: Store, digest_id: str, fmt: str) -> bytes:
    """A saved file, checked against the checksum recorded when it was made."""
    files = get_digest(store, digest_id).get("files") or {}
    if fmt not in files:
        raise DigestError(f"Điểm tin '{digest_id}' không có bản định dạng {fmt}; có: {', '.join(files) or 'không'}.")
    data = base64.b64decode(files[fmt]["data"])
    if hashlib.sha256(data).hexdigest() != files[fmt]["sha256"]:
        raise DigestError(f"Tệp {files[fmt]['name']} của điểm tin '{digest_id}' không khớp mã kiểm tra SHA-256.")
    return data


def _require_approver(store: Store, actor: str) -> None:
    if actor.startswith("cli:"):  # the home's owner at its command line (pipeline.core.console.cli_actor)
        return
    user = store.get_record("users", actor)
    if not user or user.get("disabled") or user.get("role") not in APPROVER_ROLES:
        raise DigestError(f"Người dùng '{actor}' không có quyền duyệt, gửi điểm tin "
                          f"(cần vai trò: {', '.join(APPROVER_ROLES)}).")


def approve_digest(store: Store, digest_id: str, actor: str) -> dict[str, Any]:
    """A lead's sign-off; only an approved digest can be sent."""
    _require_approver(store, actor)
    record = get_digest(store, digest_id)
    if record["status"] != "draft":
        raise DigestError(f"Điểm tin '{digest_id}' đã {vocabulary.text('digest_statuses', record['status'])}.")
    record.update(status="approved", approved_by=actor, approved_at=iso(now_utc()))
    store.put_record(COLLECTION, digest_id, record)
    store.audit(actor, "digest.approve", "digest", digest_id, before={"status": "draft"},
                after={"status": "approved"})
    return _summary(record)


def send_digest(home: Home, store: Store, digest_id: str, actor: str, to: list[str] | None = None) -> dict[str, Any]:
    """E-mail an approved digest with its DOCX and PDF attached, to the configured recipients."""
    _require_approver(store, actor)
    record = get_digest(store, digest_id)
    if record["status"] != "approved":
        raise DigestError(f"Điểm tin '{digest_id}' đang ở trạng thái {vocabulary.text('digest_statuses', record['status'])}; "
                          "chỉ gửi được điểm tin đã duyệt.")
    smtp = home.settings.section("smtp")
    recipients = list(to or smtp.get("to") or [])
    if not recipients:
        raise DigestError("Chưa cấu hình người nhận thư (smtp.to).")
    attach = [fmt for fmt in home.settings.get("digest.attach") if fmt in record["files"]]
    attachments = [(record["files"][f]["name"], MEDIA_TYPES[f], digest_file(store, digest_id, f)) for f in attach]
    figures = record.get("figures") or {}
    body = (f"Kính gửi các đồng chí,\n\n{record['title'].capitalize()} {record['subtitle']} "
            f"(số {document_number(record['number'])}/{record['symbol']}) gửi kèm thư này.\n"
            f"Tổng số tin, bài: {figures.get('items', 0)}; số cơ quan báo chí, trang tin: {figures.get('outlets', 0)}.\n\n"
            f"Tệp đính kèm: {', '.join(a[0] for a in attachments)}.\n")
    message = build_message(smtp.get("sender") or "", recipients,
                            f"{record['title'].capitalize()} - {record['subtitle']}", body, attachments)
    send_message(smtp, message)
    record.update(status="sent", sent_at=iso(now_utc()), sent_by=actor, sent_to=recipients)
    store.put_record(COLLECTION, digest_id, record)
    store.audit(actor, "digest.send", "digest", digest_id, before={"status": "approved"},
                after={"status": "sent", "sent_to": recipients})
    return _summary(record)


def run_due_digests(home: Home, store: Store, now: datetime) -> list[dict[str, Any]]:
    """Issue the scheduled digests that are due and not yet issued; the scheduler calls this every tick.

    From ``scheduler.digest_hour`` (local time) each day, the last complete day, week and month (those in
    ``digest.scheduled``) get a draft digest if they have none. Idempotent by the period's id; a period the
    scheduler missed while down is issued on its next tick.
    """
    local = now.astimezone(LOCAL_TZ)
    if local.hour < home.settings.get_int("scheduler.digest_hour"):
        return []
    issued = []
    for kind in home.settings.get("digest.scheduled"):
        period = Period.latest_complete(kind, local.date())
        if store.get_record(COLLECTION, period.key) is not None:
            continue
        try:
            issued.append(_summary(issue(home, store, period, actor="scheduler", now=now)))
        except Exception:  # one broken period must not stop the others; it is retried next tick
            log.exception("scheduled digest failed period=%s", period.key)
    return issued


def period_of(kind: str, day: date | None, now: datetime | None = None) -> Period:
    """The period of ``kind`` containing ``day``; by default the one containing yesterday (local)."""
    if kind not in PERIOD_NAMES:
        raise DigestError(f"Kỳ '{kind}' không hợp lệ; chọn: {', '.join(PERIOD_NAMES)}.")
    if day is None:
        day = Period.containing("day", local_today(now or now_utc())).previous().start
    return Period.containing(kind, day)
