"""Items planted straight into a real store for the alert tests: weeks of ordinary background coverage, a spike,
holiday coverage, a rumour. Stored as the pipeline stores them (topics, flags and places as the classifiers write
them), so the store's own search and counts see them."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso

# The flag the rumour tests raise: read from the vocabulary (its codes are being renamed), never hard-coded.
FALSE_FLAG = "likely_false" if "likely_false" in vocabulary.codes("flags") else vocabulary.codes("flags")[0]

BACKGROUND = (
    ("Hội nghị xúc tiến đầu tư vào khu công nghiệp", "kinh_te_xa_hoi", "Phổ Yên"),
    ("Nông dân thu hoạch chè vụ mới", "kinh_te_xa_hoi", "Đại Từ"),
    ("Lễ hội văn hóa các dân tộc thu hút du khách", "du_lich_van_hoa", "Ba Bể"),
    ("Sắp xếp đơn vị hành chính cấp xã đúng tiến độ", "sap_xep_bo_may", "Phú Lương"),
    ("Tuần tra bảo vệ cột mốc biên giới", "quoc_phong_an_ninh", "Chợ Đồn"),
)
OUTLETS = ("bao-thai-nguyen", "vnexpress", "dan-tri", "tuoi-tre", "vov")


def item(url: str, at: datetime, title: str, *, text: str = "", topics: Sequence[str] = (), flags: Sequence[str] = (),
         places: Sequence[str] = (), source: str = "bao-thai-nguyen", cluster: str | None = None,
         urgency: float = 0.2, relevant: bool = True, ingested: datetime | None = None,
         sections: Sequence[str] = ()) -> dict[str, Any]:
    item_id = hashlib.sha256(url.encode()).hexdigest()[:16]
    return {
        "id": item_id, "url": url, "url_key": item_id, "content_hash": hashlib.sha256(title.encode() + url.encode()).hexdigest(),
        "title": title, "text": text or f"{title}. Phóng viên ghi nhận tại chỗ.", "lead": text[:200] if text else title,
        "source": source, "source_kind": "provincial_press", "lang": "vi", "relevant": relevant,
        "published_at": iso(at), "fetched_at": iso(at), "ingested_at": iso(ingested or at), "processed_at": iso(at),
        "status": "new", "duplicate_of": None, "cluster_id": cluster or item_id, "urgency": urgency,
        "topics": [{"id": t, "score": 0.9, "sections": list(sections)} for t in topics],
        "flags": [{"name": f, "score": 0.9, "raised": True, "evidence": []} for f in flags],
        "places": [{"name": p} for p in places],
    }


def background(start: datetime, end: datetime, per_hour: float = 1.0, seed: int = 3) -> list[dict[str, Any]]:
    """Ordinary coverage: about ``per_hour`` items an hour, fewer at night, of everyday topics and places."""
    rng = random.Random(seed)
    out = []
    moment, n = start, 0
    while moment < end:
        local_hour = (moment.hour + 7) % 24
        rate = per_hour * (0.3 if local_hour < 6 or local_hour >= 22 else 1.0)
        for _ in range(int(rate) + (1 if rng.random() < rate - int(rate) else 0)):
            title, topic, place = rng.choice(BACKGROUND)
            n += 1
            out.append(item(f"https://bao.example.vn/nen/{n}", moment + timedelta(minutes=rng.randrange(60)),
                            f"{place}: {title}", topics=[topic], places=[place], source=rng.choice(OUTLETS)))
        moment += timedelta(hours=1)
    return out


def burst(prefix: str, start: datetime, end: datetime, count: int, titles: Sequence[str], *,
          topics: Sequence[str] = (), flags: Sequence[str] = (), places: Sequence[str] = (),
          stories: int = 3, seed: int = 5, urgency: float = 0.4, sections: Sequence[str] = ()) -> list[dict[str, Any]]:
    """``count`` items spread over [start, end), in ``stories`` stories told by several outlets."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    out = []
    for n in range(count):
        story = n % stories
        at = start + timedelta(seconds=span * (n + 0.5) / count)
        out.append(item(f"https://bao.example.vn/{prefix}/{n}", at, titles[story % len(titles)],
                        text=f"{titles[story % len(titles)]}. Người dân chia sẻ hình ảnh lên mạng.",
                        topics=topics, flags=flags, places=places, source=OUTLETS[n % len(OUTLETS)],
                        cluster=f"{prefix}-{story}", urgency=urgency + rng.random() * 0.05, sections=sections))
    return out


def plant(store: Store, *batches: Iterable[dict[str, Any]]) -> None:
    items = [entry for batch in batches for entry in batch]
    for start in range(0, len(items), 2000):
        store.upsert_items(items[start:start + 2000])
    store.refresh()
