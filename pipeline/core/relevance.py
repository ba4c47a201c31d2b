"""Does an item refer to the province, and where does it say so?

Every item in the analysts' queue must mention the province, and the analyst must see why: the place name,
the form it was written in and its offsets. Names are matched on the folded text (no diacritics, lower
case, length-preserving, so offsets map back), with one compiled trie-shaped regular expression over all
aliases (longest alias first at each position). The rules then read the original text around each hit:
case and diacritics (lower-case "cao bằng" means "as high as"), the administrative word before the name
("xã", "huyện", "tỉnh"...), another province named after it ("xã Quang Trung, tỉnh Thanh Hóa"), and, for
names that also belong elsewhere, an unambiguous place of the province close by. Spellings meant to dodge
filters (look-alike letters from other scripts, letters split by dots or spaces) are read as a reader reads
them (:mod:`pipeline.core.skeleton`), with offsets into the text as written.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.profiles import Place, Profile
from pipeline.core.settings import Settings
from pipeline.core.skeleton import match_view
from pipeline.core.syllables import two_syllable_words
from pipeline.core.text import fold, normalize

# Order in which a name shared by several places is attributed when nothing in the text decides.
_KIND_ORDER = ("province", "former_province", "landmark", "commune", "ward", "former_district", "former_commune")
_FORMER_KINDS = ("former_province", "former_district", "former_commune")

# "Kỳ"/"Kì", "Hỷ"/"Hỉ", "Mỹ"/"Mĩ": a syllable-final y after a consonant is written either way.
_IY_FOLDED = re.compile(r"(?<![^\W\d_])([bcdghklmnpqrstvx]+)y(?![^\W\d_])")
_IY_MARKED = re.compile(r"(?<![^\W\d_])([bcdđghklmnpqrstvx]+)([yýỳỷỹỵ])(?![^\W\d_])")
_Y_TO_I = dict(zip("yýỳỷỹỵ", "iíìỉĩị", strict=True))
# Share of letters with diacritics (Latin letters outside ASCII) above which a field counts as written with them.
# Only letters count: emoji and symbols are multi-byte too, and a short post without diacritics ending in "😭"
# is still written without them.
_MARKED_SHARE = 0.05
_MARKED_LETTER = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_PREV_TOKEN = re.compile(r"(\S+)\s+$")
# A hyphen reads as the space between a name's syllables (the key maps it so, ``_fold_table``).
_HYPHEN_TO_SPACE = str.maketrans("-", " ")
# Words before a name that make it a place even where the name is also words: "ở cao bằng", "dân cao bằng".
_PLACE_WORDS_BEFORE = frozenset({"ở", "tại", "từ", "đến", "về", "dân"})
_SYLLABLES_BEFORE = re.compile(r"(?:([^\W\d_]+) )?([^\W\d_]+) $")
_SYLLABLES_AFTER = re.compile(r" ([^\W\d_]+)(?: ([^\W\d_]+))?")
_NEXT_TOKEN = re.compile(r" (\w+)")
# Kinds a name of which is the province itself or a landmark: never part of a person's or a longer name.
_NAMED_ALONE = ("province", "former_province", "landmark")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"“”'(\[–—-])\s*$")
_CLAUSE_END = re.compile(r"(?<![Tt][Pp])\.(?:\s|$)|[;!?\n]")
# District-level words before a name; without diacritics only in text written without them ("tham quan").
_DISTRICT_WORDS = {
    True: re.compile(r"(?i:\b(huyện|quận|thị xã|thành phố|tp\.?)\s+)"),
    False: re.compile(r"(?i:\b(huyện|quận|thị xã|thành phố|tp\.?|huyen|quan|thi xa|thanh pho)\s+)"),
}
_CAPITAL_RUN = re.compile(r"[^\W\d_][\w]*(?: [^\W\d_][\w]*){0,3}")


def _iy_folded(text: str) -> str:
    return _IY_FOLDED.sub(r"\1i", text)


def _iy_marked(text: str) -> str:
    return _IY_MARKED.sub(lambda m: m.group(1) + _Y_TO_I[m.group(2)], text)


def _fold_table() -> list[str]:
    """:func:`pipeline.core.text.fold` of every character up to the Vietnamese block, as a translation table
    indexed by code point (characters past it stay as they are): the same key, computed in C per character.
    Folding word by word was most of the matching time; a list is several times faster than a dict here."""
    table = []
    for code in range(0x1F00):
        folded = fold(chr(code))
        table.append(folded if len(folded) == 1 else chr(code))
    table[ord("-")] = " "  # "Thái-Nguyên" is a way to write "Thái Nguyên" (and "Hà Nội-Lào Cai" joins two names)
    return table


_FOLD_TABLE = _fold_table()


def _glued(value: str, start: int, end: int) -> bool:
    """Whether the first syllable of ``value[start:end]`` makes a dictionary word with the syllable before it
    ("trạng thái nguyên"), or its last syllable with the one after it ("thái nguyên thủy"), and that neighbour is
    not itself part of a word on its other side ("tuyên quang thông báo": "thông báo", not "quang thông")."""
    words = two_syllable_words()
    syllables = value[start:end].lower().split()
    if not syllables:
        return False
    before = _SYLLABLES_BEFORE.search(value, max(0, start - 30), start)
    if before is not None:
        outer, near = (before.group(1) or "").lower(), before.group(2).lower()
        if f"{near} {syllables[0]}" in words and f"{outer} {near}" not in words:
            return True
    after = _SYLLABLES_AFTER.match(value, end)
    if after is not None:
        near, outer = after.group(1).lower(), (after.group(2) or "").lower()
        if f"{syllables[-1]} {near}" in words and f"{near} {outer}" not in words:
            return True
    return False


def _named_as_place(value: str, start: int, end: int) -> bool:
    """A name that is also words read as the place: after "ở", "tại", "từ"… ("ai ở cao bằng"), or heading a
    title ("cao bằng: mưa lớn"); a comparison ("cao bằng mái nhà") has neither."""
    before = _SYLLABLES_BEFORE.search(value, max(0, start - 30), start)
    return bool(before is not None and before.group(2).lower() in _PLACE_WORDS_BEFORE) or \
        value[end:end + 1] == ":"


def _key(text: str) -> str:
    """The matching key of NFC text: folded (no diacritics, lower case) and of the same length, so an
    offset in the key is an offset in the text."""
    return text.translate(_FOLD_TABLE)


def _trie_regex(keys: list[str]) -> re.Pattern[str]:
    """One alternation shaped as a trie: a hit costs one walk down the trie, however many aliases there are,
    and the optional tails are greedy, so the longest alias that ends on a word boundary wins."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(r"(?<!\w)(?:" + emit(trie) + r")(?!\w)")


class _Words:
    """Any of some words ending a text, followed by ``tail``. Text written with diacritics is searched for
    the words as written ("tham quan Ba Bể" has no "quận"); text without, for their folded forms too."""

    def __init__(self, words: list[str], tail: str):
        self.marked = self._compile({w.lower() for w in words}, tail)
        self.plain = self._compile({w.lower() for w in words} | {fold(w) for w in words}, tail)

    @staticmethod
    def _compile(forms: set[str], tail: str) -> re.Pattern[str] | None:
        if not forms:
            return None
        alts = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?:^|[^\w])({alts}){tail}$")

    def ending(self, before: str, with_marks: bool) -> str:
        """The word ``before`` ends with, lower case, or ""."""
        pattern = self.marked if with_marks else self.plain
        m = pattern.search(before.lower()) if pattern else None
        return m.group(1) if m else ""


@dataclass(frozen=True)
class _Entry:
    alias: str
    marked: str  # the alias lower-cased, i/y unified: what a written-with-diacritics hit must equal
    capitals: tuple[bool, ...]
    place: Place
    plain: bool  # the alias has no diacritics ("Quang Trung", "Ha Giang Loop")


@dataclass
class _Hit:
    field: str
    start: int
    end: int
    surface: str
    entries: list[_Entry]
    with_marks: bool = True  # the field it is in is written with diacritics
    prefix: str = ""
    ambiguous: bool = False
    why: str = ""
    # The written form itself rules the hit out (lower case, other diacritics): a word, not a name.
    not_a_name: bool = False

    def as_dict(self) -> dict[str, Any]:
        entry = self.entries[0]
        return {"name": entry.place.name, "alias": self.surface, "kind": entry.place.kind,
                "start": self.start, "end": self.end, "field": self.field}


class _Strong:
    """The hits of a field that count on their own (unambiguous), in text order, searchable by offset."""

    def __init__(self, hits: list[_Hit]):
        self.hits = hits
        self.starts = [h.start for h in hits]

    def within(self, lo: int, hi: int) -> bool:
        i = bisect_left(self.starts, lo)
        while i < len(self.hits) and self.hits[i].start <= hi:
            if self.hits[i].end <= hi:
                return True
            i += 1
        return False

    def starts_between(self, lo: int, hi: int) -> list[int]:
        return self.starts[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]


@dataclass
class Relevance:
    """``places``: the hits that count, each {name, alias, kind, start, end, field}, offsets into the
    normalised title or text. ``rejected``: hits that did not count, with ``why`` (Vietnamese)."""

    relevant: bool
    places: list[dict[str, Any]]
    reason: str
    rejected: list[dict[str, Any]] = field(default_factory=list)


class RelevanceMatcher:
    """Compiled once per profile (a few tens of milliseconds); :meth:`match` is then cheap per item."""

    def __init__(self, profile: Profile, context_window: int | None = None):
        self.profile = profile
        self.window = context_window if context_window is not None else Settings().get_int("relevance.context_window")
        rules = profile.matching
        self._entries: dict[str, list[_Entry]] = {}
        for place in profile.places:
            for alias in place.aliases:
                alias = normalize(alias)
                capitals = tuple(w[:1].isupper() for w in alias.split(" "))
                entry = _Entry(alias, _iy_marked(alias.lower()), capitals, place, fold(alias) == alias.lower())
                for key in dict.fromkeys([_key(alias), _iy_folded(_key(alias))]):  # "Đồng Hỷ", "Đồng Hỉ"
                    self._entries.setdefault(key, []).append(entry)
        order = {kind: i for i, kind in enumerate(_KIND_ORDER)}
        for entries in self._entries.values():
            entries.sort(key=lambda e: (e.place.ambiguous, order[e.place.kind]))
        self._names = _trie_regex(list(self._entries))
        prefixes = rules.get("admin_prefixes") or {}
        self._prefix_kinds = {fold(p): set(kinds or ()) for p, kinds in prefixes.items()}
        self._admin_prefix = _Words(list(prefixes), r"\.?\s*")
        self._non_place = _Words(rules.get("non_place_prefixes") or [], r"\s+")
        self._person_title = _Words(rules.get("person_titles") or [], r"\s+")
        self._common = {_key(normalize(w)) for w in rules.get("common_words") or []}
        self._surnames = {normalize(w) for w in rules.get("surnames") or []}
        # Names of other provinces and of districts elsewhere (none of them a name of ours).
        elsewhere = {_key(normalize(n)) for n in [*profile.other_provinces, *profile.other_districts]}
        self._elsewhere_names = _trie_regex(sorted(elsewhere)) if elsewhere else None
        # The same names as written with diacritics: "Hai cháu" is not "Hải Châu", "Động đã" not "Đống Đa".
        self._elsewhere_marked = {_iy_marked(normalize(n).lower())
                                  for n in [*profile.other_provinces, *profile.other_districts]}

    # ------------------------------------------------------------------------------------------- matching

    def match(self, title: str, text: str, *, normalized: bool = False) -> Relevance:
        """Offsets are into ``normalize(title)`` and ``normalize(text)``; pass ``normalized=True`` when the
        caller has normalised them already (the pipeline has), which skips a second, costly pass."""
        if normalized:
            written = {"title": title or "", "text": text or ""}
        else:
            written = {"title": normalize(title or ""), "text": normalize(text or "")}
        # Names hidden from filters ("Тhái Nguyên" with a Cyrillic Т, "T.h.á.i N.g.u.y.ê.n") are matched on the
        # text as a reader reads it; offsets are mapped back to the text as written.
        views = {name: match_view(value) for name, value in written.items()}
        fields = {name: view.text for name, view in views.items()}
        hits = {name: self._hits(name, value) for name, value in fields.items()}
        accepted: list[_Hit] = []
        rejected: list[_Hit] = []
        strong = {name: _Strong([h for h in field_hits if not h.why and not h.ambiguous])
                  for name, field_hits in hits.items()}
        elsewhere = "" if any(s.hits for s in strong.values()) else self._first_elsewhere(fields)
        for name, field_hits in hits.items():
            for hit in field_hits:
                if not hit.why and hit.ambiguous:
                    self._judge_ambiguous(hit, fields[name], strong, elsewhere)
                (rejected if hit.why else accepted).append(hit)
        for hit in accepted + rejected:
            view = views[hit.field]
            if view.changed:
                hit.start, hit.end = view.span(hit.start, hit.end)
                hit.surface = view.original[hit.start:hit.end]
        accepted.sort(key=lambda h: (h.field != "title", h.start))
        return Relevance(
            relevant=bool(accepted),
            places=[h.as_dict() for h in accepted],
            reason=self._reason(accepted, rejected),
            rejected=[{**h.as_dict(), "why": h.why} for h in rejected],
        )

    def _hits(self, field_name: str, value: str) -> list[_Hit]:
        if not value:
            return []
        key = _key(value)
        # Text written with diacritics (most of it: an English text naming "Hà Nội" once is not) never
        # writes a name without them: there "Ban Thi" is "Ban Thi đua", not Xã Bản Thi.
        with_marks = len(_MARKED_LETTER.findall(value)) > _MARKED_SHARE * len(value)
        out = []
        pos = 0
        while m := self._names.search(key, pos):
            start, end = m.span()
            hit = _Hit(field_name, start, end, value[start:end], self._entries[m.group(0)], with_marks)
            self._judge_form(hit, value)
            if hit.not_a_name:
                # "trên đường Quang Trung": "đường Quang" is no name, but a name may start at the next word.
                space = key.find(" ", start, end)
                pos = space + 1 if space != -1 else end
                if " " not in hit.surface or not hit.why.startswith("viết thường"):
                    continue  # an ordinary word, not worth showing as a rejected name
            else:
                pos = end
            out.append(hit)
        return out

    def _judge_form(self, hit: _Hit, value: str) -> None:
        """Case, diacritics and the words around the name: what the hit itself says."""
        surface, with_marks = hit.surface.translate(_HYPHEN_TO_SPACE), hit.with_marks
        if hit.start > 0 and value[hit.start - 1] == "#":
            with_marks = False  # a hashtag ("#ThaiNguyen", cut into syllables by the view) is written without them
        marked = fold(surface) != surface.lower()
        if marked:
            written = _iy_marked(surface.lower())
            hit.entries = [e for e in hit.entries if e.marked == written]
            if not hit.entries:
                hit.entries = self._entries[_key(surface)]
                hit.why = "sai dấu so với tên địa danh"
                hit.not_a_name = True
                return
        elif with_marks:
            hit.entries = [e for e in hit.entries if e.plain]
            if not hit.entries:
                hit.entries = self._entries[_key(surface)]
                hit.why = "viết không dấu trong văn bản có dấu"
                hit.not_a_name = True
                return
        words = surface.split(" ")
        capitals = list(hit.entries[0].capitals)
        if hit.entries[0].place.kind == "landmark" and len(capitals) > 1:
            capitals[0] = False  # "hồ Ba Bể", "thác Bản Giốc", "cửa khẩu Tà Lùng"
        capitalised = surface.isupper() or all(w[:1].isupper() for w, cap in zip(words, capitals, strict=False) if cap)
        before = value[max(0, hit.start - 40) : hit.start].removesuffix("#")  # "phường #QuangVinh"
        non_place = self._non_place.ending(before, with_marks)
        if non_place and all(e.place.ambiguous for e in hit.entries):
            hit.why = f"đứng sau “{non_place}”, không phải đơn vị hành chính"
            return
        hit.prefix = self._admin_prefix.ending(before, with_marks)
        if hit.prefix:
            kinds = self._prefix_kinds[fold(re.sub(r"\s+", " ", hit.prefix))]
            fitting = [e for e in hit.entries if e.place.kind in kinds]
            if not fitting and not any(e.place.kind == "landmark" for e in hit.entries):
                hit.why = f"đứng sau “{hit.prefix}” nhưng không có đơn vị loại này trùng tên trong tỉnh"
                return
            hit.entries = fitting or hit.entries
        hit.ambiguous = all(e.place.ambiguous for e in hit.entries)
        if not capitalised:
            if marked and " " in surface and ((hit.prefix and not hit.ambiguous) or (
                    any(e.place.kind in ("province", "former_province") for e in hit.entries)
                    and (_key(surface) not in self._common or _named_as_place(value, hit.start, hit.end)))):
                # Social posts write names in small letters: "lũ ở thái nguyên", "xã la hiên". With the name's own
                # diacritics, the province itself or a name of two syllables or more after "xã", "huyện"… is still
                # the place; not a name that is also words ("cao bằng" = "as high as") without "tỉnh", "ở"… before
                # it or a colon after it, nor one syllable ("lên xã chờ cả ngày" is a wait), nor a name whose end
                # syllables make words with their neighbours ("trạng thái nguyên thủy").
                if _glued(value, hit.start, hit.end):
                    hit.why = "viết thường, âm tiết đầu hoặc cuối ghép với từ bên cạnh thành từ khác"
                    hit.not_a_name = True
                return
            if marked or with_marks or surface != surface.lower():
                hit.why = "viết thường, không phải tên riêng"
                hit.not_a_name = True
            elif hit.ambiguous or _key(surface) in self._common:
                hit.why = "viết thường không dấu, tên dễ nhầm với từ thường hoặc nơi khác"
                hit.not_a_name = True
            elif not hit.prefix and not any(e.place.kind in ("province", "former_province") for e in hit.entries):
                # "la bang", "cho ra" in text without diacritics are words ("là bằng", "cho ra đời"): a commune
                # written in lower case without diacritics counts only after "xa", "huyen"...
                hit.why = "viết thường không dấu, không có “xã”, “huyện”… đứng trước"
                hit.not_a_name = True
            return
        if not any(e.place.kind in _NAMED_ALONE for e in hit.entries) and (
            self._person_name(hit, before, with_marks) or self._inside_longer_name(hit, value, before)
        ):
            return
        if hit.ambiguous and not hit.prefix and ((not marked and not hit.entries[0].plain) or " " not in surface):
            hit.why = "tên dễ nhầm viết không dấu hoặc chỉ một âm tiết: cần “xã”, “huyện”… đứng trước"
            hit.not_a_name = " " not in surface  # "Hồ" of "Hồ Chí Minh", "Du" of "Du lịch"

    def _person_name(self, hit: _Hit, before: str, with_marks: bool) -> bool:
        """"Trần Đức Lương", "chị Kim Phượng" are people, not communes: a family name or a title before the hit."""
        if hit.prefix:
            return False
        title = self._person_title.ending(before, with_marks)
        if title:
            hit.why = f"là tên người (đứng sau “{title}”)"
            return True
        if not before.endswith(" "):
            return False
        words = before.split()
        for name in (" ".join(words[-2:]), words[-1] if words else ""):
            if name in self._surnames:
                hit.why = f"là một phần của tên người (“{name} {hit.surface}”)"
                return True
        return False

    def _inside_longer_name(self, hit: _Hit, value: str, before: str) -> bool:
        """"Hoa Lâm Bình Định", "xã Phú Hòa Đông", "xã Xuân Giang 2": the name written is longer than ours."""
        after = _NEXT_TOKEN.match(value, hit.end)
        if after:
            word = after.group(1)
            longer = word[:1].isupper() or (word.isdigit() and len(word) <= 2)
            if longer and not self._names.match(_key(value[after.start(1) : after.start(1) + 60])):
                hit.why = f"là một phần của tên dài hơn (“{hit.surface} {word}”)"
                return True
        token = _PREV_TOKEN.search(before)
        if token and not hit.prefix:
            word = token.group(1)
            if word[:1].isupper() and word[1:].islower() and word.isalpha() and not _SENTENCE_START.search(
                before[: token.start(1)]
            ):
                hit.why = f"là một phần của tên riêng dài hơn (“{word} {hit.surface}”)"
                return True
        return False

    def _judge_ambiguous(self, hit: _Hit, value: str, strong: dict[str, _Strong], elsewhere_in_item: str) -> None:
        """A name that also belongs elsewhere: not when another province or district is named next to it;
        a unit abolished in 2025, even after "xã", "phường"…, not when the item names another province and no
        sure place of ours (national news about "phường Quang Trung" of Bình Định: old ward names repeat across
        the country, while the province's own press names today's communes, often with no province beside
        them); bare, only with an unambiguous place of the province close by."""
        elsewhere = self._named_elsewhere(hit, value, strong[hit.field])
        if elsewhere:
            hit.why = f"thuộc địa phương khác ({elsewhere})"
            return
        if hit.prefix:
            if elsewhere_in_item and all(e.place.kind in _FORMER_KINDS for e in hit.entries):
                hit.why = (f"tên đơn vị cũ trùng với nơi khác; bài nêu {elsewhere_in_item} mà không nêu địa danh "
                           "chắc chắn nào của tỉnh")
            return
        lo, hi = hit.start - self.window, hit.end + self.window
        near = strong[hit.field].within(lo, hi)
        if not near and hit.field == "title":
            near = strong["text"].within(0, self.window)
        if not near:
            hit.why = "tên dễ nhầm, không có địa danh chắc chắn của tỉnh ở gần"

    def _first_elsewhere(self, fields: dict[str, str]) -> str:
        """The first other province or district of another province named (capitalised) in the item, or ""."""
        if not self._elsewhere_names:
            return ""
        for value in fields.values():
            for _, written in self._elsewhere_between(value, 0, len(value)):
                return written
        return ""

    def _elsewhere_between(self, value: str, lo: int, hi: int) -> Iterator[tuple[int, str]]:
        """Other provinces and districts elsewhere named in value[lo:hi], as (offset, name as written):
        capitalised, and with their own diacritics where the text has some."""
        if not self._elsewhere_names:
            return
        for m in self._elsewhere_names.finditer(_key(value[lo:hi])):
            written = value[lo + m.start() : lo + m.end()]
            plain = fold(written) == written.lower()
            if written[:1].isupper() and (plain or _iy_marked(written.lower()) in self._elsewhere_marked):
                yield lo + m.start(), written

    def _named_elsewhere(self, hit: _Hit, value: str, strong: _Strong) -> str:
        """The place named nearest the hit in its sentence, first after it ("xã Tân Tiến, huyện Văn Giang,
        tỉnh Hưng Yên"), else before it ("tại huyện Bình Liêu, xã Đồng Tâm"): another province, a district
        of another province or a "quận" means the hit is there (its name is returned); one of ours, here."""
        tail_end = hit.end + 120
        cut = _CLAUSE_END.search(value, hit.end, tail_end)
        tail_end = cut.start() if cut else min(tail_end, len(value))
        head_start = max(0, hit.start - 120)
        ends = [m.end() for m in _CLAUSE_END.finditer(value, head_start, hit.start)]
        head_start = ends[-1] if ends else head_start
        after = self._places_between(value, hit.end, tail_end, strong, hit.with_marks)
        if after:
            return min(after)[1]
        before = self._places_between(value, head_start, hit.start, strong, hit.with_marks)
        return max(before)[1] if before else ""

    def _places_between(self, value: str, lo: int, hi: int, strong: _Strong,
                        with_marks: bool) -> list[tuple[int, str]]:
        """Places named in value[lo:hi] as (offset, name), name "" for ours."""
        events = [(start, "") for start in strong.starts_between(lo, hi)]
        events += self._elsewhere_between(value, lo, hi)
        for m in _DISTRICT_WORDS[with_marks].finditer(value, lo, hi):
            run = _CAPITAL_RUN.match(value, m.end(), hi)
            if not run or not run.group(0)[:1].isupper():
                continue
            words = run.group(0).split(" ")
            ours = any(_key(" ".join(words[:n])) in self._entries for n in range(1, len(words) + 1))
            foreign = fold(m.group(1)).startswith("quan") or not ours
            events.append((m.start(), f"{m.group(1)} {run.group(0)}" if foreign else ""))
        return events

    def _reason(self, accepted: list[_Hit], rejected: list[_Hit]) -> str:
        province = self.profile.name
        if accepted:
            names = []
            for hit in accepted:
                place = hit.entries[0].place
                label = place.name + (" (cũ)" if place.kind in _FORMER_KINDS else "")
                if label not in names:
                    names.append(label)
            more = f" và {len(names) - 5} địa danh khác" if len(names) > 5 else ""
            return f"Liên quan đến tỉnh {province}: nhắc đến {', '.join(names[:5])}{more}."
        doubtful = [h for h in rejected if not h.not_a_name]
        if doubtful:
            forms = list(dict.fromkeys(h.surface for h in doubtful))[:5]
            return (f"Không liên quan: chỉ có tên trùng hoặc dễ nhầm ({', '.join(forms)}), "
                    f"không có ngữ cảnh cho thấy thuộc tỉnh {province}.")
        return f"Không nhắc đến địa danh nào của tỉnh {province}."
