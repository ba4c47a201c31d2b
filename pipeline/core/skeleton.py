"""Spellings that dodge filters, undone for matching: one view of a text that relevance, flags, claim matching
and the search index all read, with every offset mapped back to the text as written.

Scam pages, spam and rumour pages write "Тhái Nguyên" with a Cyrillic Т, "ᴛʜᴀ́ɪ ɴɢᴜʏᴇ̂ɴ" in small capitals,
"T.h.á.i N.g.u.y.ê.n" or "T h á i  N g u y ê n" so that keyword filters miss them. A reader sees the name;
a matcher must too. :func:`match_view` returns the text rewritten the way a reader reads it:

- **confusables skeleton** (Unicode TS 39): every letter that is not Latin but looks like a Latin letter
  (Cyrillic, Greek, Cherokee, small capitals, full-width and mathematical letters...) becomes that Latin letter,
  keeping its case (small capitals become capitals, so "ᴛʜᴀ́ɪ" still reads as a name). The table
  (``confusables.tsv``) is generated from the ``confusable-homoglyphs`` package's copy of Unicode's
  confusables data by ``python -m pipeline.core.skeleton --build``; Vietnamese letters are never mapped;
- **letters split by dots, hyphens, underscores, stars or spaces** are joined: "T.h.á.i" -> "Thái",
  "Ngu.yên" -> "Nguyên", "T h á i N g u y ê n" -> "Thái Nguyên", "Ở P H Ổ Y Ê N" -> "Ở PHỔ YÊN" (the letters
  are cut into the likeliest Vietnamese syllables, ``pipeline/core/syllables.py``); whole syllables joined by an
  underscore or a bullet, or by a dot where they make a word, are words apart ("Tuyên_Quang", "Thái.Nguyên", not
  "Hà Nội.Mục tiêu"), and so are the syllables of a
  hashtag or of a word in camel case ("#ThaiNguyen" -> "#Thai Nguyen", "#thainguyen" -> "#thai nguyen",
  "TháiNguyên" -> "Thái Nguyên"). Ordinary writing is left alone:
  "TP. Thái Nguyên", "P.Quang Trung" (a capitalised word after the dot), domains ("baothainguyen.vn"), numbers
  ("1.000"), "Việt-Trung" (a hyphen between whole syllables).

Text without any of these (nearly all text) comes back as it is, at the cost of a few regular-expression scans
(0.7 ms for 2,500 characters).
The view never replaces the stored text: evidence offsets are mapped back with :meth:`MatchView.span`, so the
dashboard highlights what the page actually says.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline.core.syllables import (
    is_syllable,
    split_letters,
    syllable_shaped,
    two_syllable_words,
    word_ranges,
)
from pipeline.core.text import fold

TABLE_FILE = Path(__file__).with_name("confusables.tsv")

_LETTER = r"[^\W\d_]"
_MARKS = r"[\u0300-\u036f]*"
# A letter with the combining marks written after it (a decomposed "á" is one letter).
_UNIT = rf"(?:{_LETTER}{_MARKS})"
_SPLIT_SEPS = ".\\-_*·•\u2010\u2011"
# Letters joined by a separator inside one token: "T.h.á.i", "Ngu.yên", "P.Quang", "baothainguyen.vn".
_SPLIT_TOKEN = re.compile(rf"(?<![\w.@/\-]){_UNIT}+(?:[{_SPLIT_SEPS}]+{_UNIT}+)+(?![\w@/]|\.\w)")
_SPLIT_PART = re.compile(rf"{_UNIT}+")
# Hyphens join words in ordinary writing ("Việt-Trung", "Hà Nội-Lào Cai"): a hyphen between whole syllables is left.
_HYPHENS = "-\u2010\u2011"
# A hashtag of syllables run together ("#ThaiNguyen", "#thainguyen", "#TháiNguyên").
_HASHTAG = re.compile(rf"(?<![\w#])#((?:{_UNIT}){{4,40}})(?![\w])")
# Four or more single letters separated by single spaces, each maybe with a dot: "T h á i N g u y ê n",
# "T. h. á. i.".
_SPACED_RUN = re.compile(rf"(?<!\w)(?:{_UNIT}\.?[ ]){{3,}}{_UNIT}(?!\w)")
# Syllables run together in camel case, outside hashtags ("TháiNguyên", "ThaiNguyen", "bắcNinh"): small letters,
# then a capital and small letters again. Capitals alone ("THAINGUYEN") are left: acronyms look the same.
_SMALL = "".join(c for c in map(chr, [*range(0x250), *range(0x1E00, 0x1F00)]) if c.isalpha() and c.islower())
_CAPITAL = "".join(c for c in map(chr, [*range(0x250), *range(0x1E00, 0x1F00)]) if c.isalpha() and c.isupper())
_CAMEL = re.compile(rf"(?<![\w#@/.\-])[{_CAPITAL}]?[{_SMALL}]+(?:[{_CAPITAL}][{_SMALL}]+)+(?![\w@/]|\.\w)")
_CAMEL_PART = re.compile(rf"[{_CAPITAL}]?[{_SMALL}]+")
# Vowel groups of a folded word: a Vietnamese syllable has one.
_VOWELS = re.compile("[aeiouy]+")
# Endings that make a dotted token a domain or a file name, never a hidden word.
_DOMAIN_ENDS = {"vn", "com", "net", "org", "gov", "edu", "info", "io", "xyz", "top", "vip", "online", "site", "cc",
                "me", "co", "biz", "app", "shop", "club", "live", "pro", "asia", "html", "htm", "php", "pdf", "jpg",
                "png", "link", "tk", "ml", "ga", "cf", "gq", "us", "uk", "cn", "tv", "ly", "fb"}


@cache
def confusables() -> dict[str, str]:
    """Character -> the Latin letter it imitates (same case), from ``confusables.tsv``."""
    table: dict[str, str] = {}
    if TABLE_FILE.is_file():
        for line in TABLE_FILE.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                code, latin = line.split("\t")[:2]
                table[chr(int(code, 16))] = latin
    return table


# Where Vietnamese text lives: ASCII, Latin-1 to Latin Extended-B, combining marks, Vietnamese letters, general
# punctuation. A text with no character outside these (nearly every text) can only hold the few look-alikes
# inside them ("ı", "ſ"...), which a short class finds fast; a class of all 1,300 look-alikes costs milliseconds
# per article.
_COMMON = "\u0000-\u024f\u0300-\u036f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf"


@cache
def _confusable_class() -> re.Pattern[str] | None:
    table = confusables()
    if not table:
        return None
    return re.compile("[" + "".join(re.escape(c) for c in sorted(table)) + "]")


@cache
def _quick_check() -> re.Pattern[str]:
    """Any character outside the common ranges, or one of the look-alikes inside them."""
    inside = "".join(re.escape(c) for c in sorted(confusables()) if re.match(f"[{_COMMON}]", c))
    return re.compile(f"[^{_COMMON}]" + (f"|[{inside}]" if inside else ""))


@dataclass
class MatchView:
    """``text`` as matchers read it; ``original`` as written. ``_edits`` are (view start, view end,
    original start, original end) of every rewritten span, in order; between them offsets shift linearly."""

    text: str
    original: str
    _edits: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self._edits)

    def _to_original(self, pos: int, end: bool) -> int:
        if not self._edits:
            return pos
        starts = [e[0] for e in self._edits]
        # An end offset belongs to the edit it closes (one starting before it); a start offset to the one it opens.
        index = (bisect_left(starts, pos) if end else bisect_right(starts, pos)) - 1
        if index < 0:
            return pos
        v0, v1, o0, o1 = self._edits[index]
        if end:
            return o1 if pos <= v1 else o1 + (pos - v1)
        return o0 if pos < v1 else o1 + (pos - v1)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the view -> offsets in the original text (a span inside a rewritten word widens to it)."""
        return self._to_original(start, end=False), self._to_original(end, end=True)


def match_view(text: str | None) -> MatchView:
    """The text as a reader reads it (see the module docstring), with a map back to the original."""
    text = text or ""
    edits: list[tuple[int, int, str]] = []  # original start, original end, replacement
    pattern = _confusable_class()
    if pattern is not None and _quick_check().search(text) and pattern.search(text):
        table = confusables()
        # A mapped letter and the combining marks after it become one composed letter ("а́" -> "á").
        edits = _compose_marks(text, [(m.start(), m.end(), table[m.group(0)]) for m in pattern.finditer(text)])
    base = _apply(text, edits) if edits else text
    # Joins are found on the text with confusables mapped (a Cyrillic letter inside "Т.h.á.i" is a letter too)
    # and recorded against the original, replacing the character edits inside them.
    joins = _joins(base)
    first = MatchView(base, text, _as_view_edits(edits))
    if not joins:
        return first
    spans = [first.span(start, end) for start, end, _ in joins]
    merged = [(o0, o1, repl) for (o0, o1), (_, _, repl) in zip(spans, joins, strict=True)]
    merged += [e for e in edits if not any(j0 <= e[0] and e[1] <= j1 for j0, j1 in spans)]
    merged.sort()
    return MatchView(_apply(text, merged), text, _as_view_edits(merged))


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    out, pos = [], 0
    for start, end, repl in edits:
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _as_view_edits(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, int, int]]:
    out, shift = [], 0
    for start, end, repl in edits:
        out.append((start + shift, start + shift + len(repl), start, end))
        shift += len(repl) - (end - start)
    return out


def _compose_marks(text: str, edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A mapped letter followed by combining marks becomes one composed letter (when Unicode has one)."""
    out = []
    for start, end, repl in edits:
        marks_end = end
        while marks_end < len(text) and unicodedata.combining(text[marks_end]):
            marks_end += 1
        if marks_end > end:
            composed = unicodedata.normalize("NFC", repl + text[end:marks_end])
            if len(composed) == 1:
                out.append((start, marks_end, composed))
                continue
        out.append((start, end, repl))
    return out


def _joins(text: str) -> list[tuple[int, int, str]]:
    """Spans of split-up words in ``text`` and the word they spell."""
    found: list[tuple[int, int, str]] = []
    if any(sep in text for sep in _SPLIT_SEPS):
        for m in _SPLIT_TOKEN.finditer(text):
            joined = _join_token(m.group(0))
            if joined is not None:
                found.append((m.start(), m.end(), joined))
    if "#" in text:
        for m in _HASHTAG.finditer(text):
            words = split_letters(list(unicodedata.normalize("NFC", m.group(1))))
            if len(words) > 1 and all(is_syllable(w) for w in words):
                found.append((m.start(1), m.end(1), " ".join(words)))
    for m in _CAMEL.finditer(text):
        # Each part between capitals must be one syllable ("TháiNguyên", "XínMần"; never "iPhone", "YouTube"), and
        # the first more than a letter ("iPay", "eBay" are brands).
        words = _CAMEL_PART.findall(m.group(0))
        if len(words[0]) > 1 and all(syllable_shaped(w) for w in words) and not any(
                s <= m.start() < e for s, e, _ in found):
            found.append((m.start(), m.end(), " ".join(words)))
    for m in _SPACED_RUN.finditer(text):
        if any(s <= m.start() < e for s, e, _ in found):
            continue
        # One edit per word, so that a word's offsets map back to its own letters ("Ở P h ổ Y ê n": "Phổ Yên"
        # points at "P h ổ Y ê n", not at the "Ở" before it).
        parts = m.group(0).split(" ")
        letters = [part.rstrip(".") for part in parts]
        offsets = [m.start()]
        for part in parts[:-1]:
            offsets.append(offsets[-1] + len(part) + 1)
        ranges = word_ranges(letters)
        if all(part.endswith(".") and part[:1].isupper() for part in parts[:-1]) and not all(
                is_syllable("".join(letters[a:b])) for a, b in ranges):
            continue  # initials ("A. B. C. D."), not a word spelled out
        for a, b in ranges:
            if b - a > 1:
                found.append((offsets[a], offsets[b - 1] + len(parts[b - 1]),  # with its dot: "i." of "T. h. á. i."
                              unicodedata.normalize("NFC", "".join(letters[a:b]))))
    found.sort()
    return found


def _join_token(token: str) -> str | None:
    parts = _SPLIT_PART.findall(token)
    if len(parts) < 2:
        return None
    if unicodedata.normalize("NFC", parts[-1]).lower() in _DOMAIN_ENDS:
        return None
    short = sum(1 for p in parts if len(unicodedata.normalize("NFC", p)) <= 2)
    if len(parts) >= 3 and short >= len(parts) - 1:
        return _join_spaced(" ".join(parts))  # "T.h.á.i", "N-g-u-y-ê-n", "T.h.a.i.N.g.u.y.e.n"
    elif all(p[:1].islower() for p in parts[1:]) and len(parts) <= 3:
        joined = "".join(parts)  # "Ngu.yên", "Th.ái"
        if len(_VOWELS.findall(fold(unicodedata.normalize("NFC", joined)))) > 1:
            joined = " ".join(parts)  # "lừa.đảo": two syllables, two words
    elif len(parts) <= 4 and not any(sep in token for sep in _HYPHENS) and all(
            len(p) > 1 and is_syllable(p) for p in parts) and (
            "." not in token or (len(parts) == 2 and all(p[:1].isupper() for p in parts)
                                 and " ".join(parts).lower() in two_syllable_words())):
        # Whole syllables: "Tuyên_Quang", "Cao•Bằng"; with a dot only a capitalised dictionary word ("Thái.Nguyên",
        # "CAO.BẰNG"), as a scraped "kịp thời.Bệnh nhân", "ở Hà Nội.Mục tiêu" is two sentences that lost a space.
        joined = " ".join(parts)
    else:
        return None  # "P.Quang", "TP.HCM", "Việt-Trung", "v.v"
    return unicodedata.normalize("NFC", joined)


def _join_spaced(run: str) -> str:
    """The words a run of single letters spells, cut into syllables where a reader would cut it. Runs with longer
    pieces ("J.al-Maliki") are joined as written, a capital after a small letter starting a word."""
    letters = run.split(" ")
    if all(len(unicodedata.normalize("NFC", letter)) == 1 for letter in letters):
        return unicodedata.normalize("NFC", " ".join(split_letters(letters)))
    out = [letters[0]]
    for previous, letter in zip(letters, letters[1:], strict=False):
        if letter[:1].isupper() and previous[-1:].islower():
            out.append(" ")
        out.append(letter)
    return unicodedata.normalize("NFC", "".join(out))


def skeleton(text: str | None) -> str:
    """Just the rewritten text (for keys that need no offsets: the search index, embeddings)."""
    return match_view(text).text


# ------------------------------------------------------------------------------------------ the table
def build_table() -> dict[str, str]:
    """Non-Latin letters that imitate a Latin letter, from Unicode's confusables data (TS 39) as shipped by the
    ``confusable-homoglyphs`` package, plus small capitals and compatibility forms (full-width, mathematical
    letters) by their Unicode names and NFKC. Vietnamese letters are never in it."""
    import json
    import string
    from importlib.resources import files

    data = json.loads(files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8"))
    ascii_letters = set(string.ascii_letters)
    table: dict[str, str] = {}

    def keep(ch: str) -> bool:
        if ch.isascii() or not ch.isalpha() or len(ch) != 1:
            return False
        return fold(ch) == ch.lower() and ch not in "đĐ"  # a Latin letter with diacritics folds to ASCII

    def pick(ch: str, candidates: list[str]) -> str | None:
        if not candidates:
            return None
        wanted = [c for c in candidates if c.isupper() == ch.isupper()] if ch.isupper() or ch.islower() else []
        return (wanted or candidates)[0]

    for code in range(0x80, 0x1FFFF):
        ch = chr(code)
        if not keep(ch):
            continue
        name = unicodedata.name(ch, "")
        small_cap = re.fullmatch(r"LATIN LETTER SMALL CAPITAL ([A-Z])", name)
        if small_cap:
            table[ch] = small_cap.group(1)
            continue
        nfkc = unicodedata.normalize("NFKC", ch)
        if len(nfkc) == 1 and nfkc in ascii_letters:
            table[ch] = nfkc
            continue
        direct = [x["c"] for x in data.get(ch, []) if x["c"] in ascii_letters]
        if not direct:
            direct = [y["c"] for x in data.get(ch, []) for y in data.get(x["c"], []) if y["c"] in ascii_letters]
        choice = pick(ch, direct)
        if choice is None:
            continue
        # Unicode lists the look, not the case: a Greek capital iota "looks like" l; prefer the same case.
        if ch.isupper() and choice.islower() and choice.upper() in direct:
            choice = choice.upper()
        if ch.isupper() and (name.endswith(" IOTA") or choice == "l"):
            choice = "I"  # a capital drawn as a bar is a capital I ("ĐІ̀NH" with a Cyrillic І), never a small L
        table[ch] = choice
    # Precomposed look-alikes with marks ("ӑ", Cyrillic a with breve): the Latin letter with the same marks.
    for code in range(0x80, 0x1FFFF):
        ch = chr(code)
        if ch in table or not keep(ch):
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if len(decomposed) > 1 and decomposed[0] in table:
            composed = unicodedata.normalize("NFC", table[decomposed[0]] + decomposed[1:])
            if len(composed) == 1:
                table[ch] = composed
    return table


def write_table(path: Path = TABLE_FILE) -> int:
    table = build_table()
    lines = ["# Generated by `python -m pipeline.core.skeleton --build` from Unicode confusables (TS 39) via the",
             "# confusable-homoglyphs package (MIT); code point<TAB>Latin letter<TAB>name. Do not edit by hand."]
    for ch in sorted(table):
        lines.append(f"{ord(ch):04X}\t{table[ch]}\t{unicodedata.name(ch, '')}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(table)


if __name__ == "__main__":  # pragma: no cover - maintenance tool
    import sys

    if "--build" in sys.argv:
        print(write_table())
