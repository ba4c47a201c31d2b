"""A first look that is not empty: `diemtin init --demo` (and `make demo`) fills a demo home with the bundled
sample, so a newcomer sees the whole product offline in a couple of minutes.

The sample (``demo_sample.json``, its provenance in its ``about``) holds real articles that mention the province,
word for word, from the MIT-licensed VNTC corpus, a few about elsewhere, and false claims and scams written for
the demo and labelled as planted. Publication dates are given as days before today, so the queue, the charts
and yesterday's digest have something in them whenever the demo is made. Everything then goes through the real
product: the raw queue, the pipeline's stages, an analyst's decisions (made through the dashboard's own actions,
audited), a case and a digest. Every step looks first at what the home already holds, so running it again adds
nothing twice, and a run that was interrupted is completed.

Demo data never enters an office's home: only a home created as a demo home (setting ``demo``) is filled.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from dashboard.actions import create_case, label_flag
from pipeline.core.console import CommandError, say
from pipeline.core.home import Home, default_home
from pipeline.core.item import url_key
from pipeline.core.process import process_queue
from pipeline.core.rawitem import Limits, check_raw
from pipeline.core.store.base import Store
from pipeline.core.timeutil import LOCAL_TZ, iso, now_utc
from pipeline.office.accounts import Actor
from pipeline.office.cases import agency_options, list_cases, suggest_agency
from pipeline.office.setup import create_home
from pipeline.reports.digests import issue
from pipeline.reports.periods import Period

SAMPLE = Path(__file__).with_name("demo_sample.json")
# Fields of a sample entry that are not the raw record: when to date it, and where it comes from (kept in meta).
_NOT_RAW = ("days_ago", "time", "demo")


@cache
def load_sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def raw_records(now: datetime, limits: Limits) -> list[dict[str, Any]]:
    """The sample as raw records, dated ``days_ago`` local days before ``now`` at the local ``time`` (a time of
    today still to come is moved to a minute ago: nothing is published in the future)."""
    today = now.astimezone(LOCAL_TZ).date()
    records = []
    for entry in load_sample()["items"]:
        record = {key: value for key, value in entry.items() if key not in _NOT_RAW}
        day = today - timedelta(days=entry["days_ago"])
        published = datetime.combine(day, time.fromisoformat(entry["time"]), tzinfo=LOCAL_TZ)
        record["published_at"] = iso(min(published, now - timedelta(minutes=1)))
        record["meta"] = {"demo": entry["demo"]}
        records.append(check_raw(record, limits))
    return records


def check_demo_home(path: Path, store_url: str) -> None:
    """Refuse (in Vietnamese) where the demo would mix with an office's data: the default home (``make run`` and
    every command use it), any home not created as a demo home, and any store outside the demo's folder (an
    Elasticsearch cluster named by --store-url or by the environment)."""
    home = Home(path)
    if path.resolve() == default_home().resolve():
        raise CommandError(f"Bản trình diễn cần thư mục riêng, không dùng thư mục làm việc mặc định {path}: chạy "
                           f"`diemtin --home var-demo init --demo` (hoặc `make demo`).")
    if home.exists() and not home.settings.get_bool("demo"):
        raise CommandError(f"{path} là thư mục làm việc thật, không phải thư mục trình diễn: không đưa dữ liệu mẫu "
                           f"vào đó. Chọn thư mục khác, ví dụ --home var-demo.")
    if store_url != "embedded" or home.settings.get_str("store.url") != "embedded":
        raise CommandError("Bản trình diễn chỉ dùng kho nhúng trong thư mục trình diễn, không dùng kho "
                           "Elasticsearch (--store-url hoặc DIEMTIN_STORE__URL).")


def create_demo_home(path: Path, province: str | None, store_url: str) -> Home:
    """A new demo home (or the existing one) for the sample's province."""
    check_demo_home(path, store_url)
    wanted = load_sample()["province"]
    if province and province != wanted:
        raise CommandError(f"Dữ liệu mẫu được soạn cho tỉnh {wanted}: bỏ --province hoặc dùng --province {wanted}.")
    try:
        return create_home(path, wanted, demo=True)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def fill(home: Home, store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Queue the sample, process it, then play the analyst's part: confirm flags, open a case, issue yesterday's
    digest. What is already there is left as it is."""
    now = now or now_utc()
    scenario = load_sample()["scenario"]
    queued = store.enqueue_raw(raw_records(now, Limits.from_settings(home.settings)))
    say(f"Đang xử lý {queued} tin mẫu (chuẩn hóa, liên quan, trùng lặp, phân loại)…" if queued else
        "Dữ liệu mẫu đã có trong thư mục trình diễn.")
    processed = process_queue(home, store)
    user = store.get_record("users", scenario["actor"])
    if user is None:
        raise CommandError(f"Thư mục trình diễn thiếu tài khoản {scenario['actor']}.")
    actor = Actor(user["id"], user["role"])
    decisions = [_confirm(store, actor, step) for step in scenario["confirm"]]
    case = _case(home, store, actor, scenario["case"], now)
    digest = _digest(home, store, actor, now)
    return {"queued": queued, "processed": processed["claimed"], "decisions": sum(decisions),
            "case": case, "digest": digest}


def _item_of(store: Store, url: str) -> dict[str, Any]:
    item = store.get_item(url_key(url))
    if item is None:
        raise CommandError(f"Tin mẫu {url} không có trong kho sau khi xử lý; xem `diemtin queue failed`.")
    return item


def _confirm(store: Store, actor: Actor, step: dict[str, Any]) -> bool:
    """An analyst's confirmation of a flag the pipeline raised (once: a decided flag is left alone)."""
    item = _item_of(store, step["url"])
    flag = next((f for f in item.get("flags") or [] if f.get("name") == step["flag"]), None)
    if flag is None or flag.get("decision"):
        return False
    label_flag(store, actor, item["id"], step["flag"], "confirmed", step["reason"])
    return True


def _case(home: Home, store: Store, actor: Actor, spec: dict[str, Any], now: datetime) -> str:
    """The sample's case, opened once and sent to the agency the product suggests for its items."""
    items = [_item_of(store, url) for url in spec["urls"]]
    ids = {item["id"] for item in items}
    for case in list_cases(store):
        if ids & set(case["item_ids"]):
            return case["id"]
    agencies = agency_options(home.profile)
    case = create_case(store, actor, known_agencies=agencies, deadline_hours=home.settings.get_dict("cases.deadline_hours"),
                       title=spec["title"], item_ids=[item["id"] for item in items],
                       agency=suggest_agency(home.profile, items) or next(iter(agencies)), severity=spec["severity"],
                       asked=spec["asked"], now=now)
    return case["id"]


def _digest(home: Home, store: Store, actor: Actor, now: datetime) -> str:
    """Yesterday's digest, as the scheduler issues it each morning (a draft for the lead to approve)."""
    period = Period.latest_complete("day", now.astimezone(LOCAL_TZ).date())
    if store.get_record("digests", period.key) is None:
        issue(home, store, period, actor.login, now)
    return period.key

