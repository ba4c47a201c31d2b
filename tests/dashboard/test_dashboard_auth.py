"""Accounts, sessions and the permission table."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from dashboard_seed import PASSWORD

from pipeline.core.settings import Settings
from pipeline.core.timeutil import now_utc
from pipeline.office import accounts


def test_password_is_stored_as_argon2id_hash_never_in_clear(store):
    user = store.get_record("users", "chuyenvien")
    assert user["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(user)
    assert "password_hash" not in accounts.list_users(store)[0]


def test_wrong_password_and_unknown_login_are_refused_alike(store):
    with pytest.raises(accounts.AuthError) as wrong:
        accounts.authenticate(store, "chuyenvien", "not-the-password", 8)
    with pytest.raises(accounts.AuthError) as unknown:
        accounts.authenticate(store, "khongcoai", PASSWORD, 8)
    assert str(wrong.value) == str(unknown.value) == "Sai tên đăng nhập hoặc mật khẩu."


def test_session_expires_after_the_configured_hours(store):
    started = now_utc() - timedelta(hours=9)
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, session_hours=8, now=started)
    assert accounts.session_actor(store, token, now=started + timedelta(hours=7)) == accounts.Actor("chuyenvien", "analyst")
    assert accounts.session_actor(store, token) is None
    assert store.list_records("sessions") == []  # the expired session is removed


def test_session_token_itself_is_not_kept_in_the_store(store):
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, 8)
    assert token not in str(store.list_records("sessions"))


def test_disabled_account_cannot_log_in_and_its_sessions_end(store):
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, 8)
    accounts.set_disabled(store, "chuyenvien", True, by="quantri")
    assert accounts.session_actor(store, token) is None
    with pytest.raises(accounts.AuthError, match="khóa"):
        accounts.authenticate(store, "chuyenvien", PASSWORD, 8)
    actions = [entry["action"] for entry in store.list_audit("user", "chuyenvien")]
    assert "user.disable" in actions and actions[-1] == "user.login.failed"  # the refused try is audited too


def test_password_change_ends_existing_sessions(store):
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, 8)
    accounts.set_password(store, "chuyenvien", "mat-khau-moi-456", by="quantri")
    assert accounts.session_actor(store, token) is None
    assert accounts.authenticate(store, "chuyenvien", "mat-khau-moi-456", 8)


def test_short_password_and_bad_login_are_rejected(store):
    with pytest.raises(accounts.AuthError, match="ít nhất 8"):
        accounts.create_user(store, "moi", "analyst", "ngan", by="t")
    with pytest.raises(accounts.AuthError, match="Tên đăng nhập"):
        accounts.create_user(store, "có dấu", "analyst", PASSWORD, by="t")
    with pytest.raises(accounts.AuthError, match="Vai trò"):
        accounts.create_user(store, "moi", "boss", PASSWORD, by="t")


def test_viewer_holds_only_the_view_permission_and_admin_holds_all():
    policy = accounts.load_policy()
    every = set(policy["permission_labels"])
    assert accounts.permissions_of("viewer") == {"view"}
    assert accounts.permissions_of("admin") == every
    assert "item.assign" not in accounts.permissions_of("analyst")
    assert {"case.route", "digest.approve"} <= accounts.permissions_of("lead")
    assert "user.manage" not in accounts.permissions_of("lead")
    for role in accounts.role_names():
        assert accounts.permissions_of(role) <= every, f"{role} lists a permission without a label"


def test_refusal_names_the_person_and_what_was_refused():
    with pytest.raises(accounts.PermissionDenied) as refused:
        accounts.require(accounts.Actor("nguoixem", "viewer"), "item.triage")
    assert "nguoixem" in str(refused.value) and "thay đổi trạng thái tin" in str(refused.value)


def test_workflow_table_names_only_known_statuses_and_reaches_every_one():
    from pipeline.core import vocabulary

    STATUSES = vocabulary.codes("statuses")  # noqa: N806
    transitions = vocabulary.transitions()
    assert set(transitions) == set(STATUSES)
    targets = {target for nexts in transitions.values() for target in nexts}
    assert targets <= set(STATUSES) and targets == set(STATUSES) - {"new"}


# ----------------------------------------------------------------------------------------- throttle
def _settings(**login):
    return Settings({"login": login}) if login else Settings()


def _fail(store, login="chuyenvien", address="10.0.0.5", at=None, settings=None):
    with pytest.raises(accounts.AuthError) as refused:
        accounts.authenticate(store, login, "sai-mat-khau", 8, now=at, address=address, settings=settings)
    return refused.value


def test_failed_logins_wait_longer_and_longer_then_lock_the_account_and_are_audited(store):
    policy = accounts.LoginPolicy.from_settings(Settings())
    assert [policy.delay(n) for n in range(1, 9)] == [0, 0, 2, 4, 8, 16, 32, 60]
    start = now_utc()
    at = start
    for _ in range(3):  # typos are free
        assert not isinstance(_fail(store, at=at), accounts.LoginThrottled)
    # From here on each try must wait; even the right password is not heard early (no oracle).
    with pytest.raises(accounts.LoginThrottled, match="thử lại sau 2 giây"):
        accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=at, address="10.0.0.5")
    waits = []
    for _ in range(7):
        at = at + timedelta(seconds=61)
        error = _fail(store, at=at)
        assert not isinstance(error, accounts.LoginThrottled)
        try:
            accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=at, address="10.0.0.5")
        except accounts.LoginThrottled as exc:
            waits.append(round(exc.wait_seconds))
    assert waits[:5] == [4, 8, 16, 32, 60] and "tạm khóa" in str(_fail(store, at=at + timedelta(seconds=61)))
    # Ten failures lock the account for 15 minutes, from any address, right password or not.
    with pytest.raises(accounts.LoginThrottled, match="tạm khóa"):
        accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=at + timedelta(minutes=10), address="10.9.9.9")
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=at + timedelta(minutes=16), address="10.9.9.9")
    assert token
    audit = store.list_audit("user", "chuyenvien")
    failed = [entry for entry in audit if entry["action"] == "user.login.failed"]
    assert len(failed) == 10 and failed[0]["after"]["address"] == "10.0.0.5"
    assert failed[-1]["after"]["failures"] == {"account": 10, "address": 10}
    assert any(entry["action"] == "user.login.locked" for entry in audit)
    assert any(entry["action"] == "user.login.throttled" for entry in audit)
    assert audit[-1]["action"] == "user.login" and audit[-1]["after"]["address"] == "10.9.9.9"


def test_one_address_guessing_many_accounts_is_throttled_and_a_good_login_does_not_reset_it(store):
    at = now_utc()
    for login in ("quantri", "lanhdao", "khongcoai"):
        _fail(store, login=login, address="203.0.113.7", at=at)
    # A fourth account, never tried, is refused from that address...
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(store, "nguoixem", PASSWORD, 8, now=at, address="203.0.113.7")
    # ...but not from another one; and a right password from the address later does not wipe its count.
    assert accounts.authenticate(store, "nguoixem", PASSWORD, 8, now=at, address="198.51.100.1")
    assert accounts.authenticate(store, "nguoixem", PASSWORD, 8, now=at + timedelta(seconds=3), address="203.0.113.7")
    with pytest.raises(accounts.LoginThrottled):
        _fail(store, login="lanhdao", address="203.0.113.7", at=at + timedelta(seconds=3))
        accounts.authenticate(store, "lanhdao", PASSWORD, 8, now=at + timedelta(seconds=4), address="203.0.113.7")


def test_failures_older_than_the_window_are_forgotten(store):
    at = now_utc()
    for _ in range(4):
        _fail(store, at=at)
    later = at + timedelta(minutes=61)
    assert accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=later, address="10.0.0.5")


def test_throttle_settings_come_from_the_home(store):
    strict = _settings(free_failures=1, lock_failures=2, lock_minutes=1)
    at = now_utc()
    _fail(store, at=at, settings=strict)
    _fail(store, at=at + timedelta(seconds=5), settings=strict)
    with pytest.raises(accounts.LoginThrottled, match="tạm khóa"):
        accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=at + timedelta(seconds=30), settings=strict)
    assert accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=at + timedelta(minutes=2), settings=strict)


# ----------------------------------------------------------------------------------------- sessions and cookie
def test_idle_session_ends_and_activity_keeps_it_alive(store):
    start = now_utc() - timedelta(hours=3)
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=start)
    for minutes in (50, 100, 150):  # used every 50 minutes: alive
        assert accounts.session_actor(store, token, now=start + timedelta(minutes=minutes), idle_minutes=60)
    assert accounts.session_actor(store, token, now=start + timedelta(minutes=211), idle_minutes=60) is None
    assert store.list_records("sessions") == []


def test_logout_ends_the_session_and_is_audited(store):
    token = accounts.authenticate(store, "chuyenvien", PASSWORD, 8)
    accounts.logout(store, token)
    assert accounts.session_actor(store, token) is None
    assert store.list_audit("user", "chuyenvien")[-1]["action"] == "user.logout"


def test_log_in_moves_the_seen_mark_and_keeps_the_previous_one_in_the_session(store):
    first = accounts.authenticate(store, "chuyenvien", PASSWORD, 8, now=now_utc() - timedelta(hours=1), seen=True)
    assert accounts.session_record(store, first)["seen_before"] is None
    second = accounts.authenticate(store, "chuyenvien", PASSWORD, 8, seen=True)
    assert accounts.session_record(store, second)["seen_before"] is not None


def test_session_cookie_is_signed_and_carries_its_expiry(seeded):
    key = accounts.session_key(seeded)
    assert accounts.session_key(seeded) == key  # created once, then read
    assert stat.S_IMODE((seeded.path / accounts.SESSION_KEY_FILE).stat().st_mode) == 0o600
    expires = now_utc() + timedelta(hours=8)
    value = accounts.cookie_value(key, "TOKEN-abc", expires)
    assert accounts.token_from_cookie(key, value) == "TOKEN-abc"
    token, expiry, signature = value.split(".")
    assert accounts.token_from_cookie(key, f"{token}.{int(expiry) + 86400}.{signature}") is None  # stretched
    assert accounts.token_from_cookie(key, f"OTHER-abc.{expiry}.{signature}") is None  # another token
    assert accounts.token_from_cookie(b"x" * 32, value) is None  # another home's key
    assert accounts.token_from_cookie(key, value, now=expires + timedelta(seconds=1)) is None  # expired
    for junk in ("", "abc", "a.b", "a.b.c.d", "a.notanumber.c", "x" * 600):
        assert accounts.token_from_cookie(key, junk) is None
