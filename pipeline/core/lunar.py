"""The Vietnamese lunar calendar (âm lịch): lunar dates to solar dates and back, for any year the product sees.

Tết, Giỗ Tổ Hùng Vương, Trung thu and most festivals are lunar dates; the alert calendar needs them in solar
dates. The Vietnamese calendar is the Chinese one computed for the meridian of Vietnam (UTC+7), not Beijing
(UTC+8), so the two differ in some years (Tết 1985 was 21/01 in Vietnam and 20/02 in China; Tết 2007 17/02 and
18/02): a Chinese-calendar library would be wrong here. The rules, as the Vietnamese calendar applies them:

- a month starts on the day (UTC+7) of a new moon;
- the 11th month is the one that contains the winter solstice;
- a year with 13 months between two 11th months has a leap month: the first month without a major solar term
  (the sun's longitude does not cross a multiple of 30° in it).

New moons and the sun's longitude come from the low-precision series of Jean Meeus, *Astronomical
Algorithms* (2nd ed., ch. 25 and 49), which are good to minutes for 1900-2100; the arrangement follows Hồ Ngọc
Đức's well-known description of the Vietnamese calendar. ``tests/core/test_lunar.py`` checks the result
against the published dates of Tết, Giỗ Tổ, Phật đản, Vu Lan and Trung thu for 2023-2030 and the years the two
calendars differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

VN_TIMEZONE = 7.0
_SYNODIC_MONTH = 29.530588853
_EPOCH_NEW_MOON = 2415021.076998695  # the new moon of 1900-01-01 (Julian day)


@dataclass(frozen=True)
class LunarDate:
    day: int
    month: int
    year: int
    leap: bool = False

    def __str__(self) -> str:
        return f"{self.day:02d}/{self.month:02d}{' nhuận' if self.leap else ''}/{self.year} âm lịch"


class LunarDateError(ValueError):
    """A lunar date that does not exist (a leap month the year does not have)."""


def _jd_from_date(day: int, month: int, year: int) -> int:
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045


def _date_from_jd(jd: int) -> date:
    a = jd + 32044
    b = (4 * a + 3) // 146097
    c = a - (b * 146097) // 4
    d = (4 * c + 3) // 1461
    e = c - (1461 * d) // 4
    m = (5 * e + 2) // 153
    return date(b * 100 + d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1)


def _new_moon(k: int) -> float:
    """Julian day (TT, fractional) of the k-th new moon after that of 1900-01-01 (Meeus ch. 49, short series)."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3  # sun's mean anomaly
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3  # moon's mean anomaly
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3  # moon's argument of latitude
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 += -0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr) - 0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 += -0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 += -0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd + c1 - delta_t


def _sun_longitude(jd: float) -> float:
    """The sun's apparent longitude in radians, 0..2π (Meeus ch. 25, low precision)."""
    t = (jd - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    longitude = (l0 + dl) * dr
    return longitude - 2 * math.pi * math.floor(longitude / (2 * math.pi))


def _new_moon_day(k: int, tz: float) -> int:
    """The local day number on which the k-th new moon falls."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_sector(day_number: int, tz: float) -> int:
    """Which 30° sector (0..11) the sun is in at the start of a local day: a change is a major solar term."""
    return math.floor(_sun_longitude(day_number - 0.5 - tz / 24) / math.pi * 6)


@lru_cache(maxsize=512)
def _month11(year: int, tz: float) -> int:
    """Day number of the first day of the 11th lunar month that starts in the solar year ``year`` (the month
    of the winter solstice)."""
    off = _jd_from_date(31, 12, year) - 2415021
    k = math.floor(off / _SYNODIC_MONTH)
    new_moon = _new_moon_day(k, tz)
    if _sun_sector(new_moon, tz) >= 9:  # the sun is already past 270°: the solstice month began earlier
        new_moon = _new_moon_day(k - 1, tz)
    return new_moon


def _leap_month_offset(a11: int, tz: float) -> int:
    """Months after the 11th month until the first month without a major solar term (the leap month)."""
    k = math.floor((a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            return i - 1


@lru_cache(maxsize=4096)
def to_solar(day: int, month: int, year: int, leap: bool = False, tz: float = VN_TIMEZONE) -> date:
    """The solar date of a lunar date (``year`` is the lunar year that starts at Tết of that solar year)."""
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise LunarDateError(f"ngày âm lịch không hợp lệ: {day}/{month}/{year}")
    if month < 11:
        a11, b11 = _month11(year - 1, tz), _month11(year, tz)
    else:
        a11, b11 = _month11(year, tz), _month11(year + 1, tz)
    k = math.floor(0.5 + (a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    off = (month - 11) % 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11, tz)
        leap_month = (leap_off - 2) % 12
        if leap and month != leap_month:
            raise LunarDateError(f"năm âm lịch {year} không có tháng {month} nhuận")
        if leap or off >= leap_off:
            off += 1
    elif leap:
        raise LunarDateError(f"năm âm lịch {year} không có tháng nhuận")
    start = _new_moon_day(k + off, tz)
    if day == 30 and _new_moon_day(k + off + 1, tz) - start < 30:
        day = 29  # a short month: "the 30th" is its last day, as almanacs print it
    return _date_from_jd(start + day - 1)


def to_lunar(moment: date, tz: float = VN_TIMEZONE) -> LunarDate:
    """The lunar date of a solar date."""
    day_number = _jd_from_date(moment.day, moment.month, moment.year)
    k = math.floor((day_number - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1, tz)
    if month_start > day_number:
        month_start = _new_moon_day(k, tz)
    a11 = _month11(moment.year, tz)
    b11 = a11
    if a11 >= month_start:
        lunar_year = moment.year
        a11 = _month11(moment.year - 1, tz)
    else:
        lunar_year = moment.year + 1
        b11 = _month11(moment.year + 1, tz)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, tz)
        if diff >= leap_diff:
            lunar_month = diff + 10
            leap = diff == leap_diff
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return LunarDate(lunar_day, lunar_month, lunar_year, leap)


def leap_month(year: int, tz: float = VN_TIMEZONE) -> int | None:
    """The month of ``year`` (lunar) that is doubled, or None."""
    for month in range(1, 13):
        try:
            to_solar(1, month, year, leap=True, tz=tz)
        except LunarDateError:
            continue
        return month
    return None
