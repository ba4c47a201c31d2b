"""A small, realistic press day about Thái Nguyên, written straight into a real store.

The digest day is 24/11/2026; the day before has fewer items, so "change against the previous period" has
something to say. Items carry the fields the pipeline and the classifiers set, as the store keeps them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline.core.item import content_hash, item_id, url_key
from pipeline.core.store.base import Store

DAY = "2026-11-24"
PREVIOUS_DAY = "2026-11-23"

SOURCES = [
    ("bao-thai-nguyen", "Báo Thái Nguyên", "provincial_press", "provincial"),
    ("vietnamplus", "VietnamPlus", "national_press", "official"),
    ("dan-tri", "Báo Dân trí", "national_press", "official"),
    ("vnexpress", "VnExpress", "national_press", "official"),
    ("tuoi-tre", "Báo Tuổi Trẻ", "national_press", "official"),
    ("thanh-nien", "Báo Thanh Niên", "national_press", "official"),
    ("rfa-tieng-viet", "Đài Á Châu Tự Do (RFA)", "foreign_vietnamese_language", "hostile"),
    ("trang-mang-xa-hoi", "Trang mạng xã hội \"Tin nóng Thái Nguyên\"", "social", "unverified"),
]

TOPIC_LABELS = {
    "du_lich_van_hoa": "Du lịch, văn hóa, di sản", "dau_tu": "Đầu tư, FDI, xúc tiến thương mại",
    "thien_tai_su_co": "Thiên tai, sự cố", "dinh_cong_kcn": "Đình công, vấn đề nhạy cảm tại KCN",
    "sap_xep_bo_may": "Sắp xếp, tinh gọn bộ máy", "doi_ngoai": "Đối ngoại", "kinh_te_xa_hoi": "Kinh tế – xã hội",
}

FESTIVAL_TITLE = "Lễ hội Lồng Tồng ATK Định Hóa thu hút hàng vạn du khách"
FESTIVAL_SENTENCE = ("Lễ hội Lồng Tồng ATK Định Hóa năm 2026 đã thu hút hàng vạn người dân và du khách thập phương "
                     "tham gia các hoạt động văn hóa, thể thao truyền thống của đồng bào dân tộc Tày, Nùng.")
LANDSLIDE_TITLE = "Sạt lở đất uy hiếp nhiều hộ dân ở xã Ba Bể sau mưa lớn"
STRIKE_TITLE = "Hàng trăm công nhân KCN Yên Bình ngừng việc đòi tăng lương"
HOSTILE_TITLE = "Luận điệu xuyên tạc về việc sắp xếp bộ máy ở Thái Nguyên"
RUMOUR_TITLE = "Tin đồn vỡ đập hồ Núi Cốc gây hoang mang"
UNCONFIRMED_TITLE = "Bài viết kích động về chính quyền xã Phú Bình"
REJECTED_TITLE = "Thông tin về dự án khu đô thị mới ở Phổ Yên bị hiểu sai"


def _item(url: str, source: str, title: str, text: str, published: str, *, tone: str, topics: list[str],
          flags: list[tuple[str, float, bool]] = (), status: str = "new", cluster: str | None = None,
          relevant: bool = True, duplicate_of: str | None = None, urgency: float = 0.2) -> dict[str, Any]:
    kind, reputation = next((k, r) for s, _, k, r in SOURCES if s == source)
    return {
        "id": item_id(url), "url": url, "url_key": url_key(url), "source": source, "source_kind": kind,
        "reputation": reputation, "title": title, "text": text, "lang": "vi", "published_at": published,
        "fetched_at": published.replace(":00Z", ":30Z"), "ingested_at": published, "relevant": relevant,
        "places": [{"name": "Thái Nguyên", "alias": "Thái Nguyên", "kind": "province", "start": 0, "end": 10,
                    "field": "text"}] if relevant else [],
        "topics": [{"id": t, "label": TOPIC_LABELS[t], "score": 0.9 - 0.1 * n, "evidence": []}
                   for n, t in enumerate(topics)],
        "tone": {"label": tone, "score": 0.8, "evidence": []},
        "flags": [{"name": name, "score": score, "raised": raised,
                   "evidence": [{"kind": "term", "text": "xuyên tạc", "start": 0, "end": 9, "detail": ""}]}
                  for name, score, raised in flags],
        "urgency": urgency, "urgency_reasons": ["Nguồn thù địch"] if reputation == "hostile" else [],
        "status": status, "cluster_id": cluster or item_id(url), "duplicate_of": duplicate_of,
        "content_hash": content_hash(title, text),
    }


def day_items() -> list[dict[str, Any]]:
    """The digest day (24/11/2026, local time = UTC+7)."""
    festival_text = (f"{FESTIVAL_SENTENCE} Tại lễ hội, Ban tổ chức đã tổ chức lễ rước nước, thi kéo co, đẩy gậy "
                     "và trình diễn hát then, đàn tính. Đây là dịp quảng bá hình ảnh vùng Thủ đô gió ngàn tới "
                     "bạn bè trong nước và quốc tế.")
    return [
        _item("https://baothainguyen.vn/van-hoa/le-hoi-long-tong-atk-2026.html", "bao-thai-nguyen", FESTIVAL_TITLE,
              festival_text, "2026-11-24T01:00:00Z", tone="tich_cuc", topics=["du_lich_van_hoa"], cluster="c-festival"),
        _item("https://www.vietnamplus.vn/le-hoi-long-tong-dinh-hoa.vnp", "vietnamplus",
              "Thái Nguyên: Tưng bừng Lễ hội Lồng Tồng ATK Định Hóa", festival_text, "2026-11-24T02:00:00Z",
              tone="tich_cuc", topics=["du_lich_van_hoa"], cluster="c-festival"),
        _item("https://dantri.com.vn/du-lich/le-hoi-long-tong-thai-nguyen.htm", "dan-tri",
              "Hàng vạn người dự Lễ hội Lồng Tồng ở Thái Nguyên", festival_text, "2026-11-24T03:30:00Z",
              tone="tich_cuc", topics=["du_lich_van_hoa"], cluster="c-festival"),
        _item("https://vnexpress.net/thai-nguyen-thu-hut-fdi-2026.html", "vnexpress",
              "Thái Nguyên thu hút thêm 1,2 tỷ USD vốn FDI",
              "Từ đầu năm đến nay, tỉnh Thái Nguyên đã cấp mới và điều chỉnh vốn cho 45 dự án đầu tư nước ngoài. "
              "Tổng vốn đăng ký đạt 1,2 tỷ USD, tăng 30% so với cùng kỳ năm trước. Các dự án tập trung vào lĩnh vực "
              "điện tử, linh kiện và công nghiệp hỗ trợ tại các khu công nghiệp Yên Bình, Điềm Thụy.",
              "2026-11-24T04:00:00Z", tone="tich_cuc", topics=["dau_tu"]),
        _item("https://tuoitre.vn/sat-lo-dat-xa-ba-be.htm", "tuoi-tre", LANDSLIDE_TITLE,
              "Mưa lớn kéo dài nhiều ngày đã gây sạt lở đất nghiêm trọng tại xã Ba Bể, tỉnh Thái Nguyên. "
              "Hơn 20 hộ dân sống dưới chân taluy có nguy cơ bị vùi lấp nếu sạt lở tiếp diễn. Người dân mong "
              "chính quyền sớm di dời khẩn cấp và khắc phục hậu quả trước mùa mưa năm sau.",
              "2026-11-24T05:00:00Z", tone="tieu_cuc", topics=["thien_tai_su_co"], urgency=0.7),
        _item("https://thanhnien.vn/cong-nhan-kcn-yen-binh-ngung-viec.html", "thanh-nien", STRIKE_TITLE,
              "Sáng 24/11, hàng trăm công nhân một doanh nghiệp vốn nước ngoài tại KCN Yên Bình đã ngừng việc. "
              "Người lao động đề nghị doanh nghiệp tăng lương và cải thiện bữa ăn ca theo cam kết đầu năm. Công đoàn "
              "và Ban quản lý các KCN tỉnh đã có mặt để đối thoại với người lao động.",
              "2026-11-24T06:00:00Z", tone="tieu_cuc", topics=["dinh_cong_kcn"],
              urgency=0.8),
        _item("https://www.rfa.org/vietnamese/news/thai-nguyen-sap-xep.html", "rfa-tieng-viet", HOSTILE_TITLE,
              "Một bài viết trên trang nước ngoài đã xuyên tạc chủ trương sắp xếp đơn vị hành chính tại Thái Nguyên. "
              "Bài viết cho rằng việc sáp nhập tỉnh Bắc Kạn vào Thái Nguyên là nhằm cắt giảm quyền lợi của người dân "
              "tộc thiểu số. Các thông tin này không có căn cứ và đã được cơ quan chức năng phản bác.",
              "2026-11-24T07:00:00Z", tone="tieu_cuc", topics=["sap_xep_bo_may"], flags=[("incitement", 0.92, True)],
              status="routed", urgency=0.95),
        _item("https://facebook.com/tinnongthainguyen/posts/123", "trang-mang-xa-hoi", RUMOUR_TITLE,
              "Một trang mạng xã hội đăng tin hồ Núi Cốc có nguy cơ vỡ đập sau mưa lớn, kêu gọi người dân sơ tán. "
              "Thông tin lan truyền nhanh khiến nhiều người dân ở hạ du hoang mang. Công ty khai thác thủy lợi khẳng "
              "định đập vẫn an toàn và mực nước hồ dưới mức thiết kế.",
              "2026-11-24T08:00:00Z", tone="tieu_cuc", topics=["thien_tai_su_co"], flags=[("likely_false", 0.85, True)],
              urgency=0.9),
        _item("https://facebook.com/tinnongthainguyen/posts/456", "trang-mang-xa-hoi", UNCONFIRMED_TITLE,
              "Một bài viết trên mạng xã hội dùng lời lẽ kích động, cho rằng chính quyền xã Phú Bình làm sai. "
              "Bài viết chưa được xác minh và có nhiều bình luận trái chiều của người dùng mạng.",
              "2026-11-24T09:00:00Z", tone="tieu_cuc", topics=["kinh_te_xa_hoi"], flags=[("incitement", 0.8, True)],
              urgency=0.6),
        _item("https://dantri.com.vn/bat-dong-san/khu-do-thi-pho-yen.htm", "dan-tri", REJECTED_TITLE,
              "Một số trang tin đăng thông tin về dự án khu đô thị mới tại phường Phổ Yên chưa chính xác. "
              "Sở Xây dựng cho biết dự án vẫn đang trong giai đoạn lấy ý kiến người dân và chưa thu hồi đất.",
              "2026-11-24T10:00:00Z", tone="trung_lap", topics=["kinh_te_xa_hoi"], flags=[("likely_false", 0.6, True)]),
        _item("https://baothainguyen.vn/doi-ngoai/doan-cong-tac-han-quoc.html", "bao-thai-nguyen",
              "Lãnh đạo tỉnh tiếp đoàn công tác tỉnh Gyeongbuk (Hàn Quốc)",
              "Chiều 24/11, lãnh đạo UBND tỉnh Thái Nguyên đã tiếp đoàn công tác tỉnh Gyeongbuk, Hàn Quốc. Hai bên "
              "trao đổi về hợp tác trong lĩnh vực đào tạo nguồn nhân lực, nông nghiệp công nghệ cao và giao lưu "
              "văn hóa. Tỉnh Thái Nguyên mong muốn mở rộng quan hệ hợp tác với các địa phương của Hàn Quốc.",
              "2026-11-24T11:00:00Z", tone="trung_lap", topics=["doi_ngoai"]),
        _item("https://vnexpress.net/gia-lua-thai-nguyen-on-dinh.html", "vnexpress",
              "Giá lúa vụ mùa ở Thái Nguyên ổn định",
              "Vụ mùa năm nay, nông dân tỉnh Thái Nguyên thu hoạch hơn 40.000 ha lúa với năng suất ổn định. Giá lúa "
              "tại ruộng dao động từ 7.000 đến 7.500 đồng mỗi kilogram, tương đương cùng kỳ năm trước.",
              "2026-11-24T12:00:00Z", tone="trung_lap", topics=["kinh_te_xa_hoi"]),
        # Not counted: not about the province, and an exact copy of an item above.
        _item("https://vnexpress.net/gia-vang-hom-nay.html", "vnexpress", "Giá vàng hôm nay tăng mạnh",
              "Giá vàng trong nước tăng mạnh theo giá thế giới trong phiên sáng nay tại Hà Nội.",
              "2026-11-24T04:30:00Z", tone="trung_lap", topics=["kinh_te_xa_hoi"], relevant=False),
        _item("https://baomoi.com/copy-fdi.html", "vnexpress", "Thái Nguyên thu hút thêm 1,2 tỷ USD vốn FDI",
              "Bản sao y nguyên bài viết về thu hút FDI.", "2026-11-24T04:10:00Z", tone="tich_cuc", topics=["dau_tu"],
              duplicate_of=item_id("https://vnexpress.net/thai-nguyen-thu-hut-fdi-2026.html")),
    ]


def previous_day_items() -> list[dict[str, Any]]:
    return [
        _item(f"https://baothainguyen.vn/tin-tuc/ngay-23-{n}.html", "bao-thai-nguyen", f"Tin hoạt động ngày 23/11 số {n}",
              "Tỉnh Thái Nguyên tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội những tháng cuối "
              "năm. Các sở, ngành được giao rà soát tiến độ giải ngân vốn đầu tư công.",
              f"2026-11-23T0{n}:00:00Z", tone="trung_lap" if n % 2 else "tich_cuc", topics=["kinh_te_xa_hoi"])
        for n in range(1, 5)
    ]


RELEVANT_DAY_COUNT = 12  # relevant, not duplicates, on DAY
DAY_OUTLETS = 8


def html_of(item: dict[str, Any]) -> bytes:
    return (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{item['title']}</title></head>"
            f"<body><article><h1>{item['title']}</h1><p>{item['text']}</p></article></body></html>").encode()


def seed(store: Store) -> dict[str, Any]:
    """Sources, items, captures, users, labels and cases; returns the ids tests refer to."""
    for source_id, name, kind, reputation in SOURCES:
        store.put_record("sources", source_id, {"id": source_id, "name": name, "kind": kind, "fetch": "feed",
                                                "reputation": reputation, "urls": [], "enabled": True})
    items = day_items() + previous_day_items()
    store.upsert_items(items)
    for item in items:
        html = html_of(item)
        store.put_capture(item["id"], html, hashlib.sha256(html).hexdigest(), item["fetched_at"], item["url"])
    by_title = {item["title"]: item["id"] for item in items}
    store.put_record("users", "truongphong", {"id": "truongphong", "role": "lead", "disabled": False})
    store.put_record("users", "canbo", {"id": "canbo", "role": "analyst", "disabled": False})
    store.put_record("labels", "l1", {"id": "l1", "item_id": by_title[RUMOUR_TITLE], "task": "flag:likely_false",
                                      "label": "confirmed", "actor": "canbo", "at": "2026-11-24T09:00:00Z"})
    store.put_record("labels", "l2", {"id": "l2", "item_id": by_title[REJECTED_TITLE], "task": "flag:likely_false",
                                      "label": "rejected", "actor": "canbo", "at": "2026-11-24T11:00:00Z"})
    hostile = by_title[HOSTILE_TITLE]
    store.audit("canbo", "item.status", "item", hostile, before={"status": "new"}, after={"status": "hostile"},
                reason="Nội dung xuyên tạc chủ trương sắp xếp bộ máy")
    store.audit("truongphong", "item.status", "item", hostile, before={"status": "hostile"},
                after={"status": "routed"}, reason="Chuyển Công an tỉnh")
    cases = [
        {"id": "HS-20261124-001", "title": "Bài viết xuyên tạc việc sắp xếp bộ máy", "item_ids": [hostile],
         "agency": "cong-an-tinh", "severity": "high", "deadline": "2026-11-26T10:00:00Z", "status": "responded",
         "asked": "Đề nghị xác minh, xử lý nguồn phát tán và phối hợp đăng tin phản bác.",
         "contact": "Đồng chí Nguyễn Văn An, phòng Thông tin - Báo chí, ĐT 0208 3855 123",
         "created_by": "truongphong", "created_at": "2026-11-24T08:00:00Z", "acknowledged_at": "2026-11-24T09:00:00Z",
         "response": "Đã xác minh, đề nghị gỡ bỏ và đăng tin phản bác", "responded_at": "2026-11-25T08:00:00Z",
         "outcome": None, "closed_at": None, "closed_by": None, "notes": "Nguồn thù địch, lan truyền nhanh"},
        {"id": "HS-20261124-002", "title": "Công nhân KCN Yên Bình ngừng việc", "item_ids": [by_title[STRIKE_TITLE]],
         "agency": "ban-ql-kcn", "severity": "medium", "deadline": "2026-11-27T10:00:00Z", "status": "acknowledged",
         "asked": "Đề nghị nắm tình hình, đối thoại với doanh nghiệp và người lao động.", "contact": "Phòng TT-BC",
         "created_by": "truongphong", "created_at": "2026-11-24T09:30:00Z", "acknowledged_at": "2026-11-24T10:00:00Z",
         "response": None, "responded_at": None, "outcome": None, "closed_at": None, "closed_by": None, "notes": ""},
    ]
    for case in cases:
        store.put_record("cases", case["id"], case)
        store.audit(case["created_by"], "case.create", "case", case["id"], after=case)
    store.refresh()
    return {"by_title": by_title, "cases": [c["id"] for c in cases]}
