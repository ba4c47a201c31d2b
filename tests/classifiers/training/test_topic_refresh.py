"""`classifier refresh`: the section model learns from sources that declare their section and from analysts'
corrections, and replaces the model in use only when it is not worse on held-out local rows."""

from __future__ import annotations

import pytest

from classifiers.stages import shipped_model
from classifiers.training.refresh import local_rows, refresh_topics
from classifiers.training.registry import current_version
from pipeline.core.item import item_id
from pipeline.core.settings import Settings

GAMES = ["cờ tướng", "kéo co", "đẩy gậy", "bóng chuyền hơi", "đua thuyền", "bắn nỏ", "ném còn", "cầu lông"]


def _item(n: int, title: str, text: str, section: str | None) -> dict:
    url = f"https://bao.vn/bai-{n}.html"
    item = {"id": item_id(url), "url": url, "title": title, "text": text, "lang": "vi", "relevant": True,
            "published_at": "2026-11-20T08:00:00Z", "fetched_at": "2026-11-20T08:00:00Z", "status": "new"}
    if section:
        item["declared_section"] = section
    return item


def _sports(n: int) -> dict:
    game = GAMES[n % len(GAMES)]
    return _item(n, f"Giải {game} các dân tộc lần thứ {n}", f"Các vận động viên tranh tài môn {game}, đội xã {n} "
                 "giành giải nhất toàn đoàn.", "the_thao")


def test_declared_items_and_corrections_become_rows_a_correction_winning(store):
    items = [_sports(n) for n in range(3)] + [_item(9, "Tin không khai báo", "nội dung", None)]
    store.upsert_items(items)
    store.put_record("labels", "x|topic", {"id": "x|topic", "item_id": items[0]["id"], "task": "topic",
                                           "label": "van_hoa", "actor": "lan", "at": "2026-11-21T00:00:00Z"})
    rows = {row["item_id"]: row["label"] for row in local_rows(store)}
    assert rows == {items[0]["id"]: "van_hoa", items[1]["id"]: "the_thao", items[2]["id"]: "the_thao"}


def test_too_few_local_rows_change_nothing(tmp_path, store):
    store.upsert_items([_sports(n) for n in range(4)])
    result = refresh_topics(tmp_path, store, Settings(), None, baseline=shipped_model(Settings(), "classifiers.topic_model"))
    assert result["status"] == "unchanged" and "ít nhất" in result["reason"]
    assert current_version(tmp_path, "topic") is None


def test_a_refreshed_model_is_compared_with_the_shipped_one_on_held_out_local_rows(tmp_path, store):
    store.upsert_items([_sports(n) for n in range(60)])
    result = refresh_topics(tmp_path, store, Settings(), None, baseline=shipped_model(Settings(), "classifiers.topic_model"))
    assert result["local_rows"] == 60 and result["held_out"] >= 5
    assert result["comparison"]["current_version"] == "shipped"
    assert "candidate_macro_f1" in result["comparison"]
    assert result["status"] in ("current", "rejected")
    assert (current_version(tmp_path, "topic") is not None) == (result["status"] == "current")
    assert store.get_record("models", result["id"])["task"] == "topic"


def test_the_benchmark_prints_section_accuracy_and_tone_agreement_on_held_out_items(tmp_path, cli):
    from tests.conftest import json_lines

    out = json_lines(cli("classifier", "benchmark", "--only", "topics", "--only", "tone", "--data", str(tmp_path)).stdout)
    topics, tone = out
    assert topics["figure"] == "topics" and "vntc_test" not in topics  # no VNTC file in --data
    held = topics["province_heldout"]
    assert held["n"] == 389 and len(held["by_section"]) == 15 and 0.5 < held["accuracy"] <= held["accuracy_any_section"]
    assert tone["figure"] == "tone" and tone["clear_cut"]["n"] == 285
    assert {"agreement", "macro_f1", "reversals"} <= set(tone["clear_cut"])
    assert "synthetic" in tone["caveat"]


def test_the_benchmark_measures_real_province_news_through_relevance_and_refuses_another_vntc(tmp_path, cli):
    from classifiers.training.topic_data import shared_train_dir
    from tests.conftest import json_lines

    vntc = shared_train_dir() / "vntc_train.jsonl"
    if not vntc.is_file():
        pytest.skip("VNTC (shared/data/train/vntc_train.jsonl) is not beside the repository")
    (real,) = json_lines(cli("classifier", "benchmark", "--only", "real", "--data", str(vntc.parent)).stdout)
    assert real["figure"] == "real_items" and real["rows"] == 157
    assert real["relevance"]["about_province"] == 146 and real["relevance"]["namesakes"] == 11
    assert real["tone_clear_cut"]["n"] == 96 and 0 <= real["tone_clear_cut"]["agreement"] <= 1
    assert sum(real["tone_all"]["confusion"].values()) == 146
    assert real["section_articles"]["n"] == 128 and real["section_articles_vntc_test_split"]["n"] == 36
    lines = vntc.read_text(encoding="utf-8").splitlines()
    (tmp_path / "vntc_train.jsonl").write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    refused = cli("classifier", "benchmark", "--only", "real", "--data", str(tmp_path), check=False)
    assert refused.returncode != 0 and "là một bài khác" in refused.stderr
