"""Quarterly, six-monthly and annual reports carry the figures the plans ask for, taken from the store."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as open_docx

from pipeline.documents.formats import render
from pipeline.reports.build import build_report
from pipeline.reports.facts import period_query
from pipeline.reports.periods import Period
from tests.reports.conftest import ISSUED_ON, make_home

QUARTER = Period.containing("quarter", date(2026, 11, 24))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    home, ids = make_home(tmp_path_factory.mktemp("report") / "home")
    with home.open_store() as store:
        document, figures = build_report(home, store, QUARTER, ISSUED_ON, "3")
        expected = {name: dict(store.count_by(name, period_query(QUARTER), size=100))
                    for name in ("topics", "source", "tone")}
    docx = open_docx(io.BytesIO(render(document, "docx")))
    tables = {}
    for table, caption in zip(docx.tables[1:-1], [p.text for p in docx.paragraphs if p.text.startswith("Bảng ")],
                              strict=True):
        tables[caption] = [[c.text for c in row.cells] for row in table.rows]
    return {"docx": docx, "tables": tables, "figures": figures, "expected": expected, "document": document}


def test_report_is_titled_for_the_quarter_with_its_own_symbol(report):
    texts = [p.text for p in report["docx"].paragraphs]
    assert "BÁO CÁO" in texts
    assert "Kết quả theo dõi thông tin báo chí về tỉnh Thái Nguyên quý IV năm 2026" in texts
    assert report["docx"].tables[0].rows[0].cells[0].paragraphs[-1].text == "Số: 03/BC-SVHTTDL"


def test_counts_by_topic_source_and_tone_match_the_store(report):
    tables, expected = report["tables"], report["expected"]
    topics = {row[0]: int(row[1]) for row in tables["Bảng 2. Tin, bài theo chủ đề"][1:]}
    assert topics["Kinh tế – xã hội"] == expected["topics"]["kinh_te_xa_hoi"] == 7
    assert sum(topics.values()) == sum(expected["topics"].values())
    sources = {row[0]: int(row[1]) for row in tables["Bảng 4. Các nguồn đưa tin nhiều nhất"][1:]}
    assert sources["Báo Thái Nguyên"] == expected["source"]["bao-thai-nguyen"] == 6
    tones = {row[0]: int(row[1]) for row in tables["Bảng 5. Tin, bài theo sắc thái"][1:]}
    assert tones == {"Tích cực": expected["tone"]["tich_cuc"], "Trung lập": expected["tone"]["trung_lap"],
                     "Tiêu cực": expected["tone"]["tieu_cuc"]}
    assert report["figures"]["items"] == 16


def test_flags_show_raised_and_confirmed_counts(report):
    flags = {row[0]: row[1:] for row in report["tables"]["Bảng 6. Cảnh báo và kết quả xác minh"][1:]}
    assert flags["Kích động bạo lực, đe dọa hoặc thù hận"] == ["2", "1"]  # two raised, one confirmed by an analyst
    assert flags["Có dấu hiệu sai sự thật"] == ["2", "1"]  # one confirmed, one rejected


def test_cases_by_agency_and_outcome_with_response_times(report):
    agencies = {row[0]: row[1:] for row in report["tables"]["Bảng 7. Hồ sơ chuyển xử lý theo cơ quan"][1:]}
    # cases, received, answered, closed, answered on time, mean hours to answer
    assert agencies["Công an tỉnh Thái Nguyên"] == ["1", "1", "1", "0", "1", "24,0"]
    assert agencies["Ban Quản lý các Khu công nghiệp tỉnh Thái Nguyên"] == ["1", "1", "0", "0", "0", "-"]
    statuses = dict(row for row in report["tables"]["Bảng 8. Hồ sơ theo trạng thái"][1:])
    assert statuses == {"cơ quan đã phản hồi": "1", "cơ quan đã tiếp nhận": "1"}
    assert report["figures"]["response_hours_median"] == 24.0
    body = "\n".join(p.text for p in report["docx"].paragraphs)
    assert "Trong kỳ đã lập 2 hồ sơ chuyển xử lý; 1 hồ sơ đã có phản hồi" in body


def test_year_report_charts_items_by_month(report, tmp_path):
    home, _ = make_home(tmp_path / "home")
    with home.open_store() as store:
        document, figures = build_report(home, store, Period.containing("year", date(2026, 5, 1)), ISSUED_ON, "")
    assert figures["items"] == 16
    captions = [block.caption for block in document.blocks if hasattr(block, "png")]
    assert "Biểu đồ 2. Số tin, bài theo tháng" in captions
