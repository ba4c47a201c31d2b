"""A NUL or any other character XML cannot carry, in any stored item, never breaks the day's digest, a case
export or a spreadsheet; and crawled text never becomes a spreadsheet formula (issue 11, point 6)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook

from pipeline.core.store.base import ItemQuery
from pipeline.core.text import normalize
from pipeline.documents.formats import FORMATS, render
from pipeline.reports.build import build_digest
from pipeline.reports.casefile import export_case, verify_case_zip
from pipeline.reports.items_export import export_items
from pipeline.reports.periods import Period
from tests.conftest import json_lines, run_cli
from tests.hostile_input.conftest import dumps, good, write_lines
from tests.reports.conftest import make_home
from tests.reports.seed import DAY

ILLEGAL = "\x00\x01\x08\x0b\x0c\x1b\x1f\ud800\udfff\ufffe\uffff"


def test_normalize_removes_every_character_xml_forbids():
    text = normalize(f"Thái{ILLEGAL} Nguyên\ttab\r\nmới")
    assert all(ch not in text for ch in ILLEGAL)
    assert text.split() == ["Thái", "Nguyên", "tab", "mới"]


def test_a_nul_sent_in_an_item_never_reaches_the_store(tmp_path: Path):
    from pipeline.office.setup import create_home

    home = create_home(tmp_path / "home", "thai-nguyen")
    row = good(1, title="Lũ ở Phổ Yên\x00, Thái Nguyên", text=good(1)["text"] + " Cập nhật\x1b\x0b lúc 9 giờ.")
    run_cli("ingest", str(write_lines(tmp_path / "in.jsonl", [dumps(row)])), home=home)
    run_cli("process", home=home)
    [item] = json_lines(run_cli("items", "--json", "--full", home=home).stdout)
    assert not any(ch in item["title"] + item["text"] for ch in ILLEGAL)


@pytest.fixture
def poisoned(tmp_path: Path):
    """The reports' realistic day, with every item's text fields carrying characters XML forbids, as an older
    version (or a hand-made import) could have stored them."""
    home, ids = make_home(tmp_path / "home")
    with home.open_store() as store:
        items = list(store.iter_items())
        for item in items:
            item["title"] = f"{item['title']}\x00{ILLEGAL}"
            item["text"] = f"{item.get('text') or ''} \x1b[31m{ILLEGAL}"
            item["lead"] = f"\x0c{item.get('lead') or ''}\x00"
            item["author"] = "=HYPERLINK(\"http://evil.example\",\"bấm vào\")"
        items[0]["title"] = "=cmd|' /C calc'!A0 " + items[0]["title"]
        store.upsert_items(items)
        case = store.get_record("cases", ids["cases"][0])
        case["notes"] = f"Ghi chú\x00 có ký tự lạ{ILLEGAL}"
        store.put_record("cases", case["id"], case)
        store.refresh()
    return home, ids


def test_the_digest_renders_in_every_format(poisoned):
    home, _ = poisoned
    with home.open_store() as store:
        document, figures = build_digest(home, store, Period.containing("day", date.fromisoformat(DAY)),
                                         date(2026, 11, 25), "7")
    assert figures["items"] > 0
    for fmt in FORMATS:
        data = render(document, fmt)
        assert len(data) > 500, fmt
        if fmt in ("html", "md"):
            assert not any(ch in data.decode("utf-8") for ch in ILLEGAL), fmt
    docx = open_docx(io.BytesIO(render(document, "docx")))
    assert any("Thái Nguyên" in p.text for p in docx.paragraphs)


def test_case_export_writes_the_phieu_and_its_evidence(poisoned, tmp_path: Path):
    home, ids = poisoned
    with home.open_store() as store:
        files = export_case(home, store, ids["cases"][0], tmp_path / "out")
    open_docx(str(files.docx))  # a valid DOCX
    assert verify_case_zip(files.zip) == []
    with zipfile.ZipFile(files.zip) as archive:
        assert any(name.endswith("text.txt") for name in archive.namelist())


def test_spreadsheet_exports_survive_and_never_hold_a_formula(poisoned, tmp_path: Path):
    home, _ = poisoned
    with home.open_store() as store:
        count = export_items(store, ItemQuery(include_duplicates=True, limit=1000), tmp_path / "tin.xlsx")
        export_items(store, ItemQuery(include_duplicates=True, limit=1000), tmp_path / "tin.csv")
    assert count > 5
    sheet = load_workbook(tmp_path / "tin.xlsx").active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    assert values and not any(ch in value for value in values for ch in ILLEGAL)
    assert all(cell.data_type != "f" for row in sheet.iter_rows(min_row=2) for cell in row)
    titles = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert any(title.startswith("'=cmd") for title in titles)
    rows = list(csv.reader(io.StringIO((tmp_path / "tin.csv").read_text(encoding="utf-8-sig"))))
    assert not any(field.startswith(("=", "+", "@")) for row in rows[1:] for field in row)
    # and the command line gives the same
    assert json_lines(run_cli("items", "--include-duplicates", "--export", str(tmp_path / "cli.xlsx"),
                              home=home).stdout)[-1]["exported"] == count
