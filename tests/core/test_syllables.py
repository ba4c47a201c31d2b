"""A word spelled letter by letter is cut back into Vietnamese syllables where a reader would cut it."""

from __future__ import annotations

import pytest

from pipeline.core.syllables import TABLE_FILE, count_syllables, split_letters, two_syllable_words


@pytest.mark.parametrize("run, words", [
    ("t h a i n g u y e n", ["thai", "nguyen"]),  # no capitals, no diacritics: only the syllables say where
    ("b ắ c k ạ n", ["bắc", "kạn"]),
    ("n g h i ê n g", ["nghiêng"]),  # the longest syllable stays whole
    ("l ừ a đ ả o", ["lừa", "đảo"]),
    ("P á c N ặ m", ["Pác", "Nặm"]),  # a capital after a small letter always starts a word
    ("T H A I N G U Y E N", ["THAI", "NGUYEN"]),
    ("C T h a i N g u y e n", ["C", "Thai", "Nguyen"]),  # a letter that is no syllable stands apart
    ("K C N", ["KCN"]),  # letters that make no syllable stay together
])
def test_runs_of_letters_become_syllables(run, words):
    assert split_letters(run.split(" ")) == words


def test_letters_keep_their_case_and_compose_their_marks():
    # "e" + combining circumflex, as some keyboards and evasive posts write it, is one letter.
    assert split_letters(["N", "g", "u", "y", "e\u0302", "n"]) == ["Nguyên"]


def test_the_table_is_counted_from_real_text_and_holds_only_syllables():
    rows = [line.split("\t") for line in TABLE_FILE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    counts = {syllable: int(count) for syllable, count in rows}
    assert len(counts) > 3000 and counts["và"] > counts["nguyên"] > 0
    assert count_syllables(["Ông Smith đến Thái Nguyên, www.example.com 2025"]) == {
        "ông": 1, "đến": 1, "thái": 1, "nguyên": 1, "com": 1}


def test_the_dictionary_is_read_from_the_installed_underthesea_in_the_projects_tone_marks():
    words = two_syllable_words()
    assert {"trạng thái", "nguyên thủy", "sạt lở"} <= words
    assert "nguyên thuỷ" not in words  # the new tone-mark style is rewritten to the project's
