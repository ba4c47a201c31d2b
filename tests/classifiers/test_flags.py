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


# ------------------------------------------------------------------ content, never stance
def test_harsh_criticism_and_protest_are_not_flagged(flags):
    """Criticism of authorities, a protest slogan, a "hostile" source: none of it is a flag (the retired
    `hostile` flag scored exactly this)."""
    item = {"title": "Chế độ độc tài cướp đất của dân ở Thái Nguyên", "reputation": "hostile", "source": "trang-x",
            "text": "Bạo quyền địa phương tiếp tục đàn áp người dân, hãy xuống đường biểu tình đòi lại đất, "
                    "đả đảo tham nhũng."}
    assert flags.flag(item) == []


def test_words_that_only_look_political_raise_nothing(flags):
    for item in (
        {"title": "Máy bay rơi bánh xuống đường", "text": "Một chiếc bánh của máy bay rơi xuống đường Nguyễn Trãi."},
        {"title": "Cú sốc ở Ngoại hạng Anh", "text": "Đội bóng mới lên hạng lật đổ tượng đài Man City 3-1."},
        {"title": "Biểu tình ở Pháp", "text": "Hàng nghìn người biểu tình phản đối cải cách lương hưu. Ảnh: REUTERS/AFP"},
        {"title": "Áp dụng quy định mới", "text": "Tỉnh ap dung quy dinh moi ve phi gui xe tu thang sau. Nguon: AP"},
    ):
        assert flags.flag(item) == [], item["title"]


def test_ordinary_news_is_not_flagged(flags):
    item = {"title": "Thái Nguyên khởi công cầu mới", "reputation": "provincial",
            "text": "Công trình có tổng vốn 200 tỷ đồng, dự kiến hoàn thành năm sau."}
    assert flags.flag(item) == []


def test_a_photo_credit_or_byline_never_raises_anything(flags):
    context_item = {"title": "Lũ lớn ở miền Trung", "text": "Nước dâng cao ở Quảng Bình. Ảnh: Nghe nói/TTXVN\n"
                                                         "Nguồn: tin nóng chia sẻ gấp"}
    scores = flags.score_batch([context_item])[0]
    evidence = [e for e in scores["likely_false"]["evidence"] if e["kind"] == "term"]
    assert evidence == []


# ------------------------------------------------------------------ scam
def test_phishing_for_a_public_service_account_is_a_scam_with_its_evidence(flags):
    item = {"title": "", "text": "[VNeID] Tai khoan dinh danh cua ban se bi khoa. Cap nhat ngay tai "
                                 "vneid-gov.vn.xyz va cung cap ma OTP de tranh gian doan."}
    flag = _flag(flags, "scam", item)
    assert flag is not None and flag["score"] >= 0.8
    assert any(e["kind"] == "term" and "vneid-gov.vn.xyz" in e["text"] for e in flag["evidence"])
    _assert_explained(flag, item)


def test_a_police_warning_quoting_a_scam_is_not_a_scam(flags):
    item = {"title": "Cảnh báo thủ đoạn giả danh VNeID để chiếm đoạt tài khoản",
            "text": "Công an tỉnh cảnh báo người dân nhận tin nhắn giả mạo yêu cầu cập nhật tại vneid-gov.vn.xyz "
                    "và cung cấp mã OTP. Tuyệt đối không bấm vào link, không cung cấp mã OTP cho bất kỳ ai."}
    assert _flag(flags, "scam", item) is None


def test_a_genuine_otp_message_is_not_a_scam(flags):
    item = {"title": "", "text": "Ma OTP cua Quy khach la 482913. Tuyet doi KHONG chia se ma nay cho bat ky ai. "
                                 "Vietcombank"}
    assert _flag(flags, "scam", item) is None


# ------------------------------------------------------------------ incitement
def test_a_call_to_violence_is_incitement_from_either_side(flags):
    against_officials = {"title": "", "text": "Bọn cán bộ xã ăn cướp đó phải giết hết, anh em kéo đến tận nhà "
                                              "chúng nó tối nay, mang theo xăng."}
    against_protesters = {"title": "", "text": "Bọn biểu tình phản động đó phải giết hết, anh em kéo đến tận nhà "
                                               "chúng nó tối nay, mang theo xăng."}
    for item in (against_officials, against_protesters):
        flag = _flag(flags, "incitement", item)
        assert flag is not None and flag["score"] >= 0.7, item["text"]
        _assert_explained(flag, item)


def test_condemning_a_threat_is_not_incitement(flags):
    item = {"title": "Lên án lời kêu gọi bạo lực trên mạng",
            "text": "Nhiều người lên án bình luận kêu gọi \"giết hết\" người biểu tình; cơ quan chức năng đã vào cuộc."}
    assert _flag(flags, "incitement", item) is None


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


# ------------------------------------------------------------------ retired
def test_ethnic_religious_labour_and_border_subjects_are_never_flags(flags):
    for item in (
        {"title": "Hàng trăm công nhân ngừng việc tại công ty Hàn Quốc",
         "text": "Công nhân công ty vốn Hàn Quốc ở Bắc Ninh ngừng việc vì chậm lương."},
        {"title": "Phát hiện xây dựng trái phép sát cột mốc", "text": "Công trình gần cột mốc 120 trên biên giới Cao Bằng."},
        {"title": "Vietnam province expands industrial parks", "text": "Investors arrive.", "source_kind": "foreign_press",
         "source": "reuters"},
        {"title": "Đồng bào Mông đón Tết", "text": "Người Mông ở Mèo Vạc theo đạo Tin lành tổ chức lễ đón năm mới."},
    ):
        assert flags.flag(item) == [], item["title"]
    assert {"hostile", "sensitive"}.isdisjoint(flags.score_batch([{"title": "x", "text": "y"}])[0])


# ------------------------------------------------------------------ learned
def test_a_model_trained_on_analysts_decisions_raises_the_flag_with_its_reason():
    rows = ([{"text": f"bọn chúng toàn lũ ăn hại số {n}, dẹp hết đi", "label": "confirmed"} for n in range(20)]
            + [{"text": f"hội nghị tổng kết công tác năm {n} diễn ra tốt đẹp", "label": "rejected"} for n in range(20)])
    model = train_model(rows, "flag:incitement")
    flags = FlagClassifier(models={"flag:incitement": model})
    flag = next(f for f in flags.flag({"title": "bọn chúng toàn lũ ăn hại, dẹp hết đi", "text": ""})
                if f["name"] == "incitement")
    assert any(e["kind"] == "model" and "flag:incitement" in e["detail"] for e in flag["evidence"])


def test_every_flag_has_a_score_even_below_the_threshold(flags):
    scores = flags.score_batch([{"title": "Giá rau hôm nay", "text": "Giá rau ổn định."}])[0]
    assert set(scores) == {"likely_false", "scam", "incitement", "sovereignty"}
    assert all(0.0 <= entry["score"] < 0.5 and entry["raised"] is False for entry in scores.values())


def test_a_fabricated_claim_endangering_public_safety_carries_that_harm(flags):
    item = {"title": "", "text": "CHIA SẺ GẤP!!! Nghe nói tối nay vỡ đập hồ Núi Cốc, bà con sơ tán ngay, "
                                 "chính quyền đang giấu!!!"}
    flag = _flag(flags, "likely_false", item)
    assert flag is not None and flag["harms"] == ["public_safety"]
    debunk = {"title": "Thực hư tin vỡ đập hồ Núi Cốc",
              "text": "Thông tin vỡ đập hồ Núi Cốc lan truyền trên mạng là tin giả; đập vẫn an toàn."}
    assert _flag(flags, "likely_false", debunk) is None


def test_compact_model_scores_exactly_as_the_trained_model(tmp_path):
    from classifiers.runtime.linear import export_compact, load_compact

    rows = ([{"title": "", "text": f"vay nhanh chỉ cần CCCD số {n}, giải ngân trong 5 phút", "label": "positive"}
             for n in range(15)] + [{"title": "Thông báo", "text": f"lịch cắt điện ngày {n} tại phường", "label": "negative"}
                                    for n in range(15)])
    model = train_model(rows, "flag:scam")
    tmp_path.mkdir(exist_ok=True)
    compact = load_compact(export_compact(model, tmp_path))
    probe = [{"title": "", "text": "vay nhanh không thẩm định, chỉ cần CCCD"}, {"title": "Lịch", "text": "cắt điện"}]
    for a, b in zip(model.predict_proba(probe), compact.predict_proba(probe), strict=True):
        assert abs(a["positive"] - b["positive"]) < 1e-4


def test_models_sharing_one_dictionary_score_exactly_as_each_alone(flags):
    from classifiers.runtime.linear import CompactModel, SharedTerms

    models = [m for m in flags.models.values() if isinstance(m, CompactModel)]
    groups = {m.features_key for m in models}
    probe = [{"title": "", "text": "Nhận tiền hỗ trợ ngay, bấm vào đường_link và nhập mã OTP"},
             {"title": "Đánh chết bọn chúng đi", "text": "đường chín đoạn là ranh giới hợp pháp"},
             {"title": "", "text": ""}]
    for features in groups:
        group = [m for m in models if m.features_key == features]
        terms = SharedTerms(group)
        for model in group:
            found = [terms.look_up(model.doc_counts(row)) for row in probe]
            assert model.proba_from_terms(found, terms) == model.predict_proba(probe)
    assert len(models) >= 2 and len(terms.words) >= max(len(m.word_vocab) for m in group)
