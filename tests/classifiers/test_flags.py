"""Flags fire on their cases, stay quiet on near-misses (rebuttals, official positions), and show why."""

from __future__ import annotations

import pytest

from classifiers.runtime.flags import FlagClassifier
from classifiers.training.learn import train_model


@pytest.fixture(scope="module")
def flags() -> FlagClassifier:
    return FlagClassifier()


def _flag(flags: FlagClassifier, name: str, item: dict) -> dict | None:
    return next((f for f in flags.flag(item) if f["name"] == name), None)


def _assert_explained(flag: dict, item: dict) -> None:
    assert 0.0 <= flag["score"] <= 1.0 and flag["evidence"]
    for evidence in flag["evidence"]:
        assert evidence["detail"]
        if evidence["kind"] == "term":
            assert item[evidence["field"]][evidence["start"]:evidence["end"]] == evidence["text"]


# ------------------------------------------------------------------ hostile
def test_hostile_source_with_hostile_framing_is_flagged_with_source_and_terms(flags):
    item = {"title": "Chế độ độc tài cướp đất của dân ở Thái Nguyên", "reputation": "hostile", "source": "trang-x",
            "text": "Bạo quyền địa phương tiếp tục đàn áp người dân, hãy xuống đường đòi lại đất."}
    flag = _flag(flags, "hostile", item)
    assert flag is not None and flag["score"] >= 0.8
    kinds = {e["kind"] for e in flag["evidence"]}
    assert {"source", "term"} <= kinds
    _assert_explained(flag, item)


def test_official_article_rebutting_hostile_slogans_is_not_hostile(flags):
    item = {"title": "Đấu tranh phản bác luận điệu xuyên tạc về chế độ", "reputation": "official",
            "text": "Các thế lực thù địch rêu rao luận điệu sai trái rằng Việt Nam là chế độ độc tài, công an trị. "
                    "Đây là những luận điệu xuyên tạc, bịa đặt, cần kiên quyết bác bỏ."}
    assert _flag(flags, "hostile", item) is None


def test_ordinary_news_is_not_hostile(flags):
    item = {"title": "Thái Nguyên khởi công cầu mới", "reputation": "provincial",
            "text": "Công trình có tổng vốn 200 tỷ đồng, dự kiến hoàn thành năm sau."}
    assert flags.flag(item) == []


# ------------------------------------------------------------------ likely_false
def _claim_match(level: str, conflicts: list[str] | None = None) -> dict:
    return {"claim_id": "claim-x", "claim": "Đập thủy điện Thác Bà đã bị vỡ.", "similarity": 0.95, "level": level,
            "conflicts": conflicts or [], "rebuttal": "Đập vẫn an toàn.", "rebuttal_source": "UBND tỉnh"}


def test_near_certain_match_to_a_known_false_claim_is_likely_false_with_the_claim_as_evidence(flags):
    item = {"title": "Khẩn cấp: vỡ đập Thác Bà", "text": "Chia sẻ gấp, nước đang tràn về hạ du.",
            "reputation": "unverified", "claim_matches": [_claim_match("near_certain")]}
    flag = _flag(flags, "likely_false", item)
    assert flag is not None and flag["score"] >= 0.85
    claim = next(e for e in flag["evidence"] if e["kind"] == "claim")
    assert claim["claim_id"] == "claim-x" and "UBND tỉnh" in claim["detail"]
    _assert_explained(flag, item)


def test_official_rebuttal_quoting_the_false_claim_is_not_flagged_as_that_claim(flags):
    item = {"title": "Bác bỏ thông tin sai sự thật về vỡ đập Thác Bà", "reputation": "official",
            "text": "Trên mạng xã hội lan truyền tin đập thủy điện Thác Bà đã bị vỡ. Đây là thông tin sai sự thật.",
            "claim_matches": [_claim_match("suggest")]}
    assert _flag(flags, "likely_false", item) is None
    assert item["claim_matches"][0]["rebuts"] is True


def test_one_rumour_word_alone_is_not_enough(flags):
    item = {"title": "Tin nóng: giá vàng hôm nay", "text": "Giá vàng miếng tăng nhẹ.", "reputation": "official"}
    assert _flag(flags, "likely_false", item) is None


# ------------------------------------------------------------------ sovereignty
def test_chinese_names_used_as_the_islands_names_flag_sovereignty(flags):
    item = {"title": "Du lịch Tây Sa: hành trình khám phá quần đảo xinh đẹp",
            "text": "Tàu du lịch đưa khách từ Tam Sa ra các đảo của Tây Sa trong ba ngày."}
    flag = _flag(flags, "sovereignty", item)
    assert flag is not None and flag["score"] >= 0.75
    assert {"Tây Sa", "Tam Sa"} <= {e["text"] for e in flag["evidence"] if e["kind"] == "term"}
    _assert_explained(flag, item)


def test_foreign_name_given_beside_the_vietnamese_name_is_quiet(flags):
    item = {"title": "Trung Quốc tập trận ở Hoàng Sa",
            "text": "Trung Quốc thông báo tập trận tại quần đảo Hoàng Sa (Trung Quốc gọi là Tây Sa) của Việt Nam."}
    assert _flag(flags, "sovereignty", item) is None


def test_reporting_a_foreign_statement_with_the_vietnamese_position_is_quiet(flags):
    item = {"title": "Việt Nam phản đối Trung Quốc lập cái gọi là thành phố Tam Sa", "reputation": "official",
            "text": "Người phát ngôn Bộ Ngoại giao khẳng định việc Trung Quốc lập cái gọi là thành phố Tam Sa vi phạm "
                    "nghiêm trọng chủ quyền của Việt Nam đối với quần đảo Hoàng Sa và Trường Sa. Việt Nam có đầy đủ "
                    "bằng chứng lịch sử và cơ sở pháp lý khẳng định chủ quyền."}
    assert _flag(flags, "sovereignty", item) is None


def test_nine_dash_line_presented_as_fact_is_flagged(flags):
    item = {"title": "Bản đồ mới của Trung Quốc", "text": "Toàn bộ vùng biển trong đường lưỡi bò thuộc chủ quyền Trung Quốc."}
    flag = _flag(flags, "sovereignty", item)
    assert flag is not None
    assert any("trình bày như sự thật" in e["detail"] for e in flag["evidence"])


def test_nine_dash_line_named_in_order_to_reject_it_is_quiet(flags):
    item = {"title": "Yêu sách đường lưỡi bò là phi lý",
            "text": "Yêu sách đường lưỡi bò không có cơ sở pháp lý, trái với UNCLOS 1982."}
    assert _flag(flags, "sovereignty", item) is None


def test_map_with_the_nine_dash_line_described_in_text_is_flagged(flags):
    item = {"title": "Sách giáo khoa tham khảo in bản đồ có đường lưỡi bò", "text": "Cuốn sách đang được bán trên mạng."}
    assert _flag(flags, "sovereignty", item) is not None


# ------------------------------------------------------------------ sensitive
def test_strike_at_a_foreign_company_is_sensitive(flags):
    item = {"title": "Hàng trăm công nhân ngừng việc tại công ty Hàn Quốc",
            "text": "Công nhân công ty vốn Hàn Quốc ở Bắc Ninh ngừng việc vì chậm lương."}
    flag = _flag(flags, "sensitive", item)
    assert flag is not None
    assert any("đình công có yếu tố nước ngoài" in e["detail"] for e in flag["evidence"])
    _assert_explained(flag, item)


def test_strike_without_a_foreign_element_is_not_sensitive(flags):
    item = {"title": "Hợp tác xã tổ chức hội nghị", "text": "Người lao động được tăng lương từ tháng sau."}
    assert _flag(flags, "sensitive", item) is None


def test_border_incident_is_sensitive(flags):
    item = {"title": "Phát hiện xây dựng trái phép sát cột mốc", "text": "Công trình gần cột mốc 120 trên biên giới Cao Bằng."}
    assert _flag(flags, "sensitive", item) is not None


def test_foreign_press_source_is_sensitive_for_the_foreign_reporters_duty(flags):
    item = {"title": "Vietnam province expands industrial parks", "text": "Investors arrive.", "source_kind": "foreign_press",
            "source": "reuters"}
    flag = _flag(flags, "sensitive", item)
    assert flag is not None and flag["evidence"][0]["kind"] == "source"


# ------------------------------------------------------------------ learned
def test_a_model_trained_on_analysts_decisions_raises_the_flag_with_its_reason():
    rows = ([{"text": f"bọn chúng toàn lũ ăn hại số {n}, dẹp hết đi", "label": "confirmed"} for n in range(20)]
            + [{"text": f"hội nghị tổng kết công tác năm {n} diễn ra tốt đẹp", "label": "rejected"} for n in range(20)])
    model = train_model(rows, "flag:hostile")
    flags = FlagClassifier(models={"flag:hostile": model})
    flag = next(f for f in flags.flag({"title": "bọn chúng toàn lũ ăn hại, dẹp hết đi", "text": ""}) if f["name"] == "hostile")
    assert any(e["kind"] == "model" and "flag:hostile" in e["detail"] for e in flag["evidence"])
