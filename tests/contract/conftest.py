"""The `store` fixture: one fresh store per test, for every backend the contract suite runs against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.settings import Settings
from pipeline.store import Store, open_store

BACKENDS = ["embedded"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "embedded":
        opened = open_store("embedded", tmp_path / "home", Settings())
    else:  # pragma: no cover - other backends register themselves here
        raise AssertionError(request.param)
    try:
        yield opened
    finally:
        opened.close()
