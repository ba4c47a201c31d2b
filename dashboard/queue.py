"""The triage queue as data: filters mapped onto an ItemQuery, and one row per story cluster.

Kept apart from the page so the benchmark and the tests exercise exactly what the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.store.base import ItemQuery, Store
from pipeline.core.timeutil import now_utc, parse_iso


@dataclass(frozen=True)
class QueueFilters:
    """What the analyst narrowed the queue to. Empty tuples mean "any"."""

    text: str = ""
    days: int = 7  # 0 = all time
    statuses: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    tones: tuple[str, ...] = ()
    source_kinds: tuple[str, ...] = ()
    reputations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    # The national view ("Toàn quốc"): items that do not name the province but carry a strong flag (a viral false
    # claim, a scam), kept by the flags stage at classifiers.national_flag_threshold.
    national: bool = False

    def to_query(self, limit: int, offset: int = 0, now: datetime | None = None) -> ItemQuery:
        date_from = (now or now_utc()) - timedelta(days=self.days) if self.days else None
        flags = self.flags or (vocabulary.codes("flags") if self.national else ())
        return ItemQuery(
            text=self.text.strip() or None, relevant=not self.national, date_from=date_from, status=self.statuses,
            topics=self.topics, flags=flags, tone=self.tones, source_kind=self.source_kinds,
            reputation=self.reputations, places=self.places, lang=self.langs, assignee=self.assignees,
            sort="urgency", limit=limit, offset=offset,
        )


# The queue's address: each filter's query parameter, so a filtered queue can be shared as a link
# ("/?q=sạt+lở&flag=likely_false&days=30") and a reload keeps it. Lists repeat their parameter.
LIST_PARAMS = {"statuses": "status", "topics": "topic", "flags": "flag", "tones": "tone", "source_kinds": "kind",
               "reputations": "reputation", "places": "place", "langs": "lang", "assignees": "assignee"}


def filters_to_params(filters: QueueFilters, page: int = 0, default_days: int = 7) -> dict[str, str | list[str]]:
    """The query parameters of a filtered queue page (empty filters and the defaults are left out)."""
    params: dict[str, str | list[str]] = {}
    if filters.text.strip():
        params["q"] = filters.text.strip()
    if filters.days != default_days:
        params["days"] = str(filters.days)
    for name, param in LIST_PARAMS.items():
        values = list(getattr(filters, name))
        if values:
            params[param] = values
    if filters.national:
        params["national"] = "1"
    if page:
        params["page"] = str(page + 1)
    return params


def filters_from_params(get_all: Any, allowed: dict[str, Any], days_allowed: list[int],
                        default_days: int = 7) -> tuple[QueueFilters, int]:
    """Filters and page (0-based) from a link's query parameters; values a filter does not offer (a typo,
    a topic since retired) are dropped rather than refused. ``get_all(name)`` lists a parameter's values."""
    text = (get_all("q") or [""])[-1][:500]
    try:
        days = int((get_all("days") or [default_days])[-1])
    except ValueError:
        days = default_days
    if days not in days_allowed:
        days = default_days
    lists = {name: tuple(v for v in get_all(param) if v in allowed.get(name, ()))
             for name, param in LIST_PARAMS.items()}
    try:
        page = max(0, int((get_all("page") or ["1"])[-1]) - 1)
    except ValueError:
        page = 0
    national = (get_all("national") or [""])[-1] in ("1", "true")
    return QueueFilters(text=text, days=days, national=national, **lists), page


@dataclass
class QueueRow:
    """A story in the queue: its most urgent item stands for it, with how many outlets carry it."""

    item: dict[str, Any]
    outlets: int = 1
    items_in_story: int = 1
    is_new: bool = False
    member_ids: list[str] = field(default_factory=list)


@dataclass
class QueuePage:
    total: int
    rows: list[QueueRow]


def story_key(item: dict[str, Any]) -> str:
    return str(item.get("cluster_id") or item["id"])


def load_queue(store: Store, filters: QueueFilters, *, page: int = 0, page_size: int = 50,
               seen_before: str | None = None, now: datetime | None = None) -> QueuePage:
    """One page of the queue, most urgent first. Items of one story on the page collapse into one row; a
    story whose items straddle two pages shows on both (rare: a story's items have close urgency)."""
    result = store.search(filters.to_query(limit=page_size, offset=page * page_size, now=now))
    rows: dict[str, QueueRow] = {}
    for item in result.items:
        key = story_key(item)
        if key in rows:
            rows[key].member_ids.append(item["id"])
        else:
            rows[key] = QueueRow(item=item, member_ids=[item["id"]])
    clusters = [key for key, row in rows.items() if row.item.get("cluster_id")]
    for key in clusters:
        counts = store.count_by("source", ItemQuery(cluster_id=(key,), include_duplicates=True, limit=0), size=1000)
        rows[key].outlets = max(1, len(counts))
        rows[key].items_in_story = max(1, sum(count for _, count in counts))
    seen = parse_iso(seen_before) if seen_before else None
    for row in rows.values():
        arrived = parse_iso(row.item.get("ingested_at") or row.item.get("fetched_at"))
        row.is_new = seen is None or (arrived is not None and arrived > seen)
    return QueuePage(total=result.total, rows=list(rows.values()))

