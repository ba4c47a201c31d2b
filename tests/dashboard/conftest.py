"""Fixtures of the dashboard tests: a seeded home, actors of each role, and a logged-in AppTest."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_seed import PASSWORD, seed_home
from streamlit.testing.v1 import AppTest

from dashboard.context import HOME_ENV
from pipeline.core.home import Home
from pipeline.core.store.base import Store
from pipeline.office.accounts import Actor

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeded once per run (account hashing and indexing take seconds); each test gets its own copy."""
    path = tmp_path_factory.mktemp("dashboard-template") / "home"
    seed_home(path)
    return path


@pytest.fixture
def seeded(seeded_template: Path, tmp_path: Path) -> Home:
    shutil.copytree(seeded_template, tmp_path / "home")
    return Home(tmp_path / "home")


@pytest.fixture
def store(seeded: Home) -> Store:
    with seeded.open_store() as opened:
        yield opened


@pytest.fixture
def actors() -> dict[str, Actor]:
    return {"admin": Actor("quantri", "admin"), "lead": Actor("lanhdao", "lead"),
            "analyst": Actor("chuyenvien", "analyst"), "viewer": Actor("nguoixem", "viewer")}


@pytest.fixture
def app(seeded: Home, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], AppTest]:
    """An AppTest of the real app over the seeded home, logged in as the given user."""
    monkeypatch.setenv(HOME_ENV, str(seeded.path))

    def logged_in(login: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        at.text_input(key="login_name").input(login)
        at.text_input(key="login_password").input(PASSWORD)
        at.form_submit_button[0].click().run()
        assert not at.exception, at.exception
        return at

    return logged_in
