"""Accounts, sessions and permissions: who is at the keyboard, and what they may change.

Passwords are hashed with argon2id; sessions are random tokens whose SHA-256 (never the token itself) is kept
in the store's "sessions" collection with an expiry and an activity mark, so a copy of the database cannot be
used to log in. The browser holds the token in a signed, expiring, HttpOnly cookie (dashboard/server.py);
logging out, a password change or locking the account deletes the session, which ends it everywhere.
Failed log-ins are throttled per account and per address and audited.
Permissions come from ``policy.yaml``; every mutating action checks them on the server side through
:func:`require` (dashboard/actions.py), whatever the page shows or hides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
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
from pipeline.core.settings import Settings
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


# ----------------------------------------------------------------------------------------- log-in throttle
class LoginThrottled(AuthError):
    """Too many wrong passwords from this account or address: the person must wait (or the lock must end)."""

    def __init__(self, message: str, wait_seconds: float):
        super().__init__(message)
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class LoginPolicy:
    """How failed log-ins are throttled (settings "login.*", explained in pipeline/core/defaults.py)."""

    free_failures: int
    delay_seconds: float
    max_delay_seconds: float
    lock_failures: int
    lock_minutes: float
    window_minutes: float

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LoginPolicy:
        settings = settings or Settings()
        return cls(free_failures=settings.get_int("login.free_failures"),
                   delay_seconds=settings.get_float("login.delay_seconds"),
                   max_delay_seconds=settings.get_float("login.max_delay_seconds"),
                   lock_failures=settings.get_int("login.lock_failures"),
                   lock_minutes=settings.get_float("login.lock_minutes"),
                   window_minutes=settings.get_float("login.window_minutes"))

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row before the next try is heard."""
        if failures < self.free_failures:
            return 0.0
        return min(self.max_delay_seconds, self.delay_seconds * 2 ** (failures - self.free_failures))


def _throttle_keys(login: str, address: str) -> list[tuple[str, str]]:
    """The counters a try is charged to: its account (known or not) and, when known, its address."""
    keys = [("account", login[:64] or "?")]
    if address:
        keys.append(("address", address[:64]))
    return keys


def _throttle_id(kind: str, value: str) -> str:
    return f"login-{kind}-" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:24]


def _throttle_state(store: Store, kind: str, value: str, policy: LoginPolicy, now: datetime) -> dict[str, Any]:
    record = store.get_record("state", _throttle_id(kind, value)) or {}
    last = parse_iso(record.get("last_failure")) if record.get("last_failure") else None
    locked_until = parse_iso(record.get("locked_until")) if record.get("locked_until") else None
    if locked_until is not None and locked_until <= now:  # a lock that ended starts a fresh count
        return {"kind": kind, "value": value, "failures": 0}
    if last is None or now - last > timedelta(minutes=policy.window_minutes):
        return {"kind": kind, "value": value, "failures": 0}
    return {**record, "kind": kind, "value": value}


def _check_throttle(store: Store, keys: list[tuple[str, str]], policy: LoginPolicy, now: datetime) -> None:
    """Refuse a try, before its password is even checked, while one of its counters must still wait."""
    worst: tuple[float, str] | None = None
    for kind, value in keys:
        state = _throttle_state(store, kind, value, policy, now)
        locked_until = parse_iso(state.get("locked_until")) if state.get("locked_until") else None
        if locked_until is not None and locked_until > now:
            wait = (locked_until - now).total_seconds()
            who = "Tài khoản này" if kind == "account" else "Máy của bạn"
            message = (f"{who} đã bị tạm khóa đăng nhập do nhập sai mật khẩu nhiều lần. "
                       f"Vui lòng thử lại sau {max(1, math.ceil(wait / 60))} phút hoặc liên hệ quản trị viên.")
        else:
            last = parse_iso(state.get("last_failure")) if state.get("last_failure") else None
            if last is None:
                continue
            wait = (last + timedelta(seconds=policy.delay(int(state.get("failures") or 0))) - now).total_seconds()
            if wait <= 0:
                continue
            message = f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {math.ceil(wait)} giây."
        if worst is None or wait > worst[0]:
            worst = (wait, message)
    if worst is not None:
        raise LoginThrottled(worst[1], worst[0])


def _record_failure(store: Store, login: str, address: str, keys: list[tuple[str, str]], policy: LoginPolicy,
                    now: datetime, why: str) -> None:
    """Count a failure against every key, lock those that reached the limit, and audit it."""
    counts: dict[str, int] = {}
    locked: dict[str, str] = {}
    for kind, value in keys:
        state = _throttle_state(store, kind, value, policy, now)
        failures = int(state.get("failures") or 0) + 1
        record = {"id": _throttle_id(kind, value), "kind": f"login.{kind}", "failures": failures,
                  "last_failure": iso(now), "locked_until": None}
        if failures >= policy.lock_failures:
            record["locked_until"] = iso(now + timedelta(minutes=policy.lock_minutes))
            locked[kind] = record["locked_until"]
        store.put_record("state", record["id"], record)
        counts[kind] = failures
    store.audit(login or "?", "user.login.failed", "user", login or "?",
                after={"address": address or None, "failures": counts}, reason=why)
    for kind, until in locked.items():
        store.audit("system", "user.login.locked", "user" if kind == "account" else "address",
                    login if kind == "account" else address, after={"locked_until": until, "address": address or None})


def _clear_account_failures(store: Store, login: str) -> None:
    """A right password ends the account's count; the address keeps its own (guessing many accounts from one
    machine is what that count is for, and one good log-in must not reset it)."""
    store.delete_record("state", _throttle_id("account", login))


# ----------------------------------------------------------------------------------------- sessions
def authenticate(store: Store, login: str, password: str, session_hours: float,
                 now: datetime | None = None, *, address: str = "", settings: Settings | None = None,
                 seen: bool = False) -> str:
    """Check a password and open a session; returns the session token (the browser keeps it in a signed
    cookie, the store only its hash).

    Failed tries are throttled per account and per address (``address``: the client's IP) with a growing
    delay and a temporary lock, by the "login" settings, and each one is audited with its address. With
    ``seen``, the user's "last looked at the queue" mark moves now and its previous value is kept in the
    session (the queue's "new since your last visit").
    """
    now = now or now_utc()
    login = login.strip().lower()
    policy = LoginPolicy.from_settings(settings)
    keys = _throttle_keys(login, address)
    try:
        _check_throttle(store, keys, policy, now)
    except LoginThrottled as exc:
        store.audit(login or "?", "user.login.throttled", "user", login or "?",
                    after={"address": address or None, "wait_seconds": round(exc.wait_seconds)})
        raise
    user = store.get_record("users", login) if login else None
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        _record_failure(store, login, address, keys, policy, now, "sai tên đăng nhập hoặc mật khẩu")
        raise AuthError("Sai tên đăng nhập hoặc mật khẩu.")
    if user.get("disabled"):
        _record_failure(store, login, address, keys, policy, now, "tài khoản đã bị khóa")
        raise AuthError("Tài khoản đã bị khóa. Liên hệ quản trị viên.")
    _clear_account_failures(store, login)
    if _hasher.check_needs_rehash(user["password_hash"]):
        user["password_hash"] = hash_password(password)
        store.put_record("users", login, user)
    seen_before = mark_seen(store, login, now) if seen else None
    token = secrets.token_urlsafe(32)
    store.put_record("sessions", _token_key(token), {
        "id": _token_key(token), "user": login, "created_at": iso(now), "last_active": iso(now),
        "expires_at": iso(now + timedelta(hours=session_hours)), "address": address or None,
        "seen_before": seen_before,
    })
    store.audit(login, "user.login", "user", login, after={"address": address or None})
    return token


def session_record(store: Store, token: str | None, now: datetime | None = None,
                   idle_minutes: float = 0) -> dict[str, Any] | None:
    """The live session of a token, or None when it is unknown, expired, idle longer than ``idle_minutes``
    (0: no idle limit) or its user disabled. A live session's activity mark moves (at most once a minute,
    so a busy page does not write on every click)."""
    if not token:
        return None
    session = store.get_record("sessions", _token_key(token))
    if session is None:
        return None
    now = now or now_utc()
    expires = parse_iso(session.get("expires_at"))
    active = parse_iso(session.get("last_active") or session.get("created_at"))
    idle = idle_minutes > 0 and (active is None or now - active > timedelta(minutes=idle_minutes))
    if expires is None or expires <= now or idle:
        store.delete_record("sessions", session["id"])
        return None
    user = store.get_record("users", session["user"])
    if user is None or user.get("disabled"):
        return None
    if active is None or now - active > timedelta(seconds=60):
        session["last_active"] = iso(now)
        store.put_record("sessions", session["id"], session)
    return {**session, "role": user["role"]}


def session_actor(store: Store, token: str | None, now: datetime | None = None,
                  idle_minutes: float = 0) -> Actor | None:
    """The actor of a live session (see :func:`session_record`), or None."""
    session = session_record(store, token, now, idle_minutes)
    return Actor(login=session["user"], role=session["role"]) if session else None


def logout(store: Store, token: str) -> None:
    session = store.get_record("sessions", _token_key(token))
    store.delete_record("sessions", _token_key(token))
    if session:
        store.audit(session["user"], "user.logout", "user", session["user"])


def _end_sessions(store: Store, login: str) -> None:
    for session in store.list_records("sessions", where={"user": login}):
        store.delete_record("sessions", session["id"])


# ----------------------------------------------------------------------------------------- session cookie
SESSION_COOKIE = "diemtin_session"
SESSION_KEY_FILE = "session.key"


def session_key(home: Home) -> bytes:
    """The home's key for signing session cookies: 32 random bytes in a file only its owner can read,
    created on first use. Replacing the file ends every session."""
    path = home.path / SESSION_KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        pass
    key = secrets.token_bytes(32)
    temporary = path.with_name(f".{SESSION_KEY_FILE}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    try:  # two servers starting at once: the first key written wins, the other reads it
        os.link(temporary, path)
    except FileExistsError:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def cookie_value(key: bytes, token: str, expires: datetime) -> str:
    """``token.expiry.signature``: the expiry travels signed, so a browser cannot stretch its session."""
    payload = f"{token}.{int(expires.timestamp())}"
    return f"{payload}.{_signature(key, payload)}"


def token_from_cookie(key: bytes, value: str | None, now: datetime | None = None) -> str | None:
    """The session token of a cookie whose signature holds and whose expiry has not passed, else None."""
    if not value or value.count(".") != 2 or len(value) > 512:
        return None
    token, expiry, signature = value.split(".")
    if not hmac.compare_digest(signature, _signature(key, f"{token}.{expiry}")):
        return None
    try:
        if int(expiry) <= (now or now_utc()).timestamp():
            return None
    except ValueError:
        return None
    return token


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
