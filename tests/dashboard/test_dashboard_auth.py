"""Accounts, sessions and the permission table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dashboard_seed import PASSWORD

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
    assert store.list_audit("user", "chuyenvien")[-1]["action"] == "user.disable"


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
