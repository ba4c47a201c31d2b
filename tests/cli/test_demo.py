"""`diemtin init --demo` (what `make demo` runs): a demo home filled by the real pipeline from the bundled sample,
never an office's own home, and the same home again when run twice."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.context import HOME_ENV, TOKEN_KEY
from pipeline.cli.demo import load_sample
from pipeline.core.home import Home
from pipeline.core.item import url_key
from pipeline.core.timeutil import LOCAL_TZ, now_utc, parse_iso
from pipeline.office import accounts
from tests.conftest import REPO, json_lines, run_cli

VNTC = Path("/work/shared/data/train/vntc_train.jsonl")


def _snapshot(home: Home) -> dict[str, object]:
    """Everything the demo writes, counted, and what the audit trail says of the case and the digest."""
    with home.open_store() as store:
        cases = store.list_records("cases")
        digests = store.list_records("digests")
        return {
            "raw": store.raw_counts(), "items": store.count_items(), "cases": len(cases), "digests": len(digests),
            "labels": len(store.list_records("labels")), "users": len(store.list_records("users")),
            "audit": len(store.list_audit(limit=10**6)),
        }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo made once, then run again over the same home (the second run must change nothing)."""
    path = tmp_path_factory.mktemp("demo") / "var-demo"
    first = json_lines(run_cli("init", "--demo", home=path).stdout)[-1]
    home = Home(path)
    before = _snapshot(home)
    second = json_lines(run_cli("init", "--demo", home=path).stdout)[-1]
    return {"home": home, "first": first, "second": second, "before": before, "after": _snapshot(home)}


def _items(home: Home) -> dict[str, dict]:
    with home.open_store() as store:
        wanted = [url_key(entry["url"]) for entry in load_sample()["items"]]
        return {item["url"]: item for item in store.get_items(wanted)}


def test_demo_home_holds_the_sample_processed_and_the_articles_about_the_province_are_relevant(demo):
    home, sample = demo["home"], load_sample()["items"]
    assert home.settings.get_bool("demo") and home.settings.get_str("province") == "thai-nguyen"
    assert demo["first"]["queued"] == demo["first"]["processed"] == len(sample)
    items = _items(home)
    assert len(items) == len(sample)
    about = [e for e in sample if e["demo"]["origin"] == "vntc" and e["demo"]["mentions_province"]]
    elsewhere = [e for e in sample if e["demo"]["origin"] == "vntc" and not e["demo"]["mentions_province"]]
    assert len(about) >= 40 and elsewhere
    assert all(items[e["url"]]["relevant"] and items[e["url"]]["places"] for e in about)
    assert not any(items[e["url"]]["relevant"] for e in elsewhere)  # the relevance stage drops them
    # Bắc Kạn, merged into Thái Nguyên in 2025, counts as the province.
    assert any(p["kind"] == "former_province" for e in about for p in items[e["url"]]["places"])
    # Dated into the last weeks, none in the future; yesterday has news for the digest.
    now, today = now_utc(), now_utc().astimezone(LOCAL_TZ).date()
    dates = [parse_iso(item["published_at"]) for item in items.values()]
    assert all(now.timestamp() - 22 * 86400 < d.timestamp() <= now.timestamp() for d in dates)
    assert sum((today - d.astimezone(LOCAL_TZ).date()).days == 1 for d in dates) >= 8


def test_planted_false_claims_and_scams_are_labelled_and_flagged(demo):
    planted = [e for e in load_sample()["items"] if e["demo"]["origin"] == "planted"]
    kinds = {e["demo"]["kind"] for e in planted}
    assert kinds == {"false_claim", "scam"} and len(planted) >= 4
    assert all("giả lập" in e["demo"]["note"] and "giả lập" in e["site_name"] for e in planted)
    items = _items(demo["home"])
    for entry in planted:
        item = items[entry["url"]]
        assert item["relevant"], entry["url"]
        assert entry["demo"]["expect_flag"] in {f["name"] for f in item["flags"] if f.get("raised", True)}, entry["url"]
        assert item["meta"]["demo"]["origin"] == "planted"  # the dashboard and exports can tell


def test_a_case_and_yesterdays_digest_are_made_from_the_analysts_decisions(demo):
    home, scenario = demo["home"], load_sample()["scenario"]
    with home.open_store() as store:
        (case,) = store.list_records("cases")
        (digest,) = store.list_records("digests")
        labels = store.list_records("labels")
    assert case["id"] == demo["first"]["case"] and case["title"] == scenario["case"]["title"]
    assert case["item_ids"] == [url_key(u) for u in scenario["case"]["urls"]]
    assert case["agency"] == "cong-an-tinh"  # a public-safety rumour goes to the police, as the product suggests
    assert {(label["item_id"], label["task"], label["label"]) for label in labels} == {
        (url_key(step["url"]), f"flag:{step['flag']}", "confirmed") for step in scenario["confirm"]}
    yesterday = now_utc().astimezone(LOCAL_TZ).date().toordinal() - 1
    assert digest["id"] == demo["first"]["digest"] == f"day-{type(now_utc().date()).fromordinal(yesterday)}"
    assert digest["status"] == "draft" and set(digest["files"]) >= {"docx", "pdf", "html", "md"}
    text = base64.b64decode(digest["files"]["md"]["data"]).decode()
    section_iv = text.split("IV. THÔNG TIN SAI SỰ THẬT", 1)[1].split("V. THÔNG TIN THEO CHỦ ĐỀ", 1)[0]
    assert "Samsung" in section_iv and "bắt cóc" in section_iv  # the confirmed false claims, with their rebuttals
    assert "Ngân hàng Nhà nước" not in section_iv  # flagged but not decided: it waits in the queue
    assert digest["figures"]["items"] >= 8


def test_running_the_demo_twice_adds_nothing(demo):
    assert demo["second"]["queued"] == demo["second"]["processed"] == demo["second"]["decisions"] == 0
    assert (demo["second"]["case"], demo["second"]["digest"]) == (demo["first"]["case"], demo["first"]["digest"])
    assert demo["after"] == demo["before"]
    assert demo["before"]["cases"] == demo["before"]["digests"] == 1 and demo["before"]["users"] == 1


def test_the_dashboard_of_the_demo_shows_a_filled_queue_the_digest_and_the_case(demo, monkeypatch):
    home = demo["home"]
    monkeypatch.setenv(HOME_ENV, str(home.path))
    password = (home.path / accounts.ADMIN_PASSWORD_FILE).read_text().split()[1]
    with home.open_store() as store:
        token = accounts.authenticate(store, "admin", password, 8, seen=True)
    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=120)
    at.session_state[TOKEN_KEY] = token
    at.run()
    assert not at.exception, at.exception
    texts = "\n".join(str(e.value) for kind in ("markdown", "info") for e in at.get(kind))
    assert "Bản trình diễn" in texts and "tin phù hợp" in texts and "**0** tin phù hợp" not in texts
    at.switch_page("views/digests.py").run()
    assert not at.exception and at.selectbox(key="digest_pick").value == demo["first"]["digest"]
    assert "ĐIỂM TIN BÁO CHÍ" in at.get("iframe")[0].proto.srcdoc
    at.switch_page("views/cases.py").run()
    assert not at.exception and demo["first"]["case"] in list(at.dataframe[0].value["Mã"])


def test_demo_data_never_goes_into_an_office_home_or_the_default_home(tmp_path):
    office = tmp_path / "office"
    run_cli("init", "--province", "thai-nguyen", home=office)
    refused = run_cli("init", "--demo", home=office, check=False)
    assert refused.returncode == 2 and "thư mục làm việc thật" in refused.stderr
    with Home(office).open_store() as store:
        assert store.count_items() == 0 and not store.raw_counts().get("pending")
    assert not Home(office).settings.get_bool("demo")
    default = tmp_path / "default"
    refused = run_cli("init", "--demo", check=False, env={"DIEMTIN_HOME": str(default)})
    assert refused.returncode == 2 and "không dùng thư mục làm việc mặc định" in refused.stderr
    assert not default.exists()
    refused = run_cli("init", "--demo", "--province", "cao-bang", home=tmp_path / "other", check=False)
    assert refused.returncode == 2 and "thai-nguyen" in refused.stderr and not (tmp_path / "other").exists()
    # An office's cluster named by the environment is not the demo's folder either.
    refused = run_cli("init", "--demo", home=tmp_path / "other", check=False,
                      env={"DIEMTIN_STORE__URL": "http://127.0.0.1:9"})
    assert refused.returncode == 2 and "kho nhúng" in refused.stderr and not (tmp_path / "other").exists()


@pytest.mark.skipif(not VNTC.is_file(), reason="the VNTC file of ../shared/data/train is not on this machine")
def test_the_sample_articles_are_vntc_word_for_word():
    """Never an article's words edited to look relevant: each is its VNTC row as published."""
    rows = VNTC.read_text(encoding="utf-8").splitlines()
    for entry in load_sample()["items"]:
        if entry["demo"]["origin"] == "vntc":
            row = json.loads(rows[entry["demo"]["vntc_row"]])
            assert (entry["title"], entry["text"], entry["demo"]["vntc_label"]) == (row["title"], row["text"],
                                                                                   row["label"])
    assert "MIT" in load_sample()["about"]["articles"] and "VNTC" in load_sample()["about"]["articles"]
