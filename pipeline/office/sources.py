"""Sources are data: records in the store's "sources" collection, seeded from the province profile and the
source registry (CSV), edited from the command line, and carrying their own crawl health.

A record: {"id", "name", "kind", "fetch", "language", "reputation", "urls", "homepage", "poll_minutes",
"enabled", "config", "health", "notes"}. ``config`` holds fetch-specific options (URL rules of a section
source, channel ids, a warm-up URL for the session cookie...). ``health`` is written by the crawlers only.
"""

from __future__ import annotations

import csv
import hashlib
import re
import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.core import vocabulary
from pipeline.core.text import fold
from pipeline.core.timeutil import iso, now_utc, parse_iso

if TYPE_CHECKING:
    from pipeline.core.profiles import Profile
    from pipeline.core.settings import Settings
    from pipeline.core.store.base import Store

SOURCE_KINDS = vocabulary.codes("source_kinds")
FETCH_KINDS = vocabulary.codes("fetch_kinds")
REPUTATIONS = vocabulary.codes("reputations")

# Placeholders in a registry row's feed URLs that make it a template rather than a feed.
_QUERY_PLACEHOLDER = re.compile(r"\{QUERY\}", re.IGNORECASE)
_CHANNEL_PLACEHOLDER = re.compile(r"\{(CHANNEL_ID|PLAYLIST_ID)\}", re.IGNORECASE)
_TELEGRAM_HINT = re.compile(r"t\.me/s/", re.IGNORECASE)


class SourceError(ValueError):
    """A source record or registry row that cannot be used; the message is for the operator (Vietnamese)."""


def source_id(name: str) -> str:
    """A readable, stable id from a source's name ("Báo Thái Nguyên" -> "bao-thai-nguyen")."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug or hashlib.sha1(name.encode()).hexdigest()[:10]


def seed_sources(store: Store, profile: Profile) -> int:
    """Add the profile's default sources that the store does not hold yet; returns how many were added."""
    added = 0
    for entry in profile.default_sources:
        record: dict[str, Any] = dict(entry)
        record.setdefault("id", source_id(record["name"]))
        if store.get_record("sources", record["id"]) is None:
            record.setdefault("enabled", True)
            store.put_record("sources", record["id"], record)
            added += 1
    return added


def complete_source(record: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Check a source record and fill what may be left out; raises SourceError naming the problem."""
    out = dict(record)
    if not str(out.get("name") or "").strip():
        raise SourceError("nguồn thiếu tên (name)")
    out.setdefault("id", source_id(out["name"]))
    kind = out.setdefault("kind", "national_press")
    if kind not in SOURCE_KINDS:
        raise SourceError(f"loại nguồn không hợp lệ: {kind!r} (hợp lệ: {', '.join(SOURCE_KINDS)})")
    fetch = out.setdefault("fetch", "feed")
    if fetch not in FETCH_KINDS:
        raise SourceError(f"cách thu thập không hợp lệ: {fetch!r} (hợp lệ: {', '.join(FETCH_KINDS)})")
    reputation = out.setdefault("reputation", settings.get("sources.default_reputation").get(kind, "unverified"))
    if reputation not in REPUTATIONS:
        raise SourceError(f"mức tin cậy không hợp lệ: {reputation!r} (hợp lệ: {', '.join(REPUTATIONS)})")
    urls = out.get("urls") or []
    if isinstance(urls, str):
        urls = [u for u in re.split(r"[;\s]+", urls) if u]
    for url in urls:
        if not re.match(r"^https?://[^\s/]+", url):
            raise SourceError(f"địa chỉ không hợp lệ: {url!r} (cần http:// hoặc https://)")
    out["urls"] = list(urls)
    out.setdefault("language", "vi")
    out.setdefault("homepage", "")
    out["poll_minutes"] = int(out.get("poll_minutes") or settings.get("crawl.default_poll_minutes"))
    if out["poll_minutes"] < 1:
        raise SourceError("chu kỳ thu thập (poll_minutes) phải từ 1 phút trở lên")
    out.setdefault("enabled", True)
    out.setdefault("config", {})
    out.setdefault("health", {})
    out.setdefault("notes", "")
    return out


def add_source(store: Store, record: dict[str, Any], settings: Settings, *, replace: bool = False) -> dict[str, Any]:
    """Add a source; an existing id is an error unless ``replace`` (its health is kept then)."""
    full = complete_source(record, settings)
    existing = store.get_record("sources", full["id"])
    if existing is not None:
        if not replace:
            raise SourceError(f"nguồn {full['id']!r} đã có")
        full["health"] = existing.get("health", {})
    store.put_record("sources", full["id"], full)
    return full


def get_source(store: Store, sid: str) -> dict[str, Any]:
    record = store.get_record("sources", sid)
    if record is None:
        raise SourceError(f"không có nguồn {sid!r}")
    return record


def set_enabled(store: Store, sid: str, enabled: bool) -> dict[str, Any]:
    record = get_source(store, sid)
    record["enabled"] = enabled
    store.put_record("sources", sid, record)
    return record


def list_sources(store: Store, *, enabled: bool | None = None) -> list[dict[str, Any]]:
    where = None if enabled is None else {"enabled": enabled}
    return store.list_records("sources", where=where, order_by="id")


def source_from_registry_row(row: dict[str, str], settings: Settings) -> dict[str, Any]:
    """A source record from one row of the registry CSV (name, homepage, kind, language, rss_urls,
    sitemap_url, notes, evidence). Template URLs ({QUERY}, {CHANNEL_ID}) become search or channel sources;
    a row with nothing fetchable is kept disabled, to be configured by hand."""
    name = (row.get("name") or "").strip()
    notes = (row.get("notes") or "").strip()
    feeds = [u.strip() for u in (row.get("rss_urls") or "").split(";") if u.strip()]
    sitemap = (row.get("sitemap_url") or "").strip()
    homepage = (row.get("homepage") or "").strip()
    templates = [u for u in feeds if "{" in u]
    plain = [u for u in feeds if "{" not in u]
    config: dict[str, Any] = {}
    needs_config = False
    if any(_QUERY_PLACEHOLDER.search(u) for u in templates) and not plain:
        fetch, urls = "gnews", []
        config["search_url"] = _QUERY_PLACEHOLDER.sub("{query}", next(u for u in templates if _QUERY_PLACEHOLDER.search(u)))
    elif any(_CHANNEL_PLACEHOLDER.search(u) for u in templates) and not plain:
        fetch, urls, needs_config = "youtube", [], True
        config["channel_ids"] = []
    elif plain:
        fetch, urls = "feed", plain
        if sitemap:
            config["sitemap_url"] = sitemap
    elif sitemap:
        fetch, urls = "sitemap", [sitemap]
    elif _TELEGRAM_HINT.search(notes) or "telegram" in fold(name):
        fetch, urls, needs_config = "telegram", [], True
        config["channels"] = []
    else:
        fetch, urls, needs_config = "section", [homepage] if homepage.startswith("http") else [], True
    markers = settings.get("sources.unverified_markers")
    unverified = any(marker in notes for marker in markers)
    record = {
        "name": name, "homepage": homepage, "kind": (row.get("kind") or "").strip(),
        "language": (row.get("language") or "vi").strip() or "vi", "fetch": fetch, "urls": urls,
        "config": config, "enabled": not unverified and not needs_config,
        "notes": notes, "evidence": (row.get("evidence") or "").strip(),
    }
    return complete_source(record, settings)


# A registry field longer than this is a paste gone wrong (the longest note in the shipped registry is 390).
MAX_CSV_FIELD_CHARS = 20_000
# A registry line longer than this is not a row anyone wrote.
MAX_CSV_LINE_BYTES = 256 * 1024


def read_registry_csv(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[dict[str, Any]]]:
    """(header, [(line number, row)], errors) of a registry CSV, one row per line.

    A line is read on its own, so a line the exporter broke costs that line only: invalid UTF-8 (or legacy
    Vietnamese bytes it cannot tell apart), an unbalanced quote (which would otherwise swallow the following
    rows as one multi-line field), a field past MAX_CSV_FIELD_CHARS, or more fields than the header names are
    reported with the line number and skipped."""
    from pipeline.core.jsonl import decode_line

    errors: list[dict[str, Any]] = []
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if len(raw) > MAX_CSV_LINE_BYTES:
                errors.append({"line": number, "error": f"dòng quá dài (hơn {MAX_CSV_LINE_BYTES} byte)"})
                continue
            text, problem, _ = decode_line(raw.rstrip(b"\r\n"))
            if problem or text is None:
                errors.append({"line": number, "error": problem})
                continue
            if not text.strip():
                continue
            try:
                fields = next(csv.reader([text], strict=True))
            except csv.Error as exc:
                message = str(exc)
                if "field larger" in message:
                    message = f"trường quá dài (hơn {csv.field_size_limit()} ký tự)"
                elif "end of data" in message or "quote" in message:
                    message = "dấu ngoặc kép chưa đóng (hoặc thừa) trên dòng này"
                errors.append({"line": number, "error": message})
                continue
            if not header:
                header = [name.strip() for name in fields]
                if "name" not in header:
                    raise SourceError(f"{path}: không phải tệp danh mục nguồn (thiếu cột name)")
                continue
            if len(fields) > len(header):
                errors.append({"line": number, "error": f"thừa cột: {len(fields)} trường, tiêu đề có {len(header)}"})
                continue
            long_field = next((f for f in fields if len(f) > MAX_CSV_FIELD_CHARS), None)
            if long_field is not None:
                errors.append({"line": number, "error": f"trường quá dài ({len(long_field)} ký tự, tối đa "
                                                        f"{MAX_CSV_FIELD_CHARS})"})
                continue
            rows.append((number, dict(zip(header, fields, strict=False))))
    if not header:
        raise SourceError(f"{path}: không phải tệp danh mục nguồn (thiếu dòng tiêu đề có cột name)")
    return header, rows, errors


def import_csv(store: Store, path: str | Path, settings: Settings) -> dict[str, Any]:
    """Import the source registry; rows already held (same id) are left as the operator edited them.
    Returns counts, the ids added, and the rows that could not be used, with why."""
    added, kept, disabled = 0, 0, 0
    added_ids: list[str] = []
    _, rows, errors = read_registry_csv(path)
    for line, row in rows:
        try:
            record = source_from_registry_row(row, settings)
        except SourceError as exc:
            errors.append({"line": line, "name": row.get("name"), "error": str(exc)})
            continue
        if store.get_record("sources", record["id"]) is not None:
            kept += 1
            continue
        store.put_record("sources", record["id"], record)
        added += 1
        added_ids.append(record["id"])
        disabled += not record["enabled"]
    errors.sort(key=lambda e: e["line"])
    return {"added": added, "kept": kept, "disabled": disabled, "errors": errors, "added_ids": added_ids}


# ----------------------------------------------------------------------------------------------- health
def is_due(record: dict[str, Any], now: datetime) -> bool:
    """Enabled, not backing off, and its poll interval has passed since the last run began."""
    if not record.get("enabled"):
        return False
    health = record.get("health") or {}
    backoff = parse_iso(health.get("backoff_until"))
    if backoff and backoff > now:
        return False
    last = parse_iso(health.get("last_attempt"))
    return last is None or now - last >= timedelta(minutes=int(record.get("poll_minutes") or 1))


def record_run(
    store: Store, sid: str, *, started_at: datetime, items: int, lags_minutes: Iterable[float] = (),
    errors: list[dict[str, Any]] | None = None, failed: bool = False, blocked: bool = False,
    backoff_until: datetime | None = None, pages: int = 0, settings: Settings | None = None,
) -> dict[str, Any]:
    """Fold one crawl run into the source's health: last success or last error, consecutive failures,
    items per day and median lag from publication to fetch over the recent runs kept."""
    record = get_source(store, sid)
    health = dict(record.get("health") or {})
    finished = now_utc()
    errors = errors or []
    health["last_attempt"] = iso(started_at)
    if failed:
        health["consecutive_failures"] = int(health.get("consecutive_failures") or 0) + 1
    else:
        health["last_success"] = iso(finished)
        health["consecutive_failures"] = 0
    if errors:
        health["last_error"] = errors[-1].get("message", "")
        health["last_error_at"] = iso(finished)
        health["last_error_code"] = errors[-1].get("code", "")
    health["blocked"] = blocked
    health["backoff_until"] = iso(backoff_until)
    health["last_run"] = {
        "at": iso(started_at), "items": items, "pages": pages, "errors": errors[-20:], "failed": failed,
        "seconds": round((finished - started_at).total_seconds(), 1),
    }
    kept = int(settings.get("crawl.health_runs_kept") if settings else 50)
    runs = [*health.get("runs", []), {"at": iso(started_at), "items": items}][-kept:]
    health["runs"] = runs
    lags = [*health.get("lags_minutes", []), *(round(lag, 1) for lag in lags_minutes if lag >= 0)][-500:]
    health["lags_minutes"] = lags
    health["median_lag_minutes"] = round(statistics.median(lags), 1) if lags else None
    health["items_per_day"] = _items_per_day(runs, finished)
    record["health"] = health
    store.put_record("sources", sid, record)
    return health


def _items_per_day(runs: list[dict[str, Any]], now: datetime) -> float:
    """Items over the span of the runs kept (at least one day, at most the last seven)."""
    since = now - timedelta(days=7)
    recent = [(parse_iso(run["at"]), run["items"]) for run in runs]
    recent = [(at, n) for at, n in recent if at and at >= since]
    if not recent:
        return 0.0
    days = max((now - min(at for at, _ in recent)).total_seconds() / 86400, 1.0)
    return round(sum(n for _, n in recent) / days, 1)
