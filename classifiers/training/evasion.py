"""Relevance under spellings that dodge filters: recall and precision of the province matcher when the same real
articles are rewritten with look-alike letters, letters split by dots, small capitals or no diacritics.

The articles are real news (VNTC, MIT, ``shared/data/train/vntc_train.jsonl``) read with each of the four
provinces' profiles. The reference is the matcher's decision on the text as published (its own quality on
clean text is measured elsewhere); a variant keeps recall when the rewritten article is still found, and
precision when the rewritten article is not found where the clean one was not. Rewrites:

- ``homoglyphs``: a third of the letters that have a Cyrillic or Greek look-alike replaced by it (accented
  letters by the look-alike plus the combining accent);
- ``small_caps``: the province's names, as found in the clean text, written in small capitals;
- ``dots``: the words of the province's names split letter by letter with dots ("T.h.á.i N.g.u.y.ê.n"), and
  one other word in five split inside ("Ngu.yên");
- ``spaced``: the province's names written letter by letter with spaces;
- ``no_diacritics``: the whole article without diacritics (as many social posts are written);
- ``small_letters``: the province's names in small letters, with their diacritics ("lũ ở thái nguyên");
- ``camel_case``: the words of each name run together, each capitalised ("TháiNguyên");
- ``hashtag``: each name as a hashtag without diacritics ("#ThaiNguyen");
- ``dot_after_letter``: each letter of the names followed by a dot and a space ("T. h. á. i.").
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipeline.core.jsonl import read_jsonl
from pipeline.core.profiles import load_profile
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.text import normalize

PROVINCES = ("thai-nguyen", "tuyen-quang", "bac-ninh", "cao-bang")
LOOKALIKES = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "A": "А", "B": "В",
              "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х", "N": "Ν", "Y": "Ү", "I": "І", "S": "Ѕ", "J": "Ј"}
SMALL_CAPS = {c: unicodedata.lookup(f"LATIN LETTER SMALL CAPITAL {c.upper()}") for c in "abcdeghijklmnoprstuvwyz"
              if c not in "fqx"}
SMALL_CAPS["f"] = "\ua730"
SMALL_CAPS["s"] = "\ua731"


def _per_letter(text: str, rng: random.Random, table: dict[str, str], rate: float) -> str:
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)
        letter, marks = base[:1], base[1:]
        if letter in table and rng.random() < rate:
            out.append(table[letter] + marks)
        else:
            out.append(ch)
    return "".join(out)


def homoglyphs(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    return _per_letter(text, rng, LOOKALIKES, 0.33)


def _rewrite_spans(text: str, spans: Sequence[tuple[int, int]], rewrite: Callable[[str], str]) -> str:
    out, pos = [], 0
    for start, end in sorted(set(spans)):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(rewrite(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def small_caps(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    table = {**SMALL_CAPS, **{k.upper(): v for k, v in SMALL_CAPS.items()}}
    return _rewrite_spans(text, spans, lambda s: unicodedata.normalize("NFC", _per_letter(s, rng, table, 1.0)))


def _dotted(word: str) -> str:
    return ".".join(word)


def dots(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    text = _rewrite_spans(text, spans, lambda s: " ".join(_dotted(w) for w in s.split(" ")))
    words = text.split(" ")
    for index, word in enumerate(words):
        if "." not in word and word.isalpha() and len(word) >= 4 and rng.random() < 0.2:
            cut = rng.randrange(1, len(word) - 1)
            words[index] = word[:cut] + "." + word[cut:]
    return " ".join(words)


def spaced(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    return _rewrite_spans(text, spans, lambda s: " ".join(ch for ch in s if ch != " "))


def no_diacritics(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def small_letters(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    return _rewrite_spans(text, spans, str.lower)


def camel_case(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    return _rewrite_spans(text, spans, lambda s: "".join(w[:1].upper() + w[1:].lower() for w in s.split()))


def hashtag(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    return _rewrite_spans(text, spans, lambda s: "#" + no_diacritics(camel_case(s, rng, [(0, len(s))]), rng))


def dot_after_letter(text: str, rng: random.Random, spans: Sequence[tuple[int, int]] = ()) -> str:
    return _rewrite_spans(text, spans, lambda s: " ".join(f"{ch}." for ch in s if ch != " "))


VARIANTS: dict[str, Callable[..., str]] = {"homoglyphs": homoglyphs, "small_caps": small_caps, "dots": dots,
                                           "spaced": spaced, "no_diacritics": no_diacritics,
                                           "small_letters": small_letters, "camel_case": camel_case,
                                           "hashtag": hashtag, "dot_after_letter": dot_after_letter}


def _as_row(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    return (value, None) if isinstance(value, dict) else (None, "not an object")


def measure(data_dir: str | Path, n: int = 1500, seed: int = 0, max_chars: int = 2500,
            items: str | Path | Sequence[str | Path] | None = None) -> dict[str, Any]:
    """Recall and precision of each rewrite against the clean decision, over ``n`` VNTC articles x 4 provinces,
    plus, when given, ``items``: JSONL files of provincial items (title, text or lead) read with every province."""
    rows = [row for _, row, error in read_jsonl(Path(data_dir) / "vntc_train.jsonl", _as_row) if row]
    rng = random.Random(seed)
    rows = rng.sample(rows, min(n, len(rows)))
    for path in [items] if isinstance(items, str | Path) else list(items or []):
        if Path(path).is_file():
            rows += [row for _, row, error in read_jsonl(path, _as_row) if row]
    articles = [(normalize(r.get("title") or "", keep_newlines=False),
                 normalize((r.get("text") or r.get("lead") or "")[:max_chars])) for r in rows]
    out: dict[str, Any] = {"articles": len(articles), "provinces": list(PROVINCES)}
    counts = {name: {"tp": 0, "fp": 0, "fn": 0} for name in VARIANTS}
    clean_relevant = 0
    for pid in PROVINCES:
        matcher = RelevanceMatcher(load_profile(pid))
        for index, (title, text) in enumerate(articles):
            clean = matcher.match(title, text, normalized=True)
            clean_relevant += clean.relevant
            spans = {"title": [], "text": []}
            for place in clean.places:
                spans[place["field"]].append((place["start"], place["end"]))
            for name, rewrite in VARIANTS.items():
                local = random.Random(f"{seed}-{pid}-{index}-{name}")
                variant = matcher.match(rewrite(title, local, spans["title"]), rewrite(text, local, spans["text"]))
                if variant.relevant and clean.relevant:
                    counts[name]["tp"] += 1
                elif variant.relevant:
                    counts[name]["fp"] += 1
                elif clean.relevant:
                    counts[name]["fn"] += 1
    out["clean_relevant"] = clean_relevant
    for name, c in counts.items():
        out[name] = {"recall": round(c["tp"] / max(c["tp"] + c["fn"], 1), 4),
                     "precision": round(c["tp"] / max(c["tp"] + c["fp"], 1), 4), **c}
    return out
