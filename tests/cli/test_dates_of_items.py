"""Publication dates: `ingest` reads `published_at` or `date` in ISO or Vietnamese writing, a bad date is named;
an item nobody dated is "không rõ ngày", sorted by fetch time, never new because of it, never in a digest."""

from __future__ import annotations

import json
from datetime import date, timedelta

from classifiers.runtime.urgency import Urgency
from pipeline.core.item import item_id, published_text
from pipeline.core.store.base import ItemQuery
from pipeline.core.timeutil import iso, now_utc
from pipeline.reports.build import build_digest
from pipeline.reports.periods import Period
from tests.conftest import json_lines, run_cli

BASE = {"title": "Phường Phan Đình Phùng, tỉnh Thái Nguyên khánh thành nhà văn hóa",
        "text": "Nhà văn hóa mới của phường Phan Đình Phùng, tỉnh Thái Nguyên đưa vào sử dụng."}


def _ingest(home, tmp_path, rows):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return run_cli("ingest", str(path), home=home, check=False)


def test_ingest_reads_vietnamese_dates_and_names_a_bad_one(home, tmp_path):
    done = _ingest(home, tmp_path, [
        {**BASE, "url": "https://a.vn/1", "date": "Thứ bảy, 7/3/2026, 08:47 (GMT+7)"},
        {**BASE, "url": "https://a.vn/2", "published_at": "07/03/2026 08:47"},
        {**BASE, "url": "https://a.vn/3", "published_at": "2026-03-07T01:47:00Z"},
        {**BASE, "url": "https://a.vn/4", "date": "hôm kia trời mưa"},
    ])
    summary = json_lines(done.stdout)[-1]
    assert summary["queued"] == 3 and summary["errors"][0]["line"] == 4
    assert "'date' không đọc được là ngày" in done.stderr and ":4:" in done.stderr
    run_cli("process", home=home)
    with home.open_store() as store:
        items = store.get_items([item_id(f"https://a.vn/{n}") for n in (1, 2, 3)])
    assert {i["published_at"] for i in items} == {"2026-03-07T01:47:00Z"}


def test_ingest_help_says_which_fields_it_reads():
    help_text = run_cli("ingest", "--help").stdout
    for field in ("url", "title", "text", "html", "published_at", "date", "source"):
        assert field in help_text


def test_an_undated_item_is_unknown_date_sorted_by_fetch_time_not_new_and_not_in_a_digest(home, tmp_path):
    yesterday = now_utc() - timedelta(days=1)
    _ingest(home, tmp_path, [
        {**BASE, "url": "https://a.vn/cu", "title": "Bài cũ không ghi ngày, tỉnh Thái Nguyên"},
        {**BASE, "url": "https://a.vn/moi", "title": "Bài hôm qua, tỉnh Thái Nguyên", "published_at": iso(yesterday)},
    ])
    run_cli("process", home=home)
    with home.open_store() as store:
        undated, dated = store.get_items([item_id("https://a.vn/cu"), item_id("https://a.vn/moi")])
        newest_first = store.search(ItemQuery(sort="published_at")).ids
        local_day = (yesterday + timedelta(hours=7)).date()
        _, figures = build_digest(home, store, Period.containing("day", local_day), date.today(), "1")
        _, today_figures = build_digest(home, store, Period.containing("day", local_day + timedelta(days=1)),
                                        date.today(), "2")
    assert undated["date_source"] == "none" and published_text(undated) == "không rõ ngày"
    assert newest_first.index(undated["id"]) < newest_first.index(dated["id"]), "sorted by when it was fetched"
    _, reasons = Urgency().score(undated)
    assert not any("giờ trước" in r or "ngày trước" in r for r in reasons), reasons
    assert figures["undated"] == 0 and figures["stories"] >= 1
    assert today_figures["undated"] == 1 and today_figures["stories"] == 0, "fetched today, listed nowhere"
