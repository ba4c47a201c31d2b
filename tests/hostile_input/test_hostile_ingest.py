"""`diemtin ingest` as a careless or hostile source feeds it: every bad line is refused with its number and a
Vietnamese reason, and no good line is ever lost, whatever the bad one holds (issue 11, point 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.core.home import Home
from tests.conftest import json_lines, run_cli
from tests.hostile_input.conftest import dumps, good, write_lines

# Vietnamese letters a Vietnamese message is bound to contain.
VIETNAMESE = re.compile("[ạảãàáâậầấẩẫăắằặẳẵêếềểễệôồốổỗộơớờởỡợưứừửữựđịỉĩìíọỏõòóụủũùúỳỵỷỹý]")

# Every kind of bad line, named, as written to the file (str lines are UTF-8; bytes are written as they are).
BAD_LINES: dict[str, str | bytes] = {
    "truncated JSON": '{"url": "https://x.vn/1", "title": ',
    "array": dumps([good(1)]),
    "string": dumps("https://x.vn/1"),
    "number": "42",
    "null": "null",
    "no url": dumps({"title": "Thái Nguyên", "text": "Không có url"}),
    "url is a number": dumps(good(2, url=123)),
    "url is a list": dumps(good(3, url=["https://x.vn/3"])),
    "url is ftp": dumps(good(4, url="ftp://x.vn/4")),
    "url is javascript": dumps(good(5, url="javascript:alert(1)")),
    "url has a space in the host": dumps(good(6, url="https://bao thai nguyen.vn/6")),
    "url of 5,000 characters": dumps(good(7, url="https://x.vn/" + "a" * 5000)),
    "text is a list": dumps(good(8, text=["Thái", "Nguyên"])),
    "text is an object": dumps(good(9, text={"vi": "Thái Nguyên"})),
    "text is a number": dumps(good(10, text=12345)),
    "html is a list": dumps({"url": "https://x.vn/11", "html": ["<p>Thái Nguyên</p>"]}),
    "title is an object": dumps(good(12, title={"a": 1})),
    "no title, text or html": dumps({"url": "https://x.vn/13", "source": "x"}),
    "only blank text": dumps({"url": "https://x.vn/14", "title": "   ", "text": "\n\t"}),
    "lone high surrogate in text": '{"url": "https://x.vn/15", "title": "T", "text": "a\\ud800b"}',
    "lone low surrogate in title": '{"url": "https://x.vn/16", "title": "\\udc00", "text": "Thái Nguyên"}',
    "lone surrogate in a key": '{"url": "https://x.vn/17", "title": "T", "\\ud800": 1}',
    "100,000 nested brackets": "[" * 100_000 + "]" * 100_000,
    "meta nested 50 deep": dumps(good(18, meta=json.loads('{"a":' * 50 + "1" + "}" * 50))),
    "5,000-digit integer": '{"url": "https://x.vn/19", "title": "T", "n": ' + "9" * 5000 + "}",
    "integer past 64 bits": dumps(good(20, views=2**70)),
    "NaN": '{"url": "https://x.vn/21", "title": "T", "score": NaN}',
    "Infinity": '{"url": "https://x.vn/22", "title": "T", "score": -Infinity}',
    "published_at not a date": dumps(good(23, published_at="hôm qua")),
    "published_at a number": dumps(good(24, published_at=1732000000)),
    "fetched_at not a date": dumps(good(25, fetched_at="not-a-date")),
    "published_at in year 1": dumps(good(26, published_at="0001-01-01T00:00:00")),
    "canonical_url a number": dumps(good(27, canonical_url=123)),
    "canonical_url not http": dumps(good(28, canonical_url="file:///etc/passwd")),
    "meta a list": dumps(good(29, meta=["a"])),
    "text past the size limit": dumps(good(30, text="Thái Nguyên " * 200_000)),
    "title of 10,000 characters": dumps(good(31, title="T" * 10_000)),
    "2,000 extra fields": dumps({**good(32), **{f"f{i}": i for i in range(2000)}}),
    "invalid UTF-8 bytes": b'{"url": "https://x.vn/33", "title": "\xff\xfe\xfa\xfb garbage \x80\x81"}',
}


def test_every_bad_line_is_refused_by_number_and_no_good_line_is_lost(home: Home, tmp_path: Path):
    lines: list[str | bytes] = []
    bad_numbers: dict[int, str] = {}
    good_count = 0
    for n, (kind, bad) in enumerate(BAD_LINES.items()):
        lines.append(dumps(good(1000 + n)))
        good_count += 1
        lines.append(bad)
        bad_numbers[len(lines)] = kind
    lines.append(dumps(good(9999)))
    good_count += 1
    source = write_lines(tmp_path / "hostile.jsonl", lines)

    result = run_cli("ingest", str(source), home=home)
    summary = json_lines(result.stdout)[-1]
    assert summary["queued"] == good_count, summary["errors"]
    reported = {error["line"]: error["error"] for error in summary["errors"]}
    missing = {number: kind for number, kind in bad_numbers.items() if number not in reported}
    assert not missing, f"bad lines not reported: {missing}"
    assert set(reported) == set(bad_numbers)
    for number, message in reported.items():
        assert VIETNAMESE.search(message), f"line {number} ({bad_numbers[number]}): not Vietnamese: {message}"
        assert f"{source}:{number}:" in result.stderr
    assert len(BAD_LINES) >= 35
    processed = json_lines(run_cli("process", "--json", home=home).stdout)[-1]
    assert processed["stored"] == good_count and processed["failed"] == 0


@pytest.mark.slow
def test_one_bad_line_in_100000_costs_that_line_only(home: Home, tmp_path: Path):
    bad_at = 50_500
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(1, 100_001):
            if n == bad_at:
                handle.write('{"url": "https://x.vn/bad", "title": "T", "text": "\\ud800"}\n')
            else:
                handle.write(dumps({"url": f"https://x.vn/{n}", "title": f"Tin {n}"}) + "\n")
    summary = json_lines(run_cli("ingest", str(path), home=home).stdout)[-1]
    assert summary["queued"] == 99_999
    assert [e["line"] for e in summary["errors"]] == [bad_at]
    with home.open_store() as store:
        assert store.raw_counts()["pending"] == 99_999


def test_a_byte_order_mark_and_windows_line_ends_are_read_not_refused(home: Home, tmp_path: Path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + dumps(good(1)).encode() + b"\r\n" + dumps(good(2)).encode() + b"\r\n"
                     + b"\xef\xbb\xbf" + dumps(good(3)).encode() + b"\r\n\r\n")
    summary = json_lines(run_cli("ingest", str(path), home=home).stdout)[-1]
    assert summary["queued"] == 3 and summary["errors"] == []


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_raw_legacy_vietnamese_bytes_are_converted_not_turned_into_replacement_characters(home: Home, tmp_path: Path,
                                                                                       encoding: str):
    # "Hà Nội là thủ đô của nước Việt Nam. Tỉnh Thái Nguyên..." as the old fonts' bytes (cp1252 reading).
    legacy = {"tcvn3": "Hµ Néi lµ thñ ®« cña n\xad\xedc ViÖt Nam. TØnh Th¸i Nguyªn cã nhiÒu ®åi chÌ.",
              "vni": "Haø Noäi laø thuû ñoâ cuûa nöôùc Vieät Nam. Tænh Thaùi Nguyeân coù nhieàu ñoài cheø."}[encoding]
    line = dumps({"url": "https://x.vn/legacy", "title": "Tin tu tinh", "text": legacy}).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        line.decode("utf-8")  # truly raw legacy bytes, not UTF-8
    result = run_cli("ingest", str(write_lines(tmp_path / "legacy.jsonl", [line, dumps(good(1))])), home=home)
    summary = json_lines(result.stdout)[-1]
    assert summary["queued"] == 2 and summary["errors"] == []
    assert "Unicode" in result.stderr and ":1:" in result.stderr  # the conversion is said, with the line
    with home.open_store() as store:
        payload = next(r.payload for r in store.claim_raw(10) if r.payload["url"] == "https://x.vn/legacy")
    assert "\ufffd" not in payload["text"]
    assert "Hà Nội" in payload["text"] and "Thái Nguyên" in payload["text"]


def test_a_line_past_the_line_limit_is_skipped_without_loading_it(home: Home, tmp_path: Path):
    config = home.config_path.read_text(encoding="utf-8") + "ingest:\n  max_line_bytes: 100000\n"
    home.config_path.write_text(config, encoding="utf-8")
    path = write_lines(tmp_path / "long.jsonl", [dumps(good(1)), dumps(good(2, text="x" * 300_000)), dumps(good(3))])
    summary = json_lines(run_cli("ingest", str(path), home=home).stdout)[-1]
    assert summary["queued"] == 2
    assert [e["line"] for e in summary["errors"]] == [2] and "quá dài" in summary["errors"][0]["error"]
