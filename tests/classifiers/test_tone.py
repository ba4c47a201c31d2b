"""Tone toward the province: cues near its places, negation, evidence."""

from __future__ import annotations

import pytest

from classifiers.runtime.tone import ToneClassifier


@pytest.fixture(scope="module")
def tone() -> ToneClassifier:
    return ToneClassifier()


def _item(title: str, text: str, place: str = "Thái Nguyên") -> dict:
    places = []
    for field_name, value in (("title", title), ("text", text)):
        start = value.find(place)
        while start >= 0:
            places.append({"name": f"Tỉnh {place}", "kind": "province", "field": field_name, "start": start,
                           "end": start + len(place)})
            start = value.find(place, start + 1)
    return {"title": title, "text": text, "places": places}


def test_praise_of_the_province_is_positive_with_the_cues_as_evidence(tone):
    item = _item("Thái Nguyên dẫn đầu cả nước về thu hút đầu tư",
                 "Năm nay tỉnh Thái Nguyên tiếp tục phát triển mạnh, được vinh danh trong top đầu về cải cách.")
    result = tone.classify(item)
    assert result["label"] == "tich_cuc"
    spans = [e for e in result["evidence"] if e["kind"] == "term"]
    assert {"dẫn đầu", "phát triển"} <= {e["text"] for e in spans}
    for evidence in spans:
        assert item[evidence["field"]][evidence["start"]:evidence["end"]] == evidence["text"]


def test_wrongdoing_in_the_province_is_negative(tone):
    item = _item("Sai phạm tại dự án ở Thái Nguyên", "Dự án ở Thái Nguyên chậm tiến độ, gây thất thoát, người dân bức xúc.")
    assert tone.classify(item)["label"] == "tieu_cuc"


def test_a_negated_positive_cue_counts_as_negative(tone):
    item = _item("Dự án ở Thái Nguyên không hiệu quả", "Công trình ở Thái Nguyên không hiệu quả và xuống cấp.")
    result = tone.classify(item)
    assert result["label"] == "tieu_cuc"
    assert any("bị phủ định" in e["detail"] for e in result["evidence"])


def test_fighting_corruption_is_not_negative_news(tone):
    item = _item("Thái Nguyên đẩy mạnh phòng, chống tham nhũng", "Tỉnh Thái Nguyên triển khai công tác phòng, chống tham nhũng.")
    assert tone.classify(item)["label"] != "tieu_cuc"


def test_bad_news_elsewhere_barely_moves_the_province_tone(tone):
    item = _item("Thái Nguyên tổ chức hội nghị thường kỳ",
                 "Hội nghị diễn ra tại Thái Nguyên. Trong khi đó ở một tỉnh khác xảy ra tai nạn.")
    result = tone.classify(item)
    assert result["label"] == "trung_lap"
    far = [e for e in result["evidence"] if e.get("text") == "tai nạn"]
    assert far and "xa địa danh" in far[0]["detail"]


def test_a_tone_model_trained_on_analysts_labels_is_averaged_in_with_its_reason():
    from classifiers.training.learn import train_model

    rows = ([{"text": f"bà con phấn khởi, mùa màng bội thu lần {n}", "label": "tich_cuc"} for n in range(15)]
            + [{"text": f"người dân bức xúc vì rác thải bốc mùi lần {n}", "label": "tieu_cuc"} for n in range(15)]
            + [{"text": f"ủy ban tổ chức cuộc họp định kỳ lần {n}", "label": "trung_lap"} for n in range(15)])
    tone = ToneClassifier(model=train_model(rows, "tone"))
    result = tone.classify(_item("Ở Thái Nguyên mùa màng của bà con năm nay", ""))  # no lexicon cue at all
    assert not [e for e in result["evidence"] if e["kind"] == "term"]
    assert result["label"] == "tich_cuc"
    assert any(e["kind"] == "model" and "nhãn của cán bộ" in e["detail"] for e in result["evidence"])
