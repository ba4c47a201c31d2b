"""A small, realistic home for the dashboard tests: Vietnamese items as the pipeline would have stored them
(places with offsets, topics, flags with evidence, tone, story clusters, a duplicate), one account per role,
sources with health, a capture and a known false claim. Written straight into the store."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from pipeline.core.home import Home
from pipeline.core.item import content_hash, item_id, url_key
from pipeline.core.timeutil import iso, now_utc
from pipeline.office import accounts
from pipeline.office.setup import create_home

PASSWORD = "mat-khau-thu-123"
USERS = {"quantri": "admin", "lanhdao": "lead", "chuyenvien": "analyst", "nguoixem": "viewer"}
XSS_TITLE = "<script>alert('xss')</script> Tin thử <img src=x onerror=alert(1)> tại Thái Nguyên"
CLAIM_ID = "claim-ba-be-xoa-so"
UNTITLED_URL = "https://facebook.com/groups/tin-nong/posts/2002"
UNTITLED_TEXT = ("Nóng: cầu treo ở xã Ba Bể sắp sập, ai đi qua cẩn thận!!! Mọi người chia sẻ gấp "
                 "https://bit.ly/abc. Chính quyền chưa có thông báo gì.")
UNTITLED_FIRST_SENTENCE = "Nóng: cầu treo ở xã Ba Bể sắp sập, ai đi qua cẩn thận!!!"
YEAR_ONLY_CLAIM_ID = "claim-doi-tien"


def _span(text: str, words: str, **extra: Any) -> dict[str, Any]:
    start = text.index(words)
    return {"text": words, "start": start, "end": start + len(words), **extra}


def _place(text: str, alias: str, name: str, field: str = "text") -> dict[str, Any]:
    start = text.index(alias)
    return {"name": name, "alias": alias, "kind": "commune", "start": start, "end": start + len(alias), "field": field}


def _item(url: str, title: str, text: str, *, source: str, source_kind: str, reputation: str, hours_ago: float,
          urgency: float, reasons: list[str], topics: list[dict[str, Any]] = (), flags: list[dict[str, Any]] = (),
          tone: str = "trung_lap", places: list[dict[str, Any]] = (), cluster: str | None = None,
          duplicate_of: str | None = None, lang: str = "vi", relevant: bool = True, status: str = "new",
          site_name: str = "") -> dict[str, Any]:
    now = now_utc()
    published = now - timedelta(hours=hours_ago)
    return {
        "id": item_id(url), "url": url, "url_key": url_key(url), "title": title, "text": text,
        "content_hash": content_hash(title, text), "source": source, "source_kind": source_kind,
        "reputation": reputation, "site_name": site_name or source, "lang": lang,
        "published_at": iso(published), "fetched_at": iso(published + timedelta(minutes=20)),
        "ingested_at": iso(published + timedelta(minutes=25)), "relevant": relevant,
        "places": list(places), "topics": list(topics), "flags": list(flags),
        "tone": {"label": tone, "score": 0.8, "evidence": []}, "urgency": urgency, "urgency_reasons": reasons,
        "cluster_id": cluster, "duplicate_of": duplicate_of, "status": status, "assignee": None,
    }


def seed_items() -> list[dict[str, Any]]:
    landslide = ("Mưa lớn kéo dài từ đêm qua đã gây sạt lở đất nghiêm trọng tại xã Ba Bể, tỉnh Thái Nguyên. "
                 "Nhiều tuyến đường giao thông bị chia cắt, hàng chục hộ dân phải sơ tán khẩn cấp.")
    landslide_2 = ("Sạt lở đất tại xã Ba Bể khiến quốc lộ 279 bị chia cắt. Ủy ban nhân dân tỉnh Thái Nguyên "
                   "đã chỉ đạo các lực lượng khắc phục hậu quả.")
    rumour = ("Trên mạng xã hội lan truyền thông tin Thái Nguyên sắp xóa sổ xã Ba Bể và di dời toàn bộ dân cư. "
              "Đây là luận điệu xuyên tạc nhằm gây hoang mang trong nhân dân.")
    strike = ("Sáng nay khoảng 2.000 công nhân Khu công nghiệp Yên Bình, tỉnh Thái Nguyên ngừng việc tập thể "
              "để đòi tăng lương và cải thiện bữa ăn ca.")
    fdi = ("Năm 2025, tỉnh Thái Nguyên thu hút hơn 1 tỷ USD vốn đầu tư trực tiếp nước ngoài (FDI), "
           "chủ yếu từ các nhà đầu tư Hàn Quốc và Nhật Bản.")
    english = ("Samsung Electronics said it would expand its smartphone plant in Thai Nguyen province, northern "
               "Vietnam, adding 3,000 jobs next year.")
    festival = ("Lễ hội Lồng Tồng tại hồ Ba Bể, tỉnh Thái Nguyên thu hút hàng nghìn du khách trong và ngoài nước "
                "đến tham quan, trải nghiệm văn hóa các dân tộc.")
    xss_text = ("Nội dung thử nghiệm <b>in đậm</b> và <a href='javascript:alert(1)'>liên kết</a> cùng "
                "<img src=x onerror=alert(2)> về tỉnh Thái Nguyên.")
    map_text = ("Phát hiện bản đồ in hình đường lưỡi bò được bày bán tại một cửa hàng ở phường Phan Đình Phùng, "
                "tỉnh Thái Nguyên. Lực lượng chức năng đã thu giữ sản phẩm sai lệch chủ quyền.")
    old_text = "Hội nghị tổng kết công tác năm của tỉnh Thái Nguyên diễn ra tại trung tâm hội nghị tỉnh."
    elsewhere = "Thành phố Hà Nội tổ chức lễ hội ẩm thực đường phố cuối tuần tại phố đi bộ Hồ Gươm."
    s1 = "https://baothainguyen.vn/xa-hoi/sat-lo-ba-be-123.html"
    items = [
        _item(s1, "Sạt lở đất nghiêm trọng tại xã Ba Bể, hàng chục hộ dân phải sơ tán", landslide,
              source="bao-thai-nguyen", source_kind="provincial_press", reputation="provincial", hours_ago=5,
              urgency=0.74, reasons=["Thiên tai ảnh hưởng đến dân cư", "3 cơ quan báo chí đưa tin"],
              topics=[{"id": "thien_tai_su_co", "label": "Thiên tai, sự cố", "score": 0.92,
                       "evidence": [{"kind": "term", **_span(landslide, "sạt lở đất")}]}],
              tone="tieu_cuc", places=[_place(landslide, "xã Ba Bể", "Xã Ba Bể"),
                                       _place(landslide, "tỉnh Thái Nguyên", "Tỉnh Thái Nguyên")],
              cluster="story-sat-lo-ba-be", site_name="Báo Thái Nguyên"),
        _item("https://vnexpress.net/sat-lo-quoc-lo-279-ba-be-456.html", "Quốc lộ 279 qua Ba Bể bị chia cắt do sạt lở",
              landslide_2, source="vnexpress", source_kind="national_press", reputation="official", hours_ago=4,
              urgency=0.66, reasons=["Thiên tai ảnh hưởng đến dân cư"],
              topics=[{"id": "thien_tai_su_co", "label": "Thiên tai, sự cố", "score": 0.9, "evidence": []}],
              tone="tieu_cuc", places=[_place(landslide_2, "xã Ba Bể", "Xã Ba Bể")], cluster="story-sat-lo-ba-be",
              site_name="VnExpress"),
        _item("https://dantri.com.vn/xa-hoi/sat-lo-ba-be-789.htm", "Sạt lở đất nghiêm trọng tại xã Ba Bể, hàng chục hộ dân phải sơ tán",
              landslide, source="dan-tri", source_kind="national_press", reputation="official", hours_ago=4.5,
              urgency=0.74, reasons=[], tone="tieu_cuc", cluster="story-sat-lo-ba-be", duplicate_of=item_id(s1),
              site_name="Dân trí"),
        _item("https://facebook.com/groups/tin-nong/posts/1001", "Thái Nguyên sắp xóa sổ xã Ba Bể, di dời toàn bộ dân?",
              rumour, source="nhom-tin-nong", source_kind="social", reputation="hostile", hours_ago=2,
              urgency=0.93, reasons=["Giống thông tin sai đã được phản bác", "Nguồn thuộc danh sách thù địch"],
              topics=[{"id": "sap_xep_bo_may", "label": "Sắp xếp, tinh gọn bộ máy", "score": 0.7, "evidence": []}],
              flags=[{"name": "likely_false", "score": 0.91, "evidence": [
                          {"kind": "claim", **_span(rumour, "Thái Nguyên sắp xóa sổ xã Ba Bể"),
                           "detail": {"claim_id": CLAIM_ID, "similarity": 0.94}}]},
                     {"name": "incitement", "score": 0.82, "evidence": [
                         {"kind": "term", **_span(rumour, "luận điệu xuyên tạc")},
                         {"kind": "source", "text": "Nguồn thuộc danh sách thù địch", "detail": "hostile"}]}],
              tone="tieu_cuc", places=[_place(rumour, "xã Ba Bể", "Xã Ba Bể")], cluster="story-tin-don-ba-be",
              site_name="Nhóm Tin nóng"),
        _item("https://laodong.vn/cong-doan/cong-nhan-kcn-yen-binh-ngung-viec-321.ldo",
              "Hàng nghìn công nhân KCN Yên Bình ngừng việc tập thể", strike, source="lao-dong",
              source_kind="national_press", reputation="official", hours_ago=8, urgency=0.81,
              reasons=["Đình công tại khu công nghiệp có vốn nước ngoài"],
              topics=[{"id": "dinh_cong_kcn", "label": "Đình công, KCN", "score": 0.95,
                       "evidence": [{"kind": "term", **_span(strike, "ngừng việc tập thể")}]}],
              tone="tieu_cuc", places=[_place(strike, "Khu công nghiệp Yên Bình", "KCN Yên Bình")],
              cluster="story-dinh-cong-yen-binh", site_name="Lao Động"),
        _item("https://baochinhphu.vn/thai-nguyen-thu-hut-fdi-654.htm", "Thái Nguyên thu hút hơn 1 tỷ USD vốn FDI",
              fdi, source="bao-chinh-phu", source_kind="national_press", reputation="official", hours_ago=20,
              urgency=0.31, reasons=["Tin tích cực về đầu tư"],
              topics=[{"id": "dau_tu", "label": "Đầu tư, FDI", "score": 0.93, "evidence": []}], tone="tich_cuc",
              places=[_place(fdi, "tỉnh Thái Nguyên", "Tỉnh Thái Nguyên")], cluster="story-fdi-2025",
              site_name="Báo Chính phủ"),
        _item("https://www.reuters.com/technology/samsung-thai-nguyen-expansion-2025", "Samsung to expand Thai Nguyen plant",
              english, source="reuters", source_kind="foreign_press", reputation="foreign", hours_ago=30,
              urgency=0.45, reasons=["Báo chí nước ngoài đưa tin về tỉnh"],
              topics=[{"id": "dau_tu", "label": "Đầu tư, FDI", "score": 0.8, "evidence": []}], tone="tich_cuc",
              places=[_place(english, "Thai Nguyen", "Tỉnh Thái Nguyên")], lang="en", cluster="story-samsung",
              site_name="Reuters"),
        _item("https://baothainguyen.vn/van-hoa/le-hoi-long-tong-ba-be-987.html",
              "Lễ hội Lồng Tồng Ba Bể thu hút hàng nghìn du khách", festival, source="bao-thai-nguyen",
              source_kind="provincial_press", reputation="provincial", hours_ago=50, urgency=0.18,
              reasons=[], topics=[{"id": "du_lich_van_hoa", "label": "Du lịch, văn hóa, di sản", "score": 0.9,
                                   "evidence": []}],
              tone="tich_cuc", places=[_place(festival, "hồ Ba Bể", "Hồ Ba Bể")], cluster="story-long-tong",
              site_name="Báo Thái Nguyên"),
        _item("https://example-news.vn/thu-nghiem-xss.html", XSS_TITLE, xss_text, source="example-news",
              source_kind="aggregator", reputation="unverified", hours_ago=3, urgency=0.5,
              reasons=["<b>lý do</b> có thẻ HTML"], tone="trung_lap",
              places=[_place(xss_text, "tỉnh Thái Nguyên", "Tỉnh Thái Nguyên")], site_name="<i>Trang lạ</i>"),
        _item("https://tuoitre.vn/ban-do-duong-luoi-bo-thai-nguyen-111.htm",
              "Thu giữ bản đồ in hình đường lưỡi bò tại Thái Nguyên", map_text, source="tuoi-tre",
              source_kind="national_press", reputation="official", hours_ago=12, urgency=0.85,
              reasons=["Sai lệch chủ quyền quốc gia"],
              topics=[{"id": "chu_quyen", "label": "Chủ quyền, lãnh thổ", "score": 0.9,
                       "evidence": [{"kind": "term", **_span(map_text, "đường lưỡi bò")}]}],
              flags=[{"name": "sovereignty", "score": 0.95, "evidence": [{"kind": "term", **_span(map_text, "đường lưỡi bò")}]}],
              tone="trung_lap", places=[_place(map_text, "phường Phan Đình Phùng", "Phường Phan Đình Phùng")],
              cluster="story-luoi-bo", site_name="Tuổi Trẻ"),
        _item("https://baothainguyen.vn/chinh-tri/hoi-nghi-tong-ket-222.html", "Hội nghị tổng kết công tác năm",
              old_text, source="bao-thai-nguyen", source_kind="provincial_press", reputation="provincial",
              hours_ago=24 * 40, urgency=0.1, reasons=[], tone="trung_lap", site_name="Báo Thái Nguyên",
              places=[_place(old_text, "tỉnh Thái Nguyên", "Tỉnh Thái Nguyên")]),
        # A social post without a title (most are): shown by its first sentence everywhere.
        _item(UNTITLED_URL, "", UNTITLED_TEXT, source="nhom-tin-nong", source_kind="social", reputation="hostile",
              hours_ago=30, urgency=0.05, reasons=[], places=[_place(UNTITLED_TEXT, "xã Ba Bể", "Ba Bể")],
              site_name="Nhóm Tin nóng"),
        _item("https://hanoimoi.vn/le-hoi-am-thuc-333.html", "Hà Nội tổ chức lễ hội ẩm thực đường phố", elsewhere,
              source="ha-noi-moi", source_kind="national_press", reputation="official", hours_ago=6, urgency=0.0,
              reasons=[], relevant=False, site_name="Hà Nội Mới"),
    ]
    return items


def seed_home(path: Path) -> Home:
    """A home for Thái Nguyên with the items, users, sources, claim and a capture above."""
    home = create_home(path, "thai-nguyen")
    with home.open_store() as store:
        items = seed_items()
        store.upsert_items(items)
        for login, role in USERS.items():
            accounts.create_user(store, login, role, PASSWORD, by="seed")
        store.put_record("claims", CLAIM_ID, {
            "id": CLAIM_ID, "claim": "Thái Nguyên sẽ xóa sổ xã Ba Bể và di dời toàn bộ dân cư",
            "rebuttal": "UBND tỉnh khẳng định không có chủ trương xóa sổ hay di dời dân cư xã Ba Bể.",
            "rebuttal_source": "UBND tỉnh Thái Nguyên", "rebuttal_date": "2025-10-02",
            "rebuttal_url": "https://thainguyen.gov.vn/tin-bac-bo-xoa-so-ba-be", "topics": ["sap_xep_bo_may"],
            "created_by": "seed", "created_at": iso(now_utc()), "updated_at": iso(now_utc()), "active": True,
        })
        # As the example claims shipped with the product: the rebuttal dated by its year alone.
        store.put_record("claims", YEAR_ONLY_CLAIM_ID, {
            "id": YEAR_ONLY_CLAIM_ID, "claim": "Ngân hàng Nhà nước sắp đổi tiền, tiền cũ hết giá trị",
            "rebuttal": "Ngân hàng Nhà nước khẳng định không có chủ trương đổi tiền.",
            "rebuttal_source": "Ngân hàng Nhà nước Việt Nam", "rebuttal_date": "2025", "rebuttal_url": "",
            "topics": [], "created_by": "seed", "created_at": iso(now_utc()), "updated_at": iso(now_utc()),
            "active": True,
        })
        for source_id, name, kind, reputation, failures in (
            ("bao-thai-nguyen", "Báo Thái Nguyên", "provincial_press", "provincial", 0),
            ("nhom-tin-nong", "Nhóm Tin nóng", "social", "hostile", 3),
        ):
            store.put_record("sources", source_id, {
                "id": source_id, "name": name, "kind": kind, "fetch": "feed", "language": "vi",
                "reputation": reputation, "urls": [f"https://{source_id}.example/rss"], "homepage": "",
                "poll_minutes": 30, "enabled": True, "config": {}, "notes": "",
                "health": {"last_success": iso(now_utc() - timedelta(hours=1)), "last_error": "HTTP 503" if failures else None,
                           "consecutive_failures": failures, "items_per_day": 42.5, "median_lag_minutes": 18},
            })
        html = b"<html><body><h1>Sat lo</h1><script>alert('capture')</script></body></html>"
        store.put_capture(items[0]["id"], html, hashlib.sha256(html).hexdigest(), items[0]["fetched_at"], items[0]["url"])
        store.refresh()
    return home
