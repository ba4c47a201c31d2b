"""The calendar that tells spike baselines what rise to expect: national holidays and anniversaries
(``calendar.yaml``) and each province's own festivals, anniversaries and planned announcements (``events:`` of its
profile).

Every holiday looks like a spike to a baseline that does not know it is a holiday. An event says which days its
coverage runs (the day itself, and some days before and after), what that coverage says (a query in the product's
search language) and which topics it carries; items of those days that match are the event's ordinary coverage
and are set aside when a spike is judged (pipeline/alerts/spikes.py). Content, never stance: the calendar only
changes how much coverage is expected, never what counts as false or harmful, so flagged items are never set
aside.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import vocabulary
from pipeline.core.lunar import LunarDateError, to_solar
from pipeline.core.profiles import Profile
from pipeline.core.store.query import QueryError, parse_query
from pipeline.core.timeutil import LOCAL_TZ

log = logging.getLogger(__name__)

CALENDAR_FILE = Path(__file__).with_name("calendar.yaml")
# An event's coverage may not run longer than this: a typo of "before: 300" would silence a season.
MAX_SPAN_DAYS = 60


class CalendarError(ValueError):
    """An event that cannot be used; the message names the file and the event, in Vietnamese."""


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    kind: str
    query: str
    topics: tuple[str, ...] = ()
    solar: tuple[int, int] | None = None  # (day, month), every year
    lunar: tuple[int, int] | None = None  # (day, month) of the lunar calendar, every year
    on: dt.date | None = None  # one day
    days: int = 1
    before: int = 0
    after: int = 0
    source: str = ""
    origin: str = "national"

    def first_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The first day of the event itself in every year whose coverage could touch [start, end]."""
        if self.on is not None:
            return [self.on]
        found = []
        for year in range(start.year - 1, end.year + 2):
            if self.solar is not None:
                day, month = self.solar
                try:
                    found.append(dt.date(year, month, day))
                except ValueError:  # 29/02 in a common year
                    continue
            elif self.lunar is not None:
                found.append(to_solar(self.lunar[0], self.lunar[1], year))
        return found


@dataclass(frozen=True)
class Occurrence:
    """One year's occurrence of an event: its own days and the days its coverage runs (local dates)."""

    event: Event
    first: dt.date
    last: dt.date
    coverage_start: dt.date
    coverage_end: dt.date  # inclusive

    @property
    def start(self) -> dt.datetime:
        """Start of the coverage, UTC."""
        return _local_midnight(self.coverage_start)

    @property
    def end(self) -> dt.datetime:
        """End of the coverage (exclusive), UTC."""
        return _local_midnight(self.coverage_end + dt.timedelta(days=1))

    def covers(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.event.name} ({self.first:%d/%m/%Y})"
        return f"{self.event.name} ({self.first:%d/%m}–{self.last:%d/%m/%Y})"


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def _pair(raw: Any, what: str, where: str) -> tuple[int, int]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("day"), int) or not isinstance(raw.get("month"), int):
        raise CalendarError(f"{where}: '{what}' phải có dạng {{day: NGÀY, month: THÁNG}}")
    day, month = int(raw["day"]), int(raw["month"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise CalendarError(f"{where}: ngày {day}/{month} không hợp lệ")
    return day, month


def _days(raw: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > MAX_SPAN_DAYS:
        raise CalendarError(f"{where}: '{key}' phải là số ngày từ 0 đến {MAX_SPAN_DAYS}")
    return value


def parse_event(raw: Any, origin: str, known_topics: Iterable[str] | None = None) -> Event:
    """One event of the calendar file or of a profile, checked: a bad entry is refused with its place named."""
    where = f"Lịch sự kiện ({origin})"
    if not isinstance(raw, Mapping):
        raise CalendarError(f"{where}: mỗi sự kiện là một bảng YAML")
    where = f"{where}, sự kiện '{raw.get('id') or raw.get('name') or '?'}'"
    for key in ("id", "name", "query"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CalendarError(f"{where}: thiếu '{key}'")
    kind = raw.get("kind") or "announcement"
    if kind not in vocabulary.codes("calendar_kinds"):
        raise CalendarError(f"{where}: loại '{kind}' không hợp lệ; chọn: {', '.join(vocabulary.codes('calendar_kinds'))}")
    given = [key for key in ("date", "lunar", "on") if raw.get(key) is not None]
    if len(given) != 1:
        raise CalendarError(f"{where}: cần đúng một trong 'date' (dương lịch), 'lunar' (âm lịch) hoặc 'on' (một ngày)")
    solar = _pair(raw["date"], "date", where) if "date" in given else None
    lunar = _pair(raw["lunar"], "lunar", where) if "lunar" in given else None
    on = None
    if "on" in given:
        try:
            on = raw["on"] if isinstance(raw["on"], dt.date) else dt.date.fromisoformat(str(raw["on"]))
        except ValueError as exc:
            raise CalendarError(f"{where}: 'on' phải là ngày YYYY-MM-DD") from exc
    if lunar is not None and lunar[0] > 30:
        raise CalendarError(f"{where}: tháng âm lịch có nhiều nhất 30 ngày")
    try:
        parse_query(raw["query"])
    except QueryError as exc:
        raise CalendarError(f"{where}: truy vấn không hợp lệ: {exc}") from exc
    topics = raw.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise CalendarError(f"{where}: 'topics' là danh sách mã chủ đề")
    if known_topics is not None:
        unknown = sorted(set(topics) - set(known_topics))
        if unknown:
            raise CalendarError(f"{where}: không có chủ đề {', '.join(unknown)} trong bảng chủ đề")
    return Event(
        id=raw["id"].strip(), name=raw["name"].strip(), kind=kind, query=" ".join(raw["query"].split()),
        topics=tuple(topics), solar=solar, lunar=lunar, on=on, days=max(1, _days(raw, "days", 1, where)),
        before=_days(raw, "before", 0, where), after=_days(raw, "after", 0, where),
        source=str(raw.get("source") or ""), origin=origin,
    )


@cache
def national_events() -> tuple[Event, ...]:
    data = yaml.safe_load(CALENDAR_FILE.read_text(encoding="utf-8")) or {}
    return tuple(parse_event(raw, "calendar.yaml") for raw in data.get("events") or [])


class Calendar:
    """National events plus a province's own; asks which are under way at a moment or over a span."""

    def __init__(self, events: Iterable[Event]):
        self.events = tuple(events)
        ids = [event.id for event in self.events]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise CalendarError(f"Lịch sự kiện có mã trùng nhau: {', '.join(duplicated)}")

    def occurrences(self, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
        """Occurrences whose coverage overlaps [start, end), earliest first."""
        local_start, local_end = start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date()
        return [o for o in self._around(local_start, local_end) if o.start < end and o.end > start]

    @lru_cache(maxsize=256)  # noqa: B019 - a calendar lives as long as its office's settings; few distinct days
    def _around(self, local_start: dt.date, local_end: dt.date) -> tuple[Occurrence, ...]:
        """Occurrences whose coverage touches the local days [local_start, local_end] (what ticks of one day
        share: computed once per day, not on every tick)."""
        found = []
        for event in self.events:
            for first in event.first_days(local_start, local_end):
                occurrence = Occurrence(
                    event, first, first + dt.timedelta(days=event.days - 1),
                    first - dt.timedelta(days=event.before),
                    first + dt.timedelta(days=event.days - 1 + event.after),
                )
                if occurrence.coverage_start <= local_end and occurrence.coverage_end >= local_start:
                    found.append(occurrence)
        return tuple(sorted(found, key=lambda o: (o.first, o.event.id)))

    def active(self, moment: dt.datetime) -> list[Occurrence]:
        """Occurrences whose coverage runs at ``moment``."""
        return [o for o in self.occurrences(moment, moment + dt.timedelta(seconds=1)) if o.covers(moment)]

    def year(self, year: int) -> list[Occurrence]:
        """The occurrences whose own first day falls in ``year`` (what `diemtin alerts calendar` prints)."""
        start, end = _local_midnight(dt.date(year, 1, 1)), _local_midnight(dt.date(year + 1, 1, 1))
        return [o for o in self.occurrences(start, end) if o.first.year == year]


def province_events(profile: Profile | None, known_topics: Iterable[str] | None = None) -> list[Event]:
    if profile is None:
        return []
    return [parse_event(raw, f"hồ sơ tỉnh {profile.id}", known_topics) for raw in profile.events]


def load_calendar(profile: Profile | None = None) -> Calendar:
    """The calendar of an office: the national events and its profile's (CalendarError if one is malformed)."""
    return Calendar([*national_events(), *province_events(profile)])


def office_calendar(profile: Profile | None) -> Calendar:
    """The calendar for work that must go on: an event of the profile the office got wrong is logged and left
    out (``diemtin alerts calendar`` says which), never a reason to stop evaluating alerts or drawing charts."""
    try:
        return load_calendar(profile)
    except CalendarError as exc:
        log.warning("province events left out of the calendar %s", {"error": str(exc)})
        return Calendar(national_events())


__all__ = ["Calendar", "CalendarError", "Event", "LunarDateError", "Occurrence", "load_calendar", "office_calendar",
           "parse_event"]
