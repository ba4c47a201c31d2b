"""The index and the store as an operator (or a disk) can leave them: reindex swaps in a complete index or
nothing; a missing, corrupt, emptied or outdated index is found when the store opens and rebuilt, or the command
says what to run, never "0 kết quả"; a store written by a newer version is refused; search queries are parsed
within fixed limits on both backends (issue 11, points 1 and 11)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from pipeline.core.home import Home
from pipeline.core.process import Pipeline
from pipeline.core.store import Store, StoreError
from pipeline.core.store.base import ItemQuery
from pipeline.core.store.query import MAX_DEPTH, QueryError
from pipeline.core.store.sqlite import SqliteStore
from tests.conftest import json_lines, run_cli
from tests.hostile_input.conftest import good

N = 40


@pytest.fixture
def filled(home: Home) -> Home:
    with home.open_store() as store:
        store.enqueue_raw([good(n, text=f"Bài {n}: mưa lớn ở Phổ Yên, Thái Nguyên.") for n in range(N)])
        Pipeline(home, store, stages=[]).run()
    return home


def _total(home: Home) -> int:
    with home.open_store() as store:
        return store.search(ItemQuery(text="Phổ Yên", include_duplicates=True, limit=0)).total


def _no_auto_rebuild(home: Home) -> None:
    home.config_path.write_text(home.config_path.read_text(encoding="utf-8") + "store:\n  auto_reindex_items: 0\n",
                                encoding="utf-8")


def test_a_reindex_that_fails_half_way_leaves_the_index_searchers_use(filled: Home, monkeypatch):
    original = SqliteStore.iter_items

    def breaks_half_way(self, batch_size=1000):
        for n, item in enumerate(original(self, batch_size)):
            if n == N // 2:
                raise RuntimeError("disk unplugged")
            yield item

    monkeypatch.setattr(SqliteStore, "iter_items", breaks_half_way)
    with filled.open_store() as store, pytest.raises(RuntimeError):
        store.reindex()
    monkeypatch.undo()
    assert _total(filled) == N
    assert [p.name for p in filled.path.iterdir() if p.name.startswith("index.")] == []


def test_items_written_while_reindex_runs_are_in_the_new_index(filled: Home, monkeypatch):
    original = SqliteStore.iter_items
    late = good(999, title="Tin viết trong lúc dựng lại chỉ mục", text="Sạt lở ở Định Hóa, Thái Nguyên.")

    def writes_meanwhile(self, batch_size=1000):
        for n, item in enumerate(original(self, batch_size)):
            if n == 1:
                with Home(filled.path).open_store() as other:
                    other.enqueue_raw([late])
                    Pipeline(filled, other, stages=[]).run()
            yield item

    monkeypatch.setattr(SqliteStore, "iter_items", writes_meanwhile)
    with filled.open_store() as store:
        store.reindex()
    monkeypatch.undo()
    with filled.open_store() as store:
        assert store.search(ItemQuery(text="Định Hóa", include_duplicates=True)).total == 1


def _delete(home: Home) -> None:
    shutil.rmtree(home.path / "index")


def _corrupt(home: Home) -> None:
    (home.path / "index" / "meta.json").write_text("garbage", encoding="utf-8")


def _empty(home: Home) -> None:
    shutil.rmtree(home.path / "index")
    from pipeline.core.store.search_index import SearchIndex

    SearchIndex(home.path / "index", create=True)


def _outdated(home: Home) -> None:
    (home.path / "index" / "SCHEMA_VERSION").write_text("0", encoding="utf-8")


DAMAGE = {"deleted": _delete, "corrupt": _corrupt, "emptied": _empty, "outdated": _outdated}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_rebuilt_when_the_store_opens(filled: Home, damage: str):
    DAMAGE[damage](filled)
    assert _total(filled) == N
    assert f"{N} kết quả" in run_cli("search", "Phổ Yên", "--include-duplicates", home=filled).stdout


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_too_big_to_rebuild_at_once_says_which_command_mends_it(filled: Home, damage: str):
    _no_auto_rebuild(filled)
    DAMAGE[damage](filled)
    before = sorted(p.name for p in (filled.path / "index").iterdir()) if (filled.path / "index").exists() else []
    result = run_cli("search", "Phổ Yên", home=filled, check=False)
    assert result.returncode == 2 and "0 kết quả" not in result.stdout
    assert "diemtin" in result.stderr and "reindex" in result.stderr and "Traceback" not in result.stderr
    after = sorted(p.name for p in (filled.path / "index").iterdir()) if (filled.path / "index").exists() else []
    assert before == after  # nothing was wiped on the way
    # Writes go on meanwhile (they wait in the outbox), and reindex mends everything.
    with Home(filled.path).open_store() as store:
        store.enqueue_raw([good(500, text="Mưa lớn ở Phổ Yên lần nữa.")])
        Pipeline(Home(filled.path), store, stages=[]).run()
    assert json_lines(run_cli("reindex", home=filled).stdout)[-1] == {"reindexed": N + 1}
    assert f"{N + 1} kết quả" in run_cli("search", "Phổ Yên", "--include-duplicates", home=filled).stdout


def test_an_index_deleted_under_a_running_process_is_an_error_not_an_empty_answer(filled: Home):
    with filled.open_store() as store:
        assert store.search(ItemQuery(text="Phổ Yên", include_duplicates=True)).total == N
        shutil.rmtree(filled.path / "index")
        time.sleep(0.3)  # past the searcher's reload interval
        with pytest.raises(StoreError, match="reindex"):
            store.search(ItemQuery(text="Phổ Yên", include_duplicates=True))


def test_a_store_written_by_a_newer_version_is_refused_untouched(filled: Home):
    db = filled.path / "store.sqlite3"

    def content() -> list[str]:
        with sqlite3.connect(db) as conn:
            return [str(conn.execute("PRAGMA user_version").fetchone()[0]), *conn.iterdump()]

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = content()
    for command in (("items",), ("process",), ("search", "Phổ Yên")):
        result = run_cli(*command, home=filled, check=False)
        assert result.returncode == 2 and "mới hơn" in result.stderr and "Traceback" not in result.stderr
    assert content() == before and before[0] == "99"


@pytest.mark.elasticsearch
def test_elasticsearch_indices_written_by_a_newer_version_are_refused():
    from es_server import fresh_elastic_store, noida_url

    from pipeline.core.store.elastic import ElasticStore

    with fresh_elastic_store(noida_url()) as store:
        store.client.indices.put_mapping(index=store.names["items"], meta={"schema_version": 99})
        with pytest.raises(StoreError, match="mới hơn"):
            ElasticStore(store.url, store.settings, client=store.client)


HOSTILE_QUERIES = {
    "2,000 nested parentheses": "(" * 2000 + "lũ" + ")" * 2000,
    "2,000 NOTs": "lũ " + "NOT " * 2000 + "bão",
    "2,000 minus signs": "lũ " + "-" * 2000 + "bão",
    f"{MAX_DEPTH + 1} nested parentheses": "(" * (MAX_DEPTH + 1) + "lũ" + ")" * (MAX_DEPTH + 1),
    "NOT chain past the depth": "lũ " + "NOT " * (MAX_DEPTH + 1) + "bão",
    "1,000 words": " OR ".join(f"từ{n}" for n in range(1000)),
    "100,000 characters": "lũ " * 33_000,
}


@pytest.mark.parametrize("kind", list(HOSTILE_QUERIES))
def test_a_hostile_search_is_refused_with_a_clear_message_on_both_backends(any_store: Store, kind: str):
    with pytest.raises(QueryError) as refused:
        any_store.search(ItemQuery(text=HOSTILE_QUERIES[kind]))
    assert "Truy vấn" in str(refused.value)
    # ... and reasonable nesting still works
    assert any_store.search(ItemQuery(text="((lũ OR lụt) AND NOT (bão OR -gió))")).total == 0


def test_the_search_command_says_why_a_query_is_refused(filled: Home, tmp_path: Path):
    result = run_cli("search", "(" * 2000 + "lũ" + ")" * 2000, home=filled, check=False)
    assert result.returncode == 2 and "Truy vấn" in result.stderr and "Traceback" not in result.stderr
