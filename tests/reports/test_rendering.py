"""Documents open and print in a real office suite: DOCX through LibreOffice, PDF pages to PNG.

The PNGs stay in test-output/digest/ for a person to look at. Needs Debian's libreoffice-writer-nogui and
poppler-utils (the Makefile's test target installs them); without them these tests skip and say so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import TEST_OUTPUT

OUT = TEST_OUTPUT / "digest"
LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="pdftoppm not installed (apt-get install poppler-utils)")
needs_libreoffice = pytest.mark.skipif(LIBREOFFICE is None,
                                       reason="LibreOffice not installed (apt-get install libreoffice-writer-nogui)")


def docx_to_pdf(docx: Path, work: Path) -> Path:
    profile = work / "lo-profile"  # a private profile, so parallel runs do not lock each other out
    subprocess.run([LIBREOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(docx)], check=True, capture_output=True, timeout=180)
    pdf = work / (docx.stem + ".pdf")
    assert pdf.is_file(), "LibreOffice made no PDF"
    return pdf


def pdf_to_pngs(pdf: Path, prefix: str) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(OUT / prefix)], check=True, timeout=120)
    return sorted(OUT.glob(f"{prefix}-*.png"))


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@needs_libreoffice
@needs_poppler
def test_digest_docx_prints_in_libreoffice_with_the_letterhead(day_digest, tmp_path):
    docx = tmp_path / "diem-tin.docx"
    docx.write_bytes(day_digest["files"]["docx"])
    pdf = docx_to_pdf(docx, tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Nơi nhận:" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Times" in fonts or "LiberationSerif" in fonts  # Times New Roman or its metric twin
    pages = pdf_to_pngs(pdf, "diem-tin-docx")
    assert len(pages) == page_count(pdf) >= 2
    assert all(page.stat().st_size > 10_000 for page in pages)


@needs_poppler
def test_digest_pdf_pages_render_to_images(day_digest, tmp_path):
    pdf = tmp_path / "diem-tin.pdf"
    pdf.write_bytes(day_digest["files"]["pdf"])
    pages = pdf_to_pngs(pdf, "diem-tin-pdf")
    assert len(pages) == page_count(pdf) >= 2
    assert all(page.stat().st_size > 10_000 for page in pages)


@needs_libreoffice
@needs_poppler
def test_case_phieu_docx_prints_in_libreoffice(seeded, tmp_path):
    from pipeline.reports.casefile import export_case

    home, _ = seeded
    with home.open_store() as store:
        files = export_case(home, store, "HS-20261124-001", tmp_path)
    pdf = docx_to_pdf(files.docx, tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "PHIẾU CHUYỂN XỬ LÝ THÔNG TIN" in text and "Kính gửi: Công an tỉnh Thái Nguyên" in text
    assert len(pdf_to_pngs(pdf, "phieu-chuyen-xu-ly")) == page_count(pdf)
