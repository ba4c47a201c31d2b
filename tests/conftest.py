"""Shared fixtures: a fresh home per test, and the `diemtin` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.core.home import Home
from pipeline.office.setup import create_home

REPO = Path(__file__).resolve().parents[1]
TEST_OUTPUT = REPO / "test-output"


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return create_home(tmp_path / "home", "thai-nguyen")


def run_cli(*args: str, home: Home | Path | None = None, input: str | None = None, check: bool = True,
            env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `diemtin` in a subprocess, exactly as from a shell."""
    command = [sys.executable, "-m", "pipeline.cli"]
    if home is not None:
        command += ["--home", str(home.path if isinstance(home, Home) else home)]
    result = subprocess.run(command + list(args), capture_output=True, text=True, input=input, timeout=timeout,
                            env={**os.environ, **(env or {})}, cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"diemtin {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


@pytest.fixture
def cli():
    return run_cli
