"""What the store says about a period: its items grouped into stories, figures, verdicts and cases.

Digests and period reports both read these; they differ only in what they show.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.item import display_title, published_text
from pipeline.core.store.base import ItemQuery, Store
from pipeline.core.timeutil import format_partial_date
from pipeline.documents.document import Entry
from pipeline.office.cases import CASE_STATUSES, agency_options
from pipeline.office.routing import route
from pipeline.reports.periods import Period
from pipeline.reports.summary import summarize

TONES = vocabulary.texts("tones")
FLAGS = vocabulary.texts("flags")
# Item statuses that are an analyst's finding of false or harmful content, as the documents word them.
VERDICT_STATUSES = {code: vocabulary.text("statuses", code) for code in vocabulary.verdict_statuses()}
_PAGE = 500


def period_query(period: Period, **filters: Any) -> ItemQuery:
    start, end = period.bounds()
    return ItemQuery(relevant=True, date_from=start, date_to=end, **filters)


def fetch_items(store: Store, query: ItemQuery) -> list[dict[str, Any]]:
    """Every item the query matches, newest first, read page by page."""
    items: list[dict[str, Any]] = []
    while True:
        page = store.search(query.with_(limit=_PAGE, offset=len(items)))
        items.extend(page.items)
        if not page.items or len(items) >= page.total:
            return items


def tone_of(item: dict[str, Any]) -> str:
    tone = item.get("tone")
    return str(tone.get("label", "")) if isinstance(tone, dict) else str(tone or "")


def tone_score(item: dict[str, Any]) -> float:
    """How sure the tone classifier is of the item's tone (1.0 for a tone an analyst set by hand)."""
    tone = item.get("tone")
    if not isinstance(tone, dict):
        return 1.0 if tone else 0.0
    try:
        return float(tone.get("score") if tone.get("score") is not None else 1.0)
    except (TypeError, ValueError):
        return 0.0


def topic_ids(item: dict[str, Any]) -> list[str]:
    """The item's topics, best score first."""
    topics = [t for t in item.get("topics") or [] if isinstance(t, dict) and t.get("id")]
    return [t["id"] for t in sorted(topics, key=lambda t: -float(t.get("score") or 0))]


def topic_labels(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in items:
        for topic in item.get("topics") or []:
            if isinstance(topic, dict) and topic.get("id"):
                labels.setdefault(topic["id"], topic.get("label") or topic["id"])
    return labels


def outlet_names(store: Store) -> dict[str, str]:
    return {s["id"]: s.get("name") or s["id"] for s in store.list_records("sources")}


def outlet_of(item: dict[str, Any], names: dict[str, str]) -> str:
    source = item.get("source") or ""
    return names.get(source) or item.get("site_name") or source or "Không rõ nguồn"


@dataclass
class Story:
    """Items of one story (one cluster), shown once with the number of outlets that carried it."""

    items: list[dict[str, Any]]
    outlets: set[str] = field(default_factory=set)

    @property
    def lead(self) -> dict[str, Any]:
        """The first report of the story: the one a reader should open."""
        return min(self.items, key=lambda i: i.get("published_at") or "")

    @property
    def urgency(self) -> float:
        return max(float(i.get("urgency") or 0) for i in self.items)


def group_stories(items: list[dict[str, Any]], names: dict[str, str]) -> list[Story]:
    """Stories in order of how many outlets carried them, then of their newest item."""
    by_key: dict[str, Story] = {}
    for item in items:
        story = by_key.setdefault(item.get("cluster_id") or item["id"], Story(items=[]))
        story.items.append(item)
        story.outlets.add(outlet_of(item, names))
    newest_first = sorted(by_key.values(), key=lambda s: max(i.get("published_at") or "" for i in s.items),
                          reverse=True)
    return sorted(newest_first, key=lambda s: -len(s.outlets))


def entry(story: Story, names: dict[str, str], notes: list[str] | None = None) -> Entry:
    item = story.lead
    return Entry(
        outlet=outlet_of(item, names),
        title=display_title(item),
        date=published_text(item, with_time=False),
        url=item.get("url", ""),
        summary=html.unescape(summarize(item.get("title") or "", item.get("text") or "", item.get("lead") or "")),
        outlet_count=len(story.outlets),
        notes=notes or [],
    )


def known_rebuttals(store: Store, item: dict[str, Any]) -> list[dict[str, str]]:
    """The official rebuttals of the known false claims an item repeats (from the claim matches and the
    flags' evidence), as the knowledge base keeps them now: what was said, by whom, when, where."""
    ids: list[str] = []
    for found in item.get("claim_matches") or []:
        if isinstance(found, dict) and found.get("claim_id") and not found.get("rebuts"):
            ids.append(str(found["claim_id"]))
    for flag in vocabulary.raised_flags(item):
        for entry in flag.get("evidence") or []:
            if not isinstance(entry, dict) or entry.get("kind") != "claim":
                continue
            detail = entry.get("detail")
            for candidate in (entry.get("claim_id"), detail.get("claim_id") if isinstance(detail, dict) else None):
                if candidate:
                    ids.append(str(candidate))
    out = []
    for claim_id in dict.fromkeys(ids):
        claim = store.get_record("claims", claim_id)
        if claim and claim.get("rebuttal"):
            out.append({"rebuttal": str(claim["rebuttal"]), "source": str(claim.get("rebuttal_source") or ""),
                        "date": format_partial_date(claim.get("rebuttal_date")),
                        "url": str(claim.get("rebuttal_url") or "")})
    return out


def rebuttal_note(rebuttal: dict[str, str]) -> str:
    """“...” (Ngân hàng Nhà nước Việt Nam, 2025; https://...): the rebuttal quoted with its source."""
    origin = ", ".join(part for part in (rebuttal["source"], rebuttal["date"]) if part)
    where = f"; {rebuttal['url']}" if rebuttal["url"] else ""
    return f"Thông tin chính thức: “{rebuttal['rebuttal']}”" + (f" ({origin}{where})" if origin or where else "")


def cases_by_item(store: Store) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for case in store.list_records("cases", order_by="created_at"):
        for item_id in case.get("item_ids") or []:
            out.setdefault(item_id, []).append(case)
    return out


def verdicts(store: Store, items: list[dict[str, Any]], confirmable_flags: list[str]) -> dict[str, str]:
    """Items an analyst confirmed as false or hostile, with the verdict in Vietnamese.

    A verdict is the item's status (false/hostile), a confirmed flag label, or a status the item had before
    a case moved it on (routed, responded, closed): the audit trail remembers it. A classifier's flag alone
    is never a verdict.
    """
    ids = {item["id"] for item in items}
    out: dict[str, str] = {}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    tasks = [f"flag:{name}" for name in confirmable_flags]
    for label in store.list_records("labels", where={"task": tasks}, order_by="at"):
        if label.get("item_id") in ids:
            latest[(label["item_id"], label["task"])] = label
    for (item_id, task), label in latest.items():
        if label.get("label") == "confirmed":
            name = task.split(":", 1)[1]
            out.setdefault(item_id, vocabulary.flag_verdict(name) if name in FLAGS else name)
    for item in items:
        status = item.get("status") or ""
        if status in VERDICT_STATUSES:
            out[item["id"]] = VERDICT_STATUSES[status]
        elif status in ("routed", "responded", "closed") and item["id"] not in out:
            for audit in store.list_audit("item", item["id"]):
                after = audit.get("after")
                set_status = after.get("status") if isinstance(after, dict) else None
                if set_status in VERDICT_STATUSES:
                    out[item["id"]] = VERDICT_STATUSES[set_status]
    return out


def confirmed_items(store: Store, query: ItemQuery, verdict_flags: list[str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Items matching ``query`` (relevant or not) that an analyst confirmed as false or hostile, and verdicts.

    Only candidates are read: items whose status is or may have been a verdict, and items with a confirmed
    flag label; a month of crawled items is never scanned whole.
    """
    query = query.with_(relevant=None)
    tasks = [f"flag:{name}" for name in verdict_flags]
    labelled = {label["item_id"] for label in store.list_records("labels", where={"task": tasks, "label": "confirmed"})}
    statuses = (*VERDICT_STATUSES, "routed", "responded", "closed")
    candidates = {item["id"]: item for item in fetch_items(store, query.with_(status=statuses))}
    if labelled:
        candidates.update((item["id"], item) for item in fetch_items(store, query.with_(ids=tuple(sorted(labelled)))))
    found = verdicts(store, list(candidates.values()), verdict_flags)
    return [item for item in candidates.values() if item["id"] in found], found


def responsible_agency(profile: Any, item: dict[str, Any], cases: list[dict[str, Any]]) -> str:
    """The agency a case routed the item to, else the one routing finds from data (pipeline/office/routing.py)."""
    names = agency_options(profile)
    if cases:
        agency = cases[-1].get("agency") or ""
        return names.get(agency, agency)
    found = route(profile, item)
    return found.name if found is not None else ""


def case_note(case: dict[str, Any], profile: Any) -> str:
    agency = agency_options(profile).get(case.get("agency") or "", case.get("agency") or "")
    parts = [f"Hồ sơ {case['id']} chuyển {agency or 'chưa xác định cơ quan'}",
             f"trạng thái: {CASE_STATUSES.get(case.get('status', ''), case.get('status', ''))}"]
    if case.get("response"):
        parts.append(f"phản hồi: {case['response']}")
    if case.get("outcome"):
        parts.append(f"kết quả: {case['outcome']}")
    return "; ".join(parts)


@dataclass
class Overview:
    items: int
    outlets: int
    tones: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "outlets": self.outlets, "tones": self.tones}


def overview(store: Store, period: Period) -> Overview:
    query = period_query(period)
    total = store.search(query.with_(limit=0)).total
    tones = dict(store.count_by("tone", query, size=10))
    outlets = len(store.count_by("source", query, size=100000))
    return Overview(items=total, outlets=outlets, tones={code: tones.get(code, 0) for code in TONES})


def change(current: int, previous: int) -> str:
    """"tăng 12,5%" / "giảm 3" in Vietnamese number style."""
    if previous == 0:
        return "không có số liệu kỳ trước" if current == 0 else f"tăng {current} (kỳ trước: 0)"
    diff = current - previous
    percent = f"{abs(diff) / previous * 100:.1f}".replace(".", ",")
    if diff == 0:
        return "không thay đổi"
    return f"{'tăng' if diff > 0 else 'giảm'} {abs(diff)} ({percent}%)"
