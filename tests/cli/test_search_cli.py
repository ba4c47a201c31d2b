"""`diemtin search` and `diemtin items` as a person reads them: Vietnamese words, dates, sources, the
passage that matched, and how many more there are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.core.item import content_hash, item_id, url_key
from tests.conftest import run_cli


def _item(url: str, title: str, text: str, days_ago: float, **fields):
    published = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": item_id(url), "url": url, "url_key": url_key(url), "content_hash": content_hash(title, text),
            "title": title, "text": text, "relevant": True, "duplicate_of": None, "status": "new",
            "published_at": published, "fetched_at": published, "source": "bao-thai-nguyen",
            "source_kind": "provincial_press", "lang": "vi", "topics": [], "flags": [], "places": [],
            "urgency": 0.1, **fields}


@pytest.fixture
def searchable(home):
    with home.open_store() as store:
        store.put_record("sources", "bao-thai-nguyen", {"id": "bao-thai-nguyen", "name": "Báo Thái Nguyên",
                                                         "kind": "provincial_press", "enabled": True})
        store.upsert_items([
            _item("https://baothainguyen.vn/ma-tuy-1", "Thu giữ 5 kg ma túy tổng hợp",
                  "Tỉnh Thái Nguyên: công an thu giữ 5 kg ma túy tổng hợp tại xã Phú Bình.", 1),
            _item("https://baothainguyen.vn/ma-tuy-2", "Triệt phá đường dây buôn bán",
                  "Đường dây buôn bán ma túy xuyên tỉnh bị triệt phá sau ba tháng theo dõi.", 3),
            _item("https://baothainguyen.vn/chuyen-ma", "Chuyện ma ở bản làng",
                  "Chuyện ma ở bản được kể lại; ông lão say túy lúy sau bữa rượu.", 2),
            _item("https://facebook.com/posts/9", "", "Cảnh báo: có người mời chào ma túy ở cổng trường! Ai biết "
                  "thì báo công an.", 0.5, source="mxh", source_kind="social"),
        ])
        store.refresh()
    return home


def test_search_shows_date_source_and_the_matched_passage(searchable):
    out = run_cli("search", "ma tuy", home=searchable).stdout
    lines = out.splitlines()
    assert lines[0] == "3 kết quả"  # the word "ma túy", not "ma" and "túy" anywhere
    assert "Chuyện ma" not in out
    assert "- Thu giữ 5 kg «ma túy» tổng hợp" in lines
    dated = [line for line in lines if "Báo Thái Nguyên" in line]
    assert dated and all(line.strip()[:10].count("/") == 2 for line in dated)  # dd/mm/yyyy · source · <url>
    assert "công an thu giữ 5 kg «ma túy» tổng hợp tại xã Phú Bình" in out
    # An untitled post is named by its first sentence, never by a bare URL.
    assert "- Cảnh báo: có người mời chào «ma túy» ở cổng trường!" in lines


def test_search_says_how_many_more_there_are_and_json_keeps_vietnamese_readable(searchable):
    done = run_cli("search", "ma túy", "--limit", "1", home=searchable)
    assert "còn 2 mục nữa" in done.stderr and "--offset 1" in done.stderr
    lines = run_cli("search", "ma túy", "--json", home=searchable).stdout.splitlines()
    assert "túy" in lines[0] and "\\u" not in lines[0]
    first = json.loads(lines[0])
    start, end = first["highlights"][0]
    assert first["snippet"][start:end].lower() == "ma túy" and first["source_name"]


def test_items_json_is_readable_vietnamese_and_a_cut_listing_says_so(searchable):
    done = run_cli("items", "--json", "--limit", "2", home=searchable)
    assert "Tỉnh Thái Nguyên" not in done.stdout or "\\u1ec9" not in done.stdout
    assert "\\u" not in done.stdout and "túy" in done.stdout
    assert "còn 2 mục nữa" in done.stderr
    assert "còn" not in run_cli("items", "--json", home=searchable).stderr
