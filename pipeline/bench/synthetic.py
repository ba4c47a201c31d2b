"""Realistic synthetic Vietnamese news items for benchmarks: places of the profile, the taxonomy's
vocabulary, national and provincial outlets, a share of irrelevant items and of near-copies.

Deterministic for a seed, so two benchmark runs measure the same work.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.core.profiles import Profile

OUTLETS = (
    ("vnexpress.net", "vnexpress", "national_press"), ("tuoitre.vn", "tuoi-tre", "national_press"),
    ("dantri.com.vn", "dan-tri", "national_press"), ("nhandan.vn", "nhan-dan", "national_press"),
    ("baothainguyen.vn", "bao-thai-nguyen", "provincial_press"), ("vov.vn", "vov", "national_press"),
    ("baochinhphu.vn", "bao-chinh-phu", "national_press"), ("bbc.com", "bbc-tieng-viet", "foreign_vietnamese_language"),
)
EVENTS = (
    "Mưa lớn kéo dài gây sạt lở đất, nhiều tuyến đường giao thông bị chia cắt",
    "Hội nghị xúc tiến đầu tư thu hút nhiều doanh nghiệp FDI đến từ Hàn Quốc và Nhật Bản",
    "Lễ hội văn hóa các dân tộc thu hút hàng nghìn du khách trong và ngoài nước",
    "Đại hội đại biểu Đảng bộ nhiệm kỳ mới thành công tốt đẹp",
    "Công nhân khu công nghiệp ngừng việc tập thể đòi tăng lương",
    "Lực lượng biên phòng phối hợp tuần tra bảo vệ cột mốc biên giới",
    "Sắp xếp đơn vị hành chính cấp xã hoàn thành đúng tiến độ",
    "Trên mạng xã hội xuất hiện thông tin sai sự thật về dịch bệnh",
    "Người dân phản ánh tình trạng ô nhiễm môi trường kéo dài",
    "Kỷ niệm ngày thành lập tỉnh với nhiều hoạt động ý nghĩa",
)
FILLER = (
    "Theo báo cáo của Ủy ban nhân dân, các lực lượng chức năng đã có mặt kịp thời để xử lý.",
    "Lãnh đạo địa phương yêu cầu các sở, ngành liên quan khẩn trương triển khai biện pháp khắc phục.",
    "Nhiều hộ dân cho biết đây là lần đầu tiên họ chứng kiến sự việc như vậy.",
    "Chính quyền cơ sở đã tổ chức họp dân để thông tin đầy đủ, công khai.",
    "Các chuyên gia nhận định kết quả này góp phần nâng cao hình ảnh của địa phương.",
    "Cơ quan chức năng khuyến cáo người dân không chia sẻ thông tin chưa được kiểm chứng.",
    "Tổng kinh phí thực hiện dự án ước tính khoảng 1.200 tỷ đồng.",
    "Sự kiện nhận được sự quan tâm của đông đảo cán bộ, đảng viên và nhân dân.",
)
ELSEWHERE = ("Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Nghệ An", "Thanh Hóa")


def synthetic_items(profile: Profile, n: int, seed: int = 7, start: datetime | None = None) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    places = [p for p in profile.places if not p.ambiguous and p.kind not in ("landmark",)] or list(profile.places)
    start = start or datetime(2025, 7, 1, tzinfo=UTC)
    previous: list[dict[str, Any]] = []
    for number in range(n):
        domain, source, _kind = rng.choice(OUTLETS)
        relevant = rng.random() < 0.7
        where = rng.choice(places).name if relevant else rng.choice(ELSEWHERE)
        province = profile.name if relevant else rng.choice(ELSEWHERE)
        event = rng.choice(EVENTS)
        if previous and rng.random() < 0.05:  # syndicated copy under another URL
            copy = dict(rng.choice(previous))
            copy["url"] = f"https://{domain}/tin/{number}-{rng.randrange(10**6)}.html"
            copy["source"] = source
            yield copy
            continue
        body = [f"{event} tại {where}, tỉnh {province}."]
        body += rng.sample(FILLER, k=rng.randint(3, 6))
        body.append(f"Phóng viên ghi nhận tại {where} vào ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}.")
        item = {
            "url": f"https://{domain}/tin/{number}-{rng.randrange(10**9)}.html",
            "title": f"{where}: {event.split(',')[0]}",
            "text": "\n".join(body),
            "source": source,
            "published_at": (start + timedelta(minutes=7 * number + rng.randrange(60))).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lang": "vi",
        }
        previous = (previous + [item])[-50:]
        yield item
