"""The điểm tin of a seeded day, in every format, says what the store holds, laid out as ND 30/2020 asks."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pipeline.reports.facts import period_query
from pipeline.reports.periods import Period
from tests.reports.seed import (
    DAY,
    DAY_OUTLETS,
    FESTIVAL_SENTENCE,
    FESTIVAL_TITLE,
    HOSTILE_TITLE,
    LANDSLIDE_TITLE,
    REJECTED_TITLE,
    RELEVANT_DAY_COUNT,
    RUMOUR_TITLE,
    STRIKE_TITLE,
    UNCONFIRMED_TITLE,
)

SECTIONS = [
    "I. TỔNG QUAN",
    "II. THÔNG TIN TÍCH CỰC, QUẢNG BÁ HÌNH ẢNH CỦA TỈNH",
    "III. VẤN ĐỀ BÁO CHÍ PHẢN ÁNH CẦN QUAN TÂM, XỬ LÝ",
    "IV. THÔNG TIN SAI SỰ THẬT, XẤU ĐỘC VÀ KẾT QUẢ XỬ LÝ",
    "V. THÔNG TIN THEO CHỦ ĐỀ",
]


@pytest.fixture(scope="module")
def docx(day_digest):
    return open_docx(io.BytesIO(day_digest["files"]["docx"]))


def _texts(docx) -> list[str]:
    return [p.text for p in docx.paragraphs]


def _section(docx, heading: str) -> str:
    """Text of the body paragraphs between ``heading`` and the next section heading."""
    texts = _texts(docx)
    start = texts.index(heading)
    following = [t for t in SECTIONS if t in texts[start + 1:]]
    end = texts.index(following[0], start + 1) if following else len(texts)
    return "\n".join(texts[start + 1:end])


def _cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def test_docx_letterhead_has_issuer_motto_number_place_and_date(docx):
    left, right = docx.tables[0].rows[0].cells
    assert _cell_lines(left) == ["UBND TỈNH THÁI NGUYÊN", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Số: 07/ĐT-SVHTTDL"]
    issuer = left.paragraphs[1].runs[0]
    # ND 30/2020: bold, not underlined whole; a short rule below it (a bordered, indented empty paragraph).
    assert issuer.bold and not issuer.underline
    rule = left.paragraphs[2]
    assert rule.text == "" and rule._p.pPr.find(qn("w:pBdr")) is not None
    assert rule.paragraph_format.left_indent > Cm(2) and rule.paragraph_format.right_indent > Cm(2)
    assert _cell_lines(right) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                                  "Thái Nguyên, ngày 25 tháng 11 năm 2026"]
    assert right.paragraphs[1].runs[0].bold and right.paragraphs[1].runs[0].underline
    assert right.paragraphs[2].runs[0].italic


def test_docx_uses_times_new_roman_13_on_a4(docx):
    normal = docx.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(13)
    section = docx.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.left_margin.mm) == 30


def test_docx_has_title_and_every_section_in_order(docx):
    texts = _texts(docx)
    assert "ĐIỂM TIN BÁO CHÍ" in texts
    assert "Về tỉnh Thái Nguyên, ngày 24/11/2026" in texts
    positions = [texts.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)


def test_docx_signature_block_and_recipients_come_from_settings(docx):
    left, right = docx.tables[-1].rows[0].cells
    lines = _cell_lines(left)
    assert lines[0] == "Nơi nhận:"
    assert lines[1:] == ["- Thường trực Tỉnh ủy (để báo cáo);", "- UBND tỉnh (để báo cáo);",
                         "- Ban Tuyên giáo và Dân vận Tỉnh ủy;", "- Lưu: VT."]
    assert _cell_lines(right) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Thị Hoa"]


def test_overview_figures_match_the_store(day_digest, docx):
    home = day_digest["home"]
    period = Period.containing("day", date.fromisoformat(DAY))
    with home.open_store() as store:
        total = store.search(period_query(period).with_(limit=0)).total
    assert total == RELEVANT_DAY_COUNT  # the irrelevant item and the exact duplicate are not counted
    overview = docx.tables[1]
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in overview.rows[1:]}
    assert rows["Tổng số tin, bài"][:2] == [str(RELEVANT_DAY_COUNT), "4"]
    assert rows["Số cơ quan báo chí, trang tin"][0] == str(DAY_OUTLETS)
    assert rows["Tin, bài tích cực"][0] == "4" and rows["Tin, bài tiêu cực"][0] == "5"
    assert rows["Tổng số tin, bài"][2] == "tăng 8 (200,0%)"
    assert day_digest["figures"]["items"] == RELEVANT_DAY_COUNT


def test_docx_embeds_charts_as_images(docx):
    assert len(docx.inline_shapes) >= 1
    assert any(p.text.startswith("Biểu đồ 1.") for p in docx.paragraphs)


def test_story_carried_by_three_outlets_appears_once_with_its_count(docx):
    body = "\n".join(_texts(docx))
    assert body.count("Lễ hội Lồng Tồng") == 1 + body.count(FESTIVAL_SENTENCE)  # once as a title, plus its summary
    positive = _section(docx, SECTIONS[1])
    assert f"1. {FESTIVAL_TITLE} (Báo Thái Nguyên và 2 cơ quan báo chí khác cùng đưa tin, 24/11/2026)" in positive


def test_each_item_shows_outlet_title_date_link_and_a_sentence_of_the_article(docx):
    positive = _section(docx, SECTIONS[1])
    assert FESTIVAL_SENTENCE in positive  # the summary is a sentence the outlet printed
    assert "Thái Nguyên thu hút thêm 1,2 tỷ USD vốn FDI (VnExpress, 24/11/2026)" in positive
    links = [link.url for paragraph in docx.paragraphs for link in paragraph.hyperlinks]
    assert "https://baothainguyen.vn/van-hoa/le-hoi-long-tong-atk-2026.html" in links
    assert "https://baomoi.com/copy-fdi.html" not in links  # the exact duplicate is not listed


def test_problems_name_the_responsible_agency(docx, day_digest):
    profile = day_digest["home"].profile
    problems = _section(docx, SECTIONS[2])
    # by topic (natural disasters), from the profile's agencies
    landslide = problems[problems.index(LANDSLIDE_TITLE):].split("Đường dẫn")[0]
    assert f"Cơ quan có trách nhiệm: {profile.agency('so-nong-nghiep-moi-truong').name}" in landslide
    # the agency the case routed it to
    strike = problems[problems.index(STRIKE_TITLE):].split("Đường dẫn")[0]
    assert f"Cơ quan có trách nhiệm: {profile.agency('ban-ql-kcn').name}" in strike
    assert "Hồ sơ HS-20261124-002" in strike


def test_only_analyst_confirmed_content_is_in_the_false_and_hostile_section(docx):
    confirmed = _section(docx, SECTIONS[3])
    assert HOSTILE_TITLE in confirmed  # status routed, hostile before (audit trail)
    assert RUMOUR_TITLE in confirmed  # confirmed flag label
    assert UNCONFIRMED_TITLE not in confirmed  # a classifier flag alone is not a verdict
    assert REJECTED_TITLE not in confirmed  # the analyst rejected the flag
    assert "Kết quả xác minh: xấu độc" in confirmed
    assert "Kết quả xác minh: sai sự thật" in confirmed
    assert "Hồ sơ HS-20261124-001 chuyển Công an tỉnh Thái Nguyên; trạng thái: cơ quan đã phản hồi" in confirmed
    assert "chưa lập hồ sơ chuyển xử lý" in confirmed


def test_by_topic_section_counts_every_item_once(docx):
    topics = _section(docx, SECTIONS[4])
    counts = [int(line.rsplit("(", 1)[1].split()[0]) for line in topics.splitlines()
              if line[:1].isdigit() and line.endswith("tin, bài)")]
    assert sum(counts) == RELEVANT_DAY_COUNT
    assert "Du lịch, văn hóa, di sản (3 tin, bài)" in topics


def test_html_and_markdown_carry_the_same_header_and_sections(day_digest):
    html = day_digest["files"]["html"].decode("utf-8")
    markdown = day_digest["files"]["md"].decode("utf-8")
    for text in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 07/ĐT-SVHTTDL",
                 "Thái Nguyên, ngày 25 tháng 11 năm 2026", "Nơi nhận:", "Nguyễn Thị Hoa", *SECTIONS]:
        assert text in html and text in markdown, text
    assert html.count('src="data:image/png;base64,') >= 1
    assert "Times New Roman" in html
    assert markdown.count("Lễ hội Lồng Tồng ATK Định Hóa thu hút") == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed")
def test_pdf_is_an_a4_document_with_the_vietnamese_text(day_digest, tmp_path):
    pdf = day_digest["files"]["pdf"]
    assert pdf.startswith(b"%PDF")
    (tmp_path / "d.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐIỂM TIN BÁO CHÍ", "IV. THÔNG TIN SAI SỰ THẬT",
                     "Nơi nhận:"]:
        assert expected in text
    info = subprocess.run(["pdfinfo", str(tmp_path / "d.pdf")], capture_output=True, text=True, check=True).stdout
    assert "pts (A4)" in info


def test_docx_numbers_pages_from_the_second_in_the_header(docx):
    section = docx.sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0]._p.xpath("./w:fldSimple/@w:instr") == ["PAGE"]
    assert section.first_page_header.paragraphs[0].text == ""
