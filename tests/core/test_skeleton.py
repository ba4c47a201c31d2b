"""Spellings that dodge filters are read as a reader reads them, and offsets still point at what was written."""

from __future__ import annotations

import pytest

from pipeline.core.profiles import load_profile
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.skeleton import confusables, match_view


@pytest.mark.parametrize("written, read", [
    ("Тhái Nguyên có lũ", "Thái Nguyên có lũ"),  # Cyrillic Т
    ("ᴛʜᴀ́ɪ ɴɢᴜʏᴇ̂ɴ", "THÁI NGUYÊN"),  # small capitals with combining marks
    ("Bӑ́c Νinh", "Bắc Ninh"),  # Cyrillic a with breve, Greek N
    ("T.h.á.i N.g.u.y.ê.n có lũ", "Thái Nguyên có lũ"),
    ("T-h-á-i N-g-u-y-ê-n", "Thái Nguyên"),
    ("Ngu.yên và Thá.i", "Nguyên và Thái"),
    ("lừa.đảo", "lừa đảo"),  # two syllables: two words
    ("T h á i N g u y ê n", "Thái Nguyên"),
    # Letters of several words run together: cut into syllables, not only where a capital follows a small letter.
    ("Ở P h ổ Y ê n có", "Ở Phổ Yên có"),  # the one-letter word "Ở" joins the run
    ("UBND PHƯỜNG P H A N Đ Ì N H P H Ù N G", "UBND PHƯỜNG PHAN ĐÌNH PHÙNG"),  # all capitals
    ("đường lên c ử a k h ẩ u T r à L ĩ n h", "đường lên cửa khẩu Trà Lĩnh"),  # small letters
    ("vịt quay C a o B ằ n g ở Hà Nội", "vịt quay Cao Bằng ở Hà Nội"),
    ("xưởng K C N D i e m T h u y", "xưởng KCN Diem Thuy"),  # no diacritics; stray letters stay one word
    ("O P h o Y e n co", "O Pho Yen co"),
    ("ĐІ̀NH", "ĐÌNH"),  # a Cyrillic capital І under a combining grave: a capital I, not a small L
    # Whole syllables joined by a dot, an underscore or a bullet; hashtags of syllables run together.
    ("Thái.Nguyên có biến", "Thái Nguyên có biến"),
    ("CAO.BẰNG: sạt lở", "CAO BẰNG: sạt lở"),
    ("Tuyên_Quang, Cao•Bằng", "Tuyên Quang, Cao Bằng"),
    ("#ThaiNguyen mưa lớn", "#Thai Nguyen mưa lớn"),
    ("vlog #thainguyen #TháiNguyên", "vlog #thai nguyen #Thái Nguyên"),
    ("T. h. á. i. N. g. u. y. ê. n có lũ", "Thái Nguyên có lũ"),  # a dot after each letter
    ("TháiNguyên, ThaiNguyen, BắcNinh", "Thái Nguyên, Thai Nguyen, Bắc Ninh"),  # camel case: one syllable a part
    ("ở XínMần và ĐèoMãPíLèng", "ở Xín Mần và Đèo Mã Pí Lèng"),  # rarer syllables, well shaped
    ("Big C T. h. a. i. N. g. u. y. e. n. tam", "Big C Thai Nguyen. tam"),
])
def test_hidden_spellings_are_undone(written, read):
    assert match_view(written).text == read


@pytest.mark.parametrize("text", [
    "P.Quang Trung, TP. Thái Nguyên", "baothainguyen.vn và dichvucong-gov.vn.xyz", "1.000 người", "Việt-Trung",
    "TP.HCM", "ở á ạ", "Sở Y tế tỉnh Bắc Ninh", "Ông Nguyễn Văn A", "#breakingnews", "#covid19", "Hà Nội-Lào Cai",
    "iPhone, YouTube, VinFast, VnExpress, eBay, iPay", "baoThaiNguyen.vn", "ThaiNguyen@gmail.com",
    "Ông A. B. C. D. đến", "điều trị kịp thời.Bệnh nhân", "họp ở Hà Nội.Mục tiêu", "tăng gấp đôi.Khi đó",
])
def test_ordinary_writing_is_left_alone(text):
    view = match_view(text)
    assert view.text == text.replace("TP.HCM", "TP.HCM") and not view.changed


def test_offsets_map_back_to_the_text_as_written():
    written = "Tin nóng: T.h.á.i N.g.u.y.ê.n và Тhái Bình"
    view = match_view(written)
    start = view.text.index("Nguyên")
    s, e = view.span(start, start + len("Nguyên"))
    assert written[s:e] == "N.g.u.y.ê.n"
    start = view.text.index("Thái Bình")
    s, e = view.span(start, start + len("Thái Bình"))
    assert written[s:e] == "Тhái Bình"


def test_a_name_spelled_letter_by_letter_points_at_its_own_letters():
    # The run "Ở P h ổ Y ê n" holds three words; the name's evidence is its own letters, not the "Ở" before it.
    written = "CẢNH BÁO: Ở P h ổ Y ê n có nhóm lừa đảo"
    view = match_view(written)
    assert view.text == "CẢNH BÁO: Ở Phổ Yên có nhóm lừa đảo"
    start = view.text.index("Phổ Yên")
    s, e = view.span(start, start + len("Phổ Yên"))
    assert written[s:e] == "P h ổ Y ê n"


def test_vietnamese_letters_are_never_confusables():
    table = confusables()
    assert table["Т"] == "T" and table["ᴛ"] == "T" and table["а"] == "a"
    for letter in "ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ":
        assert letter not in table


@pytest.fixture(scope="module")
def thai_nguyen():
    return RelevanceMatcher(load_profile("thai-nguyen"))


@pytest.mark.parametrize("title", [
    "Тhái Nguyên: mưa lớn gây sạt lở", "ᴛʜᴀ́ɪ ɴɢᴜʏᴇ̂ɴ mưa lớn", "T.h.á.i N.g.u.y.ê.n có lũ",
    "T h á i N g u y ê n có lũ", "Mưa lớn ở Thái Ngu.yên", "Cảnh báo: ở T h á i N g u y ê n có lũ",
    "CẢNH BÁO SẠT LỞ: T H Á I N G U Y Ê N", "Thai Nguyen co lu lon, nguoi dan so tan 😭", "Thái.Nguyên: mưa lớn",
    "Mưa lớn gây ngập #ThaiNguyen", "Mưa lớn gây ngập nhiều nơi #thainguyen", "Thái-Nguyên: mưa lớn",
    "TháiNguyên mưa lớn", "T. h. á. i. N. g. u. y. ê. n có lũ",
])
def test_relevance_sees_the_province_through_evasion_and_points_at_the_written_name(thai_nguyen, title):
    result = thai_nguyen.match(title, "")
    assert result.relevant
    place = result.places[0]
    assert place["name"] == "Tỉnh Thái Nguyên"
    assert title[place["start"]:place["end"]] == place["alias"]


def test_lower_case_commune_names_without_diacritics_are_words_not_places(thai_nguyen):
    # "là bằng", "cho ra đời" written without diacritics read as the communes La Bằng and Chợ Rã.
    text = "khong ket hon la bang chung cua tinh yeu, ho da cho ra doi mot cap song sinh"
    assert not thai_nguyen.match("", text).relevant
    assert thai_nguyen.match("", "mua lon o xa la bang, huyen dai tu").relevant
    assert thai_nguyen.match("", "lu lon o thai nguyen dem qua").relevant
