"""The alert calendar is data: national holidays and anniversaries, each province's events, lunar dates converted
for every year the product sees, and every entry checked (dates, queries, topics)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeline.alerts.calendar import (
    Calendar,
    CalendarError,
    load_calendar,
    national_events,
    office_calendar,
    parse_event,
    province_events,
)
from pipeline.core.profiles import PROVINCE_IDS, load_profile
from pipeline.core.store.query import parse_query
from pipeline.core.taxonomy import load_taxonomy

TOPICS = set(load_taxonomy().ids)


def _first(calendar: Calendar, event_id: str, year: int) -> date:
    [occurrence] = [o for o in calendar.year(year) if o.event.id == event_id]
    return occurrence.first


def test_every_event_of_the_nation_and_of_every_province_is_valid():
    """Dates, kinds, queries that parse, topics of the taxonomy: a typo in the data fails here, not at 3 a.m."""
    events = list(national_events())
    for province in PROVINCE_IDS:
        own = province_events(load_profile(province), TOPICS)
        assert own, f"{province} has no events of its own"
        events += own
    for event in events:
        assert parse_query(event.query) is not None
        assert event.topics and set(event.topics) <= TOPICS, event.id
        assert event.source, f"{event.id} says nowhere where its date comes from"
    assert {e.id for e in national_events()} >= {"tet_nguyen_dan", "gio_to_hung_vuong", "giai_phong_mien_nam",
                                                 "quoc_te_lao_dong", "quoc_khanh", "thanh_lap_dang", "trung_thu"}


@pytest.mark.parametrize("year", range(2025, 2031))
def test_public_holidays_fall_where_the_law_and_the_lunar_calendar_put_them(year):
    calendar = load_calendar()
    tet = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
           2029: date(2029, 2, 13), 2030: date(2030, 2, 2)}
    assert _first(calendar, "tet_nguyen_dan", year) == tet[year]
    assert _first(calendar, "quoc_khanh", year) == date(year, 9, 2)
    assert _first(calendar, "giai_phong_mien_nam", year) == date(year, 4, 30)
    assert _first(calendar, "tet_duong_lich", year) == date(year, 1, 1)


def test_coverage_runs_before_and_after_the_day_itself():
    calendar = load_calendar()
    [tet] = [o for o in calendar.year(2026) if o.event.id == "tet_nguyen_dan"]
    assert (tet.first, tet.last) == (date(2026, 2, 17), date(2026, 2, 23))
    assert tet.coverage_start == date(2026, 2, 7) and tet.coverage_end == date(2026, 2, 26)
    # 2/9/2026 00:30 in Hà Nội is 1/9 17:30 UTC: the holiday has begun there.
    names = {o.event.id for o in calendar.active(datetime(2026, 9, 1, 17, 30, tzinfo=UTC))}
    assert "quoc_khanh" in names
    assert "quoc_khanh" not in {o.event.id for o in calendar.active(datetime(2026, 7, 15, tzinfo=UTC))}


def test_a_province_adds_its_own_festivals_on_lunar_dates():
    calendar = load_calendar(load_profile("bac-ninh"))
    assert _first(calendar, "hoi_lim", 2026) == date(2026, 3, 1)  # 13 tháng Giêng Bính Ngọ
    assert _first(calendar, "le_hoi_yen_the", 2026) == date(2026, 3, 16)
    assert "hoi_lim" not in {e.id for e in load_calendar(load_profile("cao-bang")).events}


def test_a_planned_announcement_is_one_day_given_in_the_home_profile():
    profile = load_profile("thai-nguyen")
    profile.events.append({"id": "dai_hoi", "name": "Đại hội đại biểu Đảng bộ tỉnh", "kind": "announcement",
                           "on": "2026-10-14", "days": 3, "before": 2, "query": '"Đại hội" OR "nhiệm kỳ"',
                           "topics": ["dai_hoi_dang"], "source": "kế hoạch của Tỉnh ủy"})
    calendar = load_calendar(profile)
    [congress] = [o for o in calendar.year(2026) if o.event.id == "dai_hoi"]
    assert (congress.coverage_start, congress.coverage_end) == (date(2026, 10, 12), date(2026, 10, 16))
    assert calendar.year(2027) == [o for o in calendar.year(2027) if o.event.id != "dai_hoi"]


@pytest.mark.parametrize(("change", "message"), [
    ({"query": ""}, "thiếu 'query'"),
    ({"query": "NOT lũ"}, "truy vấn không hợp lệ"),
    ({"date": None, "lunar": None}, "cần đúng một trong"),
    ({"lunar": {"day": 1, "month": 1}}, "cần đúng một trong"),
    ({"date": {"day": 31, "month": 13}}, "không hợp lệ"),
    ({"before": 400}, "'before' phải là số ngày"),
    ({"kind": "party"}, "loại 'party' không hợp lệ"),
    ({"topics": ["khong_co"]}, "không có chủ đề khong_co"),
])
def test_a_malformed_event_is_refused_with_its_name_and_why(change, message):
    raw = {"id": "x", "name": "Sự kiện thử", "kind": "festival", "date": {"day": 1, "month": 5},
           "query": "lễ hội", "topics": ["ngay_le"], **change}
    raw = {key: value for key, value in raw.items() if value is not None}
    with pytest.raises(CalendarError, match=message) as caught:
        parse_event(raw, "hồ sơ tỉnh thử", TOPICS)
    assert "Sự kiện thử" in str(caught.value) or "'x'" in str(caught.value)


def test_a_bad_profile_event_never_stops_the_office_calendar():
    profile = load_profile("cao-bang")
    profile.events.append({"id": "hong", "name": "Hỏng", "query": "lễ"})
    with pytest.raises(CalendarError):
        load_calendar(profile)
    assert {e.id for e in office_calendar(profile).events} == {e.id for e in national_events()}
