"""Items export to CSV and XLSX with the dashboard's filters (an ItemQuery), every matching item once."""

from __future__ import annotations

import csv
from datetime import date, datetime

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


def test_several_labels_in_a_cell_are_split_by_a_bar_that_no_label_holds(seeded, tmp_path):
    home, ids = seeded
    with home.open_store() as store:
        item = store.get_item(ids["by_title"][HOSTILE_TITLE])
        item["topics"] = [{"id": "dau_tu", "label": "Đầu tư, FDI, xúc tiến thương mại", "score": 0.9},
                          {"id": "du_lich_van_hoa", "label": "Du lịch, văn hóa, di sản", "score": 0.8}]
        store.upsert_items([item])
        store.refresh()
        export_items(store, DAY_QUERY, tmp_path / "tin.csv")
    rows = list(csv.reader((tmp_path / "tin.csv").read_text(encoding="utf-8-sig").splitlines()))
    hostile = next(r for r in rows if r[3] == HOSTILE_TITLE)
    assert hostile[5].split(" | ") == ["Đầu tư, FDI, xúc tiến thương mại", "Du lịch, văn hóa, di sản"]


def test_xlsx_has_real_dates_links_a_frozen_filterable_header(seeded, tmp_path):
    home, ids = seeded
    with home.open_store() as store:
        count = export_items(store, DAY_QUERY, tmp_path / "tin.xlsx")
    sheet = load_workbook(tmp_path / "tin.xlsx").active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{count + 1}"
    date_column = COLUMNS.index("Ngày đăng") + 1
    url_column = COLUMNS.index("Đường dẫn") + 1
    row = next(r for r in range(2, count + 2) if sheet.cell(r, 4).value == HOSTILE_TITLE)
    published = sheet.cell(row, date_column)
    assert isinstance(published.value, datetime) and published.value == datetime(2026, 11, 24, 14, 0)
    assert published.number_format == "dd/mm/yyyy hh:mm"
    link = sheet.cell(row, url_column)
    assert link.hyperlink is not None and link.hyperlink.target == link.value.strip()
    assert link.value.startswith("https://www.rfa.org/")
