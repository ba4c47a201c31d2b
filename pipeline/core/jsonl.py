"""Reading JSONL files line by line, where one bad line is reported with its number and never stops the rest."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Checks one decoded line: the row to use, or None and the reason (Vietnamese, shown to the user).
Validator = Callable[[Any], tuple[dict[str, Any] | None, str | None]]


def read_jsonl(path: str | Path, validate: Validator) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row or None, error or None) for each non-empty line, 1-based."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                decoded = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"JSON không hợp lệ: {exc.msg} (cột {exc.colno})"
                continue
            yield number, *validate(decoded)
