"""The parts of a Vietnamese news page that a generic extractor gets wrong: the headline, the lead (sapo),
the page chrome around the body, the date shown as text, and pages that are not articles at all.

Vietnamese newsrooms build article pages on a handful of CMS families, and whatever the family the same
parts recur under recognisable names: the sapo sits in an ``h2``/``div``/``p`` named ``sapo``,
``description``, ``summary``, ``chappeau``, ``desc`` or ``lead`` right under the headline (or is the bold
first paragraph of provincial papers); the body is followed, and often interrupted, by "Tin liên quan",
"Xem thêm", "Các tin khác" boxes, tag lists, share bars, comment forms and app banners ("Tải ứng dụng");
the time shows as text ("Thứ bảy, 7/3/2026, 08:47 (GMT+7)") next to the headline while the page header
shows today's date. This module reads those parts from an lxml tree by name and position, never by site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from crawlers.dates import loads_lenient
from pipeline.core.dates import FoundDate, find_vn_dates
from pipeline.core.text import normalize, normalize_tone_marks

# ------------------------------------------------------------------------------------------ names
_WORDS_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
# Class/id words of containers that are never the article's own text.
CHROME_WORDS = {
    "related", "relate", "relates", "relation", "lienquan", "tinlienquan", "tinkhac", "other", "others",
    "recommendation", "recommend", "suggest", "suggestion", "readmore", "xemthem", "docthem", "more",
    "comment", "comments", "binhluan", "ykien", "share", "sharing", "social", "socials", "bookmark", "bookmarks",
    "tag", "tags", "keyword", "keywords", "breadcrumb", "breadcrumbs", "nav", "navigation", "navbar", "menu",
    "footer", "header", "banner", "sidebar", "aside", "widget", "ads", "adv", "advert", "advertisement", "qc",
    "popup", "modal", "login", "signin", "register", "subscribe", "newsletter", "pager", "pagination",
    "pagenav", "print", "rating", "rate", "reaction", "reactions", "audio", "player", "app", "download",
    "mostread", "xemnhieu", "docnhieu", "hot", "trending", "cungchuyenmuc", "chuyenmuc", "lq", "stock",
    "ticker", "toolbar", "tools", "copyright", "hits", "counter", "author", "bio",
}
# Of those, the names that also label an article's own header block (next to the headline: the date, the
# byline, the share bar): chrome far from the headline, part of the article near it.
WEAK_CHROME_WORDS = {"header", "breadcrumb", "breadcrumbs", "share", "sharing", "social", "toolbar", "tools",
                     "author", "bio", "audio", "player", "print", "rating", "rate", "reaction", "reactions",
                     "hits", "counter", "bookmark", "bookmarks", "app", "download"}
# Container names made of several words ("tin-lien-quan", "box-tin-cung-chuyen-muc", "most-read").
CHROME_PHRASES = (
    ("tin", "lien", "quan"), ("lien", "quan"), ("tin", "khac"), ("cac", "tin", "khac"), ("xem", "them"),
    ("doc", "them"), ("binh", "luan"), ("y", "kien"), ("cung", "chuyen", "muc"), ("most", "read"),
    ("most", "viewed"), ("xem", "nhieu"), ("doc", "nhieu"), ("news", "relate"), ("read", "more"),
    ("list", "news", "relate"), ("inner", "article"), ("bv", "lq"), ("tin", "moi"), ("box", "video"),
    ("date", "today"), ("current", "date"), ("date", "now"), ("time", "now"), ("top", "date"), ("today",),
    ("header", "date"), ("header", "time"), ("current", "time"),
)
# Of those, the phrases that also name the article's own header block ("sc-longform-header-date" next to the
# headline): chrome far from the headline only.
WEAK_CHROME_PHRASES = {("header", "date"), ("header", "time")}
# Chrome words long and distinctive enough to be recognised inside a longer name ("box-tinlienquanv2",
# "boxRelatedNews", "commentWrapper").
CHROME_SUBSTRINGS = ("related", "lienquan", "tinkhac", "xemthem", "docthem", "binhluan", "comment",
                     "breadcrumb", "sidebar", "footer", "newsletter", "recommend", "pagination", "mostread",
                     "xemnhieu", "docnhieu", "readmore", "trending", "advert", "socialshare", "cungchuyenmuc")
# Sapo / lead blocks.
SAPO_WORDS = {"sapo", "chappeau", "chapeau", "summary", "description", "desc", "lead", "leadtext", "excerpt",
              "tomtat", "intro", "teaser", "standfirst", "abstract", "subtitle", "subtitles"}
SAPO_TAGS = {"h2", "h3", "h4", "div", "p", "section", "span", "strong", "em"}
# Elements whose class or id names a date or time.
DATE_WORDS = {"date", "time", "datetime", "publish", "published", "publishdate", "pubdate", "postdate",
              "posttime", "ngay", "ngaydang", "thoigian", "timestamp", "created", "meta", "info", "subinfo",
              "infotime", "dateline", "detailtime", "pdate", "cre"}
LOCATION_WORDS = {"location", "stamp", "locationstamp", "dateline", "diadanh"}
BLOCK_TAGS = {"p", "div", "li", "section", "article", "td", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
              "figure", "figcaption", "ul", "ol", "table", "header", "footer", "aside", "nav", "main", "dl", "dd"}
ALWAYS_CHROME_TAGS = {"script", "style", "noscript", "iframe", "button", "input", "select", "textarea",
                      "svg", "canvas", "video", "audio", "object", "embed", "template"}
# Chrome unless it holds the article: ASP.NET and SharePoint pages wrap the whole page in one <form>.
GUARDED_CHROME_TAGS = {"form"}
STRUCTURAL_CHROME_TAGS = {"nav", "footer", "aside"}

# Lines of text that open a chrome block: what follows them is not the article.
CHROME_HEADINGS = re.compile(
    r"^(?:tin liên quan|bài liên quan|bài viết liên quan|tin bài liên quan|tin cùng chuyên mục|cùng chuyên mục|"
    r"các tin khác|tin khác|tin mới|tin mới nhất|tin đọc nhiều|đọc nhiều|đọc nhiều nhất|xem nhiều|"
    r"có thể bạn quan tâm|bạn có thể quan tâm|đọc tiếp|xem thêm|đọc thêm|ý kiến bạn đọc|ý kiến|bình luận|"
    r"gửi bình luận|chia sẻ|tags?|từ khóa|chủ đề|video liên quan|tin nổi bật|tin tiêu điểm)\s*(?:\(\d+\))?\s*:?$",
    re.IGNORECASE,
)
# Lines that are chrome wherever they stand (app banners, share prompts, "Xem thêm: <link>").
CHROME_LINES = re.compile(
    r"^(?:\|?\s*tải ứng dụng\b.*|tải app\b.*|\|\s*báo điện tử.*|(?:xem thêm|đọc thêm|tin liên quan|bài liên quan)\s*[:>»].*|"
    r">>.*|»\s.*|chia sẻ(?: bài viết)?:?.*|lượt xem:?\s*[\d.,]+.*|nghe (?:đọc )?bài(?: viết)?.*|in bài.*|"
    r"theo dõi .* trên google news.*|mời (?:quý )?(?:độc giả|bạn đọc) gửi (?:bài|tin|ý kiến|câu hỏi).*)$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”»)]\s*$")


def words_of(node: Any) -> set[str]:
    """The words of an element's class and id ("detail-sapo sm-x" -> {"detail", "sapo", "sm", "x"}), lower case,
    with each name also kept whole without separators ("tin-lien-quan" -> "tinlienquan")."""
    names = f"{node.get('class') or ''} {node.get('id') or ''}".strip()
    if not names:
        return set()
    out: set[str] = set()
    for name in names.split():
        parts = [p.lower() for p in _WORDS_SPLIT.split(name) if p]
        out.update(parts)
        out.add("".join(parts))
    return out


def _has_phrase(parts: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(parts[i:i + n]) == phrase for i in range(len(parts) - n + 1))


def is_chrome_name(node: Any, *, strong_only: bool = False) -> bool:
    """Does the element's class or id name a chrome container (related links, comments, menus...)?
    ``strong_only``: only names that are chrome wherever they stand (not "header", "author", "share")."""
    if not isinstance(node.tag, str):
        return False
    names = f"{node.get('class') or ''} {node.get('id') or ''}".strip()
    if names and _chrome_names(names, strong_only):
        return True
    return node.get("type") in ("RelatedOneNews", "RelatedNewsBox", "RelatedNews", "link")


_STRONG_CHROME_WORDS = CHROME_WORDS - WEAK_CHROME_WORDS


@lru_cache(maxsize=4096)
def _chrome_names(names: str, strong_only: bool) -> bool:
    words = _STRONG_CHROME_WORDS if strong_only else CHROME_WORDS
    for name in names.split():
        parts = [p.lower() for p in _WORDS_SPLIT.split(name) if p]
        whole = "".join(parts)
        if whole in words or any(p in words for p in parts):
            return True
        if any(sub in whole for sub in CHROME_SUBSTRINGS):
            return True
        if any(_has_phrase(parts, phrase) for phrase in CHROME_PHRASES
               if not (strong_only and phrase in WEAK_CHROME_PHRASES)):
            return True
    return False


def text_of(node: Any) -> str:
    return normalize(node.text_content() if node is not None else "", keep_newlines=False)


def flat(text: str) -> str:
    """Text for comparisons: NFC, one tone-mark style, single spaces (cheaper than a full normalize)."""
    return " ".join(normalize_tone_marks(text or "").split())


# ------------------------------------------------------------------------------------------ metadata
@dataclass
class PageMeta:
    metas: dict[str, str] = field(default_factory=dict)
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    doc_title: str = ""

    def get(self, *names: str) -> str:
        for name in names:
            if self.metas.get(name):
                return self.metas[name]
        return ""

    def article_ld(self) -> dict[str, Any]:
        """The JSON-LD object that describes the article (NewsArticle, Article, VideoObject...)."""
        for node in self.jsonld:
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and (k.endswith("Article") or k in ("VideoObject", "Report", "BlogPosting",
                                                                          "LiveBlogPosting")) for k in kinds):
                return node
        return {}

    @property
    def title(self) -> str:
        return normalize(self.get("og:title", "twitter:title") or str(self.article_ld().get("headline") or "")
                         or self.get("title"), keep_newlines=False)

    @property
    def description(self) -> str:
        ld = self.article_ld()
        return normalize(self.get("og:description", "twitter:description") or str(ld.get("description") or "")
                         or self.get("description"), keep_newlines=False)

    @property
    def article_body(self) -> str:
        body = self.article_ld().get("articleBody")
        return normalize(body, keep_newlines=True) if isinstance(body, str) else ""

    @property
    def site_name(self) -> str:
        return normalize(self.get("og:site_name", "application-name"), keep_newlines=False)

    @property
    def og_type(self) -> str:
        return self.get("og:type").lower()


def read_meta(tree: Any) -> PageMeta:
    meta = PageMeta()
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = (node.get("content") or "").strip()
        if key and content and key not in meta.metas:
            meta.metas[key] = content
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        meta.jsonld.extend(_jsonld_objects(script))
    titles = tree.xpath("//title/text()")
    meta.doc_title = normalize(titles[0], keep_newlines=False) if titles else ""
    return meta


def _jsonld_objects(text: str) -> list[dict[str, Any]]:
    # Real pages ship JSON-LD in CDATA or comments, with raw newlines and trailing commas.
    data = loads_lenient(text)
    if data is None:
        return []
    out: list[dict[str, Any]] = []
    stack = [data]
    while stack and len(out) < 50:
        node = stack.pop(0)
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            out.append(node)
            graph = node.get("@graph")
            if isinstance(graph, list):
                stack.extend(graph)
    return out


# ------------------------------------------------------------------------------------------ title
def _similar(a: str, b: str) -> bool:
    a, b = flat(a).lower(), flat(b).lower()
    return bool(a) and bool(b) and (a == b or (len(a) >= 12 and a in b) or (len(b) >= 12 and b in a))


def find_title(tree: Any, meta: PageMeta, fallback: str = "") -> tuple[Any | None, str]:
    """The headline element and its text: the h1 that the page's own metadata names (og:title, JSON-LD
    headline, <title>), else the one heading that matches them, else the metadata title."""
    candidates = [meta.title, meta.doc_title, fallback]
    h1s = [(node, text_of(node)) for node in tree.iter("h1")]
    h1s = [(n, t) for n, t in h1s if len(t) >= 8]
    for node, text in h1s:
        if any(_similar(text, c) for c in candidates if c):
            return node, text
    if not any(candidates) and h1s:
        return max(h1s, key=lambda nt: len(nt[1]))
    # No h1 names the article: a portal's "title" heading, matched against what metadata says.
    for node in tree.xpath("//h2|//h3|//*[contains(@class,'title')]"):
        text = text_of(node)
        if 8 <= len(text) <= 300 and any(_similar(text, c) for c in candidates if c):
            if len(node) and len(text_of(node)) > 300:
                continue
            return node, text
    # The metadata names something else (an SEO title, the section): the article's own h1, if it has one.
    own = [(n, t) for n, t in h1s if chrome_ancestor(n) is None and len(t.split()) >= 3]
    if own:
        return own[0]
    heading = _heading_before_body(tree)
    if heading is not None:
        return heading
    return None, strip_site_suffix(meta.title or fallback or meta.doc_title, meta.site_name)


_TITLE_WORDS = {"title", "tieude", "headline", "heading", "tittle"}


def _heading_before_body(tree: Any) -> tuple[Any, str] | None:
    """Portals (Liferay, Joomla) name the page after its section ("Tin tức sự kiện - Cổng ...") and put the
    headline in an h2/h3 or a "title" block: the last such heading before the first paragraph of text."""
    last = None
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in ALWAYS_CHROME_TAGS:
            continue
        if node.tag == "p":
            if len(text_of(node)) >= 80 and chrome_ancestor(node, strong_only=True) is None:
                break
            continue
        if node.tag in ("h1", "h2", "h3", "h4") or (words_of(node) & _TITLE_WORDS and len(node) <= 2):
            if _is_sapo_name(node):
                continue
            text = text_of(node)
            if 15 <= len(text) <= 300 and len(text.split()) >= 4 and chrome_ancestor(node) is None:
                last = (node, text)
    return last


_SUFFIX_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")


def strip_site_suffix(title: str, site_name: str = "") -> str:
    """"Headline - Báo X" -> "Headline" when the tail names a site (its og:site_name, a domain, a paper)."""
    title = normalize(title, keep_newlines=False)
    for sep in _SUFFIX_SEPARATORS:
        if sep in title:
            head, tail = title.rsplit(sep, 1)
            low = tail.lower()
            if (site_name and flat(tail).lower() == flat(site_name).lower()) or re.search(
                    r"\.(vn|com|net|org)\b|^(báo|tạp chí|cổng|trang|kênh|đài|tin tức|vnexpress|tuổi trẻ|dân trí|"
                    r"thanh niên|vietnamnet|zing|znews|vov|vtv|24h)", low):
                return head.strip()
    return title


# ------------------------------------------------------------------------------------------ positions
def document_order(tree: Any) -> dict[Any, int]:
    return {node: i for i, node in enumerate(tree.iter())}


def chrome_ancestor(node: Any, keep: Iterable[Any] = (), *, strong_only: bool = False) -> Any | None:
    """The nearest element at or above ``node`` that is chrome by name or tag, unless it holds one of
    ``keep`` (the headline: "detail__header" holds the h1 and is no chrome)."""
    keep = [k for k in keep if k is not None]
    current = node
    while current is not None and isinstance(current.tag, str) and current.tag not in ("body", "html"):
        structural = current.tag in STRUCTURAL_CHROME_TAGS or (current.tag == "header" and not strong_only)
        chrome = structural or is_chrome_name(current, strong_only=strong_only) or _is_page_header(current)
        if chrome and not any(_contains(current, k) for k in keep):
            return current
        current = current.getparent()
    return None


def _is_page_header(node: Any) -> bool:
    """The site's header (logo, menu, today's date): a <header> or "header" block holding a menu of links."""
    if node.tag != "header" and "header" not in words_of(node):
        return False
    return len(node.xpath(".//a")) >= 4


def _contains(ancestor: Any, node: Any) -> bool:
    current = node
    while current is not None:
        if current is ancestor:
            return True
        current = current.getparent()
    return False


# ------------------------------------------------------------------------------------------ sapo
@dataclass
class Lead:
    node: Any | None
    text: str
    origin: str  # "sapo", "h2", "bold", "meta", "jsonld"


def _is_sapo_name(node: Any) -> bool:
    words = words_of(node)
    return bool(words & SAPO_WORDS) or any(w.endswith("sapo") or w.startswith("sapo") for w in words)


def _lead_text(node: Any) -> str:
    """The sapo's text without a location stamp ("HÀ NỘI" styled before the sentence)."""
    stamps = [child for child in node.iter() if child is not node and isinstance(child.tag, str)
              and words_of(child) & LOCATION_WORDS]
    if not stamps:
        return text_of(node)
    clone = _clone(node)
    for child in list(clone.iter()):
        if child is not clone and isinstance(child.tag, str) and words_of(child) & LOCATION_WORDS:
            _drop(child)
    return text_of(clone)


def _clone(node: Any) -> Any:
    from copy import deepcopy

    return deepcopy(node)


def _drop(node: Any) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    previous = node.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def _looks_like_lead(text: str) -> bool:
    return len(text) >= 40 and len(text.split()) >= 8 and len(text) <= 1500


def find_lead(tree: Any, title_node: Any | None, meta: PageMeta, order: dict[Any, int]) -> Lead | None:
    """The article's lead: a sapo block after the headline, an h2 lead, the bold first paragraph, or the
    page's own description when it is shown on the page (or opens JSON-LD's articleBody)."""
    start = order.get(title_node, -1) if title_node is not None else -1
    candidates = []
    for node in tree.iter(*SAPO_TAGS):
        if not _is_sapo_name(node) or node.tag == "meta":
            continue
        if chrome_ancestor(node, keep=[title_node], strong_only=True) is not None or node.xpath("ancestor::a"):
            continue
        if _contains(node, title_node) if title_node is not None else False:
            continue
        text = _lead_text(node)
        if not _looks_like_lead(text):
            continue
        candidates.append((order.get(node, 0), node, text))
    # A "description" far above the headline is the site's motto in the page header, not a lead.
    candidates = [c for c in candidates if c[0] > start or start - c[0] <= 30]
    if candidates:
        after = [c for c in candidates if c[0] > start]
        pick = min(after or candidates, key=lambda c: (c[0] < start, abs(c[0] - start)))
        # A sapo block holding a sapo block: the inner one is the text.
        return Lead(pick[1], pick[2], "sapo")
    if title_node is not None:
        lead = _h2_after_title(title_node, order)
        if lead is not None:
            return lead
    described = _described_on_page(tree, meta, title_node)
    if described is not None:
        return described
    body = meta.article_body
    description = meta.description
    if description and body and _looks_like_lead(description) and flat(body).startswith(flat(description)[:60]):
        return Lead(None, description, "jsonld")
    return None


def _h2_after_title(title_node: Any, order: dict[Any, int]) -> Lead | None:
    """An h2 (or h3) right after the headline that reads as a sentence: the lead of many CMSs."""
    start = order.get(title_node, 0)
    for node in title_node.getroottree().iter("h2", "h3"):
        position = order.get(node, 0)
        if position <= start:
            continue
        if position - start > 40:
            break
        if chrome_ancestor(node, keep=[title_node]) is not None:
            continue
        text = text_of(node)
        if _looks_like_lead(text) and _SENTENCE_END.search(text):
            return Lead(node, text, "h2")
        if text:
            break
    return None


def _described_on_page(tree: Any, meta: PageMeta, title_node: Any | None) -> Lead | None:
    """The page's description (og:description...) when an element on the page shows it: that element is the
    lead the selectors missed (its full text: descriptions are often cut short)."""
    description = meta.description
    if not _looks_like_lead(description) or (meta.title and flat(description) == flat(meta.title)):
        return None
    probe = flat(description)[:60].rstrip(" .…")
    for node in tree.iter("p", "div", "h2", "h3", "strong", "b", "span", "em"):
        if node.tag in ("div",) and len(node) > 3:
            continue
        text = text_of(node)
        if flat(text).startswith(probe) and _looks_like_lead(text) and len(text) < 1.6 * len(description) + 40:
            if chrome_ancestor(node, keep=[title_node]) is not None:
                continue
            return Lead(node, text, "meta")
    return None


# ------------------------------------------------------------------------------------------ chrome
def remove_chrome(tree: Any, *, keep: Iterable[Any] = (), drop: Iterable[Any] = ()) -> None:
    """Strip, in place, what is never the article's text: containers named as chrome (unless they hold
    the headline or most of the page's paragraphs), link boxes inside the body, app banners, and the
    elements already read separately (``drop``: the headline, the sapo, the date line)."""
    keep = [k for k in keep if k is not None]
    drop = [d for d in drop if d is not None]
    # The blocks that hold the article's head (headline, lead, date line): never a teaser card.
    head_blocks = {a for node in keep + drop for a in node.iterancestors()}
    for node in drop:
        if node.getparent() is not None:
            _drop(node)
    body = tree.find(".//body")
    root = body if body is not None else tree
    paragraphs = [p for p in root.iter("p")]
    total = sum(len(p.text_content()) for p in paragraphs) or 1
    doomed = []
    for node in root.iter():
        if not isinstance(node.tag, str) or node is root:
            continue
        if node.tag in ALWAYS_CHROME_TAGS:
            doomed.append(node)
            continue
        if (node.tag in STRUCTURAL_CHROME_TAGS or node.tag in GUARDED_CHROME_TAGS or node.tag == "header"
                or is_chrome_name(node)):
            if any(_contains(node, k) for k in keep):
                continue
            if node in head_blocks and node.tag not in STRUCTURAL_CHROME_TAGS and node.tag != "header":
                # The column that holds the headline, whatever its name (VnExpress calls its main column
                # "sidebar-1"): its chrome is judged element by element.
                continue
            inside = sum(len(p.text_content()) for p in node.iter("p"))
            if inside > 0.5 * total and total > 400:
                continue
            doomed.append(node)
            continue
        if node.tag in ("p", "div", "li") and _is_link_box(node):
            doomed.append(node)
        elif node.tag in _TEASER_HEADINGS and _is_teaser_heading(node):
            doomed.append(_teaser_card(node, root, head_blocks))
    for node in doomed:
        if node.getparent() is not None and not any(_contains(node, k) for k in keep):
            _drop(node)


_TEASER_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def _is_teaser_heading(heading: Any) -> bool:
    """A heading that is a link to another article: the headline of a teaser card. CMSs insert such
    cards in the middle of the body under names that say nothing (VietNamNet's "ck-cms-insert-neww-group"
    of <article class="ck-cms-insert-news">)."""
    text = flat(heading.text_content())
    if len(text) < 15:
        return False
    linked = sum(len(flat(a.text_content())) for a in heading.iter("a") if (a.get("href") or "").strip())
    return linked >= 0.7 * len(text)


def _teaser_card(heading: Any, root: Any, head_blocks: set[Any]) -> Any:
    """The card a teaser headline heads: its small enclosing block (headline, picture, excerpt), never a
    block that holds the article's own head."""
    card = heading
    for _ in range(3):
        parent = card.getparent()
        if parent is None or parent is root or parent in head_blocks:
            break
        if len(parent.text_content()) > 600 or len(parent.xpath(".//p")) > 3 or _holds_prose(parent, card):
            break
        card = parent
    return card


def _holds_prose(block: Any, card: Any) -> bool:
    """Does the block hold a paragraph of its own outside the card (the body of a short article)?"""
    for p in block.iter("p"):
        if _contains(card, p):
            continue
        own = len(flat(p.text_content())) - sum(len(flat(a.text_content())) for a in p.iter("a"))
        if own >= 60:
            return True
    return False


def kicker_of(title_node: Any | None) -> Any | None:
    """The short label printed right above the headline ("Trung Quốc:", "Video:", a rubric): part of the
    headline block, never of the article's text."""
    if title_node is None:
        return None
    previous = title_node.getprevious()
    while previous is not None and (not isinstance(previous.tag, str) or not flat(previous.text_content())):
        previous = previous.getprevious()
    if previous is None or previous.tag not in ("h2", "h3", "h4", "h5", "h6", "p", "span", "strong", "div"):
        return None
    text = flat(previous.text_content())
    if len(text) > 60 or len(text.split()) > 8 or len(previous) > 3 or find_vn_dates(text):
        return None
    return previous


def _is_link_box(node: Any) -> bool:
    """A paragraph that is only a link to another article ("Xem thêm: ...", ">> ...", a lone related link)."""
    text = flat(node.text_content())
    if not text or len(text) > 300:
        return False
    if CHROME_LINES.match(text):
        return True
    links = node.xpath(".//a")
    if not links:
        return False
    linked = sum(len(flat(a.text_content())) for a in links)
    return linked >= 0.8 * len(text) and len(node.xpath(".//p|.//div")) <= 2 and not _SENTENCE_END.search(text[-2:])


# ------------------------------------------------------------------------------------------ text
def clean_lines(text: str, *, title: str, lead: str) -> str:
    """The extracted text without the chrome a generic extractor lets through: the headline repeated,
    metadata lines above the body, and everything from a "Tin liên quan"/"Các tin khác" heading on."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    out: list[str] = []
    title_flat = flat(title).lower()
    for index, line in enumerate(lines):
        low = flat(line).lower()
        if CHROME_HEADINGS.match(low) and (index >= len(lines) / 3 or index > 2 or not out):
            if out:
                break
            continue
        if CHROME_LINES.match(low):
            continue
        if not out and (low == title_flat or _is_meta_line(line) or _is_label_line(line)):
            continue
        if line.startswith("- ") and _LISTED_DATE.search(line) and index > len(lines) / 2:
            continue
        out.append(line)
    return "\n".join(out)


_LISTED_DATE = re.compile(r"\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)\s*$")


def _is_label_line(line: str) -> bool:
    """A short line above the body that is no sentence: a byline, a category, "Nghe bài viết"."""
    return len(line) < 40 and len(line.split()) <= 6 and not _SENTENCE_END.search(line)


def _is_meta_line(line: str) -> bool:
    """A short line above the body that is a date, a byline with a date, or a view counter."""
    if len(line) > 120:
        return False
    if re.search(r"lượt xem|lượt đọc|views?\b", line, re.IGNORECASE):
        return True
    found = find_vn_dates(line)
    return bool(found) and len(line) - sum(f.end - f.start for f in found) < 60


# ------------------------------------------------------------------------------------------ dates shown
def shown_date(tree: Any, title_node: Any | None, order: dict[Any, int], now: datetime | None,
               lead_node: Any | None = None) -> tuple[FoundDate, Any] | None:
    """The publication time shown as text next to the headline (never the page header's "today", nor the
    dates of a related-links list). Elements named as dates are tried first, nearest the headline first."""
    anchor = title_node if title_node is not None else lead_node
    start = order.get(anchor, 0) if anchor is not None else 0
    named, other = [], []
    for node in _date_elements(tree):
        distance = order.get(node, 0) - start
        if abs(distance) > 400:
            continue
        raw = node.text_content() if node.tag == "time" or len(node) else (node.text or "")
        if not _DATE_HINT.search(raw[:400]):
            continue
        if chrome_ancestor(node, keep=[anchor], strong_only=abs(distance) <= 25) is not None:
            continue
        if in_listing_item(node, anchor):
            continue
        own = _own_text(node)
        if not own or len(own) > 160:
            continue
        found = find_vn_dates(own, now=now)
        if not found:
            continue
        pick = _published_of(found, own)
        entry = (abs(distance) + (0 if distance >= 0 else 5), pick, node)
        (named if words_of(node) & DATE_WORDS or node.tag == "time" else other).append(entry)
    for pool in (named, other):
        # A time the page states outright (even in the byline under the body) over one counted back from the
        # reading time ("2 giờ trước" in the meta bar), and either over a bare day.
        exact = [e for e in pool if e[1].has_time and not e[1].relative]
        relative = [e for e in pool if e[1].relative]
        for group in (exact, relative, pool):
            if group:
                best = min(group, key=lambda e: e[0])
                return best[1], best[2]
    return None


def foreign_date_node(node: Any) -> bool:
    """Is this dated element (a <time datetime>) part of the page's chrome or of another article's teaser?"""
    return chrome_ancestor(node, strong_only=True) is not None or in_listing_item(node, None)


def in_listing_item(node: Any, anchor: Any | None) -> bool:
    """Is this date the date of another article: does it share a small block (a teaser in "Dòng sự kiện",
    a related-news card) with a headline link to another page? The article's own header block (the one
    holding the headline) never counts."""
    current = node.getparent()
    for _ in range(3):
        if current is None or not isinstance(current.tag, str) or current.tag in ("body", "html"):
            return False
        if anchor is not None and _contains(current, anchor):
            return False
        if len(current.text_content()) > 600:
            return False
        for link in current.iter("a"):
            text = flat(link.text_content())
            if len(text) >= 20 and len(text.split()) >= 4 and (link.get("href") or "").strip():
                return True
        current = current.getparent()
    return False


_DATE_HINT = re.compile(r"\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|tháng|trước|hôm (?:nay|qua|kia)|"
                        r"vừa xong", re.IGNORECASE)


def _date_elements(tree: Any) -> Iterator[Any]:
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in ALWAYS_CHROME_TAGS or node.tag in ("html", "body", "head"):
            continue
        if len(node) > 6:
            continue
        yield node


def _own_text(node: Any) -> str:
    """The text of a small element (a date line), without deep subtrees."""
    if any(child.tag in BLOCK_TAGS for child in node if isinstance(child.tag, str)) and node.tag not in ("time",):
        return normalize(node.text or "", keep_newlines=False)
    return text_of(node)


def _published_of(found: list[FoundDate], text: str) -> FoundDate:
    """Of several dates in one line, the one not marked as an update ("Cập nhật lúc ...")."""
    if len(found) == 1:
        return found[0]
    low = text.lower()
    for candidate in found:
        before = low[max(0, candidate.start - 25):candidate.start]
        if "cập nhật" not in before and "sửa" not in before:
            return candidate
    return found[0]


# ------------------------------------------------------------------------------------------ author
_BYLINE_WORDS = {"author", "byline", "tacgia", "writer", "butdanh"}
_BYLINE_PREFIX = re.compile(r"^(?:bài(?: và ảnh)?|ảnh|tác giả|nhóm phóng viên|pv|theo|by)\s*:\s*", re.IGNORECASE)


def find_author(tree: Any, meta: PageMeta) -> str:
    """Who wrote it: JSON-LD's author, the author meta tag, or the page's byline element (read before the
    byline is stripped from the text as chrome)."""
    ld_author = meta.article_ld().get("author")
    names = []
    for person in ld_author if isinstance(ld_author, list) else [ld_author]:
        if isinstance(person, dict) and person.get("@type", "Person") == "Person" and person.get("name"):
            names.append(str(person["name"]))
        elif isinstance(person, str):
            names.append(person)
    if names:
        return normalize(", ".join(names), keep_newlines=False)
    tagged = meta.get("author", "article:author", "dc.creator")
    if tagged and not tagged.startswith(("http://", "https://")):
        return normalize(tagged, keep_newlines=False)
    for node in tree.iter("p", "div", "span", "a", "strong"):
        words = words_of(node)
        if not words & _BYLINE_WORDS or any(w in words for w in ("avatar", "bio", "info")):
            continue
        text = _BYLINE_PREFIX.sub("", text_of(node)).strip()
        if 2 <= len(text) <= 60 and not find_vn_dates(text):
            return text
    return ""


def prune_tiny(tree: Any) -> int:
    """Remove, bottom up, the elements that hold almost no text and no paragraph (a page of 100,000 empty
    grid cells is not worth reading cell by cell); returns the elements left."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    for node in reversed(list(root.iter())):
        if node is root or not isinstance(node.tag, str) or node.tag in ("p", "br", "img", "h1", "h2", "h3"):
            continue
        if len(node) == 0 and len((node.text or "").strip()) < 20:
            _drop(node)
    return sum(1 for _ in tree.iter())


# ------------------------------------------------------------------------------------------ not articles
_INDEX_TITLE = re.compile(r"^(?:directory listing for|index of)\s*/", re.IGNORECASE)
_ERROR_TITLE = re.compile(
    r"\b(?:404|403|500|not found|page not found|error|lỗi|không tìm thấy|không tồn tại|đã bị xóa|đã bị gỡ|"
    r"trang bạn tìm|bảo trì)\b", re.IGNORECASE)
_LOGIN_TITLE = re.compile(r"\b(?:đăng nhập|login|log in|sign in|đăng ký tài khoản)\b", re.IGNORECASE)
_TAG_PATH = re.compile(r"/(?:tag|tags|chu-de|tu-khoa|topic|topics|tim-kiem|search|timkiem|su-kien|danh-muc)(?:/|\.|$|-)",
                       re.IGNORECASE)
_SEARCH_QUERY = re.compile(r"[?&](?:q|query|keyword|keywords|s|tukhoa)=", re.IGNORECASE)


def headline_links(tree: Any) -> tuple[set[str], int]:
    """The texts of links that read as headlines (what a listing page is made of), and how many of them
    stand outside menus, related boxes and sidebars (in the page's main part)."""
    out = set()
    main = 0
    for link in tree.iter("a"):
        text = flat(link.text_content())
        if len(text) >= 20 and len(text.split()) >= 4:
            out.add(text.lower())
            if chrome_ancestor(link) is None:
                main += 1
    return out, main


def headed_article(title_node: Any | None, lead: Lead | None, has_date: bool, url: str = "") -> bool:
    """Does the page show one article's head: a headline that links nowhere else, the lead printed under
    it (not a teaser's excerpt in a list) and a date? Real article pages carry dozens of teaser links in
    their "Tin mới", "Xem nhiều" and "Đọc tiếp" boxes; with such a head they are articles however many
    links surround them."""
    if title_node is None or lead is None or lead.node is None or not has_date:
        return False
    heading = flat(title_node.text_content())
    path = urlsplit(url).path.rstrip("/")
    elsewhere = [a for a in title_node.iter("a") if (a.get("href") or "").strip()
                 and not (path and urlsplit(a.get("href").strip()).path.rstrip("/") == path)]
    if heading and sum(len(flat(a.text_content())) for a in elsewhere) >= 0.7 * len(heading):
        return False
    return not in_listing_item(lead.node, title_node) and not in_listing_item(title_node, None)


def not_an_article(*, url: str, meta: PageMeta, title: str, text: str, links: set[str], main_links: int,
                   has_password: bool, has_date: bool, has_lead: bool, headed: bool = False) -> str | None:
    """Why a page is not an article ("index", "error", "login", "tag", "search", "listing"), or None.
    ``headed``: the page shows an article's head (see :func:`headed_article`)."""
    heading = flat(title or meta.doc_title)
    if _INDEX_TITLE.match(heading) or _INDEX_TITLE.match(meta.doc_title):
        return "index"
    short = len(text) < 700
    # A short brief whose headline merely mentions an error ("Lỗi phần mềm khiến...", "Bắt giữ 500 kg...")
    # is news: an error page has a bare heading and no lead.
    errorish = _ERROR_TITLE.search(heading) or _ERROR_TITLE.search(meta.doc_title)
    if short and errorish and not has_date and (not has_lead or len(heading.split()) <= 6):
        return "error"
    if has_password and (short or _LOGIN_TITLE.search(heading)):
        return "login"
    articled = bool(meta.article_ld()) or meta.og_type == "article" or bool(meta.get("article:published_time"))
    lines = [flat(line).lower() for line in text.split("\n") if flat(line)]
    linked = sum(1 for line in lines if line in links or line.lstrip("- ").strip() in links)
    listing_share = linked / len(lines) if lines else 0.0
    path = url.split("?", 1)[0]
    if _TAG_PATH.search(path) and not articled and (listing_share >= 0.3 or not (has_date or has_lead)):
        return "search" if re.search(r"tim-?kiem|search", path, re.IGNORECASE) else "tag"
    if _SEARCH_QUERY.search(url) and listing_share >= 0.3 and not articled:
        return "search"
    if linked >= 5 and listing_share >= (0.8 if articled or has_lead else 0.5):
        return "listing"
    # Headlines in the page's main part with little text around them: a list of articles, not one.
    per_link = len(text) / main_links if main_links else float("inf")
    if not headed and main_links >= 6 and per_link < (60 if articled and has_date else 120):
        return "listing"
    return None
