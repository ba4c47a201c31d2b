"""Reading JSONL files line by line, where one bad line is reported with its number and never stops the rest.

Lines are read as bytes, so that what a careless exporter writes is told apart from what it meant: a UTF-8
byte-order mark before a line is skipped; a line of raw TCVN3 or VNI bytes (old Vietnamese fonts, never
valid UTF-8) is converted when the conversion reads as Vietnamese, and refused with its byte offset when it does
not, instead of turning silently into U+FFFD; a line longer than the limit is skipped without being held in
memory; JSON that nests without end or writes a 5,000-digit number is refused like any malformed line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.core.legacy import detect_legacy_bytes

# Checks one decoded line: the row to use, or None and the reason (Vietnamese, shown to the user).
Validator = Callable[[Any], tuple[dict[str, Any] | None, str | None]]
# A line longer than this is not a record anyone meant (a 10 MB page and its text fit well within it).
MAX_LINE_BYTES = 32 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_READ_CHUNK = 1024 * 1024
# Legacy encodings by the name detect_legacy_bytes gives, as an operator knows them.
_LEGACY_NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "cp1258": "Windows-1258"}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} không phải số JSON hợp lệ")


def decode_json(text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, the reason in Vietnamese): never raises, whatever the text."""
    try:
        return json.loads(text, parse_constant=_refuse_constant), None
    except json.JSONDecodeError as exc:
        return None, f"JSON không hợp lệ: {exc.msg} (cột {exc.colno})"
    except RecursionError:
        return None, "JSON lồng quá sâu"
    except ValueError as exc:  # a number past Python's 4,300-digit limit, NaN, Infinity
        message = str(exc)
        if "digits" in message or "integer" in message:
            return None, "JSON chứa số nguyên quá lớn"
        return None, f"JSON không hợp lệ: {message}"


def decode_line(data: bytes) -> tuple[str | None, str | None, str | None]:
    """(text, None, note) for a line that is UTF-8 or recognisably legacy Vietnamese (the note says which
    conversion was made), (None, reason, None) for one that is neither."""
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError as exc:
        legacy = detect_legacy_bytes(data)
        if legacy is not None:
            text, encoding = legacy
            return text, None, f"đã chuyển từ bảng mã {_LEGACY_NAMES.get(encoding, encoding)} sang Unicode"
        return None, (f"không phải văn bản UTF-8 (byte 0x{data[exc.start]:02x} ở vị trí {exc.start + 1}); "
                      "hãy lưu tệp ở dạng UTF-8"), None


def _lines(handle: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) for each line, with None for a line past ``max_bytes`` (skipped, never held whole)."""
    number = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while True:  # the rest of the long line, chunk by chunk
                rest = handle.readline(_READ_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        if line.startswith(_BOM):  # the first line's, or one left by concatenating files
            line = line[len(_BOM):]
        yield number, line


def read_jsonl(path: str | Path, validate: Validator, *, max_line_bytes: int = MAX_LINE_BYTES,
               notes: list[dict[str, Any]] | None = None) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row or None, error or None) for each non-empty line, 1-based.

    Conversions made on the way (legacy encodings) are appended to ``notes`` as ``{"line", "note"}``.
    """
    with open(path, "rb") as handle:
        for number, data in _lines(handle, max_line_bytes):
            if data is None:
                yield number, None, f"dòng quá dài (hơn {max_line_bytes:,} byte)"
                continue
            if not data.strip():
                continue
            text, error, note = decode_line(data.rstrip(b"\r\n"))
            if error is not None or text is None:
                yield number, None, error
                continue
            decoded, error = decode_json(text)
            if error is not None:
                yield number, None, error
                continue
            if note and notes is not None:
                notes.append({"line": number, "note": note})
            try:
                row, problem = validate(decoded)
            except RecursionError:
                row, problem = None, "JSON lồng quá sâu"
            yield number, row, problem
