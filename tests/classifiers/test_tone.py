"""Tone toward the province: cues attributed to their subject and place, event kinds, "tăng"/"giảm" read with
what rises or falls, passing mentions, the shipped model, readable evidence."""

from __future__ import annotations

import pytest

from classifiers.runtime.embed import embedder_from_settings
from classifiers.runtime.tone import FEATURES, ToneClassifier, ToneReader
from classifiers.stages import shipped_model, tone_classifier
from pipeline.core.profiles import load_profile
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.settings import Settings

PROFILE = load_profile("thai-nguyen")
MATCHER = RelevanceMatcher(PROFILE)


@pytest.fixture(scope="module")
def cues() -> ToneClassifier:
    """The cue reading alone (no model): what the lexicon decides."""
    return ToneClassifier(other_places=PROFILE.other_provinces)


@pytest.fixture(scope="module")
def shipped() -> ToneClassifier:
    """What the pipeline runs: the shipped model and its semantic head (without the reversal guard, so the
    tests see the models' own decision)."""
    settings = Settings()
    assert shipped_model(settings, "classifiers.tone_model") is not None, \
        "the shipped tone model (classifiers/data/models/tone) must load"
    tone = tone_classifier(settings, PROFILE.other_provinces, embedder=embedder_from_settings(settings))
    tone.reversal_guard = 1.0
    return tone


def _item(title: str, text: str) -> dict:
    item = {"title": title, "text": text}
    item["places"] = MATCHER.match(title, text).places
    return item


def _terms(result: dict) -> list[dict]:
    return [e for e in result["evidence"] if e["kind"] == "term"]


def test_praise_of_the_province_is_positive_with_the_cues_as_evidence(cues):
    item = _item("Thái Nguyên dẫn đầu cả nước về thu hút đầu tư",
                 "Năm nay tỉnh Thái Nguyên được vinh danh trong top đầu về cải cách hành chính.")
    result = cues.classify(item)
    assert result["label"] == "tich_cuc"
    spans = _terms(result)
    assert {"dẫn đầu", "vinh danh"} <= {e["text"] for e in spans}
    for evidence in spans:
        assert item[evidence["field"]][evidence["start"]:evidence["end"]] == evidence["text"]
        assert evidence["detail"]
    assert set(result["scores"]) == {"tich_cuc", "trung_lap", "tieu_cuc"}


def test_wrongdoing_in_the_province_is_negative(cues):
    item = _item("Sai phạm tại dự án ở Thái Nguyên", "Dự án ở Thái Nguyên chậm tiến độ, gây thất thoát, người dân bức xúc.")
    assert cues.classify(item)["label"] == "tieu_cuc"


def test_a_negated_positive_cue_counts_as_negative(cues):
    item = _item("Dự án ở Thái Nguyên không hiệu quả", "Công trình ở Thái Nguyên không hiệu quả và xuống cấp.")
    result = cues.classify(item)
    assert result["label"] == "tieu_cuc"
    assert any("bị phủ định" in e["detail"] for e in _terms(result))


def test_a_word_that_folds_to_a_negator_does_not_negate(cues):
    # "thiều" (lychee) folds to "thieu" like the negator "thiếu"; "chứa" (hold) like "chưa".
    result = cues.classify(_item("Vải thiều Lục Ngạn mất mùa ở Bắc Giang cũ, Thái Nguyên", ""))
    assert not any("bị phủ định" in e["detail"] for e in _terms(result))


def test_fighting_corruption_is_not_negative_news(cues):
    item = _item("Thái Nguyên đẩy mạnh phòng, chống tham nhũng", "Tỉnh Thái Nguyên triển khai công tác phòng, chống tham nhũng.")
    assert cues.classify(item)["label"] != "tieu_cuc"


def test_fighting_words_reach_past_the_object_they_fight(cues):
    # "ngăn chặn 37 vụ lừa đảo": the fraud is what was stopped, not what happened.
    item = _item("Công an Thái Nguyên ngăn chặn 37 vụ lừa đảo qua mạng", "")
    assert not any(e["text"] == "lừa đảo" and "tiêu cực" in e["detail"] for e in _terms(cues.classify(item)))
    # Beyond its clause it reaches nothing: the fraud after the comma happened.
    item = _item("Thái Nguyên tuyên truyền phòng ngừa, nhiều người dân vẫn bị lừa đảo", "")
    assert any(e["text"] == "lừa đảo" and "tiêu cực" in e["detail"] for e in _terms(cues.classify(item)))


@pytest.mark.parametrize(("title", "label"), [
    ("Quý I, số vụ tai nạn giao thông ở Thái Nguyên giảm 20%", "tich_cuc"),
    ("Tỷ lệ hộ nghèo của Thái Nguyên giảm còn 3,2%", "tich_cuc"),
    ("Giá thép xây dựng ở Thái Nguyên tăng vọt, nhiều công trình đình trệ", "tieu_cuc"),
    ("Số ca sốt xuất huyết ở Thái Nguyên tăng mạnh", "tieu_cuc"),
    ("Thu ngân sách của Thái Nguyên tăng 15%", "tich_cuc"),
    ("Lượng khách du lịch đến Thái Nguyên giảm sâu", "tieu_cuc"),
    # What farmers sell: its price falling is their loss ("giá" alone is a cost, whose fall is good news).
    ("Giá chè búp tươi ở Thái Nguyên giảm sâu, nông dân lao đao", "tieu_cuc"),
    ("Giá lợn hơi tại Thái Nguyên giảm còn 45.000 đồng/kg", "tieu_cuc"),
    ("Giá xăng dầu giảm, chi phí vận tải ở Thái Nguyên hạ nhiệt", "tich_cuc"),
])
def test_a_rise_or_fall_is_read_with_what_rises_or_falls(cues, title, label):
    result = cues.classify(_item(title, ""))
    assert result["label"] == label, result["evidence"]
    assert any("tăng/giảm" in e["detail"] or "tăng " in e["detail"] or "giảm " in e["detail"] for e in _terms(result))


def test_stepping_up_inspections_is_not_a_rise(cues):
    result = cues.classify(_item("Thái Nguyên tăng cường kiểm tra an toàn thực phẩm dịp Tết", ""))
    assert result["label"] == "trung_lap"
    assert not any(e["text"].lower().startswith("tăng") for e in _terms(result))


def test_bad_news_about_another_place_counts_little(cues):
    item = _item("Thái Nguyên tổ chức hội nghị thường kỳ",
                 "Hội nghị diễn ra tại Thái Nguyên.\n\nTrong khi đó ở Lạng Sơn xảy ra tai nạn giao thông làm 3 người tử vong.")
    result = cues.classify(item)
    assert result["label"] == "trung_lap"
    far = [e for e in _terms(result) if e["text"] in ("tai nạn giao thông", "tử vong")]
    assert far and all("nơi khác" in e["detail"] for e in far)


def test_the_province_losing_a_match_is_negative(cues):
    result = cues.classify(_item("Hà Nội thắng đậm Thái Nguyên 4-0 ở giải hạng Nhất", ""))
    assert result["label"] == "tieu_cuc"
    assert any("tỉnh là đối thủ" in e["detail"] for e in _terms(result))


def test_a_passing_mention_in_a_list_of_provinces_is_neutral(cues, shipped):
    item = _item("Cảnh báo lũ quét, sạt lở đất ở nhiều tỉnh miền núi phía Bắc",
                 "Mưa lớn có thể gây lũ quét, sạt lở đất tại các tỉnh Lào Cai, Thái Nguyên, Tuyên Quang, Lạng Sơn.")
    reading = ToneReader(other_places=PROFILE.other_provinces).read(item)
    assert reading.features["passing"] == 1.0
    assert cues.classify(item)["label"] == "trung_lap"
    assert shipped.classify(item)["label"] == "trung_lap"
    assert "chỉ được nhắc qua" in shipped.classify(item)["evidence"][0]["detail"]


def test_the_shipped_model_reads_event_kinds_and_says_so(shipped):
    flood = _item("Lũ quét cuốn trôi 12 ngôi nhà ở xã Võ Nhai, Thái Nguyên",
                  "Trận lũ quét đêm qua làm 2 người mất tích, hàng chục hộ dân bị cô lập.")
    award = _item("Sản phẩm chè Tân Cương của Thái Nguyên đạt OCOP 5 sao",
                  "Sản phẩm chè của hợp tác xã được công nhận đạt chuẩn OCOP 5 sao, niềm tự hào của tỉnh.")
    meeting = _item("UBND tỉnh Thái Nguyên họp thường kỳ tháng 10",
                    "Hội nghị triển khai kế hoạch công tác tháng 11 theo lịch.")
    labels = [r["label"] for r in shipped.classify_batch([flood, award, meeting])]
    assert labels == ["tieu_cuc", "tich_cuc", "trung_lap"]
    result = shipped.classify(flood)
    assert any("thiên tai" in e["detail"] for e in _terms(result))
    assert "mô hình" in result["evidence"][0]["detail"]
    assert 0.0 <= result["score"] <= 1.0


def test_reading_a_long_article_reads_only_its_head(cues):
    head = "Thái Nguyên khánh thành cầu mới.\n\n"
    tail = "Một đoạn văn không liên quan về tai nạn ở nơi xa. " * 20000  # ~1 MB
    reading = ToneReader(other_places=PROFILE.other_provinces).read({"title": "", "text": head + tail, "places": []})
    assert all(cue.start < 3000 for cue in reading.cues)
    assert len(reading.vector()) == len(FEATURES)


def test_a_tone_model_trained_on_analysts_labels_is_used_with_its_reason():
    from classifiers.training.learn import train_model

    rows = ([{"text": f"bà con phấn khởi, mùa màng bội thu lần {n}", "label": "tich_cuc"} for n in range(15)]
            + [{"text": f"người dân bức xúc vì rác thải bốc mùi lần {n}", "label": "tieu_cuc"} for n in range(15)]
            + [{"text": f"ủy ban tổ chức cuộc họp định kỳ lần {n}", "label": "trung_lap"} for n in range(15)])
    tone = ToneClassifier(model=train_model(rows, "tone"))
    result = tone.classify(_item("Ở Thái Nguyên mùa màng của bà con năm nay", ""))
    assert result["label"] == "tich_cuc"
    assert "mô hình" in result["evidence"][0]["detail"]


@pytest.mark.parametrize("classifier", ["cues", "shipped"])
def test_an_illegal_price_rise_is_negative(classifier, request):
    tone = request.getfixturevalue(classifier)
    result = tone.classify(_item("Giá thép tăng trái phép tại Thái Nguyên",
                                 "Nhiều cửa hàng vật liệu ở Thái Nguyên tự ý tăng giá thép trái phép."))
    assert result["label"] == "tieu_cuc", result["evidence"]


@pytest.mark.parametrize("classifier", ["cues", "shipped"])
def test_the_provinces_team_beaten_is_negative(classifier, request):
    tone = request.getfixturevalue(classifier)
    result = tone.classify(_item("Hải Phòng đánh bại Thái Nguyên 3-0 ở giải hạng Nhất", ""))
    assert result["label"] == "tieu_cuc", result["evidence"]
    assert any("tỉnh là đối thủ" in e["detail"] for e in _terms(result))


def test_a_sentence_continuing_news_about_another_province_is_not_counted_as_ours(cues):
    item = _item("Thái Nguyên tổ chức hội nghị sơ kết công tác quý III",
                 "Hội nghị diễn ra tại Thái Nguyên.\n\nỞ Lạng Sơn, lũ quét xảy ra đêm qua. Nhiều nhà bị cuốn trôi, "
                 "2 người tử vong.")
    result = cues.classify(item)
    assert result["label"] == "trung_lap"
    far = [e for e in _terms(result) if e["text"] in ("lũ quét", "tử vong")]
    assert {e["text"] for e in far} == {"lũ quét", "tử vong"}
    assert all("nơi khác" in e["detail"] for e in far)


@pytest.mark.parametrize("classifier", ["cues", "shipped"])
def test_a_long_national_article_naming_the_province_once_is_neutral(classifier, request):
    tone = request.getfixturevalue(classifier)
    text = ("Theo Ủy ban An toàn giao thông quốc gia, quý I cả nước xảy ra 2.800 vụ tai nạn giao thông, làm chết "
            "1.200 người. Hà Nội và TP.HCM là hai địa phương có nhiều vụ tai nạn nhất.\n\n"
            + "Nhiều vụ tai nạn nghiêm trọng do xe khách chạy quá tốc độ; lực lượng chức năng đã xử phạt hàng chục "
              "nghìn trường hợp vi phạm.\n\n" * 8
            + "Tại Thái Nguyên, lực lượng cảnh sát giao thông đã tổ chức nhiều đợt tuyên truyền.\n\n"
            + "Các chuyên gia khuyến cáo người dân không uống rượu bia khi lái xe.\n\n" * 6)
    item = _item("Cả nước có 1.200 người chết vì tai nạn giao thông trong quý I", text)
    reading = ToneReader(other_places=PROFILE.other_provinces).read(item)
    assert reading.features["passing"] == 1.0
    assert tone.classify(item)["label"] == "trung_lap"


def test_names_are_not_cues_and_places_inside_names_are_not_elsewhere(cues):
    # "Thắng", "Đạt" are given names; "Đức" in "Phú Đức" is no Germany.
    item = _item("Thái Nguyên họp bàn kế hoạch năm học mới",
                 "Dự họp có ông Nguyễn Chiến Thắng, Giám đốc Sở, và ông Lê Văn Đạt ở xã Phú Đức, Thái Nguyên.")
    result = cues.classify(item)
    assert not any(e["text"] in ("Thắng", "Đạt") for e in _terms(result))
    reading = ToneReader(other_places=PROFILE.other_provinces).read(item)
    assert reading.features["others_count"] == 0.0


def test_a_negator_in_a_quoted_name_does_not_negate(cues):
    result = cues.classify(_item('Thái Nguyên: chương trình "xã 3 không" thành công', ""))
    assert result["label"] == "tich_cuc"
    assert not any("bị phủ định" in e["detail"] for e in _terms(result))


def test_a_victory_of_history_is_not_a_contest_lost(cues):
    result = cues.classify(_item("Thái Nguyên kỷ niệm 70 năm chiến thắng Điện Biên Phủ tại ATK Định Hóa", ""))
    assert not any("tỉnh là đối thủ" in e["detail"] for e in _terms(result))


def test_good_and_bad_news_both_likely_is_neutral_and_says_why():
    class Torn:
        """A model torn between good and bad news."""

        def predict_proba(self, rows):
            return [{"tich_cuc": 0.5, "trung_lap": 0.2, "tieu_cuc": 0.3} for _ in rows]

    tone = ToneClassifier(model=Torn(), other_places=PROFILE.other_provinces, reversal_guard=0.2)
    result = tone.classify(_item("Thái Nguyên khánh thành cầu mới sau vụ sập cầu cũ", ""))
    assert result["label"] == "trung_lap"
    assert "để trung lập" in result["evidence"][0]["detail"]
    assert ToneClassifier(model=Torn(), reversal_guard=0.4).classify(_item("Thái Nguyên", ""))["label"] == "tich_cuc"


@pytest.mark.parametrize("classifier", ["cues", "shipped"])
def test_a_province_in_a_list_and_then_the_subject_is_not_a_passing_mention(classifier, request):
    tone = request.getfixturevalue(classifier)
    item = _item("Mưa lũ gây thiệt hại nặng ở các tỉnh Lào Cai, Yên Bái, Thái Nguyên",
                 "Tại Thái Nguyên, lũ quét cuốn trôi 10 ngôi nhà ở xã Võ Nhai, 2 người tử vong.\n\n"
                 "Thái Nguyên đã huy động lực lượng tìm kiếm người mất tích, nhiều tuyến đường bị sạt lở.")
    reading = ToneReader(other_places=PROFILE.other_provinces).read(item)
    assert reading.features["passing"] == 0.0
    assert tone.classify(item)["label"] == "tieu_cuc"


def test_an_item_about_another_province_that_names_ours_beside_it_is_neutral(cues):
    item = _item("Cháy rừng ở Lạng Sơn, hàng chục ha rừng thông bị thiêu rụi",
                 "Đám cháy rừng ở huyện Đình Lập, giáp ranh Thái Nguyên, đã được khống chế sau 10 giờ.\n\n"
                 "Lực lượng kiểm lâm Lạng Sơn huy động hơn 200 người. Lạng Sơn thiệt hại khoảng 30 ha rừng.")
    reading = ToneReader(other_places=PROFILE.other_provinces).read(item)
    assert reading.features["passing"] == 1.0
    assert cues.classify(item)["label"] == "trung_lap"


def _jsonl(path, rows) -> None:
    import json

    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _label_folders(tmp_path):
    """Empty folders for the catch-all folders' section relabels and for the tone relabels."""
    sections, tones = tmp_path / "sections", tmp_path / "tones"
    sections.mkdir()
    tones.mkdir()
    return sections, tones


def test_real_tone_rows_of_the_five_folders_find_the_place_as_written_and_keep_the_tone_clear_cut_mark(tmp_path):
    """A sports row names its province only through the club ("HAGL" for Gia Lai): the readers' as-written string
    finds it; the tone folders' clear-cut mark is about the tone; a locality the text never names is left out;
    VNTC rows of one title are one story for cross-validation."""
    from classifiers.training.tone_data import real_tone_items

    vntc = tmp_path / "vntc.jsonl"
    _jsonl(vntc, [{"title": "HAGL thắng đậm", "text": "HAGL đánh bại đối thủ 3-0 trên sân Pleiku."},
                  {"title": "Một vụ án", "text": "Cơ quan điều tra khởi tố vụ án tham ô tại Hà Nội."},
                  {"title": "Không nêu tên", "text": "Một cầu thủ chấn thương."},
                  {"title": "HAGL thắng đậm", "text": "HAGL đánh bại đối thủ 3-0 trên sân Pleiku (đăng lại)."}])
    sections, tones = _label_folders(tmp_path)
    _jsonl(sections / "ctxh_train.jsonl", [{"vntc_row": 1, "title": "Một vụ án", "locality": "Hà Nội",
                                            "tone": "negative", "clear_cut": False}])
    _jsonl(tones / "tone_thethao_train.jsonl", [
        {"vntc_row": 0, "title": "HAGL thắng đậm", "locality": "Gia Lai", "locality_as_written": "HAGL",
         "tone": "positive", "tone_clear_cut": True},
        {"vntc_row": 2, "title": "Không nêu tên", "locality": "Đà Nẵng", "locality_as_written": "",
         "tone": "negative", "tone_clear_cut": True},
        {"vntc_row": 3, "title": "HAGL thắng đậm", "locality": "Gia Lai", "locality_as_written": "HAGL",
         "tone": "positive", "tone_clear_cut": False}])
    rows = {r["item"]["id"]: r for r in real_tone_items(vntc, sections, tones)}
    assert set(rows) == {"vntc-0", "vntc-1", "vntc-3"}
    sport = rows["vntc-0"]
    assert sport["source"] == "vntc_thethao" and sport["label"] == "tich_cuc"
    assert sport["clear_cut"] and sport["tone_clear_cut"]
    assert {p["alias"] for p in sport["item"]["places"]} == {"HAGL", "Pleiku"}  # the club, a former district
    assert rows["vntc-1"]["source"] == "vntc" and not rows["vntc-1"]["tone_clear_cut"]
    assert rows["vntc-3"]["group"] == sport["group"] != rows["vntc-1"]["group"]


def test_real_tone_labels_of_another_vntc_file_are_refused(tmp_path):
    from classifiers.training.tone_data import real_tone_items

    vntc = tmp_path / "vntc.jsonl"
    _jsonl(vntc, [{"title": "Bài khác", "text": "HAGL thắng."}])
    sections, tones = _label_folders(tmp_path)
    _jsonl(tones / "tone_thethao_train.jsonl", [{"vntc_row": 0, "title": "HAGL thắng đậm", "locality": "Gia Lai",
                                                 "locality_as_written": "HAGL", "tone": "positive",
                                                 "tone_clear_cut": True}])
    with pytest.raises(ValueError, match="not the relabelled article"):
        real_tone_items(vntc, sections, tones)


def test_crime_folder_negatives_are_thinned_and_nothing_else():
    """Pháp luật's negatives count about a third (the folder is 95% negative: a shortcut from crime words to
    "negative" for any province), drawn with a fixed seed; its other rows and other folders' rows count once."""
    from classifiers.training.tone_data import ROW_WEIGHTS, weighted

    data = ([{"source": "vntc_phapluat", "label": "tieu_cuc"}] * 300 + [{"source": "vntc_phapluat", "label": "trung_lap"}]
            * 20 + [{"source": "vntc_suckhoe", "label": "tieu_cuc"}] * 50)
    rows = [{"k": k} for k in range(len(data))]
    kept = weighted(data, rows, range(len(rows)))
    crime = sum(1 for r in kept if r["k"] < 300)
    assert abs(crime - 300 * ROW_WEIGHTS[("vntc_phapluat", "tieu_cuc")]) < 30
    assert sum(1 for r in kept if r["k"] >= 300) == 70
    assert kept == weighted(data, rows, range(len(rows)))


def test_a_teaser_copy_keeps_the_title_and_first_sentence_and_only_if_it_still_names_the_place():
    from classifiers.training.tone_data import teaser_copies

    item = {"title": "Mưa lớn gây ngập", "text": "Tại xã Võ Nhai, tỉnh Thái Nguyên, nước ngập 2 m. Xã Phú Lương cũng "
                                                   "bị ngập.\n\nĐoạn sau.",
            "places": [{"field": "text", "start": 4, "end": 14}, {"field": "text", "start": 50, "end": 63}]}
    elsewhere = {"title": "Mưa lớn", "text": "Nước dâng nhanh. Tại xã Võ Nhai, nhiều nhà bị ngập.",
                 "places": [{"field": "text", "start": 21, "end": 31}]}
    data = [{"item": item, "label": "tieu_cuc", "source": "province_items"},
            {"item": elsewhere, "label": "tieu_cuc", "source": "province_items"}]
    copies = teaser_copies(data)
    # The second item's first sentence does not name the place: no tone toward it would be read there.
    assert len(copies) == 1 and copies[0]["label"] == "tieu_cuc"
    assert copies[0]["item"]["text"] == "Tại xã Võ Nhai, tỉnh Thái Nguyên, nước ngập 2 m."
    assert copies[0]["item"]["places"] == [item["places"][0]] and copies[0]["item"]["title"] == item["title"]
    assert data[0]["item"]["text"].endswith("Đoạn sau.")  # the datum itself is untouched


def test_the_shipped_tone_model_learned_from_the_five_more_folders_and_says_how_it_was_chosen():
    import json
    from pathlib import Path

    meta = json.loads((Path(__file__).resolve().parents[2] / "classifiers/data/models/tone/meta.json").read_text())
    assert "vntc_tone/" in meta["data"]["vntc"]
    table = meta["cross_validation"]["by_guard"][str(meta["cross_validation"]["reversal_guard"])]
    # The product runs with what the cross-validation chose, for the model and head that ship.
    settings = Settings()
    assert settings.get_float("classifiers.tone_reversal_guard") == meta["cross_validation"]["reversal_guard"]
    assert settings.get_float("digest.positive_min_score") == meta["cross_validation"]["positive_min_score"]
    head = meta["cross_validation"]["semantic_head"]
    assert (settings.get_float("classifiers.tone_embed_weight"), settings.get_float("classifiers.tone_embed_gate")) \
        == (head["weight"], head["gate"])
    for source in ("vntc_phapluat", "vntc_kinhdoanh", "vntc_suckhoe", "vntc_thethao", "vntc_vanhoa", "vntc_khoahoc",
                   "vntc_vitinh", "real"):
        assert table[source]["n"] > 30


def test_no_tone_training_label_is_an_article_of_the_held_out_real_items():
    """The real held-out set (corpora/real_items) measures tone: none of its articles, by VNTC row or by title,
    may sit in a file the tone model learns from (the second wave reads the VNTC test split too)."""
    import json
    from pathlib import Path

    from classifiers.training.tone_data import SECTION_FILES, TONE_TRAIN, VNTC_TONE, title_key
    from classifiers.training.topic_data import VNTC_SECTIONS

    corpora = Path(__file__).resolve().parents[2] / "classifiers/data/corpora"
    held = [json.loads(line) for line in (corpora / "real_items/heldout.jsonl").open(encoding="utf-8")]
    rows, titles = {h["vntc_row"] for h in held}, {title_key(h["title"]) for h in held}
    files = [VNTC_SECTIONS / name for name in SECTION_FILES] + [VNTC_TONE / name for name in TONE_TRAIN]
    labels = [json.loads(line) for path in files for line in path.open(encoding="utf-8") if line.strip()]
    assert len(labels) > 5000
    assert not [label["vntc_row"] for label in labels
                if label["vntc_row"] in rows or title_key(label["title"]) in titles]


def test_text_written_without_diacritics_is_read_by_the_tone_models_plain_twin():
    """A social post typed without marks: the model for written text finds few of its words; its twin, trained on
    the same rows stripped of their marks, decides such items (held-out writers' articles, never trained on)."""
    from classifiers.training.tone_data import agreement, modern_tone_items
    from pipeline.core.text import record_without_marks

    settings = Settings()
    data = modern_tone_items("heldout")
    twins = {d["others"]: tone_classifier(settings, d["others"]) for d in data}
    assert all(c.plain_model is not None for c in twins.values()), "the shipped tone_plain model must load"
    # The twin runs with its own reversal guard, the one its own cross-validation (ship tone) chose.
    meta = next(iter(twins.values())).plain_model.meta
    assert meta["cross_validation"]["reversal_guard"] == settings.get_float("classifiers.tone_reversal_guard_without_marks")
    assert all(c.plain_guard == meta["cross_validation"]["reversal_guard"] for c in twins.values())

    def labels(classifiers, strip):
        return [classifiers[d["others"]].classify(record_without_marks(d["item"]) if strip else d["item"])["label"]
                for d in data]

    alone = {others: tone_classifier(settings, others) for others in twins}
    for classifier in alone.values():
        classifier.plain_model = None
    truth = [d["label"] for d in data]
    with_twin, without = agreement(truth, labels(twins, True)), agreement(truth, labels(alone, True))
    # The whole stage (EVALUATION.md), clear-cut rows: 0.931 and no reversal with the twin, 0.778 and 4 reversals
    # without.
    assert with_twin["agreement"] >= without["agreement"] + 0.08
    assert with_twin["reversals"] <= without["reversals"]
    assert labels(twins, False) == labels(alone, False)  # text written with its marks: the same model as before
    first = data[0]
    stripped = record_without_marks(first["item"])
    assert "mô hình cho văn bản không dấu" in twins[first["others"]].classify(stripped)["evidence"][0]["detail"]
    assert "không dấu" not in twins[first["others"]].classify(first["item"])["evidence"][0]["detail"]


def test_an_item_in_another_language_is_read_by_the_tone_head_alone():
    """Foreign press about a province: the tone model and the cues know Vietnamese words only; the multilingual
    e5 head for other languages reads the English headline (held-out writers' articles translated, never trained
    on)."""
    from classifiers.training.province_benchmark import ENGLISH
    from classifiers.training.tone_data import agreement, modern_tone_items

    settings = Settings()
    embedder = embedder_from_settings(settings)
    data = modern_tone_items(ENGLISH)
    assert {d["item"]["lang"] for d in data} == {"en"}
    classifiers = {d["others"]: tone_classifier(settings, d["others"], embedder=embedder) for d in data}

    def labels(known):
        return [classifiers[d["others"]].classify(d["item"] if known else {**d["item"], "lang": None})["label"]
                for d in data]

    clear = [k for k, d in enumerate(data) if d["clear_cut"]]
    truth = [data[k]["label"] for k in clear]
    with_head, words = labels(True), labels(False)
    after = agreement(truth, [with_head[k] for k in clear])
    before = agreement(truth, [words[k] for k in clear])
    # EVALUATION.md, "Sixth pass", clear-cut rows: 0.810 and 4 reversals with the head for other languages and its
    # guard, 0.355 and 67 by the word model.
    assert after["agreement"] >= before["agreement"] + 0.4
    assert after["reversals"] <= 6
    other = next(iter(classifiers.values())).head.other_languages
    assert other is not None, "models/tone must ship its head for other languages"
    # Its own guard, as the cross-validation on the English copies of the training rows chose it (ship tone).
    assert other.meta["cross_validation"]["reversal_guard"] == settings.get_float(
        "classifiers.tone_reversal_guard_other_languages")
    assert other.meta["cross_validation"]["positive_min_score"] == settings.get_float(
        "digest.positive_min_score_other_languages")
    detail = classifiers[data[0]["others"]].classify(data[0]["item"])["evidence"][0]["detail"]
    assert "bài không viết bằng tiếng Việt" in detail
    # A home's own model learnt Vietnamese words only too: beside it, the head still reads such items.
    own = {others: tone_classifier(settings, others, home_model=shipped_model(settings, "classifiers.tone_model"),
                                   embedder=embedder) for others in classifiers}
    assert all(c.head is None for c in own.values())
    assert [own[d["others"]].classify(d["item"])["label"] for d in data[:40]] == with_head[:40]


def test_the_guard_is_the_fewest_reversals_within_one_standard_error_of_the_lowest_cost():
    """choose_settings' rule on a made-up table: a looser guard whose lower cost is within noise does not win."""
    from classifiers.training.tone_data import choose_settings

    class Reading:
        features: dict = {}
        cues: list = []

    def row(label):
        return {"reading": Reading(), "label": label, "clear_cut": True, "source": "province_items"}

    # Ten clear-cut rows: good news whose model also fears bad news (0.35), and plainly neutral rows.
    data = [row("tich_cuc") for _ in range(4)] + [row("trung_lap") for _ in range(6)]
    torn = {"tich_cuc": 0.6, "trung_lap": 0.05, "tieu_cuc": 0.35}
    probs = [torn] * 4 + [{"tich_cuc": 0.1, "trung_lap": 0.8, "tieu_cuc": 0.1}] * 6
    chosen = choose_settings(data, probs)
    # Any guard at or under 0.35 turns the four good items neutral (4 errors), the others keep them right (0):
    # the lowest cost is a loose guard, and 4 errors are more than one standard error above it.
    assert chosen["lowest_cost_guard"] == 1.0 and chosen["reversal_guard"] == 1.0
    # One reversal among them makes every loose guard cost more; the tight guards stay.
    data[0]["label"] = "tieu_cuc"
    chosen = choose_settings(data, probs)
    assert chosen["reversal_guard"] <= 0.35
    for entry in chosen["by_guard"].values():
        assert entry["cost_above_lowest"]["cost"] >= 0


def test_aside_copies_read_a_real_article_toward_a_province_it_names_only_aside(tmp_path):
    """An article about Hà Nội that names Nghệ An once in its body is read toward Nghệ An as an aside (neutral, not
    clear-cut, in the article's story group); a province in the title, the locality itself, a province named three
    times and a province never named give no copy; a national article (no locality) gives copies too."""
    from classifiers.training.tone_data import aside_copies, real_tone_items

    vntc = tmp_path / "vntc.jsonl"
    _jsonl(vntc, [
        {"title": "Hà Nội bắt giữ nhóm trộm xe", "text": "Công an Hà Nội bắt 5 đối tượng. Một đối tượng quê Nghệ An. "
                                                     "Hà Nội sẽ xử nghiêm. Xe được đem bán ở Lạng Sơn, Lạng Sơn "
                                                     "và Lạng Sơn."},
        {"title": "Bắc Ninh khánh thành nhà máy", "text": "Nhà máy có vốn từ Đà Nẵng."},
        {"title": "Cả nước xuất khẩu gạo tăng", "text": "Gạo được thu mua nhiều ở An Giang."}])
    sections, tones = _label_folders(tmp_path)
    _jsonl(tones / "tone_phapluat_train.jsonl", [
        {"vntc_row": 0, "title": "Hà Nội bắt giữ nhóm trộm xe", "locality": "Hà Nội", "locality_as_written": "",
         "tone": "negative", "tone_clear_cut": True},
        {"vntc_row": 1, "title": "Bắc Ninh khánh thành nhà máy", "locality": "Đà Nẵng", "locality_as_written": "",
         "tone": "positive", "tone_clear_cut": True},
        {"vntc_row": 2, "title": "Cả nước xuất khẩu gạo tăng", "locality": "", "locality_as_written": "",
         "tone": "neutral", "tone_clear_cut": True}])
    copies = {c["item"]["id"]: c for c in aside_copies(vntc, sections, tones)}
    assert set(copies) == {"vntc-0-aside-Nghệ An", "vntc-2-aside-An Giang"}
    nghe_an = copies["vntc-0-aside-Nghệ An"]
    assert nghe_an["label"] == "trung_lap" and not nghe_an["clear_cut"] and nghe_an["aside"]
    assert [nghe_an["item"]["text"][p["start"]:p["end"]] for p in nghe_an["item"]["places"]] == ["Nghệ An"]
    assert "Hà Nội" in nghe_an["others"] and "Nghệ An" not in nghe_an["others"]
    assert nghe_an["group"] == real_tone_items(vntc, sections, tones)[0]["group"]


def test_the_aside_model_makes_a_province_named_aside_neutral_and_never_an_item_that_does_not_name_it():
    """The shipped aside model (models/tone/aside.json): a national article that names the province once, late,
    beside other places is neutral and the evidence says why; the province's own news that never names it (a
    provincial paper writes "tỉnh") is not an aside; the bar and the model come from the rebuild."""
    import json
    from pathlib import Path

    from classifiers.runtime.tone import Aside

    settings = Settings()
    path = Path(__file__).resolve().parents[2] / "classifiers/data" / settings.get_str("classifiers.tone_aside_model")
    meta = json.loads(path.read_text(encoding="utf-8"))
    aside = Aside.load(path)
    assert 0.5 <= aside.min_probability < 1.0 and meta["copies"] > 1000
    assert meta["by_bar"][str(aside.min_probability)]["cost_above_none"] <= \
        meta["by_bar"][str(aside.min_probability)]["standard_error"]
    text = ("Bộ Công an vừa triệt phá đường dây lừa đảo chiếm đoạt hàng trăm tỷ đồng. Các đối tượng lập hàng chục công"
            " ty ma.\n\nTrụ sở các công ty đặt ở Hà Nội. Đà Nẵng là nơi cất giấu tài sản. Tiền được chuyển qua Đồng "
            "Nai.\n\n"
            + "Cơ quan điều tra đã khởi tố 20 bị can, thu giữ nhiều tài sản; các bị hại ở nhiều địa phương.\n\n" * 8
            + "Hai bị hại ở Thái Nguyên đã trình báo. Công an Thái Nguyên phối hợp xác minh.\n\n")
    item = _item("Triệt phá đường dây lừa đảo hàng trăm tỷ đồng", text)
    reading = ToneReader(other_places=PROFILE.other_provinces).read(item)
    # Named twice, late, never in the title or lead: the passing-mention rules alone miss it; the aside model does not.
    assert not reading.features.get("passing") and aside.probability(reading) >= aside.min_probability
    tone = tone_classifier(settings, PROFILE.other_provinces)
    assert tone.aside is not None
    result = tone.classify(item)
    assert result["label"] == "trung_lap" and result["scores"]["trung_lap"] >= 0.8
    assert "bên lề" in result["evidence"][0]["detail"]
    own = _item("Triển khai kế hoạch sản xuất vụ đông", "UBND tỉnh vừa ban hành kế hoạch sản xuất vụ đông năm 2026.")
    assert aside.probability(ToneReader(other_places=PROFILE.other_provinces).read(own)) == 0.0
    tone.aside = None
    assert "bên lề" not in tone.classify(item)["evidence"][0]["detail"]
