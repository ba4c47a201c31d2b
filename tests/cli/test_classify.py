"""`diemtin classify`: the whole classification of texts, one JSON object per input line, nothing stored."""

from __future__ import annotations

import json

from tests.conftest import json_lines, run_cli

ROWS = [
    {"title": "", "text": "CHIA SẺ GẤP!!! Nghe nói tối nay vỡ đập hồ Núi Cốc, bà con Thái Nguyên sơ tán ngay, "
                          "chính quyền đang giấu!!!"},
    {"title": "Thực hư tin vỡ đập hồ Núi Cốc",
     "text": "Thông tin vỡ đập hồ Núi Cốc lan truyền trên mạng là tin giả, Sở Nông nghiệp và Môi trường tỉnh "
             "Thái Nguyên khẳng định đập vẫn an toàn."},
    {"title": "", "text": "[VNeID] Tai khoan dinh danh cua ban se bi khoa. Cap nhat ngay tai vneid-gov.vn.xyz "
                          "va cung cap ma OTP de tranh gian doan."},
    {"title": "UBND tỉnh đối thoại về giá đất",
     "text": "Người dân Phổ Yên bức xúc vì giá bồi thường thấp, đề nghị tỉnh công khai cách tính giá."},
]


def test_classify_prints_every_field_in_input_order_and_stores_nothing(home):
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS[:2]) + "\nnot json\n" + \
        "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS[2:]) + "\n"
    out = json_lines(run_cli("classify", "-", "--json", home=home, input=text).stdout)
    assert len(out) == 5
    rumour, debunk, bad, scam, criticism = out
    assert bad == {"line": 3, "error": bad["error"]} and "JSON" in bad["error"]
    for answer in (rumour, debunk, scam, criticism):
        assert {"relevant", "places", "flags", "flag_scores", "claim_matches", "topics", "tone"} <= set(answer)
        assert set(answer["flag_scores"]) == {"likely_false", "scam", "incitement", "sovereignty"}
    assert rumour["relevant"] and rumour["places"]
    lf = next(f for f in rumour["flags"] if f["name"] == "likely_false")
    assert lf["evidence"] and lf["harms"] == ["public_safety"]
    assert not any(f["name"] == "likely_false" for f in debunk["flags"])
    assert not scam["relevant"] and [f["name"] for f in scam["flags"]] == ["scam"]
    assert criticism["flags"] == [] and criticism["topics"] is not None and criticism["tone"]
    with home.open_store() as store:
        assert store.count_items() == 0


def test_classify_reads_a_file_and_needs_no_home(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(ROWS[2], ensure_ascii=False) + "\n", encoding="utf-8")
    out = json_lines(run_cli("classify", str(path), "--json", home=tmp_path / "none").stdout)
    assert [f["name"] for f in out[0]["flags"]] == ["scam"]
    missing = run_cli("classify", str(tmp_path / "missing.jsonl"), home=tmp_path / "none", check=False)
    assert missing.returncode == 2 and "không tìm thấy tệp" in missing.stderr


def test_classify_reads_the_text_under_the_names_other_tools_give_it(home):
    """A partner's export says "content" or "maintext", a feed only "summary": the text is read, not the title
    alone; "text" itself always wins."""
    rumour, scam = ROWS[0]["text"], ROWS[2]["text"]
    rows = [{"title": "", "content": rumour}, {"title": "Thông báo", "maintext": scam},
            {"title": "", "summary": rumour}, {"title": "", "text": scam, "content": rumour}]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    content, maintext, summary, both = json_lines(run_cli("classify", "-", "--json", home=home, input=text).stdout)
    for answer in (content, summary):
        assert answer["relevant"] and "likely_false" in [f["name"] for f in answer["flags"]]
    assert [f["name"] for f in maintext["flags"]] == ["scam"]
    assert not both["relevant"] and [f["name"] for f in both["flags"]] == ["scam"]


def test_an_english_report_about_the_province_is_read_by_the_heads_for_other_languages(home):
    """Foreign press: the language is detected and said, and the section and tone come from the multilingual
    heads, which say so in their evidence."""
    rows = [{"title": "Flash floods kill three in Thai Nguyen province, thousands evacuated",
             "text": "Torrential rain triggered flash floods and landslides in Thai Nguyen province on Monday, killing "
                     "three people and forcing thousands of residents to evacuate, local authorities said."},
            ROWS[1]]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    english, vietnamese = json_lines(run_cli("classify", "-", "--json", home=home, input=text).stdout)
    assert (english["lang"], vietnamese["lang"]) == ("en", "vi")
    assert english["relevant"] and english["topics"][0]["sections"][0] == "moi_truong"
    assert english["tone"]["label"] == "tieu_cuc"
    for answer in (english["topics"][0]["evidence"], english["tone"]["evidence"]):
        assert "bài không viết bằng tiếng Việt" in answer[0]["detail"]
    assert "bài không viết bằng tiếng Việt" not in vietnamese["tone"]["evidence"][0]["detail"]
