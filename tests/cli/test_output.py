"""People can follow the work: short Vietnamese lines by default, the machine-readable report behind --json,
and the libraries' log noise in the home's log file unless -v."""

from __future__ import annotations

import json

from pipeline.cli.scheduler import tick_line
from tests.conftest import json_lines, run_cli

ITEM = {"url": "https://baothainguyen.vn/tin/1.html", "title": "Thái Nguyên khai trương chợ phiên",
        "text": "Chợ phiên ở phường Phan Đình Phùng, tỉnh Thái Nguyên mở cửa sáng nay."}


def _queue(home, tmp_path, n=3):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps({**ITEM, "url": f"{ITEM['url']}?p={i}"}, ensure_ascii=False)
                              for i in range(n)) + "\n", encoding="utf-8")
    run_cli("ingest", str(path), home=home)


def test_process_speaks_vietnamese_and_keeps_json_for_machines(home, tmp_path):
    _queue(home, tmp_path)
    done = run_cli("process", home=home)
    assert not json_lines(done.stdout)
    assert "Đã xử lý 3 tin" in done.stdout and "liên quan đến tỉnh" in done.stdout
    assert done.stderr.strip() == "", "no library or log noise on the terminal without -v"
    log = (home.path / "logs" / "diemtin.log").read_text(encoding="utf-8")
    assert '"level"' in log  # the events went to the home's log file instead
    again = run_cli("process", "--json", home=home)
    assert json_lines(again.stdout)[-1]["claimed"] == 0


def test_verbose_shows_the_log_on_the_terminal(home, tmp_path):
    _queue(home, tmp_path, n=1)
    done = run_cli("-v", "process", home=home)
    assert '"level": "' in done.stderr


def test_a_tick_is_one_line_a_person_can_read():
    report = {"at": "2026-12-01T01:00:00+00:00",
              "crawl": {"due": 2, "items": 14, "sources": {"a": {"errors": [{"code": "dns"}]}, "b": {"errors": []}}},
              "process": {"claimed": 14, "relevant": 9, "errors": []}, "digests": [{"id": "day-2026-11-30"}],
              "cases": [], }
    line = tick_line(report)
    assert line.count("\n") == 0 and len(line) < 200
    assert line.startswith("[01/12/2026 08:00] thu thập 2 nguồn đến hạn, 14 tin mới; xử lý 14 tin") and line.endswith(".")
    for part in ("01/12/2026 08:00", "2 nguồn", "14 tin mới", "xử lý 14 tin", "1 điểm tin", "1 lỗi"):
        assert part in line, (part, line)
    failing = tick_line({**report, "digests": {"error": "OSError: disk full"}})
    assert "bước lỗi: digests" in failing
    alerted = tick_line({**report, "alerts": {"alerts": 2, "errors": {}, "outbox": {"sent": 3, "dead": 1}}})
    assert "2 cảnh báo mới, 3 tin nhắn đã gửi" in alerted and "1 tin nhắn không gửi được" in alerted
