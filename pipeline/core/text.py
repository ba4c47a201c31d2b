"""Vietnamese text normalisation: the one place every other module gets its text from.

Search, relevance, dedup and the classifiers must all see the same characters, or "hoà" in a page and
"hòa" in a profile never meet. So every piece of text goes through :func:`normalize` once, and matching
uses :func:`fold` (no diacritics, lower case) as its key.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Tone marks as combining characters (NFD): grave, acute, tilde, hook above, dot below.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"

# One tone-mark convention: the "old style" used by most of the press and by the administrative
# unit names ("hòa", "thúy", "khỏe"). "New style" text ("hoà", "thuý", "khoẻ") puts the mark on the
# second vowel of an open syllable ending in oa, oe or uy; we move it to the first. "quý" keeps its
# mark on y because "qu" is a consonant. Working on NFC text with the precomposed toned vowels avoids
# a decompose/recompose round trip (the costliest step of normalize() before) and leaves "hoặc" alone:
# ặ carries a breve, so it is not a toned plain a.
_TONED = {
    unicodedata.normalize("NFC", base + tone): (base, tone) for base in "aAeEyY" for tone in TONE_MARKS
}
_TONED_AE = "".join(c for c, (base, _) in _TONED.items() if base in "aAeE")
_TONED_Y = "".join(c for c, (base, _) in _TONED.items() if base in "yY")
# "Open" means no letter follows, and no combining mark that failed to compose either.
_OPEN_END = r"(?![^\W\d_]|[\u0300-\u036f])"
# The look-behind sits after the first letter: at the start it would cost a check at every position.
_NEW_STYLE = re.compile(rf"([oOuU])(?<![qQ].)([{_TONED_AE}{_TONED_Y}]){_OPEN_END}")


def _move_tone(match: re.Match[str]) -> str:
    first, toned = match.group(1), match.group(2)
    base, tone = _TONED[toned]
    if (first in "oO") != (base in "aAeE"):  # "uà", "oý": not one of the two rhymes
        return match.group(0)
    return unicodedata.normalize("NFC", first + tone) + base


# Invisible or odd characters seen in crawled pages: zero-width, soft hyphen, BOM, bidi marks.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e]")
# Spaces other than the plain one (no-break, thin, ideographic...).
_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACE = re.compile(r"[ \t]+")
_MULTI_NEWLINE = re.compile(r"\n{3,}")
# White space at either end of a line (one pass over the text, not one per line).
_LINE_EDGES = re.compile(r"[^\S\n]*\n[^\S\n]*")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Characters XML 1.0 forbids (C0 controls but tab and line ends, lone surrogates, U+FFFE/U+FFFF): one NUL in an
# item would make the day's DOCX, PDF and XLSX fail, so text loses them once, here. Vertical tab and form feed
# separate lines in some copied text: they become line ends.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_FEEDS = re.compile("[\x0b\x0c]")


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot carry (every document format is XML or a cousin of it).

    Renderers call it too, so text stored before normalisation removed these characters is still written."""
    if not text:
        return text
    return _XML_ILLEGAL.sub("", _LINE_FEEDS.sub("\n", text))


def normalize_tone_marks(text: str) -> str:
    """Rewrite text in the old tone-mark style ("hoà" -> "hòa"), keeping everything else; NFC."""
    return _NEW_STYLE.sub(_move_tone, unicodedata.normalize("NFC", text))


def normalize(text: str | None, *, keep_newlines: bool = True) -> str:
    """NFC, one tone-mark convention, legacy encodings repaired, invisible, odd-space and XML-illegal characters
    removed."""
    if not text:
        return ""
    from pipeline.core.legacy import repair_legacy_encoding

    text = repair_legacy_encoding(xml_safe(text))
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACE.sub(" ", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = normalize_tone_marks(text)
    if keep_newlines:
        text = _LINE_EDGES.sub("\n", _MULTI_SPACE.sub(" ", text))
        return _MULTI_NEWLINE.sub("\n\n", text).strip()
    return _MULTI_SPACE.sub(" ", text.replace("\n", " ")).strip()


def _fold_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    base = base.replace("đ", "d").replace("Đ", "D")
    return base if len(base) == 1 else char


# Latin letters with diacritics (Latin-1, Extended-A/B, Vietnamese in Extended Additional) -> base letter.
_FOLD_TABLE = {
    code: _fold_char(chr(code))
    for block in (range(0xC0, 0x250), range(0x1E00, 0x1F00))
    for code in block
    if _fold_char(chr(code)) != chr(code)
}


def strip_marks(text: str) -> str:
    """The text as people type it without diacritics, case kept ("Bắc Kạn" -> "Bac Kan"): what the section and
    tone models' twins for such text learn from and read (classifiers/runtime/itemtext.py)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.translate(_FOLD_TABLE)


def record_without_marks(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of an item or model row with its title, lead and text stripped of their marks (:func:`strip_marks`)."""
    return {k: strip_marks(v) if k in ("title", "lead", "text") and isinstance(v, str) else v
            for k, v in record.items()}


def fold(text: str) -> str:
    """The diacritic-free, lower-case key used for search and matching ("Bắc Kạn" -> "bac kan").

    Length-preserving, so offsets found in the folded text are offsets in the (NFC) original: relevance
    relies on this to report spans. One C-level translate and lower() per call: the pipeline folds every
    item several times.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    folded = text.translate(_FOLD_TABLE).lower()
    if len(folded) != len(text):  # a rare letter whose lower case is two characters ("İ")
        folded = "".join(low if len(low := c.lower()) == 1 else c for c in text.translate(_FOLD_TABLE))
    return folded


def words(text: str) -> list[str]:
    """Syllables (whitespace and punctuation split), in order."""
    return _WORD.findall(text)


def segment(text: str) -> list[str]:
    """Multi-syllable words ("Bắc Kạn", "biên giới") joined with "_", as Vietnamese NLP tools expect."""
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize(text).split()
