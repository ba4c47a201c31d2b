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
