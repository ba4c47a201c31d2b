"""A case file an agency can act on, and check: phiếu chuyển xử lý, evidence ZIP, checksum manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document as open_docx

from pipeline.cli.main import main
from pipeline.core.store.base import NotFound
from pipeline.reports.casefile import MANIFEST, PHIEU, export_case, verify_case_zip
from pipeline.reports.evidence import SIGNATURE
from tests.reports.seed import HOSTILE_TITLE, html_of

CASE = "HS-20261124-001"
EXPORTED = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def case_file(seeded, tmp_path):
    home, ids = seeded
    with home.open_store() as store:
        files = export_case(home, store, CASE, tmp_path / "out", now=EXPORTED)
        item = store.get_item(ids["by_title"][HOSTILE_TITLE])
    return home, files, item


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy a ZIP, letting ``change(name, data)`` alter or drop (None) each member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)


def test_phieu_says_what_where_when_why_what_is_asked_deadline_and_contact(case_file):
    _, files, item = case_file
    docx = open_docx(io.BytesIO(files.docx.read_bytes()))
    texts = [p.text for p in docx.paragraphs]
    body = "\n".join(texts)
    assert "PHIẾU CHUYỂN XỬ LÝ THÔNG TIN" in texts
    assert "Kính gửi: Công an tỉnh Thái Nguyên" in texts
    for heading in ["1. Nội dung thông tin", "2. Nơi đăng tải và thời gian", "3. Lý do đề nghị xử lý",
                    "4. Nội dung đề nghị", "5. Thời hạn xử lý", "6. Đầu mối liên hệ", "7. Bằng chứng kèm theo"]:
        assert heading in texts
    assert HOSTILE_TITLE in body
    assert ("Sở Văn hóa, Thể thao và Du lịch đề nghị Công an tỉnh Thái Nguyên xem xét, xử lý theo thẩm quyền "
            "thông tin sau") in body
    assert "Mức độ cần xử lý: cao." in body and "Nguồn thù địch, lan truyền nhanh" in body
    assert "Đề nghị xác minh, xử lý nguồn phát tán và phối hợp đăng tin phản bác." in body
    assert "Đề nghị phản hồi kết quả trước 26/11/2026 17:00" in body  # deadline in Vietnam time
    assert "Đồng chí Nguyễn Văn An" in body
    where = docx.tables[1]
    assert [c.text for c in where.rows[1].cells][1:4] == ["Đài Á Châu Tự Do (RFA)", item["url"], "24/11/2026 14:00"]
    evidence = docx.tables[2]
    assert evidence.rows[1].cells[1].text == hashlib.sha256(html_of(item)).hexdigest()
    assert docx.tables[0].rows[0].cells[0].paragraphs[-1].text == "Số: ....../PCXL-SVHTTDL"


def test_zip_holds_raw_html_text_capture_metadata_case_history_and_manifest(case_file):
    _, files, item = case_file
    with zipfile.ZipFile(files.zip) as archive:
        names = set(archive.namelist())
        folder = f"items/01-{item['id']}"
        assert {PHIEU, "case.json", MANIFEST, "README.txt", f"{folder}/raw.html", f"{folder}/text.txt",
                f"{folder}/metadata.json"} <= names
        assert archive.read(f"{folder}/raw.html") == html_of(item)
        assert HOSTILE_TITLE in archive.read(f"{folder}/text.txt").decode("utf-8")
        metadata = json.loads(archive.read(f"{folder}/metadata.json"))
        assert metadata["url"] == item["url"]
        assert metadata["captured_at"] == item["fetched_at"]
        assert metadata["sha256_at_capture"] == hashlib.sha256(html_of(item)).hexdigest()
        history = json.loads(archive.read("case.json"))
        assert history["case"]["id"] == CASE and history["case"]["agency"] == "cong-an-tinh"
        assert [a["action"] for a in history["audit"]] == ["case.create"]
        assert [a["after"]["status"] for a in history["items"][0]["audit"]] == ["hostile", "routed"]
        manifest = archive.read(MANIFEST).decode("utf-8").splitlines()
        listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in manifest}
        assert set(listed) == names - {MANIFEST, SIGNATURE}
        assert all(hashlib.sha256(archive.read(n)).hexdigest() == h for n, h in listed.items())


def test_intact_evidence_verifies(case_file):
    assert verify_case_zip(case_file[1].zip) == []


def test_a_changed_raw_page_fails_verification_naming_the_file(case_file, tmp_path):
    _, files, item = case_file
    tampered = tmp_path / "tampered.zip"
    raw = f"items/01-{item['id']}/raw.html"
    _rewrite(files.zip, tampered, lambda name, data: data.replace(b"xuy\xc3\xaan t\xe1\xba\xa1c", b"n\xc3\xb3i")
             if name == raw else data)
    problems = verify_case_zip(tampered)
    assert problems and all(raw in problem for problem in problems)


def test_changing_a_file_and_its_manifest_line_still_fails_against_the_capture_checksum(case_file, tmp_path):
    _, files, item = case_file
    raw = f"items/01-{item['id']}/raw.html"
    forged = b"<html>trang gia mao</html>"

    def forge(name: str, data: bytes) -> bytes:
        if name == raw:
            return forged
        if name == MANIFEST:
            return b"".join(line.replace(line.split(b"  ")[0], hashlib.sha256(forged).hexdigest().encode())
                            if line.rstrip(b"\n").endswith(raw.encode()) else line for line in data.splitlines(keepends=True))
        return data

    _rewrite(files.zip, tmp_path / "forged.zip", forge)
    problems = verify_case_zip(tmp_path / "forged.zip")
    assert f"{raw}: khác với trang gốc lưu khi thu thập (SHA-256 không khớp)" in problems
    assert any(p.startswith(f"{SIGNATURE}: chữ ký không khớp") for p in problems)  # and the signature no longer holds


def test_added_and_removed_files_fail_verification(case_file, tmp_path):
    _, files, _ = case_file
    _rewrite(files.zip, tmp_path / "removed.zip", lambda name, data: None if name == "case.json" else data)
    assert verify_case_zip(tmp_path / "removed.zip") == ["case.json: thiếu tệp"]
    with zipfile.ZipFile(tmp_path / "removed.zip", "a") as archive:
        archive.writestr("case.json", (files.zip.parent / "x").as_posix())
        archive.writestr("them.txt", "tệp lạ")
    problems = verify_case_zip(tmp_path / "removed.zip")
    assert "them.txt: tệp không có trong SHA256SUMS" in problems
    assert any(p.startswith("case.json: nội dung đã bị thay đổi") for p in problems)


def test_unknown_case_is_a_clear_error(seeded, tmp_path):
    home, _ = seeded
    with home.open_store() as store, pytest.raises(NotFound, match="HS-khong-co"):
        export_case(home, store, "HS-khong-co", tmp_path)


def test_case_commands_export_verify_and_exit_non_zero_on_tampering(seeded, tmp_path, capsys):
    home, _ = seeded
    out = tmp_path / "ho-so"
    assert main(["--home", str(home.path), "case", "export", CASE, "-o", str(out)]) == 0
    archive = out / f"{CASE}-bang-chung.zip"
    assert (out / f"{CASE}-{PHIEU}").is_file()
    assert main(["--home", str(home.path), "case", "verify", str(archive)]) == 0
    assert "nguyên vẹn" in capsys.readouterr().out
    _rewrite(archive, tmp_path / "sua.zip", lambda name, data: data + b" " if name == "case.json" else data)
    assert main(["--home", str(home.path), "case", "verify", str(tmp_path / "sua.zip")]) == 1
    errors = capsys.readouterr().err
    assert "case.json: nội dung đã bị thay đổi" in errors and "KHÔNG còn nguyên vẹn" in errors
    assert main(["--home", str(home.path), "case", "export", "HS-khong-co", "-o", str(out)]) == 2
    assert "Không tìm thấy hồ sơ HS-khong-co" in capsys.readouterr().err
