"""The batch pipeline and the core commands: ingest, process, items, search; idempotent and crash-safe."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.bench.synthetic import synthetic_items
from pipeline.core.home import Home
from pipeline.core.process import Pipeline
from tests.conftest import REPO, json_lines, run_cli

ARTICLES = [
    {"url": "https://baothainguyen.vn/xa-hoi/lu-quet-o-ba-be-123.html?utm_source=facebook",
     "title": "Lũ quét ở huyện Ba Bể, Bắc Kạn cũ: hàng chục hộ dân phải sơ tán",
     "text": "Mưa lớn kéo dài khiến nhiều tuyến đường tại huyện Ba Bể (tỉnh Bắc Kạn cũ), nay thuộc tỉnh Thái Nguyên, "
             "bị sạt lở. Chính quyền xã đã sơ tán hàng chục hộ dân đến nơi an toàn.",
     "source": "bao-thai-nguyen", "published_at": "2025-07-10T08:00:00+07:00", "section": "Xã hội"},
    {"url": "https://vnexpress.net/kinh-doanh/fdi-thai-nguyen-456.html",
     "title": "Thái Nguyên thu hút thêm 500 triệu USD vốn FDI",
     "text": "Tỉnh Thái Nguyên vừa trao chứng nhận đầu tư cho ba dự án có vốn nước ngoài tại khu công nghiệp Yên Bình.",
     "source": "vnexpress", "published_at": "2025-07-11T09:30:00+07:00"},
    {"url": "https://dantri.com.vn/the-thao/bong-da-789.html",
     "title": "Đội tuyển Việt Nam thắng 2-0",
     "text": "Trận đấu diễn ra trên sân Mỹ Đình, Hà Nội. Cầu thủ Quang Hải ghi bàn mở tỷ số.",
     "source": "dan-tri", "published_at": "2025-07-11T20:00:00+07:00"},
]
# The first article, syndicated under another URL with the same words.
COPY = dict(ARTICLES[0], url="https://baomoi.com/lu-quet-ba-be-c123.epi", source="bao-moi")


def write_jsonl(path: Path, rows: list, extra_lines: list[str] = ()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_reports_bad_lines_by_number_and_queues_the_rest(home: Home, tmp_path: Path):
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:2], ['{"url": "https://x.vn/1", "title": ', '{"title": "no url"}',
                                                               json.dumps({"url": "ftp://x", "text": "a"})])
    result = run_cli("ingest", str(source), home=home)
    summary = json_lines(result.stdout)[-1]
    assert summary["queued"] == 2
    assert [e["line"] for e in summary["errors"]] == [3, 4, 5]
    assert f"{source}:3:" in result.stderr and "url" in result.stderr
    again = json_lines(run_cli("ingest", str(source), home=home).stdout)[-1]
    assert again["queued"] == 0 and again["already_queued"] == 2


def test_a_record_whose_text_goes_by_another_name_is_stored_with_it_as_its_text(home: Home, tmp_path: Path):
    record = {key: value for key, value in ARTICLES[0].items() if key != "text"}
    record["content"] = ARTICLES[0]["text"]
    run_cli("ingest", str(write_jsonl(tmp_path / "in.jsonl", [record])), home=home)
    run_cli("process", home=home)
    (item,) = json_lines(run_cli("items", "--json", home=home).stdout)
    with home.open_store() as store:
        stored = store.get_items([item["id"]])[0]
    assert stored["text"] == ARTICLES[0]["text"] and stored["meta"]["text_field"] == "content"
    assert "content" not in stored["meta"]  # moved, not kept twice
    assert any(p["field"] == "text" for p in stored["places"])


def test_process_stores_items_with_relevance_evidence_and_exact_duplicates(home: Home, tmp_path: Path):
    run_cli("ingest", str(write_jsonl(tmp_path / "in.jsonl", ARTICLES + [COPY])), home=home)
    summary = json_lines(run_cli("process", "--json", home=home).stdout)[-1]
    assert summary["stored"] == 4 and summary["failed"] == 0 and summary["queue"]["pending"] == 0
    items = {i["url"]: i for i in json_lines(run_cli("items", "--json", "--include-duplicates", home=home).stdout)}
    flood = items[ARTICLES[0]["url"]]
    assert flood["relevant"] is True
    spans = {(p["alias"], p["kind"]) for p in flood["places"]}
    assert any(alias == "Ba Bể" for alias, _ in spans)
    title = ARTICLES[0]["title"]
    for place in flood["places"]:
        if place.get("field") == "title":
            assert title[place["start"]:place["end"]] == place["alias"]
    assert items[ARTICLES[2]["url"]]["relevant"] is False
    assert items[COPY["url"]]["duplicate_of"] == flood["id"]
    assert flood["duplicate_of"] is None
    for field in ("url", "title", "relevant", "places", "duplicate_of", "status", "topics", "flags", "tone", "cluster_id"):
        assert field in flood
    relevant = json_lines(run_cli("items", "--json", "--relevant", home=home).stdout)
    assert {i["url"] for i in relevant} == {ARTICLES[0]["url"], ARTICLES[1]["url"]}


def test_processing_again_changes_nothing_and_keeps_analyst_decisions(home: Home, tmp_path: Path):
    source = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    run_cli("ingest", str(source), home=home)
    run_cli("process", "--json", home=home)
    with home.open_store() as store:
        target = next(i for i in store.iter_items() if "FDI" in i["title"])
        store.update_item(target["id"], {"status": "verified"}, actor="lan", action="status")
        # The same page arrives again (a later crawl): it is queued, processed, and stays one item.
        store.enqueue_raw([dict(ARTICLES[1], text=ARTICLES[1]["text"] + " Cập nhật.")])
    run_cli("process", "--json", home=home)
    with home.open_store() as store:
        assert store.count_items() == 3
        again = store.get_item(target["id"])
        assert again["status"] == "verified" and again["text"].endswith("Cập nhật.")


def test_url_variants_are_one_item(home: Home, tmp_path: Path):
    variants = [dict(ARTICLES[1], url=u) for u in (
        "https://vnexpress.net/kinh-doanh/fdi-thai-nguyen-456.html",
        "http://www.vnexpress.net/kinh-doanh/fdi-thai-nguyen-456.html?utm_campaign=x#binh-luan",
    )]
    run_cli("ingest", str(write_jsonl(tmp_path / "in.jsonl", variants)), home=home)
    run_cli("process", "--json", home=home)
    with home.open_store() as store:
        assert store.count_items() == 1


def test_a_failing_stage_mid_batch_loses_nothing_and_a_rerun_doubles_nothing(home: Home):
    rows = list(synthetic_items(home.profile, 120, seed=3))
    calls = {"n": 0}

    def crash_on_second_batch(items, store):
        calls["n"] += 1
        if calls["n"] == 2:  # a fault of the machine, not of a record: the batch stays pending, nothing is blamed
            raise OSError("simulated disk fault")

    with home.open_store() as store:
        store.enqueue_raw(rows)
        pipeline = Pipeline(home, store, stages=[crash_on_second_batch])
        pipeline.batch_size = 50
        with pytest.raises(OSError):
            pipeline.run()
        assert store.raw_counts()["pending"] == 70
        stored_before = store.count_items()
        assert stored_before == 50  # the first batch is stored whole
        Pipeline(home, store, stages=[]).run()
        assert store.raw_counts() == {"pending": 0, "done": 120, "failed": 0}
        assert store.count_items() == len({r["url"] for r in rows})


def test_killed_process_resumes_without_loss_or_doubling(home: Home, tmp_path: Path):
    rows = list(synthetic_items(home.profile, 3000, seed=5))
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    run_cli("ingest", str(source), home=home)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), "process", "--json"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = home.path / "store.sqlite3"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(db, timeout=30) as conn:
            if conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] > 0:
                break
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    summary = json_lines(run_cli("process", "--json", home=home).stdout)[-1]
    assert summary["queue"] == {"pending": 0, "done": 3000, "failed": 0}
    with home.open_store() as store:
        assert store.count_items() == len({r["url"] for r in rows})
        store.refresh()
        assert store.index.num_docs() == store.count_items()


def test_search_command_is_diacritic_insensitive(home: Home, tmp_path: Path):
    run_cli("ingest", str(write_jsonl(tmp_path / "in.jsonl", ARTICLES)), home=home)
    run_cli("process", "--json", home=home)
    for query in ("sạt lở", "sat lo", "SẠT LỞ"):
        hits = json_lines(run_cli("search", query, "--json", home=home).stdout)
        assert [h["url"] for h in hits] == [ARTICLES[0]["url"]]
    bad = run_cli("search", "(sạt lở", home=home, check=False)
    assert bad.returncode == 2 and "ngoặc" in bad.stderr


def test_reindex_rebuilds_the_index_from_the_records(home: Home, tmp_path: Path):
    run_cli("ingest", str(write_jsonl(tmp_path / "in.jsonl", ARTICLES)), home=home)
    run_cli("process", "--json", home=home)
    import shutil

    shutil.rmtree(home.path / "index")
    assert json_lines(run_cli("reindex", home=home).stdout)[-1] == {"reindexed": 3}
    assert len(json_lines(run_cli("search", "FDI", "--json", home=home).stdout)) == 1


def test_commands_without_a_home_say_how_to_make_one(tmp_path: Path):
    result = run_cli("items", home=tmp_path / "nowhere", check=False)
    assert result.returncode == 2 and "init --province" in result.stderr
    unknown = run_cli("init", "--province", "ha-noi-xyz", home=tmp_path / "h", check=False)
    assert unknown.returncode == 2 and "thai-nguyen" in unknown.stderr


def test_init_makes_a_first_admin_whose_password_file_only_root_reads(tmp_path: Path):
    from pipeline.office.accounts import authenticate

    report = json_lines(run_cli("init", "--province", "cao-bang", home=tmp_path / "h").stdout)[-1]
    password_file = Path(report["admin_password_file"])
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    login, password = password_file.read_text().split()
    with Home(tmp_path / "h").open_store() as store:
        assert authenticate(store, login, password, session_hours=1) is not None
    again = json_lines(run_cli("init", "--province", "cao-bang", home=tmp_path / "h").stdout)[-1]
    assert "admin_password_file" not in again
