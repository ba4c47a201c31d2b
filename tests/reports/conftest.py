"""A home for Thái Nguyên with one realistic press day in a real embedded store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline.core.home import Home
from pipeline.documents.formats import FORMATS, render
from pipeline.office.setup import create_home
from pipeline.reports.build import build_digest
from pipeline.reports.periods import Period
from tests.reports.seed import DAY, seed

ISSUED_ON = date(2026, 11, 25)
OFFICE = {
    "digest": {"signer_authority": "KT. GIÁM ĐỐC", "signer_title": "PHÓ GIÁM ĐỐC", "signer_name": "Nguyễn Thị Hoa"},
    "smtp": {"sender": "diemtin@sovhttdl.thainguyen.gov.vn", "to": ["lanhdao@thainguyen.gov.vn"], "tls": "none"},
}


def make_home(path: Path, extra: dict | None = None) -> tuple[Home, dict]:
    create_home(path, "thai-nguyen")
    config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
    for overrides in (OFFICE, extra or {}):
        for section, values in overrides.items():
            config.setdefault(section, {}).update(values)
    (path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    home = Home(path)
    with home.open_store() as store:
        ids = seed(store)
    return home, ids


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Home, dict]:
    return make_home(tmp_path / "home")


@pytest.fixture(scope="module")
def day_digest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The digest of the seeded day in every format, rendered once for the module."""
    home, ids = make_home(tmp_path_factory.mktemp("digest") / "home")
    with home.open_store() as store:
        document, figures = build_digest(home, store, Period.containing("day", date.fromisoformat(DAY)), ISSUED_ON, "7")
        files = {fmt: render(document, fmt) for fmt in FORMATS}
    return {"home": home, "ids": ids, "document": document, "figures": figures, "files": files}
