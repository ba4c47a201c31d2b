"""Calendar periods in Vietnam's calendar, and extractive one-sentence summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.reports.periods import Period
from pipeline.reports.summary import MAX_WORDS, split_sentences, summarize


def test_periods_cover_whole_local_days_and_name_themselves_in_vietnamese():
    day = date(2026, 11, 24)  # a Tuesday
    assert Period.containing("week", day).start == date(2026, 11, 23)
    assert Period.containing("week", day).label == "tuần từ 23/11/2026 đến 29/11/2026"
    assert Period.containing("month", day).key == "month-2026-11"
    assert Period.containing("quarter", day).label == "quý IV năm 2026"
    assert Period.containing("half", day).label == "6 tháng cuối năm 2026"
    assert Period.containing("half", date(2026, 3, 1)).end == date(2026, 6, 30)
    start, end = Period.containing("day", day).bounds()
    assert (start, end) == (datetime(2026, 11, 23, 17, tzinfo=UTC), datetime(2026, 11, 24, 17, tzinfo=UTC))


def test_latest_complete_period_is_what_a_morning_run_issues():
    today = date(2026, 1, 1)
    assert Period.latest_complete("day", today).key == "day-2025-12-31"
    assert Period.latest_complete("week", today).key == "week-2025-12-22"
    assert Period.latest_complete("month", today).key == "month-2025-12"
    assert Period.latest_complete("quarter", today).previous().key == "quarter-2025-Q3"


def test_summary_is_a_sentence_of_the_article_about_the_title():
    text = ("Sáng nay trời nắng đẹp. Tỉnh Thái Nguyên khởi công tuyến đường cao tốc nối với Tuyên Quang với tổng "
            "vốn 5.000 tỷ đồng. Dự án dự kiến hoàn thành năm 2028 và rút ngắn thời gian đi lại giữa hai tỉnh.")
    summary = summarize("Khởi công cao tốc Thái Nguyên - Tuyên Quang", text)
    assert summary == ("Tỉnh Thái Nguyên khởi công tuyến đường cao tốc nối với Tuyên Quang với tổng vốn "
                       "5.000 tỷ đồng.")
    assert summary in split_sentences(text)


def test_long_sentences_are_shortened_and_empty_text_gives_nothing():
    long = "Tỉnh Thái Nguyên " + " ".join(["tiếp tục đẩy mạnh cải cách hành chính"] * 20) + "."
    assert len(summarize("Cải cách hành chính", long).split()) == MAX_WORDS + 1  # the words and an ellipsis
    assert summarize("Tiêu đề", "") == ""
