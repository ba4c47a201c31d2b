"""The Vietnamese lunar calendar against published dates (pipeline/core/lunar.py).

The expected dates are those of the almanacs and of the official holiday announcements (Tết Nguyên đán and Giỗ
Tổ Hùng Vương are public holidays: the government's yearly holiday notices give their solar dates).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipeline.core.lunar import LunarDate, LunarDateError, leap_month, to_lunar, to_solar

# Mùng 1 Tết (1/1 âm lịch) in Vietnam.
TET = {
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 2),
}
# Other lunar days of 2023-2025 whose solar dates were announced and celebrated.
KNOWN = [
    ((10, 3, 2023), date(2023, 4, 29)),  # Giỗ Tổ Hùng Vương 2023 (a leap 2nd month that year)
    ((10, 3, 2024), date(2024, 4, 18)),
    ((10, 3, 2025), date(2025, 4, 7)),
    ((10, 3, 2026), date(2026, 4, 26)),
    ((15, 4, 2025), date(2025, 5, 12)),  # Phật đản 2025 (Vesak celebrated in Hồ Chí Minh City)
    ((15, 7, 2024), date(2024, 8, 18)),  # Vu Lan 2024
    ((15, 8, 2023), date(2023, 9, 29)),  # Trung thu 2023
    ((15, 8, 2024), date(2024, 9, 17)),  # Trung thu 2024
    ((15, 8, 2025), date(2025, 10, 6)),  # Trung thu 2025: late, after the leap 6th month
]


@pytest.mark.parametrize("year", sorted(TET))
def test_tet_falls_on_the_published_day(year):
    assert to_solar(1, 1, year) == TET[year]
    assert to_lunar(TET[year]) == LunarDate(1, 1, year)
    assert to_lunar(TET[year] - timedelta(days=1)).month == 12  # giao thừa is in the 12th month of the year before


@pytest.mark.parametrize(("lunar", "solar"), KNOWN)
def test_festivals_fall_on_their_published_days(lunar, solar):
    day, month, year = lunar
    assert to_solar(day, month, year) == solar
    assert to_lunar(solar) == LunarDate(day, month, year)


def test_vietnam_keeps_its_own_meridian_where_china_differs():
    """UTC+7, not Beijing's UTC+8: Tết 1985 and 2007 were a day or a month apart, and in 2030 the new moon
    falls at 23:09 in Hà Nội and 00:09 in Beijing."""
    assert to_solar(1, 1, 1985) == date(1985, 1, 21) and to_solar(1, 1, 1985, tz=8) == date(1985, 2, 20)
    assert to_solar(1, 1, 2007) == date(2007, 2, 17) and to_solar(1, 1, 2007, tz=8) == date(2007, 2, 18)
    assert to_solar(1, 1, 2030) == date(2030, 2, 2) and to_solar(1, 1, 2030, tz=8) == date(2030, 2, 3)


def test_leap_months_and_dates_that_do_not_exist():
    assert leap_month(2023) == 2 and leap_month(2025) == 6 and leap_month(2024) is None
    assert to_lunar(date(2025, 7, 25)) == LunarDate(1, 6, 2025, leap=True)
    assert to_solar(1, 6, 2025, leap=True) == date(2025, 7, 25)
    with pytest.raises(LunarDateError):
        to_solar(1, 5, 2025, leap=True)
    with pytest.raises(LunarDateError):
        to_solar(1, 1, 2024, leap=True)
    with pytest.raises(LunarDateError):
        to_solar(31, 1, 2025)


def test_every_day_of_the_product_years_round_trips():
    day = date(2024, 12, 1)
    previous = to_lunar(day - timedelta(days=1))
    while day <= date(2031, 1, 31):
        lunar = to_lunar(day)
        assert to_solar(lunar.day, lunar.month, lunar.year, lunar.leap) == day
        assert lunar.day == previous.day + 1 or lunar.day == 1, day  # months have 29 or 30 days, no gaps
        assert 29 <= previous.day <= 30 or lunar.day != 1, day
        previous, day = lunar, day + timedelta(days=1)
