"""The classifier stages inside the real batch pipeline: every field set, with evidence, duplicates skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers.runtime.embed import PASSAGE, QUERY, Embedder
from classifiers.stages import build_stages
from pipeline.core.home import Home
from pipeline.core.item import item_id
from pipeline.core.process import Pipeline
from pipeline.core.settings import DEFAULTS
from pipeline.office.setup import create_home
from tests.conftest import json_lines, run_cli

FLOOD = ("Do ảnh hưởng của hoàn lưu bão, tại tỉnh Cao Bằng mưa lớn kéo dài gây sạt lở đất ở nhiều xã vùng cao, "
         "thiệt hại nặng về tài sản của người dân. Lực lượng chức năng đã có mặt để khắc phục hậu quả, di dời "
         "các hộ dân ra khỏi vùng nguy hiểm và bảo đảm an toàn giao thông trên các tuyến đường bị chia cắt.")
RAWS = [
    {"url": "https://baocaobang.vn/lu-1", "source": "bao-cao-bang", "published_at": "2026-11-25T08:00:00Z",
     "title": "Cao Bằng: mưa lớn gây sạt lở đất, nhiều tuyến đường bị chia cắt", "text": FLOOD},
    {"url": "https://tinmoi.example/lu-copy", "source": "", "published_at": "2026-11-25T09:00:00Z",
     "title": "Cao Bằng: mưa lớn gây sạt lở đất, nhiều tuyến đường bị chia cắt",
     "text": FLOOD.replace("kéo dài", "liên tục").replace("nặng", "lớn")},
    {"url": "https://fb.example/p3", "source": "", "published_at": "2026-11-25T10:00:00Z",
     "title": "Tin nóng: Việt Nam đã mất thác Bản Giốc ở Cao Bằng cho Trung Quốc",
     "text": "Chia sẻ gấp! Sau hiệp ước năm 1999 thác Bản Giốc đã thuộc về Trung Quốc, báo chí không dám đưa."},
]


def _home(tmp_path: Path) -> Home:
    return create_home(tmp_path / "home", "cao-bang")


def test_process_sets_classifier_fields_with_evidence_and_skips_copies(tmp_path):
    home = _home(tmp_path)
    with home.open_store() as store:
        stages = build_stages(home, store)
        assert [s.name for s in stages] == ["near_duplicates", "clusters", "embed", "claims", "topics",
                                            "tone", "flags", "urgency"]
        store.enqueue_raw(RAWS)
        Pipeline(home, store, stages).run()
        flood, copy, rumour = store.get_items([item_id(r["url"]) for r in RAWS])
    assert flood["relevant"] and "thien_tai_su_co" in [t["id"] for t in flood["topics"]]
    assert flood["tone"]["label"] == "tieu_cuc" and flood["tone"]["evidence"]
    assert flood["urgency"] > 0 and flood["urgency_reasons"] and flood["cluster_id"]
    assert copy["duplicate_of"] == flood["id"] and not copy.get("topics") and not copy.get("flags")
    assert copy["cluster_id"] == flood["cluster_id"]
    likely_false = next(f for f in rumour["flags"] if f["name"] == "likely_false")
    claim = next(e for e in likely_false["evidence"] if e["kind"] == "claim")
    assert "Bản Giốc" in claim["text"], "matched the shipped example claim about Bản Giốc"
    assert rumour["urgency"] > flood["urgency"]
    assert any("có thể sai sự thật" in reason for reason in rumour["urgency_reasons"])
    for item in (flood, rumour):  # every score shown to an analyst comes with its reason
        for scored in [*item["topics"], *item["flags"], item["tone"]]:
            assert 0.0 <= scored["score"] <= 1.0 and scored["evidence"]
            assert all(e["detail"] and e["kind"] in ("term", "claim", "source", "model") for e in scored["evidence"])
        assert item["urgency_reasons"]


def test_items_command_shows_the_classifier_fields(tmp_path):
    home = _home(tmp_path)
    with home.open_store() as store:
        store.enqueue_raw(RAWS[:1])
        Pipeline(home, store).run()
    shown = json_lines(run_cli("items", "--json", home=home).stdout)
    assert shown and {"topics", "tone", "flags", "cluster_id", "duplicate_of", "urgency"} <= set(shown[0])


def test_a_model_retrained_in_the_homes_registry_is_used_by_the_flag_stage(tmp_path):
    from classifiers.training.registry import retrain

    home = _home(tmp_path)
    rows = ([{"text": f"bọn chúng toàn lũ ăn hại số {n}, dẹp hết đi", "label": "confirmed"} for n in range(30)]
            + [{"text": f"hội nghị tổng kết công tác năm {n} diễn ra tốt đẹp", "label": "rejected"} for n in range(30)])
    with home.open_store() as store:
        retrain(home.path, store, "flag:incitement", rows)
        stages = {s.name: s for s in build_stages(home, store)}
        item = {"id": "x1", "title": "bọn chúng toàn lũ ăn hại, dẹp hết đi", "text": "", "relevant": True}
        stages["flags"]([item], store)
    flag = next(f for f in item["flags"] if f["name"] == "incitement")
    # The home's model (analysts' decisions) replaces the shipped one of the same task.
    assert any(e["kind"] == "model" and "flag:incitement" in e["detail"] for e in flag["evidence"])
    assert item["flag_scores"]["incitement"] == flag["score"] and set(item["flag_scores"]) == {
        "likely_false", "scam", "incitement", "sovereignty"}


def test_only_items_close_to_a_known_claim_are_embedded_and_a_paraphrase_still_matches(tmp_path, embedder):
    home = _home(tmp_path)
    embedded: list[str] = []

    def recording(texts: list[str], is_query: bool) -> np.ndarray:
        embedded.extend(texts)
        return embedder.encode(texts, QUERY if is_query else PASSAGE)

    raws = [
        {"url": "https://fb.example/p9", "source": "", "published_at": "2026-11-25T10:00:00Z", "title": "",
         "text": "Nghe nói thác Bản Giốc ở Cao Bằng giờ thuộc Trung Quốc rồi, mình mất từ hồi ký hiệp ước 1999."},
        {"url": "https://baocaobang.vn/hoi-cho", "source": "bao-cao-bang", "published_at": "2026-11-25T11:00:00Z",
         "title": "Cao Bằng khai mạc hội chợ nông sản đặc sản vùng cao",
         "text": "Hội chợ nông sản tại thành phố Cao Bằng giới thiệu hạt dẻ Trùng Khánh, miến dong và mật ong bạc hà."},
    ]
    with home.open_store() as store:
        stages = build_stages(home, store, embedder=Embedder("recording", recording, embedder.dim))
        embedded.clear()  # topic descriptions were embedded while building
        store.enqueue_raw(raws)
        Pipeline(home, store, stages).run()
        rumour, fair = store.get_items([item_id(r["url"]) for r in raws])
        claims = {c["claim"] for c in store.list_records("claims")}
    # The claims and the topic descriptions are embedded at first use; of the items, only the rumour.
    heads = (raws[0]["text"][:40], raws[1]["title"][:40])
    items_embedded = [text for text in embedded if text not in claims and text.startswith(heads)]
    assert rumour["relevant"] and fair["relevant"]
    assert rumour["claim_matches"] and "Bản Giốc" in rumour["claim_matches"][0]["claim"]
    assert len(items_embedded) == 1 and "Bản Giốc" in items_embedded[0], "the fair news item was never embedded"
    assert fair["claim_matches"] == [] and fair["topics"] and fair["cluster_id"]


def test_lexical_prefilter_keeps_every_paraphrase_of_the_calibration_set():
    from classifiers.training.calibrate_claims import load_pairs, measure_prefilter

    found = measure_prefilter(load_pairs(), float(DEFAULTS["classifiers"]["claim_prefilter"]))
    assert found["paraphrase"]["recall"] == 1.0
    assert found["unrelated"]["recall"] < 0.05, "most unrelated texts are not embedded"


def test_a_claim_is_found_past_a_preamble_and_a_debunk_titled_so_is_not_flagged_as_it(tmp_path):
    """The claim matcher reads each sentence of the title and lead, not only the first 120 characters; an
    article titled "... là tin giả" that restates the claim is matched to it but never flagged as it."""
    home = _home(tmp_path)
    preamble = ("Tin nóng từ một người quen làm trong ngành ngân hàng, mọi người đọc kỹ rồi chia sẻ cho người thân "
                "ở quê biết nhé. Ngân hàng Nhà nước sắp đổi tiền, tiền đang lưu hành sẽ hết giá trị, "
                "người dân cần đổi gấp.")
    raws = [
        {"url": "https://fb.example/doi-tien", "source": "", "published_at": "2026-11-25T10:00:00Z", "title": "",
         "text": preamble},
        {"url": "https://baocaobang.vn/doi-tien-tin-gia", "source": "bao-cao-bang",
         "published_at": "2026-11-25T11:00:00Z", "title": "Thông tin Ngân hàng Nhà nước sắp đổi tiền là tin giả",
         "text": "Ngân hàng Nhà nước sắp đổi tiền, tiền đang lưu hành sẽ hết giá trị: thông tin này lan truyền ở "
                 "Cao Bằng là tin giả, Ngân hàng Nhà nước khẳng định không có chủ trương đổi tiền."},
    ]
    with home.open_store() as store:
        store.enqueue_raw(raws)
        Pipeline(home, store).run()
        post, debunk = store.get_items([item_id(r["url"]) for r in raws])
    assert post["claim_matches"] and post["claim_matches"][0]["level"] == "near_certain"
    assert "đổi tiền" in post["claim_matches"][0]["claim"]
    assert any(f["name"] == "likely_false" for f in post["flags"])
    assert not post["relevant"]  # it names no place of the province: it is flagged all the same
    assert debunk["claim_matches"] and debunk["claim_matches"][0]["rebuts"] is True
    assert not any(f["name"] == "likely_false" for f in debunk["flags"])


def test_an_article_that_does_not_name_the_province_still_gets_its_section_but_no_tone(tmp_path):
    home = _home(tmp_path)
    raw = {"url": "https://vietnamnet.vn/giao-duc/lich-thi-1.html", "source": "", "published_at": "2026-11-25T08:00:00Z",
           "title": "Bộ GD-ĐT công bố lịch thi tốt nghiệp THPT năm 2026",
           "text": "Kỳ thi tốt nghiệp THPT diễn ra ngày 11 và 12/6; thí sinh làm bốn bài thi, các sở giáo dục chuẩn "
                   "bị điểm thi và giáo viên coi thi."}
    with home.open_store() as store:
        store.enqueue_raw([raw])
        Pipeline(home, store, build_stages(home, store)).run()
        item = store.get_items([item_id(raw["url"])])[0]
    assert item["relevant"] is False and not item.get("tone")
    assert item["topics"] and item["topics"][0]["sections"] == ["giao_duc"]
