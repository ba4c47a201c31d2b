"""Items as a spreadsheet (CSV or XLSX), with the same filters as the dashboard's queue (an ItemQuery).

Column names are Vietnamese and dates dd/mm/yyyy, because the file goes to people, not programs; the CSV
starts with a byte-order mark so Excel opens Vietnamese text correctly. Several values in one cell (topics,
flags, places) are joined with " | ", which no label contains (topic labels do contain commas). In XLSX
dates are real date cells (sortable, filterable), links are links, the header is frozen and filterable.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.item import display_title, published_text
from pipeline.core.store.base import ItemQuery, Store
from pipeline.core.text import xml_safe
from pipeline.core.timeutil import LOCAL_TZ, parse_iso
from pipeline.reports.facts import FLAGS, TONES, fetch_items, outlet_names, outlet_of, tone_of

COLUMNS = ("Mã tin", "Ngày đăng", "Nguồn", "Tiêu đề", "Đường dẫn", "Chủ đề", "Sắc thái", "Cảnh báo", "Mức khẩn",
           "Trạng thái", "Người xử lý", "Địa danh", "Mã câu chuyện")
FORMATS = ("csv", "xlsx")
# Between several values in one cell: labels hold commas ("Đầu tư, FDI, xúc tiến"), never a bar.
SEPARATOR = " | "
DATE_COLUMN = COLUMNS.index("Ngày đăng")
URL_COLUMN = COLUMNS.index("Đường dẫn")


class ExportError(ValueError):
    pass


# A cell that starts with one of these is read as a formula by spreadsheet programs: crawled text must never be
# (OWASP "CSV injection"); such a cell is written with a leading apostrophe, which they show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet cell can hold it: no character XML forbids (XLSX is XML), never a formula."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _joined(values: list[str]) -> str:
    return SEPARATOR.join(value.replace("|", "/") for value in values if value)


def item_row(item: dict[str, Any], names: dict[str, str], dates_as_text: bool = True) -> list[Any]:
    """One row; the date as "dd/mm/yyyy hh:mm" text (CSV) or as a local datetime (XLSX date cell)."""
    topics = _joined([t.get("label") or t.get("id", "") for t in item.get("topics") or [] if isinstance(t, dict)])
    places = _joined(sorted({p.get("name", "") for p in item.get("places") or [] if isinstance(p, dict)}))
    status = item.get("status") or "new"
    known = item.get("published_at") and item.get("date_source") != "none"
    published = parse_iso(item["published_at"]) if known else None
    # "không rõ ngày" stays words in both formats: an empty date cell would read as "no item that day".
    when: Any = published_text(item) if dates_as_text or published is None else (
        published.astimezone(LOCAL_TZ).replace(tzinfo=None))
    return [
        item["id"], when, outlet_of(item, names), display_title(item),
        item.get("url") or "", topics, TONES.get(tone_of(item), tone_of(item)),
        _joined([FLAGS.get(f, f) for f in vocabulary.raised_flag_names(item)]),
        round(float(item.get("urgency") or 0), 3),
        vocabulary.text("statuses", status), item.get("assignee") or "", places, item.get("cluster_id") or "",
    ]


def export_items(store: Store, query: ItemQuery, path: str | Path) -> int:
    """Write every item the query matches (its limit and offset are ignored) to ``path``; returns the count.

    The format follows the extension: .csv or .xlsx.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"Định dạng '{path.suffix}' không được hỗ trợ; dùng tệp .csv hoặc .xlsx.")
    names = outlet_names(store)
    rows = [[safe_cell(value) for value in item_row(item, names, dates_as_text=fmt == "csv")]
            for item in fetch_items(store, query)]
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.active
        sheet.title = "Tin bài"
        sheet.append(list(COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        link = Font(color="0B438C", underline="single")
        for number, row in enumerate(rows, 2):
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text as written, never a formula
            date_cell = sheet.cell(number, DATE_COLUMN + 1)
            if date_cell.value is not None:
                date_cell.number_format = "dd/mm/yyyy hh:mm"
            url_cell = sheet.cell(number, URL_COLUMN + 1)
            if str(url_cell.value or "").startswith(("http://", "https://")):
                url_cell.hyperlink = str(url_cell.value)
                url_cell.font = link
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(rows) + 1)}"
        for column, width in zip("ABCDEFGHIJKLM", (34, 17, 28, 60, 50, 30, 12, 30, 10, 16, 14, 30, 20), strict=True):
            sheet.column_dimensions[column].width = width
        book.save(path)
    return len(rows)
