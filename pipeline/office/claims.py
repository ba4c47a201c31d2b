"""The rebuttal knowledge base: known false claims with their official rebuttals, as the office keeps them.

Claims are records of the store collection "claims". Editing goes through this module (add, update,
deactivate, import JSONL) and every change is audited. Matching items to claims is the classifiers' work
(``classifiers/runtime/claims.py``): they embed a claim the first time they see it, or again when its text
or the embedder changes, so editing here never needs a model.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from pipeline.core.jsonl import read_jsonl
from pipeline.core.store.base import NotFound, Store
from pipeline.core.text import fold, normalize
from pipeline.core.timeutil import iso, now_utc

COLLECTION = "claims"
SEED_FILE = Path(__file__).with_name("claims_seed.jsonl")
FIELDS = ("claim", "rebuttal", "rebuttal_source", "rebuttal_date", "rebuttal_url", "topics")


class ClaimError(ValueError):
    """A claim that cannot be stored as given (message in Vietnamese: it is shown to the user)."""


def claim_id(text: str) -> str:
    key = " ".join(fold(normalize(text, keep_newlines=False)).split())
    return "claim-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


_TRUE = ("true", "1", "yes", "có", "co")
_FALSE = ("false", "0", "no", "không", "khong", "")


def _flag(key: str, value: Any) -> bool:
    """A yes/no field as JSON writes it or a spreadsheet exports it: "false" is False (bool("false") is not)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ClaimError(f"'{key}' phải là true hoặc false, không phải {value!r}")


def _clean(fields: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(FIELDS) - {"id", "active", "example", "notes"})
    if unknown:
        raise ClaimError(f"trường không hợp lệ: {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "topics":
            if isinstance(value, str):
                value = [t.strip() for t in value.split(",") if t.strip()]
            if not isinstance(value, list):
                raise ClaimError("topics phải là danh sách mã chủ đề")
            out[key] = [str(t) for t in value]
        elif key in ("active", "example"):
            out[key] = _flag(key, value)
        elif key == "id":
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9._:-]{1,100}", value):
                raise ClaimError(f"'id' phải là chuỗi ngắn gồm chữ, số, '.', '_', ':' hoặc '-': {value!r}")
            out[key] = value
        elif isinstance(value, dict | list):
            raise ClaimError(f"'{key}' phải là chuỗi")
        elif value is not None:
            out[key] = normalize(str(value), keep_newlines=False)
    if not partial:
        for key in ("claim", "rebuttal"):
            if not out.get(key):
                raise ClaimError(f"thiếu nội dung '{key}'")
    if out.get("rebuttal_date") and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", out["rebuttal_date"]):
        raise ClaimError(f"rebuttal_date phải có dạng YYYY-MM-DD: {out['rebuttal_date']!r}")
    return out


def add_claim(store: Store, fields: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add a claim, or update it when the same claim text is already known."""
    record, existing = _prepared(store, fields, actor)
    store.put_record(COLLECTION, record["id"], record)
    store.audit(actor, "claim.update" if existing else "claim.add", "claim", record["id"],
                before=existing, after=record)
    return record


def _prepared(store: Store, fields: dict[str, Any], actor: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the record to write, the one it replaces): everything checked, nothing written."""
    clean = _clean(fields)
    record_id = str(clean.get("id") or claim_id(clean["claim"]))
    existing = store.get_record(COLLECTION, record_id)
    now = iso(now_utc())
    record = {"id": record_id, "claim": "", "rebuttal": "", "rebuttal_source": "", "rebuttal_date": "",
              "rebuttal_url": "", "topics": [], "created_by": actor, "created_at": now, "active": True,
              **(existing or {}), **clean, "updated_at": now}
    return record, existing


def update_claim(store: Store, record_id: str, changes: dict[str, Any],
                 actor: str, reason: str = "") -> dict[str, Any]:
    existing = store.get_record(COLLECTION, record_id)
    if existing is None:
        raise NotFound(f"không có nhận định {record_id}")
    clean = _clean(changes, partial=True)
    record = {**existing, **clean, "updated_at": iso(now_utc())}
    store.put_record(COLLECTION, record_id, record)
    store.audit(actor, "claim.update", "claim", record_id, before=existing, after=record, reason=reason)
    return record


def deactivate_claim(store: Store, record_id: str, actor: str, reason: str = "") -> dict[str, Any]:
    """Stop matching a claim; the record stays, so what was matched before remains explainable."""
    existing = store.get_record(COLLECTION, record_id)
    if existing is None:
        raise NotFound(f"không có nhận định {record_id}")
    record = {**existing, "active": False, "updated_at": iso(now_utc())}
    store.put_record(COLLECTION, record_id, record)
    store.audit(actor, "claim.deactivate", "claim", record_id, before=existing, after=record, reason=reason)
    return record


def list_claims(store: Store, active_only: bool = False) -> list[dict[str, Any]]:
    where = {"active": True} if active_only else None
    return store.list_records(COLLECTION, where=where, order_by="created_at")


def read_claims_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file, checked; a bad line stops the import with its line number and nothing is written."""
    def check(row: Any) -> tuple[dict[str, Any] | None, str | None]:
        if not isinstance(row, dict):
            return None, "mỗi dòng phải là một đối tượng JSON"
        try:
            _clean(row)
        except ClaimError as exc:
            return None, str(exc)
        return row, None

    rows = []
    try:
        for number, row, error in read_jsonl(path, check):
            if error or row is None:
                raise ClaimError(f"{path}, dòng {number}: {error}")
            rows.append(row)
    except OSError as exc:
        raise ClaimError(f"không đọc được tệp {path}: {exc}") from exc
    return rows


def import_claims(store: Store, path: str | Path, actor: str) -> list[dict[str, Any]]:
    """All the file's claims, or none: every row is checked and made into its record before the first is
    written, and a write that fails puts back what the import had already changed."""
    rows = read_claims_jsonl(path)
    prepared: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for row in rows:
        record, existing = _prepared(store, row, actor)
        if record["id"] in prepared:  # the same claim twice in the file: the later row wins, over the first
            existing = prepared[record["id"]][1]
            record = {**prepared[record["id"]][0], **_clean(row), "id": record["id"]}
        prepared[record["id"]] = (record, existing)
    written: list[tuple[str, dict[str, Any] | None]] = []
    try:
        for record_id, (record, existing) in prepared.items():
            store.put_record(COLLECTION, record_id, record)
            written.append((record_id, existing))
    except Exception as exc:
        for record_id, existing in reversed(written):
            if existing is None:
                store.delete_record(COLLECTION, record_id)
            else:
                store.put_record(COLLECTION, record_id, existing)
        raise ClaimError(f"nhập {path} thất bại, không có nhận định nào được ghi: {exc}") from exc
    for record_id, (record, existing) in prepared.items():
        store.audit(actor, "claim.update" if existing else "claim.add", "claim", record_id,
                    before=existing, after=record, reason=f"nhập từ {Path(path).name}")
    return [record for record, _ in prepared.values()]


def seed_claims(store: Store, actor: str = "system") -> int:
    """Load the shipped example claims once (a home that already has claims is left alone)."""
    if store.list_records(COLLECTION, limit=1):
        return 0
    return len(import_claims(store, SEED_FILE, actor))
