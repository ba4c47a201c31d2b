"""One-sentence summaries of press items, made locally by picking a sentence of the article.

Extractive on purpose: a digest goes to the provincial leadership, and a sentence the outlet actually
printed cannot misstate what it said, which a generated one can. The sentence chosen is the one that shares
most words with the title and with the rest of the article, with a preference for the lead, where
Vietnamese press puts the news.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.core.text import fold, normalize, words

# A sentence ends at . ! ? … followed by a space and a capital letter, digit or quote (Vietnamese capitals
# included); abbreviations such as "TP." rarely precede a capital in running press text.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-ZÀ-Ỹ0-9])")
MAX_WORDS = 45
MIN_WORDS = 6


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in normalize(text).split("\n"):
        sentences.extend(part.strip() for part in _SENTENCE_END.split(paragraph) if part.strip())
    return sentences


def summarize(title: str, text: str, lead: str = "") -> str:
    """The sentence that best says what the item reports, shortened to ``MAX_WORDS`` words."""
    sentences = split_sentences(f"{lead}\n{text}" if lead and lead not in text else text)
    candidates = [s for s in sentences if len(words(s)) >= MIN_WORDS and fold(s) != fold(title)]
    if not candidates:
        return _shorten(sentences[0]) if sentences else ""
    title_words = set(words(fold(title)))
    frequency = Counter(w for s in candidates for w in set(words(fold(s))))

    def score(index: int) -> float:
        tokens = set(words(fold(candidates[index])))
        overlap = len(tokens & title_words) / (len(title_words) or 1)
        centrality = sum(frequency[t] - 1 for t in tokens) / (len(tokens) or 1) / len(candidates)
        position = 1.0 / (1 + index)
        return 2.0 * overlap + centrality + 0.5 * position

    best = max(range(len(candidates)), key=score)
    return _shorten(candidates[best])


def _shorten(sentence: str) -> str:
    tokens = sentence.split()
    if len(tokens) <= MAX_WORDS:
        return sentence
    return " ".join(tokens[:MAX_WORDS]).rstrip(",;:") + " …"
