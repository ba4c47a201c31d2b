"""A list of offensive words and phrases, derived from the ViHOS span annotations, as a prior for the learners.

A model trained on a few hundred analyst labels has seen few of the ways Vietnamese comments insult; a
phrase list drawn from thousands of annotated comments tells it "this comment uses words people mark as
offensive" from the first label on (ViHSD dev macro-F1 0.374 -> 0.536 with 300 training rows, 0.517 -> 0.565
with 1,000; classifiers/EVALUATION.md). Phrases are folded (no diacritics, lower case) and matched on folded
syllables.

Source: ViHOS (Hoang et al., "ViHOS: Hate Speech Spans Detection for Vietnamese", EACL 2023,
github.com/phusroyal/ViHOS), MIT licence, copyright (c) 2023 Phu Hoang Gia; the licence text is kept at the
top of the derived file. Rebuild with ``python -m classifiers.runtime.offensive_lexicon PATH/TO/vihos/train.csv``.
"""

from __future__ import annotations

import ast
import csv
import re
import sys
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from classifiers import DATA_DIR
from pipeline.core.text import fold, normalize

LEXICON_FILE = DATA_DIR / "offensive_lexicon.txt"
# Phrases marked in fewer comments than this are mostly one person's typo or a name, not vocabulary.
MIN_COUNT = 3
MAX_WORDS = 3
# "ăn", "bà", "bò" fold to syllables most comments use innocently: a phrase must be marked in at least this
# share of the comments where it occurs.
MIN_SHARE = 0.3
_SYLLABLE = re.compile(r"[^\W_]+")

_HEADER = """\
# Offensive words and phrases (folded: no diacritics, lower case), one per line, marked as hate or offensive
# spans in at least {min_count} comments of the ViHOS training split and in at least {min_share:.0%} of the comments
# containing them. Built by classifiers/runtime/offensive_lexicon.py.
# Source: ViHOS (Hoang et al., EACL 2023), https://github.com/phusroyal/ViHOS
#
# MIT License
#
# Copyright (c) 2023 Phu Hoang Gia
#
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without
# limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the
# Software, and to permit persons to whom the Software is furnished to do so, subject to the following
# conditions:
#
# The above copyright notice and this permission notice shall be included in all copies or substantial
# portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED
# TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
# CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
# DEALINGS IN THE SOFTWARE.
"""


def phrase_key(text: str) -> str:
    """Folded syllables joined by single spaces: the form phrases are listed and matched in."""
    return " ".join(_SYLLABLE.findall(fold(normalize(text, keep_newlines=False)).lower()))


def _spans(offsets: Iterable[int]) -> list[tuple[int, int]]:
    """Character offsets -> maximal runs (start, end)."""
    runs: list[tuple[int, int]] = []
    for offset in sorted(set(offsets)):
        if runs and offset == runs[-1][1]:
            runs[-1] = (runs[-1][0], offset + 1)
        else:
            runs.append((offset, offset + 1))
    return runs


def phrases_in(key: str) -> set[str]:
    """Every 1-3-syllable phrase of a phrase key."""
    words = key.split()
    return {" ".join(words[i:i + n]) for n in range(1, MAX_WORDS + 1) for i in range(len(words) - n + 1)}


def build(csv_paths: Iterable[str | Path], min_count: int = MIN_COUNT, min_share: float = MIN_SHARE,
          exclude: Iterable[str] = ()) -> list[str]:
    """Phrases (1-3 syllables) marked in at least ``min_count`` comments of ViHOS CSV files (columns
    ``content``, ``index_spans``), and marked in at least ``min_share`` of the comments that contain them.

    ``exclude``: texts whose comments are left out. ViHOS annotates ViHSD comments, so a lexicon used to
    measure on ViHSD must be built without the comments measured on.
    """
    excluded = {phrase_key(text) for text in exclude}
    marked: Counter[str] = Counter()
    present: Counter[str] = Counter()
    for path in csv_paths:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if excluded and phrase_key(row["content"]) in excluded:
                    continue
                offsets = ast.literal_eval(row["index_spans"]) if row["index_spans"].strip() else []
                phrases = {phrase_key(row["content"][start:end]) for start, end in _spans(offsets)}
                marked.update(p for p in phrases if p and len(p.split()) <= MAX_WORDS)
                present.update(phrases_in(phrase_key(row["content"])))
    return sorted(p for p, n in marked.items() if n >= min_count and n >= min_share * present[p])


@lru_cache(maxsize=4)
def load(path: str | Path = LEXICON_FILE) -> frozenset[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def write(path: str | Path, phrases: Iterable[str]) -> Path:
    text = _HEADER.format(min_count=MIN_COUNT, min_share=MIN_SHARE) + "".join(f"{p}\n" for p in phrases)
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m classifiers.runtime.offensive_lexicon VIHOS_TRAIN_CSV [...]\n")
        return 2
    phrases = build(argv)
    write(LEXICON_FILE, phrases)
    sys.stdout.write(f"{len(phrases)} phrases -> {LEXICON_FILE}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
