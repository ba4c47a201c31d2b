"""Legacy Vietnamese encodings (TCVN3/ABC, VNI-Windows, Windows-1258) detected and converted to Unicode.

Provincial portals and old documents still carry text typed with the ".Vn" (TCVN3/ABC) or VNI fonts.
Served or copied as if it were Windows-1252, it reads "Hµ Néi" (TCVN3) or "Haø Noäi" (VNI) and no
search, relevance rule or classifier can match it. Both encodings are 8-bit; their bytes decoded as
cp1252/latin-1 give the same characters in the 0xA0-0xFF range, so one table per encoding serves
text that arrived already decoded and raw bytes alike.

Detection must never touch good text, so it asks for two kinds of evidence: characters that ordinary
Vietnamese, English or French text hardly uses, and a conversion that turns words which are not
Vietnamese syllables into words that are. Ordinary text costs one ``isascii`` or one regex search.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, partial

# --- TCVN3 (TCVN 5712:1993, the ABC ".Vn" fonts) -------------------------------------------------
# Bytes 0xA1-0xFF of TCVN 5712, from GNU libiconv's lib/tcvn.h (table ``tcvn_2uni_2``), one code point
# per byte in order. TCVN3/VN3 is this upper half; the VN1 extras at 0x01-0x17 and 0x80-0x9F are left
# out, because decoded as cp1252 those bytes are ordinary punctuation (quotes, dashes) in ABC documents.
# Bytes 0xB0-0xB4 are stand-alone combining tone marks in the standard; in practice they are the
# degree, plus-minus and superscript signs of the document, so they are left out as well.
_TCVN3_FIRST_BYTE = 0xA1
_TCVN3_CODE_POINTS = (
    # 0xA1-0xA7: Ă Â Ê Ô Ơ Ư Đ
    0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,
    # 0xA8-0xAF: ă â ê ô ơ ư đ Ằ
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,
    # 0xB0-0xB4: combining marks, not mapped (see above)
    None, None, None, None, None,
    # 0xB5-0xBF: à ả ã á ạ Ẳ ằ ẳ ẵ ắ Ẵ
    0x00E0, 0x1EA3, 0x00E3, 0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,
    # 0xC0-0xCF: Ắ Ầ Ẩ Ẫ Ấ Ề ặ ầ ẩ ẫ ấ ậ è Ể ẻ ẽ
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,
    # 0xD0-0xDF: é ẹ ề ể ễ ế ệ ì ỉ Ễ Ế Ồ ĩ í ị ò
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
    # 0xE0-0xEF: Ổ ỏ õ ó ọ ồ ổ ỗ ố ộ ờ ở ỡ ớ ợ ù
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
    # 0xF0-0xFF: Ỗ ủ ũ ú ụ ừ ử ữ ứ ự ỳ ỷ ỹ ý ỵ Ố
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,
)
_TCVN3_TO_UNICODE: dict[str, str] = {
    chr(_TCVN3_FIRST_BYTE + offset): chr(code_point)
    for offset, code_point in enumerate(_TCVN3_CODE_POINTS)
    if code_point is not None
}
_TCVN3_TRANSLATION = str.maketrans(_TCVN3_TO_UNICODE)
# The same as a charmap codec over cp1252 bytes (C speed, for text that encodes to cp1252 and for raw bytes).
_TCVN3_DECODING_TABLE = "".join(
    _TCVN3_TO_UNICODE.get(c, c) for c in bytes(range(256)).decode("cp1252", errors="replace")
)

# --- VNI-Windows ----------------------------------------------------------------------------------
# VNI writes a Vietnamese letter as an ASCII base letter followed by a modifier byte, except for a few
# precomposed letters. Layout as documented by the VNI font tables of the xvnkb keyboard driver
# (lamdao/xvnkb, vni.h, in the order of its utf.h) and Unikey's VNI-Windows charset: after a vowel,
# ù ø û õ ï (upper case Ù Ø Û Õ Ï) are the five tones; after a, e, o, â á à å ã ä are the circumflex
# with no tone and with each tone; after a, ê é è ú ü ë are the breve likewise; ô ö are ơ ư; í ì æ ó ò
# are i with each tone; î is ỵ; ñ is đ. The table below is built from that description with Unicode
# composition, so every entry is a real precomposed Vietnamese letter.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
_TONES = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
_VNI_TONE_SUFFIXES = ("ùøûõï", "ÙØÛÕÏ")  # lower-case and upper-case glyphs, in _TONES order
_VNI_CIRCUMFLEX_SUFFIXES = ("âáàåãä", "ÂÁÀÅÃÄ")  # no tone, then _TONES order
_VNI_BREVE_SUFFIXES = ("êéèúüë", "ÊÉÈÚÜË")
_VNI_SINGLE = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ", "î": "ỵ", "Î": "Ỵ",
    "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị",
    "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị",
}


def _build_vni_table() -> dict[str, str]:
    def nfc(s: str) -> str:
        return unicodedata.normalize("NFC", s)

    table = dict(_VNI_SINGLE)
    # Tone after a plain vowel, or after ơ/ư written as ô/ö.
    tone_bases = {c: c for c in "aAeEoOuUyY"} | {"ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư"}
    for base, letter in tone_bases.items():
        for suffixes in _VNI_TONE_SUFFIXES:
            for suffix, tone in zip(suffixes, _TONES, strict=True):
                table[base + suffix] = nfc(letter + tone)
    for bases, mark, suffix_sets in (("aAeEoO", _CIRCUMFLEX, _VNI_CIRCUMFLEX_SUFFIXES),
                                     ("aA", _BREVE, _VNI_BREVE_SUFFIXES)):
        for base in bases:
            for suffixes in suffix_sets:
                for suffix, tone in zip(suffixes, ("", *_TONES), strict=True):
                    table[base + suffix] = nfc(base + mark + tone)
    return table


_VNI_TO_UNICODE = _build_vni_table()
_VNI_SUFFIXES = "".join(_VNI_TONE_SUFFIXES + _VNI_CIRCUMFLEX_SUFFIXES + _VNI_BREVE_SUFFIXES)
# A base letter and a modifier first, so "ôù" (ớ) wins over "ô" (ơ); then the precomposed letters.
_VNI_PATTERN = re.compile(f"[aAeEoOuUyYôÔöÖ][{_VNI_SUFFIXES}]|[{''.join(_VNI_SINGLE)}]")

# --- Evidence ---------------------------------------------------------------------------------------
# Latin-1 letters that Unicode Vietnamese uses itself: never evidence of a legacy encoding.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_SIGNAL_CHARS = sorted(
    (set(_TCVN3_TO_UNICODE) | {c for k in _VNI_TO_UNICODE for c in k if not c.isascii()}) - _VIETNAMESE_LATIN1
)
# Also a or e followed by any Latin-1 letter: no Vietnamese rhyme has it, VNI writes most vowels so.
_SIGNAL = re.compile("[" + re.escape("".join(_SIGNAL_CHARS)) + "]|[aAeE][\u00c0-\u00ff]")

# At least this many legacy-only characters before a text is examined at all ("many", not a stray ©).
MIN_SIGNAL_CHARS = 2
# At least this many words with non-ASCII letters to judge from.
MIN_WORDS = 2
# The converted text: at least this share of its non-ASCII words are Vietnamese syllables...
MIN_CONVERTED_VALID = 0.8
# ...and this share more than in the input (good Unicode Vietnamese is near 1.0 and cannot gain this).
MIN_GAIN_TEXT = 0.5
# Judging from the start of a long text is enough, and keeps the cost of a suspicious text bounded.
SAMPLE_CHARS = 2000
# Bytes have no "good as it is" reading to protect beyond cp1252, so a smaller gain suffices.
MIN_GAIN_BYTES = 0.3

# A word: a run of anything but white space, ASCII punctuation, digits and general punctuation (quotes,
# dashes); TCVN3's tone glyphs (¸ µ ...) are Latin-1 symbols and must stay inside their word.
_WORD = re.compile(r"[^\s!-@\[-`{-~\u2010-\u2027]+")
_TONE_MARKS = frozenset(_TONES)
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:iêu|yêu|uyê|uya|uyu|ươi|ươu|oai|oao|oay|oeo|uây|uôi"
    r"|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|yê"
    r"|ieu|yeu|uye|uoi|uou|uay|eu|ie|uo|ue|ye"  # the same typed without diacritics
    r"|[aăâeêioôơuưy])"
    r"(?:ch|ng|nh|[cmnpt])?"
)


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """True when a word could be one written Vietnamese syllable: onset, rhyme, at most one tone mark."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    toneless = "".join(c for c in decomposed if c not in _TONE_MARKS)
    if len(decomposed) - len(toneless) > 1:
        return False
    return _SYLLABLE.fullmatch(unicodedata.normalize("NFC", toneless)) is not None


def _non_ascii_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if not w.isascii()]


def _valid_share(text: str) -> tuple[float, int]:
    """Share of the non-ASCII words that are Vietnamese syllables, and how many such words there are."""
    words = _non_ascii_words(text)
    if not words:
        return 0.0, 0
    return sum(map(is_vietnamese_syllable, words)) / len(words), len(words)


# --- Conversions ------------------------------------------------------------------------------------


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 (ABC) text read as cp1252/latin-1 to Unicode; no detection."""
    try:
        return codecs.charmap_decode(text.encode("cp1252"), "strict", _TCVN3_DECODING_TABLE)[0]
    except UnicodeEncodeError:
        return text.translate(_TCVN3_TRANSLATION)


def vni_to_unicode(text: str) -> str:
    """Convert VNI-Windows text read as cp1252/latin-1 to Unicode; no detection."""
    return _VNI_PATTERN.sub(_vni_replacement, text)


def _vni_replacement(match: re.Match[str]) -> str:
    found = match.group(0)
    if found in _VNI_TO_UNICODE:
        return _VNI_TO_UNICODE[found]
    # A modifier the base does not take ("uâ"): not VNI, keep both (the base may still be ô/ö).
    return _VNI_SINGLE.get(found[0], found[0]) + found[1]


_TEXT_CONVERSIONS: dict[str, Callable[[str], str]] = {"tcvn3": tcvn3_to_unicode, "vni": vni_to_unicode}


def _best_conversion(text: str, candidates: dict[str, Callable[[], str]], min_gain: float) -> str | None:
    """The candidate that reads as Vietnamese where ``text`` does not, or None without strong evidence.

    Candidates are computed only when the input leaves room for the required gain, so good Unicode
    Vietnamese with a few stray symbols costs one scoring pass.
    """
    base_share, words = _valid_share(text)
    if words < MIN_WORDS or base_share > 1.0 - min_gain:
        return None
    best_name, best_share = None, 0.0
    for name, convert in candidates.items():
        share, _ = _valid_share(convert())
        if share > best_share:
            best_name, best_share = name, share
    if best_name is None or best_share < MIN_CONVERTED_VALID or best_share - base_share < min_gain:
        return None
    return best_name


def detect_legacy_encoding(text: str) -> str | None:
    """'tcvn3' or 'vni' when the text is legacy-encoded Vietnamese read as cp1252/latin-1, else None."""
    if text.isascii() or _SIGNAL.search(text) is None:
        return None
    if len(_SIGNAL.findall(text)) < MIN_SIGNAL_CHARS:
        return None
    sample = text[:SAMPLE_CHARS]
    candidates = {name: partial(convert, sample) for name, convert in _TEXT_CONVERSIONS.items()}
    return _best_conversion(sample, candidates, MIN_GAIN_TEXT)


def repair_legacy_encoding(text: str) -> str:
    """The text converted to Unicode if it is TCVN3 or VNI read as cp1252/latin-1; otherwise unchanged."""
    encoding = detect_legacy_encoding(text)
    if encoding is None:
        return text
    return unicodedata.normalize("NFC", _TEXT_CONVERSIONS[encoding](text))


# --- Bytes ------------------------------------------------------------------------------------------


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Bytes a single-byte code page leaves undefined keep their latin-1 reading instead of failing."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("diemtin-latin1", _latin1_fallback)

_DECLARED = {
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn5712": "tcvn3", "tcvn-5712": "tcvn3", "abc": "tcvn3",
    "vni": "vni", "vni-windows": "vni",
    "cp1258": "cp1258", "windows-1258": "cp1258",
}


def _decode_8bit(data: bytes, codec: str) -> str:
    return data.decode(codec, errors="diemtin-latin1")


def _decode_as(data: bytes, encoding: str) -> str:
    if encoding == "cp1258":
        return unicodedata.normalize("NFC", _decode_8bit(data, "cp1258"))
    return unicodedata.normalize("NFC", _TEXT_CONVERSIONS[encoding](_decode_8bit(data, "cp1252")))


def decode_legacy_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode a page or file that may be UTF-8, Windows-1258, TCVN3, VNI or plain Windows-1252; NFC.

    Valid UTF-8 is UTF-8 whatever the server claimed (legacy 8-bit Vietnamese is never valid UTF-8).
    Otherwise a legacy Vietnamese ``declared`` charset is trusted; failing that, among the 8-bit
    readings the one whose words are Vietnamese syllables wins, provided the evidence is strong, and
    the plain cp1252 reading stands when none is.
    """
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    encoding = _DECLARED.get((declared or "").strip().lower().replace("_", "-"))
    if encoding is not None:
        return _decode_as(data, encoding)
    base = _decode_8bit(data, "cp1252")
    candidates = {name: partial(_decode_as, data, name) for name in ("cp1258", *_TEXT_CONVERSIONS)}
    best = _best_conversion(base, candidates, MIN_GAIN_BYTES)
    return _decode_as(data, best) if best is not None else unicodedata.normalize("NFC", base)


def detect_legacy_bytes(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) when bytes that are not UTF-8 read as Vietnamese in a legacy 8-bit encoding (TCVN3,
    VNI, Windows-1258) with strong evidence; None otherwise (the caller refuses them rather than guess)."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    base = _decode_8bit(data, "cp1252")
    candidates = {name: partial(_decode_as, data, name) for name in ("cp1258", *_TEXT_CONVERSIONS)}
    best = _best_conversion(base, candidates, MIN_GAIN_BYTES)
    return (_decode_as(data, best), best) if best is not None else None
