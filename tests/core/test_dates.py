"""Vietnamese date text read into moments (pipeline.dates): the shapes real pages and feeds use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.core.dates import date_in_url, find_vn_dates, parse_vn_date, parse_vn_date_detail
from pipeline.core.timeutil import LOCAL_TZ

NOW = datetime(2026, 3, 7, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam


def local(text: str) -> str | None:
    moment = parse_vn_date(text, now=NOW)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else None


@pytest.mark.parametrize("text, expected", [
    ("07/03/2026 08:47", "2026-03-07 08:47"),  # Báo Đầu tư
    ("Thứ bảy, 7/3/2026, 08:47 (GMT+7)", "2026-03-07 08:47"),  # VnExpress
    ("Thứ Bảy, 07/03/2026, 08:47 [GMT+7]", "2026-03-07 08:47"),
    ("08:47, 07/03/2026", "2026-03-07 08:47"),  # time first
    ("Thứ Bảy, 08:47, 07/03/2026", "2026-03-07 08:47"),
    ("08:47 7/3/2026", "2026-03-07 08:47"),
    ("07-03-2026 - 08:47 AM", "2026-03-07 08:47"),
    ("Thứ Bảy, ngày 07/03/2026 08:47 PM (GMT+7)", "2026-03-07 20:47"),
    ("07/03/2026 12:05 SA", "2026-03-07 00:05"),
    ("07/03/2026 02:05 CH", "2026-03-07 14:05"),
    ("8 giờ 47 phút ngày 7 tháng 3 năm 2026", "2026-03-07 08:47"),
    ("08h47 ngày 07/03/2026", "2026-03-07 08:47"),
    ("Cập nhật lúc: 07/03/2026 | 08:47", "2026-03-07 08:47"),
    ("Chủ nhật, 08/03/2026 - 23:10", "2026-03-08 23:10"),
    ("ngày 7 tháng 3, năm 2026", "2026-03-07 00:00"),
    ("07.03.2026", "2026-03-07 00:00"),
    ("2026-03-07T08:47:00", "2026-03-07 08:47"),
    ("2026-03-07 08:47", "2026-03-07 08:47"),
    ("Đăng\u00a0lúc 07/03/2026\u00a008:47", "2026-03-07 08:47"),  # non-breaking spaces
])
def test_vietnamese_date_text_is_read_in_vietnam_time(text, expected):
    assert local(text) == expected


def test_a_zone_the_text_states_is_honoured():
    assert local("07/03/2026 | 08:47 GMT+0") == "2026-03-07 15:47"
    assert local("07/03/2026 08:47 (GMT+07:00)") == "2026-03-07 08:47"
    detail = parse_vn_date_detail("Thứ bảy, 7/3/2026, 08:47 (GMT+7)")
    assert detail and detail.zone_stated and detail.has_time and not detail.relative


def test_relative_times_count_back_from_the_reading_time():
    assert local("Cập nhật 2 giờ trước") == "2026-03-07 10:00"
    assert local("15 phút trước") == "2026-03-07 11:45"
    assert local("3 ngày trước") == "2026-03-04 12:00"
    assert local("hôm qua lúc 21:15") == "2026-03-06 21:15"
    assert local("Hôm nay, 08:47") == "2026-03-07 08:47"
    assert local("vừa xong") == "2026-03-07 12:00"
    detail = parse_vn_date_detail("2 giờ trước", now=NOW)
    assert detail and detail.relative
    assert parse_vn_date("2 giờ trước") is None  # no reading time, no relative date


@pytest.mark.parametrize("text", [
    "", "Không rõ ngày", "12/15/2026", "31/02/2026", "Giá 1.250.000 đồng", "Hotline 0912/345/678", "32/01/2026",
    "07/03/1850", "Số 123/2026/NĐ-CP",
])
def test_what_is_not_a_date_gives_none(text):
    assert parse_vn_date(text, now=NOW) is None


def test_every_date_in_a_text_is_found_in_order():
    found = find_vn_dates("Đăng 07/03/2026 08:47, cập nhật 08/03/2026 09:00", now=NOW)
    assert [f.moment.astimezone(LOCAL_TZ).day for f in found] == [7, 8]
    assert found[0].text == "07/03/2026 08:47"
    assert found[0].local_day.isoformat() == "2026-03-07"


def test_a_date_without_a_time_is_local_midnight():
    detail = parse_vn_date_detail("Ngày 07/03/2026")
    assert detail and not detail.has_time
    assert detail.moment == datetime(2026, 3, 6, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("url, expected", [
    ("https://bao.vn/2025/11/20/tin.html", "2025-11-20 00:00"),
    ("https://bao.vn/2025-11-20/tin.html", "2025-11-20 00:00"),
    ("https://tuoitre.vn/bai-viet-20251124153000123.htm", "2025-11-24 15:30"),
    ("https://thanhnien.vn/toan-canh-185260119160315756.htm", "2026-01-19 16:03"),
    ("https://cafef.vn/tin-188260307084712345.chn", "2026-03-07 08:47"),
    ("https://vnexpress.net/tin-4856123.html", None),
    ("https://bao.vn/tin-post123456.html", None),
])
def test_dates_in_urls(url, expected):
    moment = date_in_url(url)
    assert (moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else None) == expected
