"""The search language analysts type, parsed once into a small tree that every backend translates.

    ma túy                    -> the word "ma túy" (two syllables that form a dictionary word are a phrase)
    ma OR túy                 -> either syllable, anywhere
    Bắc Kạn lũ                -> "Bắc Kạn" and "lũ" (AND is the default: analysts narrow, they rarely widen)
    "sạt lở đất"              -> the words in this order
    Bắc Kạn OR "Bắc Cạn"      -> either
    biên giới NOT "Trung Quốc", biên giới -"Trung Quốc", +biên +giới
    (lũ OR lụt) AND "Cao Bằng"

Words are folded (no diacritics, lower case) after normalisation, the same way documents are indexed, so
"bac kan", "Bắc Kạn" and "BẮC KẠN" are one query, whatever tone-mark convention the analyst types.

In Vietnamese a word is often two or three syllables written apart ("sạt lở", "khu công nghiệp"), and its
syllables alone mean something else ("ma", "túy"). So adjacent syllables typed without an operator between
them that form a word of the dictionary (Hồ Ngọc Đức's 74,000 words, which underthesea ships) are searched
as that word, in order; longest words first. Writing OR between them searches each syllable on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline.core.skeleton import skeleton
from pipeline.core.syllables import dictionary
from pipeline.core.text import fold, normalize, words


@dataclass(frozen=True)
class Term:
    word: str


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | Phrase | And | Or | Not

_TOKEN = re.compile(
    r'"(?P<phrase>[^"]*)"?|(?P<open>\()|(?P<close>\))|(?P<prefix>(?<!\S)[-+])(?=[^\s)])|(?P<word>[^\s()"]+)'
)


# The longest dictionary word tried, in syllables (longer entries are rare proper names).
MAX_WORD_SYLLABLES = 4
_SYLLABLE = re.compile(r"[^\W_]+")


@cache
def dictionary_words() -> frozenset[tuple[str, ...]]:
    """Multi-syllable words of Vietnamese, folded (so "sat lo" finds "sạt lở" too): the dictionary underthesea
    ships (``syllables.dictionary``). Empty when it is missing: every syllable is then its own term, as before."""
    found = set()
    for line in dictionary():
        if " " not in line and "-" not in line:  # one syllable: nothing to group
            continue
        syllables = tuple(_SYLLABLE.findall(fold(line)))
        if 1 < len(syllables) <= MAX_WORD_SYLLABLES:
            found.add(syllables)
    return frozenset(found)


def group_words(syllables: list[str]) -> list[tuple[str, ...]]:
    """Adjacent folded syllables as words: at each position the longest dictionary word that starts there,
    else the syllable alone."""
    known = dictionary_words()
    out: list[tuple[str, ...]] = []
    position = 0
    while position < len(syllables):
        for size in range(min(MAX_WORD_SYLLABLES, len(syllables) - position), 0, -1):
            candidate = tuple(syllables[position:position + size])
            if size == 1 or candidate in known:
                out.append(candidate)
                position += size
                break
    return out


class QueryError(ValueError):
    """The query cannot be understood; the message is shown to the analyst."""


# What a query may be: an analyst's search is a line, not a document. Past these limits the parser (and the
# engines, which translate the tree recursively) would spend stack and time on nothing a person typed.
MAX_QUERY_CHARS = 2000
# Tokens (words, phrases, operators, parentheses).
MAX_TOKENS = 400
# Parentheses, NOT and minus signs nested inside each other.
MAX_DEPTH = 32


def _lex(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        if match.group("phrase") is not None:
            tokens.append(("phrase", match.group("phrase")))
        elif match.group("open"):
            tokens.append(("(", "("))
        elif match.group("close"):
            tokens.append((")", ")"))
        elif match.group("prefix"):
            tokens.append((match.group("prefix"), match.group("prefix")))
        else:
            word = match.group("word")
            if word in ("AND", "&&"):
                tokens.append(("and", word))
            elif word in ("OR", "||"):
                tokens.append(("or", word))
            elif word == "NOT":
                tokens.append(("not", word))
            else:
                tokens.append(("word", word))
    return tokens


def _leaf(kind: str, value: str) -> Node | None:
    folded = [fold(w) for w in words(skeleton(normalize(value, keep_newlines=False)))]
    if not folded:
        return None
    if kind == "phrase" and len(folded) > 1:
        return Phrase(tuple(folded))
    if len(folded) == 1:
        return Term(folded[0])
    # "bắc-kạn" typed as one token: the syllables in order.
    return Phrase(tuple(folded))


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"Truy vấn lồng quá sâu (quá {MAX_DEPTH} cấp ngoặc hoặc NOT); hãy viết gọn lại.")

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse_or(self) -> Node | None:
        parts = [self.parse_and()]
        while self.peek() == "or":
            self.take()
            parts.append(self.parse_and())
        kept = tuple(p for p in parts if p is not None)
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(kept)

    def parse_and(self) -> Node | None:
        parts: list[Node] = []
        while self.peek() not in (None, "or", ")"):
            if self.peek() == "and":
                self.take()
                continue
            if self.peek() == "word":
                parts.extend(self.parse_words())
                continue
            node = self.parse_unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_words(self) -> list[Node]:
        """A run of plain words (no operator, quote or sign between them): syllables that form a dictionary
        word become a phrase, the others stay terms."""
        syllables: list[str] = []
        while self.peek() == "word":
            _, value = self.take()
            syllables.extend(fold(w) for w in words(normalize(value, keep_newlines=False)))
        return [Term(group[0]) if len(group) == 1 else Phrase(group) for group in group_words(syllables)]

    def parse_unary(self) -> Node | None:
        kind, value = self.take()
        if kind in ("not", "-"):
            if self.peek() in (None, "or", ")", "and"):
                raise QueryError("Thiếu từ khóa sau NOT / dấu trừ.")
            self.deeper()
            child = self.parse_unary()
            self.depth -= 1
            return Not(child) if child is not None else None
        if kind == "+":
            if self.peek() in (None, "or", ")", "and"):
                raise QueryError("Thiếu từ khóa sau dấu cộng.")
            return self.parse_unary()
        if kind == "(":
            self.deeper()
            inner = self.parse_or()
            if self.peek() != ")":
                raise QueryError("Thiếu dấu đóng ngoặc ')'.")
            self.take()
            self.depth -= 1
            return inner
        if kind == ")":
            raise QueryError("Thừa dấu đóng ngoặc ')'.")
        return _leaf(kind, value)


@lru_cache(maxsize=2048)
def parse_query(text: str) -> Node | None:
    """The query's tree, or None for a query with no words. Raises QueryError for malformed input, and for a
    query past the limits (MAX_QUERY_CHARS, MAX_TOKENS, MAX_DEPTH), whichever backend will run it. Trees are
    immutable, so a query asked again (alert rules every tick, the dashboard's filters) is parsed once."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Truy vấn quá dài ({len(text)} ký tự, tối đa {MAX_QUERY_CHARS}).")
    tokens = _lex(text)
    if len(tokens) > MAX_TOKENS:
        raise QueryError(f"Truy vấn có quá nhiều từ và toán tử ({len(tokens)}, tối đa {MAX_TOKENS}).")
    parser = _Parser(tokens)
    node = parser.parse_or()
    if parser.peek() == ")":
        raise QueryError("Thừa dấu đóng ngoặc ')'.")
    if isinstance(node, Not) or (isinstance(node, And) and all(isinstance(c, Not) for c in node.children)):
        raise QueryError("Truy vấn cần ít nhất một từ khóa không bị loại trừ (NOT).")
    return node
