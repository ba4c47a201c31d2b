"""Fixtures of the dashboard tests: a seeded home, actors of each role, and a logged-in AppTest."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dashboard_seed import PASSWORD, seed_home
from streamlit.testing.v1 import AppTest

from dashboard.context import HOME_ENV, TOKEN_KEY
from pipeline.core.home import Home
from pipeline.core.store.base import Store
from pipeline.office import accounts
from pipeline.office.accounts import Actor

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(home: Home, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`diemtin dashboard` on a free port of 127.0.0.1, as an office runs it; waits until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "dashboard", "--host", "127.0.0.1",
         "--port", str(port)], cwd=REPO, env={**os.environ, **(extra_env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"diemtin dashboard did not start:\n{output}")
            time.sleep(0.3)


@pytest.fixture
def server(seeded: Home) -> Iterator[str]:
    process, url = start_server(seeded)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


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
        # The browser logs in through dashboard/server.py's form and holds a cookie; AppTest has no browser,
        # so the session opened the same way is handed to the app on the server side.
        with seeded.open_store() as opened:
            token = accounts.authenticate(opened, login, PASSWORD, 8, seen=True)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state[TOKEN_KEY] = token
        at.run()
        assert not at.exception, at.exception
        return at

    return logged_in
