"""Schema migrations: a home made by an older version opens, is upgraded in place, and keeps its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.core.store.sqlite import DB_FILE, MIGRATIONS, SqliteStore


def test_an_older_store_is_upgraded_in_place_without_losing_records(tmp_path: Path):
    db = sqlite3.connect(tmp_path / DB_FILE)
    for statement in filter(str.strip, MIGRATIONS[0].split(";")):
        db.execute(statement)
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO records (collection, id, doc, updated_at) VALUES "
               "('cases', 'c1', '{\"id\": \"c1\", \"title\": \"Vụ cũ\"}', '2025-07-01T00:00:00Z')")
    db.commit()
    db.close()

    store = SqliteStore(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) > 1
    assert store.get_record("cases", "c1")["title"] == "Vụ cũ"
    indexes = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "vectors_space_rowid" in indexes
    store.close()
    assert SqliteStore(tmp_path).schema_version() == len(MIGRATIONS)  # opening again changes nothing


def test_a_search_index_of_an_older_schema_is_rebuilt_from_the_records(tmp_path: Path):
    """The index is a cache: when a new version indexes more (ingested_at), opening the store rebuilds it, and
    search keeps answering instead of "0 kết quả"."""
    from pipeline.core.store.base import ItemQuery
    from pipeline.core.store.sqlite import INDEX_DIR

    store = SqliteStore(tmp_path)
    store.upsert_items([{"id": f"i{n}", "url": f"https://a.vn/{n}", "title": "Lũ ở Bắc Kạn", "text": "Mưa lớn",
                         "published_at": "2025-07-10T03:00:00Z", "ingested_at": "2025-07-12T03:00:00Z"}
                        for n in range(3)])
    store.refresh()
    store.close()
    (tmp_path / INDEX_DIR / "SCHEMA_VERSION").write_text("1")  # as an older version left it

    reopened = SqliteStore(tmp_path)
    assert reopened.search(ItemQuery(text="Bắc Kạn")).total == 3
    assert reopened.search(ItemQuery(date_field="ingested_at", date_from="2025-07-12T00:00:00Z")).total == 3
    reopened.close()
