"""The calendar periods digests and reports cover, in Vietnam's calendar.

Plans ask for daily, weekly and monthly digests and for quarterly, six-monthly and annual reports; all of
them are "the local calendar days from ``start`` to ``end``", so one type serves all six.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipeline.core.timeutil import LOCAL_TZ, local_day_bounds

DIGEST_PERIODS = ("day", "week", "month")
REPORT_PERIODS = ("quarter", "half", "year")
PERIODS = DIGEST_PERIODS + REPORT_PERIODS

# Vietnamese name of each kind, used in titles and e-mail subjects.
PERIOD_NAMES = {
    "day": "ngày", "week": "tuần", "month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm",
}
_ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first local day
    end: date  # last local day, inclusive

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind == "day":
            return cls(kind, day, day)
        if kind == "week":
            monday = day - timedelta(days=day.weekday())
            return cls(kind, monday, monday + timedelta(days=6))
        if kind == "year":
            return cls(kind, date(day.year, 1, 1), date(day.year, 12, 31))
        months = {"month": 1, "quarter": 3, "half": 6}.get(kind)
        if months is None:
            raise ValueError(f"unknown period kind {kind!r}; expected one of {', '.join(PERIODS)}")
        first_month = (day.month - 1) // months * months + 1
        start = date(day.year, first_month, 1)
        return cls(kind, start, _add_months(start, months) - timedelta(days=1))

    @classmethod
    def latest_complete(cls, kind: str, today: date) -> Period:
        """The last period that ended before ``today``: what a scheduled run issues."""
        return cls.containing(kind, cls.containing(kind, today).start - timedelta(days=1))

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    @property
    def key(self) -> str:
        """Stable, readable id of the period ("day-2026-11-24", "quarter-2026-Q4")."""
        if self.kind == "quarter":
            return f"quarter-{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"half-{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.kind == "year":
            return f"year-{self.start.year}"
        if self.kind == "month":
            return f"month-{self.start:%Y-%m}"
        return f"{self.kind}-{self.start.isoformat()}"

    @property
    def label(self) -> str:
        """How a document names the period, in Vietnamese."""
        if self.kind == "day":
            return f"ngày {self.start:%d/%m/%Y}"
        if self.kind == "week":
            return f"tuần từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"
        if self.kind == "month":
            return f"tháng {self.start:%m/%Y}"
        if self.kind == "quarter":
            return f"quý {_ROMAN[(self.start.month - 1) // 3]} năm {self.start.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {self.start.year}"
        return f"năm {self.start.year}"

    def bounds(self) -> tuple[datetime, datetime]:
        """[from, to) in UTC."""
        return local_day_bounds(self.start)[0], local_day_bounds(self.end)[1]

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()
