"""The rebuttal knowledge base: editing, import, and matching that tells a paraphrase from a contradiction."""

from __future__ import annotations

import json

import pytest

from classifiers.runtime.claims import ClaimMatcher, ClaimThresholds, Consistency
from classifiers.runtime.lexical import ClaimPrefilter
from pipeline.core.settings import DEFAULTS
from pipeline.office.claims import (
    ClaimError,
    add_claim,
    deactivate_claim,
    import_claims,
    list_claims,
    seed_claims,
    update_claim,
)
from tests.conftest import json_lines, run_cli

PETROL = {"claim": "Giá xăng sẽ tăng mạnh từ ngày mai.", "rebuttal": "Bộ Công Thương chưa điều chỉnh giá xăng.",
          "rebuttal_source": "Bộ Công Thương", "rebuttal_date": "2026-11-01", "topics": ["kinh_te_xa_hoi"]}


def _match(store, embedder, text: str) -> list[dict]:
    matcher = ClaimMatcher(store, embedder, ClaimThresholds(suggest=0.90, near_certain=0.93, candidates=3))
    matcher.reload()
    return matcher.match(text, embedder.encode([text])[0])


def test_added_claim_is_listed_audited_and_its_paraphrase_matches_near_certain(store, embedder):
    record = add_claim(store, PETROL, actor="analyst1")
    assert [c["id"] for c in list_claims(store)] == [record["id"]]
    assert store.list_audit("claim", record["id"])[0]["actor"] == "analyst1"
    found = _match(store, embedder, "Từ ngày mai giá xăng tăng mạnh, bà con đổ xăng ngay hôm nay kẻo lỡ.")
    assert found and found[0]["claim_id"] == record["id"]
    assert found[0]["level"] == "near_certain" and found[0]["rebuttal_source"] == "Bộ Công Thương"


def test_contradiction_is_at_most_a_suggestion_and_says_why(store, embedder):
    add_claim(store, PETROL, actor="analyst1")
    found = _match(store, embedder, "Giá xăng sẽ giảm mạnh từ ngày mai.")
    assert found, "a contradiction is still similar enough to show the analyst"
    assert found[0]["level"] == "suggest"
    assert any("tăng" in reason and "giảm" in reason for reason in found[0]["conflicts"])


def test_unrelated_news_matches_no_claim(store, embedder):
    add_claim(store, PETROL, actor="analyst1")
    assert _match(store, embedder, "Lễ hội Lồng tông ở Tuyên Quang thu hút đông đảo du khách.") == []


def test_consistency_checks_numbers_negation_and_roles():
    check = Consistency.load()
    assert check.conflicts("Công nhân được tăng lương 20% từ tháng 7.", "Công nhân được tăng lương 5% từ tháng 7.")
    assert check.conflicts("Hồ Ba Bể bị ô nhiễm nặng.", "Hồ Ba Bể không bị ô nhiễm.")
    assert check.conflicts("Việt Nam thắng Thái Lan 3-0.", "Thái Lan thắng Việt Nam 3-0.")
    assert check.conflicts("Uống nước chanh nóng chữa khỏi ung thư.", "Uống nước chanh ấm là khỏi ung thư.") == []
    assert check.conflicts("Trung Quốc đóng cửa khẩu Trà Lĩnh.", "Cửa khẩu Trà Lĩnh bị Trung Quốc đóng lại.") == []


def test_deactivated_claim_is_kept_but_no_longer_matched(store, embedder):
    record = add_claim(store, PETROL, actor="analyst1")
    deactivate_claim(store, record["id"], actor="lead", reason="hết thời sự")
    assert _match(store, embedder, "Giá xăng sẽ tăng mạnh từ ngày mai nhé.") == []
    assert list_claims(store)[0]["active"] is False


def test_updating_the_claim_text_re_embeds_it(store, embedder):
    record = add_claim(store, PETROL, actor="analyst1")
    update_claim(store, record["id"], {"claim": "Đập thủy điện Thác Bà đã bị vỡ."}, actor="analyst1")
    assert _match(store, embedder, "Khẩn cấp: vỡ đập Thác Bà, nước đang tràn về hạ du.")[0]["claim_id"] == record["id"]


def test_import_with_a_bad_line_names_the_line_and_writes_nothing(store, embedder, tmp_path):
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(PETROL, ensure_ascii=False) + "\n" + json.dumps({"claim": "thiếu phản bác"}) + "\n",
                    encoding="utf-8")
    with pytest.raises(ClaimError, match="dòng 2"):
        import_claims(store, path, actor="cli")
    assert list_claims(store) == []


def test_seed_claims_are_marked_as_examples_and_loaded_once(store, embedder):
    count = seed_claims(store)
    assert count >= 5
    assert all(c["example"] and c["rebuttal"] and c["rebuttal_source"] for c in list_claims(store))
    assert seed_claims(store) == 0


def test_claims_command_adds_lists_and_imports(tmp_path):
    home = tmp_path / "home"
    run_cli("init", "--province", "cao-bang", home=home)
    run_cli("claims", "add", "--claim", "Giá xăng sẽ tăng mạnh từ ngày mai.", "--rebuttal", "Chưa điều chỉnh giá.",
            "--source", "Bộ Công Thương", "--topics", "kinh_te_xa_hoi", home=home)
    path = tmp_path / "more.jsonl"
    path.write_text(json.dumps({"claim": "Hồ Ba Bể bị ô nhiễm nặng.", "rebuttal": "Chất lượng nước đạt chuẩn."},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    assert json_lines(run_cli("claims", "import", str(path), home=home).stdout)[-1]["imported"] == 1
    listed = json_lines(run_cli("claims", "list", home=home).stdout)
    assert {"Giá xăng sẽ tăng mạnh từ ngày mai.", "Hồ Ba Bể bị ô nhiễm nặng."} <= {c["claim"] for c in listed}
    bad = run_cli("claims", "add", "--claim", "x", "--rebuttal", "y", "--date", "hôm qua", home=home, check=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_prefilter_embeds_close_wordings_and_foreign_language_items_but_not_unrelated_news():
    prefilter = ClaimPrefilter(float(DEFAULTS["classifiers"]["claim_prefilter"]))
    claims = [PETROL["claim"], "Ngân hàng Nhà nước sắp đổi tiền, tiền đang lưu hành sẽ hết giá trị."]
    texts = ["Xăng dầu sắp tăng giá mạnh vào ngày mai, chia sẻ cho mọi người biết.",
             "Petrol prices will rise sharply from tomorrow.",
             "Lễ hội Lồng tông ở Tuyên Quang thu hút đông đảo du khách."]
    assert prefilter.candidates(claims, texts, ["vi", "en", "vi"]) == [True, True, False]
    assert prefilter.candidates([], texts, ["vi", "en", "vi"]) == [False, False, False], "no claim, nothing to match"
