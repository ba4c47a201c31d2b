"""`diemtin store upgrade`: the retired stance flags leave stored items (kept as history), once."""

from __future__ import annotations

from pipeline.core.item import content_hash, item_id, url_key
from pipeline.core.store import ItemQuery
from pipeline.core.store.upgrade import retire_flags
from tests.conftest import json_lines, run_cli


def _item(url: str, flags: list[dict]) -> dict:
    return {"id": item_id(url), "url": url, "url_key": url_key(url), "content_hash": content_hash(url, url),
            "title": "Tin", "text": "Nội dung", "relevant": True, "duplicate_of": None, "status": "new",
            "published_at": "2026-11-20T03:00:00Z", "flags": flags}


def test_retired_flags_move_to_history_and_stop_counting(home):
    old = "https://fb.example/cu"
    with home.open_store() as store:
        store.upsert_items([
            _item(old, [{"name": "hostile", "score": 0.9}, {"name": "likely_false", "score": 0.7},
                        {"name": "sensitive", "score": 0.6}]),
            _item("https://fb.example/moi", [{"name": "scam", "score": 0.8}]),
        ])
        store.refresh()
        assert retire_flags(store) == {"items": 1, "flags": {"hostile": 1, "sensitive": 1}}
        item = store.get_item(item_id(old))
        assert [f["name"] for f in item["flags"]] == ["likely_false"]
        assert [f["name"] for f in item["retired_flags"]] == ["hostile", "sensitive"]
        assert all(f["retired_at"] for f in item["retired_flags"])
        assert dict(store.count_by("flags", ItemQuery())) == {"likely_false": 1, "scam": 1}
        assert retire_flags(store)["items"] == 0  # once
    out = json_lines(run_cli("store", "upgrade", home=home).stdout)
    assert out[-1]["retire_flags"]["items"] == 0
