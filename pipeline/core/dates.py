"""Dates as Vietnamese pages and people write them, read into exact moments.

Vietnamese sites show a publication time as text more often than as metadata, and in many shapes:
"07/03/2026 08:47", "Thứ bảy, 7/3/2026, 08:47 (GMT+7)", "08:47, 07/03/2026", "07-03-2026 - 08:47 AM",
"Thứ Bảy, ngày 07/03/2026 08:47 SA", "8 giờ 47 phút ngày 7 tháng 3 năm 2026", "Cập nhật 2 giờ trước".
Days always come before months. A time with no zone is Vietnam's time (``pipeline.timeutil.LOCAL_TZ``);
a zone the text states ("GMT+7", "UTC", "(GMT+07:00)") is honoured. Relative times ("2 giờ trước",
"hôm qua 08:47") need the moment the text was read, and are marked relative: they are an estimate.

Pure functions, no I/O; crawlers (page text) and ingest (a ``date`` field) share them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from pipeline.core.timeutil import LOCAL_TZ

# Years outside this range are typos, ids or prices, not publication dates.
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass(frozen=True)
class FoundDate:
    """A date read from text: the moment (aware, UTC), what the text said and where."""

    moment: datetime
    has_time: bool  # the text gave a time of day (else local midnight)
    zone_stated: bool  # the text named its zone (GMT+7, UTC...)
    relative: bool  # "2 giờ trước", "hôm qua": counted back from the reading time
    start: int
    end: int
    text: str

    @property
    def local_day(self) -> date:
        return self.moment.astimezone(LOCAL_TZ).date()


_SEP = r"\s*[/.\-]\s*"
_DMY = re.compile(rf"(?<![\d/.\-])(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}((?:19|20|21)\d{{2}})(?![\d/])")
_YMD = re.compile(r"(?<![\d/.\-])((?:19|20|21)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d/.])")
_WORDS = re.compile(r"(?:ngày\s*)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,\s*|\s+)năm\s+((?:19|20|21)\d{2})")
_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})\s*(?::|h|giờ|g(?=\d))\s*(\d{2})(?:\s*:\s*(\d{2}))?(?:\s*(?:phút|p)\b)?"
    r"(?:\s*(am|pm|sa|ch|sáng|chiều|tối)\b)?(?![\d:])"
)
_ZONE = re.compile(r"[(\[]?\s*(?:gmt|utc)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?\s*[)\]]?|(?<=\d)z\b")
# What may stand between a date and its time: "07/03/2026 08:47", "Thứ bảy, 7/3/2026, 08:47",
# "07-03-2026 - 08:47", "07/03/2026 | 08:47", "ngày 7/3/2026 lúc 08:47", "08:47 ngày 07/03/2026".
_GAP_AFTER_DATE = re.compile(r"[\s,|\-–—·•]*(?:t\s*)?(?:lúc|vào lúc|-)?[\s,|\-–—·•]*")
_GAP_BEFORE_DATE = re.compile(r"[\s,|\-–—·•]*(?:ngày|hôm)?[\s,|\-–—·•]*(?:thứ\s+\S+|chủ\s+nhật)?[\s,|\-–—·•]*(?:ngày)?[\s,|\-–—·•]*$")
_RELATIVE = re.compile(r"(\d+)\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm)\s*(?:trước|qua)\b")
_JUST_NOW = re.compile(r"\b(?:vừa xong|vừa đăng|mới đây|vài giây trước)\b")
_DAY_WORD = re.compile(r"\b(hôm nay|hôm qua|hôm kia)\b")
_UNITS = {"giây": 1, "phút": 60, "giờ": 3600, "tiếng": 3600, "ngày": 86400, "tuần": 7 * 86400,
          "tháng": 30 * 86400, "năm": 365 * 86400}
_DAY_OFFSETS = {"hôm nay": 0, "hôm qua": 1, "hôm kia": 2}


def _fold(text: str) -> str:
    """Lower-case NFC with every kind of space made a plain space (offsets are kept one for one)."""
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(" " if ch.isspace() or ch in "\u200b\ufeff" else ch for ch in text)


def _valid_day(year: int, month: int, day: int) -> bool:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _time_at(text: str, pos: int, *, anchored_end: bool = False) -> re.Match[str] | None:
    """A time of day starting at ``pos`` (or, with anchored_end, ending at ``pos``)."""
    if anchored_end:
        window_start = max(0, pos - 40)
        last = None
        for found in _TIME.finditer(text, window_start, pos):
            if found.end() == pos:
                last = found
        return last
    return _TIME.match(text, pos)


def _hour_minute(found: re.Match[str]) -> tuple[int, int, int] | None:
    hour, minute = int(found.group(1)), int(found.group(2))
    second = int(found.group(3) or 0)
    marker = found.group(4)
    if marker in ("pm", "ch", "chiều", "tối") and hour < 12:
        hour += 12
    elif marker in ("am", "sa", "sáng") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _zone_at(text: str, pos: int) -> tuple[tzinfo | None, int]:
    """A stated zone right after ``pos`` ("(GMT+7)", "GMT+07:00", "UTC"): the zone and where it ends."""
    gap = re.match(r"[\s,]*", text[pos:])
    start = pos + (gap.end() if gap else 0)
    found = _ZONE.match(text, start)
    if not found or found.end() == start:
        return None, pos
    if found.group(0).strip() == "z":
        return UTC, found.end()
    sign, hours, minutes = found.group(1), found.group(2), found.group(3)
    if not hours:
        return UTC, found.end()
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset > timedelta(hours=14):
        return None, pos
    return timezone(-offset if sign == "-" else offset), found.end()


def _build(year: int, month: int, day: int, clock: tuple[int, int, int] | None, zone: tzinfo | None) -> datetime:
    hour, minute, second = clock or (0, 0, 0)
    return datetime(year, month, day, hour, minute, second, tzinfo=zone or LOCAL_TZ).astimezone(UTC)


def find_vn_dates(text: str, *, now: datetime | None = None) -> list[FoundDate]:
    """Every date the text states, in order: absolute dates (with the time and zone written next to them)
    and, when ``now`` is given, relative ones ("2 giờ trước", "hôm qua lúc 08:47")."""
    if not text:
        return []
    folded = _fold(text)
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for pattern, order in ((_WORDS, "dmy"), (_DMY, "dmy"), (_YMD, "ymd")):
        for match in pattern.finditer(folded):
            if not free(match.start(), match.end()):
                continue
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (c, b, a) if order == "dmy" else (a, b, c)
            if not _valid_day(year, month, day):
                continue
            start, end = match.start(), match.end()
            clock = None
            after = _GAP_AFTER_DATE.match(folded, end)
            time_after = _time_at(folded, after.end() if after else end)
            if order == "ymd" and time_after is None and folded[end:end + 1] == "t":
                time_after = _time_at(folded, end + 1)
            if time_after and (clock := _hour_minute(time_after)):
                end = time_after.end()
            else:
                before = _GAP_BEFORE_DATE.search(folded, max(0, start - 30), start)
                time_before = _time_at(folded, before.start() if before else start, anchored_end=True)
                if time_before and (clock := _hour_minute(time_before)):
                    start = time_before.start()
                    zone, zone_end = _zone_at(folded, time_before.end())
                    if zone is not None and zone_end <= match.start():
                        moment = _build(year, month, day, clock, zone)
                        taken.append((start, max(end, zone_end)))
                        found.append(FoundDate(moment, True, True, False, start, end, text[start:end]))
                        continue
            zone, zone_end = _zone_at(folded, end)
            if zone is not None:
                end = zone_end
            try:
                moment = _build(year, month, day, clock, zone)
            except ValueError:
                continue
            taken.append((start, end))
            found.append(FoundDate(moment, clock is not None, zone is not None, False, start, end, text[start:end]))
    if now is not None:
        found.extend(_relative_dates(folded, text, now, free, taken))
    return sorted(found, key=lambda f: f.start)


def _relative_dates(folded: str, text: str, now: datetime, free, taken) -> list[FoundDate]:  # noqa: ANN001
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    out = []
    for match in _RELATIVE.finditer(folded):
        if not free(match.start(), match.end()):
            continue
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
        if seconds > 400 * 86400:
            continue
        moment = (now - timedelta(seconds=seconds)).astimezone(UTC)
        taken.append((match.start(), match.end()))
        out.append(FoundDate(moment, match.group(2) in ("giây", "phút", "giờ", "tiếng"), False, True,
                             match.start(), match.end(), text[match.start():match.end()]))
    for match in _JUST_NOW.finditer(folded):
        if free(match.start(), match.end()):
            taken.append((match.start(), match.end()))
            out.append(FoundDate(now.astimezone(UTC), True, False, True, match.start(), match.end(),
                                 text[match.start():match.end()]))
    for match in _DAY_WORD.finditer(folded):
        if not free(match.start(), match.end()):
            continue
        day = now.astimezone(LOCAL_TZ).date() - timedelta(days=_DAY_OFFSETS[match.group(1)])
        end = match.end()
        after = _GAP_AFTER_DATE.match(folded, end)
        clock_match = _time_at(folded, after.end() if after else end)
        clock = _hour_minute(clock_match) if clock_match else None
        if clock_match and clock:
            end = clock_match.end()
        moment = _build(day.year, day.month, day.day, clock, None)
        taken.append((match.start(), end))
        out.append(FoundDate(moment, clock is not None, False, True, match.start(), end, text[match.start():end]))
    return out


def parse_vn_date(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """The first date the text states (see :func:`find_vn_dates`), in UTC; None when there is none."""
    found = find_vn_dates(text or "", now=now)
    return found[0].moment if found else None


def parse_vn_date_detail(text: str | None, *, now: datetime | None = None) -> FoundDate | None:
    """Like :func:`parse_vn_date`, with what was read (time of day given, zone stated, relative)."""
    found = find_vn_dates(text or "", now=now)
    return found[0] if found else None


def date_in_url(url: str) -> datetime | None:
    """The day (or moment) a URL spells out: "/2026/03/07/", "/2026-03-07/", or the timestamp Vietnamese
    CMSs end article URLs with ("-20260307084712345.htm", "-185260307084712345.htm", "-20260307.html")."""
    for pattern in _URL_DATES:
        found = pattern.search(url)
        if not found:
            continue
        parts = [int(p) if p else 0 for p in found.groups()]
        year, month, day = parts[:3]
        if year < 100:
            year += 2000
        hour, minute = (parts[3], parts[4]) if len(parts) >= 5 else (0, 0)
        if not _valid_day(year, month, day) or hour > 23 or minute > 59:
            continue
        return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)
    return None


_URL_DATES = (
    re.compile(r"(?<!\d)(20\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?!\d)"),
    # Article URLs that end with a timestamp: "-20251124153000123.htm" (Tuổi Trẻ), "-20260307.html".
    re.compile(r"-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(\d{2})?(\d{2})?\d*\.(?:html?|chn|ldo|vnp)(?:$|[?#])"),
    # VCCorp-built sites (Thanh Niên, Người Lao Động, Báo Chính phủ, CafeF, Soha, Kenh14) put a three-digit
    # site id before a two-digit-year timestamp: "-185260307084712345.htm" is 2026-03-07 08:47.
    re.compile(r"-\d{3}(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])([01]\d|2[0-3])([0-5]\d)[0-5]\d\d{3}\.(?:html?|chn)(?:$|[?#])"),
)


def item_date(value: object, *, now: datetime | None = None) -> datetime | None:
    """A raw record's publication date, in UTC: an ISO 8601 string (a zone-less one is Vietnam time), a
    datetime, or a date as Vietnamese pages and people write it ("07/03/2026 08:47", "Thứ bảy, 7/3/2026",
    "2 giờ trước"). None when empty; ValueError when given but unreadable, so a bad date is reported, never
    silently replaced by the fetch time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)).astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None:
        return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).astimezone(UTC)
    found = parse_vn_date(text, now=now)
    if found is None:
        raise ValueError(f"not a date: {value!r}")
    return found
