"""Items export to CSV and XLSX with the dashboard's filters (an ItemQuery), every matching item once."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook

from pipeline.core.store.base import ItemQuery
from pipeline.reports.facts import period_query
from pipeline.reports.items_export import COLUMNS, ExportError, export_items
from pipeline.reports.periods import Period
from tests.reports.seed import DAY, HOSTILE_TITLE, RELEVANT_DAY_COUNT

DAY_QUERY = period_query(Period.containing("day", date.fromisoformat(DAY)))


def test_csv_has_a_row_per_matching_item_in_vietnamese(seeded, tmp_path):
    home, ids = seeded
    with home.open_store() as store:
        count = export_items(store, DAY_QUERY.with_(limit=5), tmp_path / "tin.csv")  # the page size is ignored
    raw = (tmp_path / "tin.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader((tmp_path / "tin.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == list(COLUMNS)
    assert count == len(rows) - 1 == RELEVANT_DAY_COUNT
    hostile = next(r for r in rows if r[3] == HOSTILE_TITLE)
    assert hostile[0] == ids["by_title"][HOSTILE_TITLE]
    assert hostile[1] == "24/11/2026 14:00" and hostile[2] == "Đài Á Châu Tự Do (RFA)"
    assert hostile[6] == "tiêu cực" and hostile[7] == "kích động bạo lực, đe dọa hoặc thù hận" and hostile[9] == "đã chuyển xử lý"


def test_xlsx_follows_the_same_filters(seeded, tmp_path):
    home, _ = seeded
    with home.open_store() as store:
        query = DAY_QUERY.with_(tone=("tieu_cuc",), flags=("incitement",))
        expected = store.search(query.with_(limit=100)).total
        count = export_items(store, query, tmp_path / "tin.xlsx")
    sheet = load_workbook(tmp_path / "tin.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert count == len(rows) - 1 == expected == 2
    assert all(row[6] == "tiêu cực" and "kích động" in row[7] for row in rows[1:])


def test_an_unknown_extension_is_refused_without_writing(seeded, tmp_path):
    home, _ = seeded
    with home.open_store() as store, pytest.raises(ExportError, match=".csv hoặc .xlsx"):
        export_items(store, ItemQuery(), tmp_path / "tin.json")
    assert not (tmp_path / "tin.json").exists()
