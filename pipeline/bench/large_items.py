"""`diemtin bench classify --item-chars 1000000`: what one very long item costs each step, and how that cost grows.

Every step an item goes through must cost time in proportion to its text (or less), or one 50 MB item holds the
queue for hours. This benchmark builds items of growing length (the last one ``--item-chars`` characters of
news-like Vietnamese naming places of the province throughout, so relevance, tone and flags find evidence
everywhere) and measures the CPU seconds of building the item (normalisation, language, relevance) and of each
classifier stage, first with the stages reading the whole text (``pipeline.classify_max_chars`` lifted: the
stages' own growth) and then as deployed (the text the stages read capped). ``growth`` is the ratio of the
costs at the two largest sizes, which double: about 2 means linear, 4 quadratic. Stages are found by name at run
time, so the figures hold whatever the stages are.
"""

from __future__ import annotations

import random
import time
from typing import Any

from pipeline.core.home import Home
from pipeline.core.profiles import Profile

# Below this many CPU seconds a step's growth is noise, not a trend.
MIN_SECONDS_FOR_GROWTH = 0.05
SENTENCES = (
    "Theo {org}, đến ngày {day}/{month} toàn tỉnh {province} đã có {n} trường hợp được hỗ trợ kịp thời.",
    "Ông {who}, đại diện {org}, cho biết đơn vị sẽ tiếp tục phối hợp với chính quyền {place}.",
    "Nhiều hộ dân ở {place} cho biết đây là lần đầu tiên họ chứng kiến sự việc như vậy.",
    "Chính quyền xã {place} đã tổ chức họp dân để thông tin đầy đủ, công khai về sự việc.",
    "Các chuyên gia nhận định kết quả này góp phần nâng cao hình ảnh của tỉnh {province}.",
    "Cơ quan chức năng khuyến cáo người dân không chia sẻ thông tin chưa được kiểm chứng.",
    "Năm nay sản lượng chè của {place} ước đạt {m} tấn, tăng {n}% so với cùng kỳ.",
    "Lực lượng công an đã có mặt tại hiện trường ở {place} để bảo đảm an ninh trật tự.",
    "Ủy ban nhân dân tỉnh {province} đã ban hành kế hoạch số {n}/KH-UBND để triển khai.",
    "Mưa lớn gây sạt lở ở {place}, {n} hộ dân phải di dời khẩn cấp.",
)
ORGS = ("Sở Tài chính", "Công an tỉnh", "Sở Y tế", "Bộ đội Biên phòng", "Ủy ban nhân dân tỉnh", "Hội Nông dân")
SYLLABLES = ("nguyễn", "trần", "lê", "phạm", "hoàng", "văn", "thị", "minh", "hùng", "lan", "quang", "thu")
WORDS = ("người", "dân", "cán", "bộ", "chính", "quyền", "địa", "phương", "kinh", "tế", "xã", "hội", "phát",
         "triển", "nông", "nghiệp", "công", "trình", "dự", "án", "giao", "thông", "trường", "học", "sinh",
         "bệnh", "viện", "rừng", "sông", "suối", "bản", "làng", "mùa", "vụ", "lúa", "ngô", "chè", "cầu", "treo")


def long_item(profile: Profile, chars: int, seed: int = 7, number: int = 0) -> dict[str, Any]:
    """A raw record whose text is about ``chars`` characters of varied news sentences about the province."""
    rng = random.Random(seed + number)
    places = [p.name for p in profile.places if not p.ambiguous] or [p.name for p in profile.places]
    tone_words = ("tích cực", "hiệu quả", "thành công", "sai phạm", "ô nhiễm", "tiêu cực", "khó khăn", "bức xúc",
                  "lừa đảo", "tin giả", "phản động", "biên giới")
    parts: list[str] = []
    size = 0
    while size < chars:
        slots = {"place": rng.choice(places), "province": profile.name, "n": rng.randint(2, 900),
                 "m": rng.randint(10, 5000), "org": rng.choice(ORGS), "day": rng.randint(1, 28),
                 "month": rng.randint(1, 12), "who": " ".join(rng.choice(SYLLABLES).capitalize() for _ in range(3))}
        sentence = rng.choice(SENTENCES).format(**slots)
        filler = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
        part = f"{sentence} {filler.capitalize()} {rng.choice(tone_words)}."
        parts.append(part)
        size += len(part) + 1
        if rng.random() < 0.2:
            parts.append("\n")
    text = " ".join(parts)[:chars]
    return {"url": f"https://baothainguyen.vn/bai-rat-dai/{chars}-{number}.html",
            "title": f"Báo cáo dài về {rng.choice(places)}, tỉnh {profile.name}", "text": text,
            "source": "bao-thai-nguyen", "lang": "vi", "published_at": "2026-11-20T08:00:00+07:00"}


def step_costs(home: Home, sizes: list[int], *, capped: bool, stages: list[Any] | None = None) -> dict[str, Any]:
    """CPU seconds of building and of each stage for one item of each size; ``stages`` default to the home's."""
    from pipeline.core.process import Pipeline

    with home.open_store() as store:
        pipeline = Pipeline(home, store, stages=stages)
        if not capped:
            pipeline.classify_max_chars = 10**12
        costs: dict[str, list[float]] = {}
        for number, size in enumerate(sizes):
            raw = long_item(home.profile, size, number=number)
            started = time.process_time()
            item = pipeline.build_item(raw)
            costs.setdefault("build", []).append(time.process_time() - started)
            items = [item]
            pipeline._mark_exact_duplicates(items)
            timings: dict[str, float] = {}
            pipeline.run_stages(items, budget=0, timings=timings)
            for name, seconds in timings.items():
                costs.setdefault(name, []).append(seconds)
            if len(item["text"]) < size * 0.95:
                raise AssertionError(f"the stored text lost characters: {len(item['text'])} of {size}")
    return {"sizes": sizes, "stage_s": {k: [round(v, 3) for v in vs] for k, vs in costs.items()},
            "growth": {k: growth(vs) for k, vs in costs.items()}}


def growth(seconds: list[float]) -> float | None:
    """Cost ratio between the two largest sizes (which double), None when both are too small to tell."""
    if len(seconds) < 2 or max(seconds[-1], seconds[-2]) < MIN_SECONDS_FOR_GROWTH:
        return None
    return round(seconds[-1] / max(seconds[-2], 1e-3), 2)


def run_large_items_bench(home: Home, item_chars: int) -> dict[str, Any]:
    sizes = [item_chars // 8, item_chars // 4, item_chars // 2, item_chars]
    whole = step_costs(home, sizes, capped=False)
    deployed = step_costs(home, [item_chars], capped=True)
    return {"bench": "classify-long-items", "item_chars": item_chars,
            "classify_max_chars": home.settings.get_int("pipeline.classify_max_chars"),
            "whole_text": whole, "deployed": {k: v[0] for k, v in deployed["stage_s"].items()},
            "deployed_total_s": round(sum(v[0] for v in deployed["stage_s"].values()), 2)}
