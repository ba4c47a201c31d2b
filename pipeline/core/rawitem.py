"""What a raw record may hold: the one check of `diemtin ingest`, of the crawlers' records and of the batch runner.

A raw record comes from outside (a partner's JSONL file, a crawler, a hand-made test file). One that carries a
number where a URL belongs, a date that is not a date, a lone surrogate, a list where the text belongs or a
50 MB text must be refused where it enters, with a message that says which field is wrong and why, and must
never reach a stage that would raise on it again and again. :func:`check_raw` is that check; the messages are
Vietnamese because the operator reads them (``diemtin ingest`` prints them with the line number).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pipeline.core.dates import item_date
from pipeline.core.settings import Settings


class RawItemError(ValueError):
    """A raw record that cannot become an item; the message (Vietnamese) is kept in the queue for the operator."""


# Fields of a raw record that must be text when present (null is allowed); the rest of the known fields
# have their own rules below.
TEXT_FIELDS = ("title", "text", "html", "source", "author", "site_name", "image", "lang", "date_source",
               "raw_html_sha256", "canonical_url", "source_kind", "reputation")
DATE_FIELDS = ("published_at", "date", "fetched_at")
# Dates outside these years are typing errors or attacks (year 1 and year 9999 overflow time-zone arithmetic).
MIN_YEAR, MAX_YEAR = 1900, 2200
# Integers a store can index (Elasticsearch's long); larger ones are refused rather than mangled.
MAX_INT = 2**63 - 1
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_TYPE_NAMES = {dict: "đối tượng", list: "danh sách", str: "chuỗi", int: "số nguyên", float: "số thực",
               bool: "giá trị đúng/sai", type(None): "null"}


def type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Limits:
    """Sizes a raw record may have, and the other names its text may come under (settings ``ingest.*``)."""

    max_text_chars: int
    max_html_bytes: int
    max_title_chars: int
    max_field_chars: int
    max_depth: int
    max_keys: int
    text_fields: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_text_chars=settings.get_int("ingest.max_text_chars"),
            max_html_bytes=settings.get_int("crawl.max_page_bytes"),
            max_title_chars=settings.get_int("ingest.max_title_chars"),
            max_field_chars=settings.get_int("ingest.max_field_chars"),
            max_depth=settings.get_int("ingest.max_depth"),
            max_keys=settings.get_int("ingest.max_keys"),
            text_fields=tuple(settings.get_list("ingest.text_fields")),
        )


def check_raw(payload: Any, limits: Limits) -> dict[str, Any]:
    """The record when it can become an item, its text under "text" (:func:`text_named`); RawItemError naming
    the first problem otherwise."""
    if not isinstance(payload, dict):
        raise RawItemError(f"mỗi dòng phải là một đối tượng JSON, không phải {type_name(payload)}")
    _check_values(payload, limits)
    payload = text_named(payload, limits.text_fields)
    url = payload.get("url")
    if not isinstance(url, str) or not url.strip():
        raise RawItemError("thiếu 'url'" if url is None else f"'url' phải là chuỗi, không phải {type_name(url)}")
    _check_url("url", url, limits)
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise RawItemError(f"'{name}' phải là chuỗi, không phải {type_name(value)}")
    if not any(isinstance(payload.get(k), str) and payload[k].strip() for k in ("text", "html", "title")):
        raise RawItemError("cần 'text' hoặc 'html' (hoặc ít nhất 'title')")
    text = payload.get("text") or ""
    if len(text) > limits.max_text_chars:
        raise RawItemError(f"'text' quá dài: {len(text):,} ký tự (tối đa {limits.max_text_chars:,})")
    html = payload.get("html") or ""
    if len(html) > limits.max_html_bytes // 4 and len(html.encode("utf-8")) > limits.max_html_bytes:
        raise RawItemError(f"'html' quá lớn: hơn {limits.max_html_bytes:,} byte")
    title = payload.get("title") or ""
    if len(title) > limits.max_title_chars:
        raise RawItemError(f"'title' quá dài: {len(title):,} ký tự (tối đa {limits.max_title_chars:,})")
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if name not in ("title", "text", "html") and isinstance(value, str) and len(value) > limits.max_field_chars:
            raise RawItemError(f"'{name}' quá dài: {len(value):,} ký tự (tối đa {limits.max_field_chars:,})")
    canonical = payload.get("canonical_url")
    if canonical:
        _check_url("canonical_url", canonical, limits)
    for name in DATE_FIELDS:
        check_date(name, payload.get(name))
    meta = payload.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise RawItemError(f"'meta' phải là đối tượng, không phải {type_name(meta)}")
    return payload


def text_named(payload: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The record with its text under "text" when it has neither "text" nor "html" but holds text under another
    usual name (other tools' exports say "content", "body" or "maintext"; a feed gives only a "summary"): the first
    of ``names`` that holds text, moved to "text" (not kept twice) and named in ``meta["text_field"]``. Without
    it a partner's file would be read by its titles alone, and nothing would say so."""
    if any(isinstance(payload.get(k), str) and payload[k].strip() for k in ("text", "html")):
        return payload
    meta = payload.get("meta")
    for name in names:
        value = payload.get(name)
        if isinstance(value, str) and value.strip() and (meta is None or isinstance(meta, dict)):
            moved = {k: v for k, v in payload.items() if k != name}
            moved["text"] = value
            moved["meta"] = {**(meta or {}), "text_field": name}
            return moved
    return payload


def _check_url(name: str, url: str, limits: Limits) -> None:
    if len(url) > limits.max_field_chars:
        raise RawItemError(f"'{name}' quá dài: {len(url):,} ký tự (tối đa {limits.max_field_chars:,})")
    stripped = url.strip()
    if not stripped.startswith(("http://", "https://")):
        raise RawItemError(f"'{name}' phải là địa chỉ http/https: {_short(url)}")
    try:
        host = urlsplit(stripped).hostname
    except ValueError as exc:
        raise RawItemError(f"'{name}' không phải địa chỉ hợp lệ ({exc}): {_short(url)}") from exc
    if not host or any(ch.isspace() or ord(ch) < 32 for ch in stripped):
        raise RawItemError(f"'{name}' không phải địa chỉ hợp lệ: {_short(url)}")


def check_date(name: str, value: Any, now: datetime | None = None) -> datetime | None:
    """A date field's moment (UTC), None when absent; RawItemError when it is not a date of a plausible year:
    ISO 8601, or as Vietnamese pages write it (pipeline.core.dates.item_date: "07/03/2026 08:47"...)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RawItemError(f"'{name}' phải là ngày dạng chuỗi (ISO 8601), không phải {type_name(value)}")
    if len(value) > 100:
        raise RawItemError(f"'{name}' không đọc được là ngày: {_short(value)}")
    try:
        moment = item_date(value, now=now)
    except (ValueError, OverflowError):
        raise RawItemError(f"'{name}' không đọc được là ngày: {_short(value)} (dùng ISO 8601 như "
                           "2026-03-07T08:47:00+07:00 hoặc cách viết ngày Việt Nam như 07/03/2026 08:47)") from None
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise RawItemError(f"'{name}' có năm ngoài khoảng {MIN_YEAR}-{MAX_YEAR}: {_short(value)}")
    return moment


def _check_values(payload: dict[str, Any], limits: Limits) -> None:
    """Every value of the record, iteratively (a deep record must not exhaust the stack): depth, key count,
    integers a store can hold, finite numbers, and no lone surrogate (it cannot be written as UTF-8)."""
    stack: list[tuple[Any, int, str]] = [(payload, 1, "")]
    keys = 0
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise RawItemError(f"'{where}' chứa ký tự thay thế đơn lẻ (surrogate) không hợp lệ trong UTF-8")
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INT:
                raise RawItemError(f"'{where}' là số nguyên quá lớn")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise RawItemError(f"'{where}' không phải số hữu hạn")
        elif isinstance(value, dict | list):
            if depth > limits.max_depth:
                raise RawItemError(f"'{where or 'dòng'}' lồng quá sâu (tối đa {limits.max_depth} cấp)")
            children = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in children:
                keys += 1
                if keys > limits.max_keys:
                    raise RawItemError(f"quá nhiều trường và phần tử (tối đa {limits.max_keys})")
                if isinstance(key, str) and _LONE_SURROGATE.search(key):
                    raise RawItemError("tên trường chứa ký tự thay thế đơn lẻ (surrogate)")
                stack.append((child, depth + 1, f"{where}.{key}" if where else str(key)))
        else:
            raise RawItemError(f"'{where}' có kiểu không hỗ trợ: {type_name(value)}")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
