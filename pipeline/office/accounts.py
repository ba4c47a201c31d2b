"""Accounts, sessions and permissions: who is at the keyboard, and what they may change.

Passwords are hashed with argon2id; sessions are random tokens whose SHA-256 (never the token itself) is kept
in the store's "sessions" collection with an expiry, so a copy of the database cannot be used to log in.
Permissions come from ``policy.yaml``; every mutating action checks them on the server side through
:func:`require` (dashboard/actions.py), whatever the page shows or hides.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.core.home import Home, write_private
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso, now_utc, parse_iso

POLICY_FILE = Path(__file__).with_name("policy.yaml")
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verified against when the login is unknown, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthError(Exception):
    """A log-in or account operation that cannot be done; the message is shown to the person, in Vietnamese."""


class PermissionDenied(AuthError):
    pass


@lru_cache(maxsize=1)
def load_policy() -> dict[str, Any]:
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


def role_names() -> list[str]:
    return list(load_policy()["roles"])


def role_label(role: str) -> str:
    return load_policy()["roles"].get(role, {}).get("label", role)


def permissions_of(role: str) -> frozenset[str]:
    entry = load_policy()["roles"].get(role)
    return frozenset(entry["permissions"]) if entry else frozenset()


@dataclass(frozen=True)
class Actor:
    """The person an action is done for: their login and role, as the session says."""

    login: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in permissions_of(self.role)


def require(actor: Actor, permission: str) -> None:
    """Refuse unless the actor's role holds ``permission``: the one server-side gate of every change."""
    if not actor.can(permission):
        label = load_policy()["permission_labels"].get(permission, permission)
        raise PermissionDenied(
            f"Tài khoản {actor.login} ({role_label(actor.role)}) không có quyền {label}."
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")


def _check_role(role: str) -> None:
    if role not in role_names():
        raise AuthError(f"Vai trò không hợp lệ: {role} (chọn một trong: {', '.join(role_names())}).")


def _user(store: Store, login: str) -> dict[str, Any]:
    user = store.get_record("users", login)
    if user is None:
        raise AuthError(f"Không có tài khoản {login}.")
    return user


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """A user record without its password hash: what may be listed, shown or audited."""
    return {key: value for key, value in user.items() if key != "password_hash"}


def create_user(store: Store, login: str, role: str, password: str, *, by: str) -> dict[str, Any]:
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise AuthError("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch nối (2–32 ký tự).")
    _check_role(role)
    _check_password(password)
    if store.get_record("users", login) is not None:
        raise AuthError(f"Tài khoản {login} đã tồn tại.")
    user = {"id": login, "role": role, "password_hash": hash_password(password), "disabled": False,
            "created_at": iso(now_utc()), "last_seen": None}
    store.put_record("users", login, user)
    store.audit(by, "user.create", "user", login, after=public_user(user))
    return public_user(user)


def set_password(store: Store, login: str, password: str, *, by: str) -> None:
    _check_password(password)
    user = _user(store, login)
    user["password_hash"] = hash_password(password)
    store.put_record("users", login, user)
    _end_sessions(store, login)
    store.audit(by, "user.password", "user", login)


def set_role(store: Store, login: str, role: str, *, by: str) -> None:
    _check_role(role)
    user = _user(store, login)
    before = user.get("role")
    user["role"] = role
    store.put_record("users", login, user)
    store.audit(by, "user.role", "user", login, before={"role": before}, after={"role": role})


def set_disabled(store: Store, login: str, disabled: bool, *, by: str) -> None:
    user = _user(store, login)
    user["disabled"] = disabled
    store.put_record("users", login, user)
    if disabled:
        _end_sessions(store, login)
    store.audit(by, "user.disable" if disabled else "user.enable", "user", login,
                after={"disabled": disabled})


def list_users(store: Store) -> list[dict[str, Any]]:
    return [public_user(user) for user in store.list_records("users", order_by="id")]


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(store: Store, login: str, password: str, session_hours: float,
                 now: datetime | None = None) -> str:
    """Check a password and open a session; returns the session token the browser session keeps."""
    login = login.strip().lower()
    user = store.get_record("users", login) if login else None
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise AuthError("Sai tên đăng nhập hoặc mật khẩu.")
    if user.get("disabled"):
        raise AuthError("Tài khoản đã bị khóa. Liên hệ quản trị viên.")
    if _hasher.check_needs_rehash(user["password_hash"]):
        user["password_hash"] = hash_password(password)
        store.put_record("users", login, user)
    now = now or now_utc()
    token = secrets.token_urlsafe(32)
    store.put_record("sessions", _token_key(token), {
        "id": _token_key(token), "user": login, "created_at": iso(now),
        "expires_at": iso(now + timedelta(hours=session_hours)),
    })
    store.audit(login, "user.login", "user", login)
    return token


def session_actor(store: Store, token: str | None, now: datetime | None = None) -> Actor | None:
    """The actor of a live session, or None when the token is unknown, expired or its user disabled."""
    if not token:
        return None
    session = store.get_record("sessions", _token_key(token))
    if session is None:
        return None
    expires = parse_iso(session.get("expires_at"))
    if expires is None or expires <= (now or now_utc()):
        store.delete_record("sessions", session["id"])
        return None
    user = store.get_record("users", session["user"])
    if user is None or user.get("disabled"):
        return None
    return Actor(login=user["id"], role=user["role"])


def logout(store: Store, token: str) -> None:
    store.delete_record("sessions", _token_key(token))


def _end_sessions(store: Store, login: str) -> None:
    for session in store.list_records("sessions", where={"user": login}):
        store.delete_record("sessions", session["id"])


def mark_seen(store: Store, login: str, now: datetime | None = None) -> str | None:
    """Record that the user looked at the queue now; returns when they last looked before (ISO or None),
    which the queue uses for its "new since you last looked" marker."""
    user = _user(store, login)
    previous = user.get("last_seen")
    user["last_seen"] = iso(now or now_utc())
    store.put_record("users", login, user)
    return previous


ADMIN_PASSWORD_FILE = "admin-password.txt"


def first_admin(home: Home, store: Store, by: str = "diemtin init") -> Path | None:
    """A new office has no accounts, and the dashboard admits no one without one: make an "admin" with a
    random password, kept in a file only root can read, to be changed at the first log-in."""
    if store.list_records("users"):
        return None
    password = secrets.token_urlsafe(12)
    create_user(store, "admin", "admin", password, by=by)
    path = home.path / ADMIN_PASSWORD_FILE
    write_private(path, f"admin\n{password}\n")  # 600 from its first byte
    return path
