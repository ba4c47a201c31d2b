"""`diemtin digest`, `diemtin report`: the lead's morning, from the command line."""

from __future__ import annotations

import io
import json

from docx import Document as open_docx

from pipeline.cli.main import main
from tests.reports.conftest import make_home

LIGHT = {"digest": {"formats": ["docx", "md"]}}


def _json(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_digest_is_made_listed_and_approved_from_the_command_line(tmp_path, capsys):
    home, _ = make_home(tmp_path / "home", LIGHT)
    base = ["--home", str(home.path)]
    target = tmp_path / "out" / "diem-tin.docx"
    assert main([*base, "digest", "--json", "--period", "day", "--date", "2026-11-24", "--format", "docx", "-o",
                 str(target)]) == 0
    [made] = _json(capsys.readouterr().out)
    assert made["id"] == "day-2026-11-24" and made["status"] == "draft" and made["items"] == 12
    assert made["number"].startswith("01/")  # as the document writes it (ND 30/2020), not "1/"
    texts = [p.text for p in open_docx(io.BytesIO(target.read_bytes())).paragraphs]
    assert "Về tỉnh Thái Nguyên, ngày 24/11/2026" in texts

    assert main([*base, "digest", "--json", "list"]) == 0
    assert [(d["id"], d["status"], d["formats"]) for d in _json(capsys.readouterr().out)] == [
        ("day-2026-11-24", "draft", ["docx", "md"])]
    assert main([*base, "digest", "list"]) == 0
    assert "day-2026-11-24: số 01/" in capsys.readouterr().out

    # From the command line the approver is the operating-system user who owns the home, never a named account.
    assert main([*base, "digest", "--json", "approve", "day-2026-11-24"]) == 0
    approved = _json(capsys.readouterr().out)[0]
    assert approved["status"] == "approved" and approved["approved_by"].startswith("cli:")

    # Asking again gives the approved file as it was signed off, not a rebuilt one.
    again = tmp_path / "again.md"
    assert main([*base, "digest", "--json", "--period", "day", "--date", "2026-11-24", "-o", str(again)]) == 0
    assert _json(capsys.readouterr().out)[0]["status"] == "approved"
    assert again.read_text(encoding="utf-8").count("# ĐIỂM TIN BÁO CHÍ") == 1


def test_report_command_and_clear_errors(tmp_path, capsys):
    home, _ = make_home(tmp_path / "home", LIGHT)
    base = ["--home", str(home.path)]
    target = tmp_path / "bao-cao.md"
    assert main([*base, "report", "--json", "--period", "quarter", "--date", "2026-11-24", "-o", str(target)]) == 0
    assert _json(capsys.readouterr().out)[0]["id"] == "quarter-2026-Q4"
    assert "Bảng 7. Hồ sơ chuyển xử lý theo cơ quan" in target.read_text(encoding="utf-8")
    assert main([*base, "digest", "--json", "--period", "week", "-o", str(tmp_path / "x.odt")]) == 2
    assert "Định dạng không hợp lệ" in capsys.readouterr().err
    assert main([*base, "digest", "--json", "send", "khong-co"]) == 2
    assert "Không tìm thấy điểm tin 'khong-co'" in capsys.readouterr().err
