"""The documents look as Nghị định 30/2020 lays them out, checked on the printed page in every format: the DOCX
printed by LibreOffice, the PDF by WeasyPrint, the HTML by Chromium. Each is turned into word boxes
(``pdftotext -bbox``) and page images (``pdftoppm``, kept in test-output/documents/ for a person to look at),
and the layout is read from them: the number with its leading zero, the issuing body on one line with a short
rule under it (never underlined whole), "Nơi nhận" on the left, the signer's title and name on the right,
section IV quoting the official rebuttal, no raw HTML entity, and a referral form that speaks to an agency.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from pipeline.core.item import item_id
from pipeline.documents.formats import render
from pipeline.reports.build import build_digest
from pipeline.reports.periods import Period
from tests.conftest import TEST_OUTPUT
from tests.reports.conftest import ISSUED_ON, make_home
from tests.reports.seed import DAY, RUMOUR_TITLE
from tests.reports.test_rendering import LIBREOFFICE, docx_to_pdf

OUT = TEST_OUTPUT / "documents"
CHROMIUM = Path("/usr/bin/chromium")
REBUTTAL = "Đập hồ Núi Cốc vẫn vận hành an toàn, không có sự cố vỡ đập."
REBUTTAL_SOURCE = "Công ty TNHH MTV Khai thác thủy lợi Thái Nguyên"
AMPERSAND_TITLE = "Nông sản &amp; du lịch cộng đồng Thái Nguyên hút khách"
ISSUER = "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                reason="poppler-utils not installed (apt-get install poppler-utils)")


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Printed:
    name: str
    pdf: Path
    words: list[Word]
    width: float  # points

    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    def find(self, phrase: str, page: int | None = None) -> list[Word]:
        """The words of the first occurrence of ``phrase`` (word by word). A first word may have lost a letter
        to the PDF's text layer (Chromium's "SỞ" comes back as "Ở"); it still counts, on the same line."""
        wanted = phrase.split()
        for start in range(len(self.words) - len(wanted) + 1):
            run = self.words[start:start + len(wanted)]
            head_ok = run[0].text == wanted[0] or (len(wanted[0]) > 1 and wanted[0].endswith(run[0].text))
            if head_ok and [w.text for w in run[1:]] == wanted[1:] and (page is None or run[0].page == page):
                return run
        raise AssertionError(f"{self.name}: '{phrase}' not printed")


def _words(pdf: Path) -> tuple[list[Word], float]:
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', xhtml).group(1))
    words, page = [], 0
    for line in xhtml.splitlines():
        if "<page " in line:
            page += 1
        found = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if found:
            x0, y0, x1, y1 = (float(found.group(i)) for i in range(1, 5))
            text = found.group(5).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            words.append(Word(page, text, x0, y0, x1, y1))
    return words, width


def _image(pdf: Path, name: str, page: int = 1, dpi: int = 100) -> Image.Image:
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / f"{name}-p{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(stem)], check=True, timeout=120)
    return Image.open(f"{stem}.png").convert("L")


def _html_to_pdf(html: bytes, pdf: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content(html.decode("utf-8"), wait_until="load")
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
        browser.close()


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """The seeded day's digest, with a known false claim's rebuttal and a title holding a raw HTML entity,
    printed three ways."""
    work = tmp_path_factory.mktemp("layout")
    home, ids = make_home(work / "home")
    with home.open_store() as store:
        store.put_record("claims", "claim-vo-dap", {
            "id": "claim-vo-dap", "claim": "Đập hồ Núi Cốc sắp vỡ", "rebuttal": REBUTTAL,
            "rebuttal_source": REBUTTAL_SOURCE, "rebuttal_date": "2026-11", "rebuttal_url": "", "active": True})
        rumour = store.get_item(ids["by_title"][RUMOUR_TITLE])
        rumour["flags"][0]["evidence"].append({"kind": "claim", "text": "Đập hồ Núi Cốc sắp vỡ",
                                               "claim_id": "claim-vo-dap", "detail": "giống nhận định sai đã biết"})
        extra = dict(store.get_item(ids["by_title"][RUMOUR_TITLE]))
        url = "https://baothainguyen.vn/kinh-te/nong-san-du-lich-2026.html"
        extra.update(id=item_id(url), url=url, title=AMPERSAND_TITLE, flags=[], status="new", cluster_id=item_id(url),
                     tone={"label": "tich_cuc", "score": 0.9, "evidence": []}, source="bao-thai-nguyen",
                     text="Nông sản &amp; du lịch cộng đồng đang là hướng đi mới của nhiều xã ở Thái Nguyên trong năm nay.")
        store.upsert_items([rumour, extra])
        store.refresh()
        document, _ = build_digest(home, store, Period.containing("day", date.fromisoformat(DAY)), ISSUED_ON, "7")
    out: dict[str, Printed] = {}
    pdf = work / "weasyprint.pdf"
    pdf.write_bytes(render(document, "pdf"))
    out["pdf"] = Printed("pdf", pdf, *_words(pdf))
    if LIBREOFFICE:
        docx = work / "diem-tin.docx"
        docx.write_bytes(render(document, "docx"))
        converted = docx_to_pdf(docx, work)
        out["docx"] = Printed("docx", converted, *_words(converted))
    if CHROMIUM.exists():
        try:
            chromium = work / "chromium.pdf"
            _html_to_pdf(render(document, "html"), chromium)
            out["html"] = Printed("html", chromium, *_words(chromium))
        except ImportError:
            pass
    return out


@pytest.fixture(params=["docx", "pdf", "html"])
def page(request: pytest.FixtureRequest, printed: dict[str, Printed]) -> Printed:
    if request.param not in printed:
        pytest.skip(f"no renderer for {request.param} here (LibreOffice / Chromium missing)")
    return printed[request.param]


def test_number_has_its_leading_zero_and_no_raw_entity_is_printed(page):
    text = page.text()
    assert "07/ĐT-SVHTTDL" in text and page.find("Số: 07/ĐT-SVHTTDL")
    assert "&amp;" not in text and "Nông sản & du lịch cộng đồng Thái Nguyên hút khách" in text


def test_issuing_body_and_national_name_each_fit_on_one_line(page):
    issuer = page.find(ISSUER, page=1)
    assert len({round(word.y0) for word in issuer}) == 1, "the issuing body wraps"
    national = page.find("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", page=1)
    assert len({round(word.y0) for word in national}) == 1
    assert issuer[-1].x1 < national[0].x0  # side by side, not overlapping


def _dark_runs(image: Image.Image, row: int, x0: int, x1: int) -> list[tuple[int, int]]:
    pixels = image.load()
    runs, start = [], None
    for x in range(x0, x1):
        dark = pixels[x, row] < 128
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x))
            start = None
    if start is not None:
        runs.append((start, x1))
    return runs


def test_a_short_centred_rule_under_the_issuing_body_and_no_underline(page):
    issuer = page.find(ISSUER, page=1)
    number = page.find("Số:", page=1)[0]
    image = _image(page.pdf, f"letterhead-{page.name}")
    scale = image.width / page.width
    left, right = int(issuer[0].x0 * scale), int(issuer[-1].x1 * scale)
    name_width, centre = right - left, (left + right) / 2
    rules = []
    # Between the bottom of the name and the top of the number line.
    for row in range(int(issuer[0].y1 * scale) - 1, int(number.y0 * scale)):
        rules += [run for run in _dark_runs(image, row, max(0, left - 40), min(image.width, right + 40))
                  if run[1] - run[0] > 0.15 * name_width]
    assert rules, "no rule under the issuing body"
    for start, end in rules:
        assert 0.28 * name_width <= end - start <= 0.55 * name_width, "a rule of 1/3 to 1/2 of the name's length"
        assert abs((start + end) / 2 - centre) < 0.08 * name_width, "centred under the name"


def test_recipients_on_the_left_and_the_signer_title_and_name_on_the_right(page):
    last = max(word.page for word in page.words)
    heading = page.find("Nơi nhận:", page=last)[0]
    assert heading.x0 < page.width * 0.3, "Nơi nhận is on the left"
    title = page.find("PHÓ GIÁM ĐỐC", page=last)
    name = page.find("Nguyễn Thị Hoa", page=last)
    assert title[0].x0 > page.width * 0.5 and name[0].x0 > page.width * 0.5
    assert name[0].y0 > title[0].y1 + 30, "room to sign between the title and the name"
    title_centre = (title[0].x0 + title[-1].x1) / 2
    assert abs((name[0].x0 + name[-1].x1) / 2 - title_centre) < 15, "the name centred under the title"


def test_section_iv_quotes_the_official_rebuttal_and_its_source_instead_of_a_url(page):
    text = page.text()
    section = text.split("IV. THÔNG TIN SAI SỰ THẬT", 1)[1].split("V. THÔNG TIN THEO CHỦ ĐỀ", 1)[0]
    assert f"“{REBUTTAL}”" in " ".join(section.split()) and REBUTTAL_SOURCE in " ".join(section.split())
    assert RUMOUR_TITLE in " ".join(section.split())


@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice not installed")
def test_referral_form_speaks_to_the_agency_without_internal_scores(tmp_path):
    from pipeline.reports.casefile import export_case

    home, ids = make_home(tmp_path / "home")
    with home.open_store() as store:
        hostile = store.get_item(store.get_record("cases", "HS-20261124-001")["item_ids"][0])
        hostile["urgency_reasons"] = ["độ lan tỏa: nguồn social (+0.08)", "khẩn cấp 0.91"]
        store.upsert_items([hostile])
        store.refresh()
        files = export_case(home, store, "HS-20261124-001", tmp_path)
    pdf = docx_to_pdf(files.docx, tmp_path)
    words, width = _words(pdf)
    printed = Printed("phieu", pdf, words, width)
    _image(pdf, "phieu-chuyen-xu-ly")
    text = " ".join(printed.text().split())
    for heading in ("Kính gửi: Công an tỉnh Thái Nguyên", "1. Nội dung thông tin", "2. Nơi đăng tải và thời gian",
                    "3. Lý do đề nghị xử lý", "4. Nội dung đề nghị", "5. Thời hạn xử lý", "7. Bằng chứng kèm theo"):
        assert heading in text
    assert "Cán bộ theo dõi đã xác minh: xấu độc" in text
    assert "Đề nghị xác minh, xử lý nguồn phát tán" in text
    for internal in ("(+0.", "độ lan tỏa", "0.91", "0,91", "cosine", "Cảnh báo", "căn cứ:", "urgency"):
        assert internal not in text, f"the referral form shows an internal figure: {internal}"
    assert printed.find("Nơi nhận:")[0].x0 < width * 0.3
