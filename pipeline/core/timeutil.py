"""Times are stored as ISO 8601 in UTC and shown in Asia/Ho_Chi_Minh: one place for both rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a Z, the one form both backends store (Elasticsearch-compatible servers need it)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str | datetime | None) -> datetime | None:
    """Parse ISO 8601 (a date alone means local midnight); naive times are taken as local time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 date: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 with an offset: not a date anyone meant
        raise ValueError(f"not an ISO 8601 date: {value!r}") from exc


def local_day(value: str | datetime) -> str:
    """The calendar day in Vietnam (YYYY-MM-DD) of a stored time."""
    moment = parse_iso(value)
    assert moment is not None
    return moment.astimezone(LOCAL_TZ).date().isoformat()


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Vietnamese calendar day, in UTC."""
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def format_vn(value: str | datetime | None, with_time: bool = True) -> str:
    """dd/mm/yyyy [HH:MM] in Vietnam time, as the interface and the documents show dates ("" for a value that
    is not a date: a document must not fail on one bad field)."""
    try:
        moment = parse_iso(value) if value else None
    except (ValueError, TypeError):
        return ""
    if moment is None:
        return ""
    local = moment.astimezone(LOCAL_TZ)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def format_partial_date(value: str | None) -> str:
    """A date that may give only a year or a month ("2025", "2025-09", "2025-09-05"), as Vietnamese readers
    write it ("2025", "09/2025", "05/09/2025"); anything else is shown as written."""
    text = (value or "").strip()
    parts = text.split("-")
    if len(parts) in (1, 2, 3) and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return "/".join(reversed(parts))
    return text
