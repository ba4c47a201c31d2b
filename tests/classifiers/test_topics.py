"""Topic tagging: rules with evidence spans that point at the right text, diacritics, learned components."""

from __future__ import annotations

import pytest

from classifiers.runtime.topics import TopicTagger
from classifiers.training.learn import train_model
from pipeline.core.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

BRIEF_TOPICS = {"bien_dao", "bien_gioi", "chu_quyen", "dan_chu", "nhan_quyen", "ton_giao", "dan_toc", "doi_ngoai",
                "dau_tu", "du_lich_van_hoa", "kinh_te_xa_hoi", "quoc_phong_an_ninh", "dai_hoi_dang",
                "sap_xep_bo_may", "dinh_cong_kcn", "ngay_le", "thien_tai_su_co"}


@pytest.fixture(scope="module")
def tagger() -> TopicTagger:
    return TopicTagger(load_taxonomy())


def _ids(tags):
    return [t["id"] for t in tags]


def test_taxonomy_covers_every_topic_of_the_brief_with_vietnamese_labels():
    taxonomy = load_taxonomy()
    assert set(taxonomy.ids) >= BRIEF_TOPICS
    for topic in taxonomy.topics:
        assert topic.label and topic.description and topic.terms
    assert taxonomy.get("bien_dao").label == "Biển đảo"


def test_taxonomy_with_a_topic_missing_its_terms_is_refused_with_the_topic_named():
    with pytest.raises(TaxonomyError, match="bad_topic"):
        parse_taxonomy({"topics": [{"id": "bad_topic", "label": "X", "description": "Y"}]})


def test_evidence_spans_point_at_the_matched_words(tagger):
    item = {"title": "Bộ đội Biên phòng Cao Bằng tuần tra cột mốc",
            "text": "Tại cửa khẩu Tà Lùng, lực lượng chức năng phát hiện 5 người xuất nhập cảnh trái phép."}
    tags = tagger.tag(item)
    border = next(t for t in tags if t["id"] == "bien_gioi")
    assert border["label"] == "Biên giới trên đất liền"
    terms = [e for e in border["evidence"] if e["kind"] == "term"]
    assert terms
    for evidence in terms:
        assert item[evidence["field"]][evidence["start"]:evidence["end"]] == evidence["text"]
    assert {"Bộ đội Biên phòng", "cột mốc", "xuất nhập cảnh trái phép"} <= {e["text"] for e in terms}
    assert all(e["detail"] for e in border["evidence"])


def test_one_article_gets_several_topics(tagger):
    item = {"title": "Công nhân ngừng việc tập thể tại khu công nghiệp có vốn FDI",
            "text": "Hàng trăm công nhân ngừng việc vì công ty nợ lương; doanh nghiệp có vốn đầu tư trực tiếp nước ngoài."}
    ids = _ids(tagger.tag(item))
    assert "dinh_cong_kcn" in ids and "dau_tu" in ids


def test_text_without_diacritics_still_matches_multi_syllable_terms(tagger):
    item = {"title": "Sat lo dat o Bao Lac", "text": "Mua lon gay sat lo dat va lu quet tai nhieu xa."}
    tags = tagger.tag(item)
    disaster = next(t for t in tags if t["id"] == "thien_tai_su_co")
    assert {"Sat lo dat", "lu quet"} <= {e["text"] for e in disaster["evidence"]}


def test_a_word_that_only_folds_to_a_term_does_not_match_in_accented_text(tagger):
    # "tay" (hand) and "dao" (knife) fold like the ethnic names Tày and Dao.
    item = {"title": "Cụ bà bị dao cứa vào tay", "text": "Người nhà đưa cụ đi cấp cứu, cụ đã qua cơn nguy kịch."}
    assert "dan_toc" not in _ids(tagger.tag(item))


def test_zero_shot_similarity_adds_model_evidence_and_finds_the_topic_without_terms(embedder):
    tagger = TopicTagger(load_taxonomy(), embedder)
    # No term of the taxonomy in it ("du khách" is not "khách du lịch"): only the description similarity speaks.
    item = {"title": "Hàng nghìn du khách check-in hồ nước trong xanh giữa núi rừng", "text": ""}
    assert TopicTagger(load_taxonomy()).tag(item) == []
    tags = tagger.tag(item, embedder.encode([item["title"]])[0])
    assert [t["id"] for t in tags] == ["du_lich_van_hoa"]
    assert [e["kind"] for e in tags[0]["evidence"]] == ["model"]
    assert "cosine" in tags[0]["evidence"][0]["detail"]


def test_a_topic_model_trained_on_analysts_labels_is_used_with_its_reason():
    rows = ([{"text": f"Giá lúa gạo vụ mùa năm {n} tăng, nông dân phấn khởi", "label": "confirmed"} for n in range(20)]
            + [{"text": f"Trận bóng đá giao hữu số {n} kết thúc với tỷ số hòa", "label": "rejected"} for n in range(20)])
    model = train_model(rows, "topic:kinh_te_xa_hoi")
    tagger = TopicTagger(load_taxonomy(), models={"topic:kinh_te_xa_hoi": model})
    tags = tagger.tag({"title": "Nông dân phấn khởi vì giá lúa gạo tăng", "text": ""})
    economy = next(t for t in tags if t["id"] == "kinh_te_xa_hoi")
    assert any(e["kind"] == "model" and "topic:kinh_te_xa_hoi" in e["detail"] for e in economy["evidence"])
