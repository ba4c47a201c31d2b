"""Where an account's alerts go: its e-mail address and its Telegram chat, kept on the user record (a rule names
people by login, so a changed address is changed once, for every rule)."""

from __future__ import annotations

import re
from typing import Any

from pipeline.core.store.base import Store

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHAT_ID = re.compile(r"^-?\d{1,20}$")


class ContactError(ValueError):
    """A contact that cannot be kept; the message says why, in Vietnamese."""


def set_contact(store: Store, login: str, *, email: str | None = None, telegram: str | None = None,
                by: str) -> dict[str, Any]:
    """Set (or, with an empty string, clear) an account's e-mail and Telegram chat id; audited."""
    user = store.get_record("users", login.strip().lower())
    if user is None:
        raise ContactError(f"Không có tài khoản {login}.")
    changes: dict[str, Any] = {}
    if email is not None:
        email = email.strip()
        if email and not EMAIL.match(email):
            raise ContactError(f"Địa chỉ thư '{email}' không hợp lệ.")
        changes["email"] = email or None
    if telegram is not None:
        telegram = telegram.strip()
        if telegram and not CHAT_ID.match(telegram):
            raise ContactError("Mã chat Telegram là một số (lấy từ @userinfobot hoặc nhóm của cơ quan).")
        changes["telegram"] = telegram or None
    before = {key: user.get(key) for key in changes}
    user.update(changes)
    store.put_record("users", user["id"], user)
    store.audit(by, "user.contact", "user", user["id"], before=before, after=changes)
    return {key: value for key, value in user.items() if key != "password_hash"}
