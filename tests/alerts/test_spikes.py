"""Spikes against the same time of the weeks before, robust to outliers, with the calendar's expected coverage set
aside: a planted spike is found and explained; planted holiday coverage is not a spike, while a rumour or an
accident on the holiday still is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.alerts.calendar import load_calendar
from pipeline.alerts.spikes import (
    BASELINES,
    SpikeSettings,
    Thresholds,
    detect,
    explain,
    find_spikes,
    judge,
    robust_baseline,
    top_terms,
)
from pipeline.core.settings import Settings
from pipeline.core.store.base import ItemQuery
from tests.alerts.plant import FALSE_FLAG, background, burst, plant

THRESHOLDS = Thresholds(factor=3.0, min_count=10, min_z=3.0)
# Wednesday 15/07/2026, 11:00 in Hà Nội: no holiday near.
ORDINARY = datetime(2026, 7, 15, 4, 0, tzinfo=UTC)
# Quốc khánh, 02/09/2026, 11:00 in Hà Nội.
NATIONAL_DAY = datetime(2026, 9, 2, 4, 0, tzinfo=UTC)
LANDSLIDE = ("Sạt lở đất vùi lấp nhà dân ở xã Ba Bể", "Sạt lở đất sau mưa lớn, nhiều hộ dân ở Ba Bể phải di dời")
CELEBRATION = ("Thái Nguyên tưng bừng kỷ niệm Quốc khánh 2/9", "Nhiều hoạt động chào mừng Quốc khánh ở Phổ Yên",
               "Người dân Thái Nguyên treo cờ đón Quốc khánh")


def _days(counts: list[int], first: str = "2026-09-07") -> list[tuple[str, int]]:
    start = datetime.fromisoformat(first)
    return [((start + timedelta(days=n)).date().isoformat(), count) for n, count in enumerate(counts)]


def test_baseline_is_the_median_and_its_spread_ignores_one_outlier():
    base = robust_baseline([10, 11, 9, 10, 120, 10, 12, 8])
    assert base.expected == 10
    assert base.spread < 5  # the 120 moves neither
    assert robust_baseline([0, 0, 0, 0]).spread == 1.0  # a quiet series still needs a few items to rise


def test_a_weekly_rhythm_is_not_a_spike_but_a_rise_on_its_own_weekday_is():
    """Mondays carry four times the weekend's coverage every week: compared with the same weekday they are
    ordinary; compared with "the last 14 days" every Monday would be a spike."""
    week = [40, 12, 12, 12, 12, 5, 5]  # Monday 07/09/2026 first
    daily = _days(week * 10)
    assert find_spikes(daily, weeks=8, thresholds=THRESHOLDS) == []
    daily = _days(week * 9 + [130])
    [spike] = find_spikes(daily, weeks=8, thresholds=THRESHOLDS)
    assert (spike.count, spike.baseline) == (130, 40)
    assert find_spikes(daily[:14] + [("2026-09-21", 130)], 8, THRESHOLDS) == []  # too little history to judge


def test_an_earlier_spike_does_not_hide_the_next_one():
    week = [40, 12, 12, 12, 12, 5, 5]
    counts = week * 9 + [130]
    counts[7 * 8] = 200  # a spike one week before, on the same weekday
    spikes = find_spikes(_days(counts), 8, THRESHOLDS)
    assert [s.count for s in spikes][-1] == 130


def test_a_day_the_calendar_explains_is_not_a_spike_of_what_it_explains():
    week = [40, 12, 12, 12, 12, 5, 5]
    daily = _days(week * 9 + [200])
    last = daily[-1][0]
    assert find_spikes(daily, 8, THRESHOLDS, explained={last: 150}, events={last: ["Quốc khánh"]}) == []
    [spike] = find_spikes(daily, 8, THRESHOLDS, explained={last: 20}, events={last: ["Quốc khánh"]})
    assert spike.explained == 20 and spike.events == ("Quốc khánh",)


def test_judge_needs_count_ratio_and_spread_together():
    assert not judge(9, [0] * 8, THRESHOLDS).spike  # too few
    assert not judge(40, [20, 18, 22, 20, 21, 19, 20, 20], THRESHOLDS).spike  # only twice
    assert judge(40, [5, 6, 4, 5, 5, 6, 4, 5], THRESHOLDS).spike


@pytest.fixture
def spike_settings() -> SpikeSettings:
    BASELINES._data.clear()
    return SpikeSettings.from_settings(Settings())


def _series(findings) -> set[str]:
    return {finding.key for finding in findings}


def test_a_planted_spike_is_found_with_what_rose_by_how_much_and_why(home, spike_settings):
    now = ORDINARY
    assert not load_calendar(home.profile).active(now)
    with home.open_store() as store:
        plant(store, background(now - timedelta(weeks=9), now),
              burst("satlo", now - timedelta(hours=2, minutes=50), now - timedelta(minutes=5), 30, LANDSLIDE,
                    topics=["thien_tai_su_co"], places=["Ba Bể"], stories=2, sections=["thoi_su"]))
        base = ItemQuery(relevant=True)
        findings = detect(store, base, now, spike_settings, load_calendar(home.profile), cache_key="t1")
        assert {"total:", "topics:thien_tai_su_co", "places:Ba Bể", "sections:thoi_su"} <= _series(findings)
        assert "topics:kinh_te_xa_hoi" not in _series(findings)
        landslide = next(f for f in findings if f.key == "topics:thien_tai_su_co")
        assert landslide.count == 30 and landslide.expected == 0 and landslide.explained == 0
        why = explain(store, base, landslide, weeks=spike_settings.weeks)
    assert "sạt lở" in [t["term"] for t in why["terms"]][:3]
    assert {s["title"] for s in why["stories"]} == set(LANDSLIDE)
    assert sum(s["items"] for s in why["stories"]) == 30
    assert len(why["sources"]) == 3


def test_holiday_coverage_does_not_alert_but_a_rumour_and_an_accident_on_the_holiday_do(home, spike_settings):
    now = NATIONAL_DAY
    calendar = load_calendar(home.profile)
    assert "quoc_khanh" in {o.event.id for o in calendar.active(now)}
    window = (now - timedelta(hours=2, minutes=50), now - timedelta(minutes=5))
    with home.open_store() as store:
        plant(store, background(now - timedelta(weeks=9), now),
              burst("le", *window, 45, CELEBRATION, topics=["ngay_le"], places=["Phổ Yên"], stories=3))
        base = ItemQuery(relevant=True)
        assert detect(store, base, now, spike_settings, calendar, cache_key="t2") == []
        # The same coverage on a calendar that does not know the day: a spike of everything it touches.
        BASELINES._data.clear()
        blind = _series(detect(store, base, now, spike_settings, None, cache_key="t2b"))
        assert {"total:", "topics:ngay_le", "places:Phổ Yên"} <= blind

        # On the same morning, a false rumour about the holiday and an accident on the holiday's roads.
        plant(store,
              burst("tindon", *window, 12, ["Tin đồn: nghỉ lễ Quốc khánh kéo dài 10 ngày, chia sẻ gấp"],
                    topics=["ngay_le"], flags=[FALSE_FLAG], stories=1, seed=8),
              burst("tainan", *window, 14, ["Tai nạn giao thông nghiêm trọng dịp nghỉ lễ Quốc khánh"],
                    topics=["thien_tai_su_co"], places=["Phổ Yên"], stories=1, seed=9))
        BASELINES._data.clear()
        findings = detect(store, base, now, spike_settings, calendar, cache_key="t3")
    series = _series(findings)
    assert f"flags:{FALSE_FLAG}" in series  # flags are judged the same every day
    assert "topics:thien_tai_su_co" in series  # the accident is no holiday coverage, though it names the holiday
    assert "topics:ngay_le" not in series
    rumour = next(f for f in findings if f.key == f"flags:{FALSE_FLAG}")
    assert rumour.explained == 0 and rumour.count == 12


def test_a_new_office_has_no_spikes_until_it_has_history(home, spike_settings):
    now = ORDINARY
    with home.open_store() as store:
        plant(store, background(now - timedelta(days=3), now),
              burst("satlo", now - timedelta(hours=2), now, 30, LANDSLIDE, topics=["thien_tai_su_co"]))
        assert detect(store, ItemQuery(relevant=True), now, spike_settings, None, cache_key="t4") == []


def test_top_terms_prefer_the_words_of_the_rise_to_everyday_words():
    window = [{"title": "Sạt lở đất ở Ba Bể, hai nhà bị vùi lấp"}] * 8 + [{"title": "Hội nghị xúc tiến đầu tư"}] * 2
    history = [{"title": "Hội nghị xúc tiến đầu tư"}] * 30 + [{"title": "Lễ hội ở Ba Bể"}] * 10
    terms = [term for term, _ in top_terms(window, history)]
    assert terms[0] in ("sạt lở", "lở đất", "vùi lấp")
    assert "xúc tiến" not in terms and "sạt" not in terms
