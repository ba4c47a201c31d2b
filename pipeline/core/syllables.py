"""Vietnamese syllables, for putting the spaces back into a word spelled letter by letter.

Evasive posts spell names one letter at a time ("Ở P h ổ Y ê n", "c ử a k h ẩ u T r à L ĩ n h",
"P H A N Đ Ì N H P H Ù N G"): the letters of several words run together with nothing to say where one word ends.
Capitals alone cannot tell (all capitals, all small letters, a one-letter word such as "ở" joined to the name),
so :func:`split_letters` cuts the run where a reader would: into the likeliest sequence of Vietnamese syllables,
each scored by how often it occurs in real news (a unigram model, the classic word-segmentation dynamic
programme). A syllable the table does not know but that has a syllable's shape (onset, vowels, final) still counts,
at a low score; a letter that is neither joins the letters next to it ("K C N" -> "KCN").

The table (``syllables.tsv``, syllable and count) is counted from the titles and texts of VNTC (real news of
2005-2007, MIT licence, Hoang Cong Duy Vu et al. 2007) by ``python -m pipeline.core.syllables --build PATH``;
text without diacritics is scored by the counts of its diacritic-free forms.
"""

from __future__ import annotations

import importlib.util
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from pipeline.core.text import fold, normalize_tone_marks

TABLE_FILE = Path(__file__).with_name("syllables.tsv")
# The longest Vietnamese syllable has seven letters ("nghiêng", "nghiệng").
MAX_LETTERS = 7
# A syllable a table row must have been seen this often to be kept: rarer tokens are mostly typos and names.
MIN_COUNT = 2
# The shape of a Vietnamese syllable, on its diacritic-free form: an onset, one to three vowels, a final.
SHAPE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")
# What a well-shaped syllable the table has not seen counts as (a count of this, below any row's), and what a
# lone letter that is no syllable costs on top of that: known syllables win wherever they can.
UNSEEN_COUNT = 0.3
STRAY_PENALTY = 8.0


@cache
def _tables() -> tuple[dict[str, float], dict[str, float], float]:
    """Log-probabilities of syllables as written (NFC, lower case) and of their diacritic-free forms, and the
    log-probability given to a well-shaped syllable the table has not seen."""
    counts: Counter[str] = Counter()
    if TABLE_FILE.is_file():
        for line in TABLE_FILE.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                syllable, count = line.split("\t")
                counts[syllable] += int(count)
    folded: Counter[str] = Counter()
    for syllable, count in counts.items():
        folded[fold(syllable)] += count
    total = max(sum(counts.values()), 1)
    return ({s: math.log(c / total) for s, c in counts.items()},
            {s: math.log(c / total) for s, c in folded.items()}, math.log(UNSEEN_COUNT / total))


def _score(units: Sequence[str]) -> float | None:
    """Log-probability of ``units`` (lower-case letters, NFC) as one syllable, or None if it cannot be one."""
    written, plain, unseen = _tables()
    text = normalize_tone_marks("".join(units))
    if text in written:
        return written[text]
    folded = fold(text)
    if folded == text and folded in plain:  # written without diacritics
        return plain[folded]
    return unseen if SHAPE.fullmatch(folded.replace("đ", "d")) else None


def is_syllable(word: str) -> bool:
    """Whether ``word`` is a syllable real text uses (the table's, with or without its diacritics)."""
    written, plain, _ = _tables()
    text = normalize_tone_marks(word).lower()
    return text in written or (fold(text) == text and text in plain)


def syllable_shaped(word: str) -> bool:
    """Whether ``word`` is a syllable the table knows or has a syllable's shape ("Xín", "Lèng": rarer names)."""
    return _score([word.lower()]) is not None


def split_letters(letters: Sequence[str]) -> list[str]:
    """The words a run of single letters spells: ``["P", "h", "ổ", "Y", "ê", "n"]`` -> ``["Phổ", "Yên"]``.

    Each letter is one character with its marks. Letters keep their case; a capital after a small letter always
    starts a new word. Stray letters that make no syllable are kept together ("KCN")."""
    return [unicodedata.normalize("NFC", "".join(letters[a:b])) for a, b in word_ranges(letters)]


def word_ranges(letters: Sequence[str]) -> list[tuple[int, int]]:
    """Where :func:`split_letters` cuts: each word as the range of its letters (start, end) in ``letters``."""
    units = [unicodedata.normalize("NFC", u) for u in letters]
    lower = [u.lower() for u in units]
    n = len(units)
    all_caps = all(u == u.upper() for u in units)
    best: list[float] = [0.0] + [-math.inf] * n
    back: list[tuple[int, bool]] = [(0, False)] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_LETTERS), end):
            if best[start] == -math.inf:
                continue
            if not all_caps and any(units[k] != lower[k] for k in range(start + 1, end)):
                continue  # "ThaiNguyen": a capital inside is the next word
            score = _score(lower[start:end])
            stray = score is None
            if stray:
                if end - start > 1:
                    continue
                score = _tables()[2] - STRAY_PENALTY
            if best[start] + score > best[end]:
                best[end] = best[start] + score
                back[end] = (start, stray)
    pieces: list[tuple[int, int, bool]] = []
    end = n
    while end > 0:
        start, stray = back[end]
        pieces.append((start, end, stray))
        end = start
    ranges: list[tuple[int, int]] = []
    previous_stray = False
    for start, end, stray in reversed(pieces):
        if stray and previous_stray:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
        previous_stray = stray
    return ranges


@cache
def dictionary() -> tuple[str, ...]:
    """Hồ Ngọc Đức's list of Vietnamese words (74,000, syllables written apart: "sạt lở", "trạng thái") as
    underthesea ships it, read from the installed package (no download), lower case, in the project's tone-mark
    style; empty when the package is missing."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        return ()
    path = Path(next(iter(spec.submodule_search_locations))) / "corpus" / "data" / "Viet74K.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    return tuple(normalize_tone_marks(line.strip()).lower() for line in lines if line.strip())


@cache
def two_syllable_words() -> frozenset[str]:
    """The dictionary's words of two syllables, as written ("trạng thái", "nguyên thủy")."""
    return frozenset(w for w in dictionary() if w.count(" ") == 1 and "-" not in w)


def count_syllables(texts: Iterable[str]) -> Counter[str]:
    """Counts of the well-shaped syllables (NFC, the project's tone-mark style, lower case) in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        for token in re.findall(r"[^\W\d_]+", normalize_tone_marks(text).lower()):
            if len(token) <= MAX_LETTERS and SHAPE.fullmatch(fold(token).replace("đ", "d")):
                counts[token] += 1
    return counts


def write_table(vntc: Path, path: Path = TABLE_FILE) -> int:
    """Count the syllables of VNTC's titles and texts into ``path``; returns the number of rows."""
    import json

    def texts() -> Iterable[str]:
        with open(vntc, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    yield f"{row.get('title') or ''}\n{row.get('text') or ''}"

    counts = count_syllables(texts())
    rows = sorted(((s, c) for s, c in counts.items() if c >= MIN_COUNT), key=lambda r: (-r[1], r[0]))
    lines = [f"# Generated by `python -m pipeline.core.syllables --build {vntc.name}`: syllables of VNTC's titles and",
             "# texts (real news 2005-2007, MIT, Hoang Cong Duy Vu et al. 2007) seen at least "
             f"{MIN_COUNT} times; syllable<TAB>count. Do not edit by hand."]
    lines += [f"{s}\t{c}" for s, c in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - maintenance tool
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        print(write_table(Path(sys.argv[2])))
    else:
        print("usage: python -m pipeline.core.syllables --build PATH/vntc_train.jsonl", file=sys.stderr)
        sys.exit(2)
