"""`diemtin submit`, `extract`, `sources` and the scheduler hook, as an operator runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_home

from crawlers.scheduling import poll_due_sources
from pipeline.cli.main import main
from pipeline.core.home import Home
from pipeline.core.timeutil import now_utc

REPO = Path(__file__).resolve().parents[2]


def diemtin(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    """`diemtin` in its own process: needed where Scrapy runs (its reactor starts once per process)."""
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "--home", str(home.path), *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO, check=False)


def diemtin_here(capsys, home: Home, *args: str) -> tuple[int, str, str]:
    """`diemtin` in this process, for commands that crawl nothing."""
    code = main(["--home", str(home.path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def office(newsroom, tmp_path_factory) -> Home:
    return make_home(tmp_path_factory.mktemp("office") / "home", newsroom)


def test_extract_prints_what_a_saved_page_gives(newsroom, tmp_path, office, capsys):
    page = tmp_path / "bai.html"
    page.write_text(newsroom.render_article("b1", "tintuc"), encoding="utf-8")
    code, out, err = diemtin_here(capsys, office, "extract", str(page), "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["title"] == "Bộ Y tế cảnh báo thông tin sai về vắc xin cúm mùa"
    assert "giám sát chặt chẽ về an toàn" in record["text"]
    assert "Ý kiến bạn đọc thử nghiệm" not in record["text"]
    assert (record["author"], record["date_source"], record["lang"]) == ("Lê Nga", "page", "vi")
    assert record["canonical_url"].endswith("/suc-khoe/canh-bao-thong-tin-sai-vac-xin-cum-201.html")


def test_extract_fetches_a_url_without_storing_it(newsroom, office):
    done = diemtin(office, "extract", newsroom.url("cu", "/tin/hoi-nghi-cong-tac-dan-toc-504.html"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "Tin cũ: huyện tổ chức hội nghị về công tác dân tộc"
    with office.open_store() as store:
        assert store.raw_counts().get("pending", 0) == 0


def test_submitted_url_is_queued_with_its_note(newsroom, office):
    url = newsroom.url("nguyhiem", "/tin/dien-tap-tran-dau-601.html")
    done = diemtin(office, "submit", url, "--note", "Bạn đọc gửi qua đường dây nóng")
    assert done.returncode == 0, done.stderr
    with office.open_store() as store:
        (record,) = [r for r in store.claim_raw(100) if r.payload["source"] == "submitted"]
        assert store.get_record("sources", "submitted")["health"]["last_run"]["items"] == 1
    assert record.payload["url"] == url
    assert record.payload["meta"]["note"] == "Bạn đọc gửi qua đường dây nóng"


def test_submitting_a_private_address_is_refused(office, capsys):
    code, _, err = diemtin_here(capsys, office, "submit", "http://192.168.1.1/admin")
    assert code == 2
    assert "không thu thập địa chỉ này" in err and "192.168.1.1" in err


def test_submitted_url_that_redirects_to_a_private_address_is_refused(newsroom, office):
    done = diemtin(office, "submit", newsroom.url("nguyhiem", "/tin/chuyen-huong-607.html"))
    assert done.returncode == 2
    assert "127.0.0.2" in done.stderr
    assert not newsroom.hits_for("private")


def test_sources_can_be_added_disabled_and_enabled(office, capsys):
    code, out, err = diemtin_here(capsys, office, "sources", "add", "--name", "Báo Thử", "--fetch", "feed",
                                  "--url", "https://baothu.vn/rss.rss", "--kind", "provincial_press", "--poll-minutes", "15")
    assert code == 0, err
    added = json.loads(out)
    assert (added["id"], added["reputation"], added["poll_minutes"]) == ("bao-thu", "provincial", 15)
    assert diemtin_here(capsys, office, "sources", "disable", "bao-thu")[0] == 0
    code, out, _ = diemtin_here(capsys, office, "sources", "list", "--json")
    assert [json.loads(line)["enabled"] for line in out.splitlines() if '"bao-thu"' in line] == [False]
    assert diemtin_here(capsys, office, "sources", "enable", "bao-thu")[0] == 0
    code, _, err = diemtin_here(capsys, office, "sources", "add", "--name", "Sai", "--url", "ftp://x")
    assert code == 2 and "địa chỉ không hợp lệ" in err


def test_scheduler_crawls_due_sources_in_subprocesses_and_survives_a_crash(newsroom, tmp_path):
    home = make_home(tmp_path / "home", newsroom)
    with home.open_store() as store:
        for record in store.list_records("sources"):
            record["enabled"] = record["id"] in ("kenh-telegram", "lao-dong")
            store.put_record("sources", record["id"], record)
        # A record that the crawler cannot run (as if hand-edited wrongly): its process dies.
        store.put_record("sources", "hong", {"id": "hong", "name": "Hỏng", "fetch": "khong-co", "enabled": True,
                                             "urls": [], "poll_minutes": 30, "health": {}})
    now = now_utc()
    result = poll_due_sources(home, now)
    assert result["due"] == 3
    assert result["sources"]["kenh-telegram"]["items"] == 2
    assert result["sources"]["hong"]["failed"] is True
    with home.open_store() as store:
        crashed = store.get_record("sources", "hong")["health"]
        assert crashed["consecutive_failures"] == 1 and crashed["last_error_code"] == "crash"
        assert store.get_record("sources", "lao-dong")["health"]["blocked"] is True
        assert store.raw_counts()["pending"] == 2
    assert poll_due_sources(home, now)["due"] == 0  # nothing due again before its interval
