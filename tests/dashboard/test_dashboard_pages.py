"""Page logic through Streamlit's AppTest, over the real app and a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from dashboard_seed import PASSWORD, UNTITLED_FIRST_SENTENCE, UNTITLED_URL
from streamlit.testing.v1 import AppTest

from dashboard import widgets
from dashboard.context import HOME_ENV
from pipeline.core.item import item_id
from pipeline.core.timeutil import LOCAL_TZ, now_utc

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
LANDSLIDE = item_id("https://baothainguyen.vn/xa-hoi/sat-lo-ba-be-123.html")
RUMOUR = item_id("https://facebook.com/groups/tin-nong/posts/1001")
XSS = item_id("https://example-news.vn/thu-nghiem-xss.html")


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "subheader", "success", "error", "warning", "info")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def _html(at: AppTest) -> str:
    return "\n".join(e.value for e in at.get("html"))


def _open_item(at: AppTest, wanted: str) -> AppTest:
    at.query_params["id"] = wanted
    return at.switch_page("views/item.py").run()


def test_without_a_live_session_every_page_only_offers_to_log_in_again(seeded, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(seeded.path))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "Phiên làm việc đã kết thúc" in _texts(at)
    assert not at.get("page_link") and not at.get("html") or "Hàng đợi tin" not in _texts(at)
    at.query_params["id"] = LANDSLIDE
    at.switch_page("views/item.py").run()  # the item page is known (a reload keeps its address) but shows nothing
    assert "Sạt lở" not in _texts(at) and "Phiên làm việc đã kết thúc" in _texts(at)


def test_a_logged_out_session_shows_nothing_more(app):
    at = app("chuyenvien")
    at.button(key="logout").click().run()
    assert "Bạn đã đăng xuất." in _texts(at)
    at.switch_page("views/queue.py").run()
    assert "tin phù hợp" not in _texts(at)


def test_queue_lists_stories_by_urgency_and_says_why(app):
    at = app("chuyenvien")
    links = [link.proto.label for link in at.get("page_link")]
    assert links[0].startswith("**Thái Nguyên sắp xóa sổ xã Ba Bể")
    text, rows = _texts(at), _html(at)
    assert "Vì sao khẩn: Giống thông tin sai đã được phản bác" in rows
    assert "&lt;b&gt;lý do&lt;/b&gt; có thẻ HTML" in rows and "<b>lý do" not in rows  # crawled reason, escaped
    assert "**10** tin phù hợp" in text and "câu chuyện mới" in text
    assert "3 cơ quan báo chí" in _html(at)  # the landslide story's outlet count
    assert '<span class="dt-badge new">MỚI</span>' in _html(at)


def test_queue_flag_filter_and_search_narrow_the_list(app):
    at = app("chuyenvien")
    at.multiselect(key="f_flags").set_value(["sovereignty"]).run()
    assert [link.proto.label for link in at.get("page_link")] == ["**Thu giữ bản đồ in hình đường lưỡi bò tại Thái Nguyên**"]
    at.multiselect(key="f_flags").set_value([]).run()
    at.text_input(key="f_text").input("duong luoi bo").run()
    assert len(at.get("page_link")) == 1


def test_bulk_dismiss_changes_the_ticked_stories_and_reports_it(app, store):
    at = app("chuyenvien")
    at.checkbox(key=f"sel_{LANDSLIDE}").check().run()
    assert "Đã chọn 2 tin" in _texts(at)  # the story's two items on the page
    at.button(key="bulk_dismiss").click().run()
    assert "Đã đánh dấu “không liên quan” 2 tin." in _texts(at)
    statuses = [item["status"] for item in store.get_items([LANDSLIDE, item_id("https://vnexpress.net/sat-lo-quoc-lo-279-ba-be-456.html")])]
    assert statuses == ["irrelevant", "irrelevant"]


def test_viewer_sees_disabled_controls_and_no_admin_page(app):
    at = app("nguoixem")
    at.checkbox(key=f"sel_{LANDSLIDE}").check().run()
    assert at.button(key="bulk_review").disabled and at.button(key="bulk_dismiss").disabled
    assert "chỉ xem" in _texts(at)
    with pytest.raises(ValueError):
        at.switch_page("views/users.py")
    _open_item(at, RUMOUR)
    assert all(button.disabled for button in at.get("form_submit_button")
               if button.label in ("Cập nhật trạng thái", "Phân công", "Lưu ghi chú", "Lập hồ sơ"))
    assert at.button(key="flag_incitement_confirmed").disabled


def test_item_page_renders_script_and_img_from_crawled_content_as_text(app):
    at = _open_item(app("chuyenvien"), XSS)
    page_html = _html(at)
    assert "<script" not in page_html.lower() and "<img" not in page_html.lower() and "<a " not in page_html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page_html
    assert "&lt;img src=x onerror=alert(2)&gt;" in page_html
    assert at.title[0].value.startswith("\\<script\\>alert\\(\\'xss\\'\\)\\<\\/script\\>")
    assert "\\<b\\>lý do\\<\\/b\\>" in _texts(at)


def test_item_page_shows_claim_rebuttal_capture_and_history(app, store):
    at = _open_item(app("chuyenvien"), RUMOUR)
    text = _texts(at)
    assert "**Thông tin sai:** Thái Nguyên sẽ xóa sổ xã Ba Bể và di dời toàn bộ dân cư" in text
    assert "**Phản bác:** UBND tỉnh khẳng định" in text
    assert "Nhóm Tin nóng" in text and "Thù địch" in text
    assert 'class="ev-claim"' in _html(at)
    at = _open_item(at, LANDSLIDE)
    capture = store.get_capture(LANDSLIDE)
    assert [c.value for c in at.code] == [capture["sha256"]]
    assert "SHA-256 khớp" in _texts(at)
    assert at.get("download_button")[0].proto.label == "Tải HTML gốc (không hiển thị)"
    assert "alert('capture')" not in _html(at)
    assert [link.proto.label for link in at.get("page_link")][:2] == [
        "Quốc lộ 279 qua Ba Bể bị chia cắt do sạt lở — cùng câu chuyện",
        "Sạt lở đất nghiêm trọng tại xã Ba Bể\\, hàng chục hộ dân phải sơ tán — bản trùng"]


def test_status_change_from_the_item_page_is_audited_with_the_reason(app, store):
    at = _open_item(app("chuyenvien"), RUMOUR)
    at.selectbox(key="status_target_new").set_value("reviewing")
    at.text_input(key="status_reason").input("Kiểm tra với Công an tỉnh")
    at.form_submit_button(key="FormSubmitter:status_form-Cập nhật trạng thái").click().run()
    assert "Đã chuyển sang “đang xem xét”." in _texts(at)
    assert "Trạng thái hiện tại: **đang xem xét**" in _texts(at)
    assert not at.exception
    assert at.selectbox(key="status_target_reviewing").options == [
        "xác minh đúng", "sai sự thật", "xấu độc", "không liên quan"]
    entry = store.list_audit("item", RUMOUR)[-1]
    assert (entry["actor"], entry["after"], entry["reason"]) == ("chuyenvien", {"status": "reviewing"},
                                                                 "Kiểm tra với Công an tỉnh")
    history = at.dataframe[0].value
    assert list(history["Người thực hiện"]) == ["chuyenvien"]


def test_flag_confirmation_from_the_item_page_records_a_label(app, store):
    at = _open_item(app("chuyenvien"), RUMOUR)
    at.button(key="flag_likely_false_confirmed").click().run()
    assert store.get_record("labels", f"{RUMOUR}|flag:likely_false")["label"] == "confirmed"
    assert "Đã xác nhận bởi chuyenvien" in _texts(at)


def test_case_created_from_the_item_page_is_routed_to_the_suggested_agency(app, store):
    at = _open_item(app("chuyenvien"), RUMOUR)
    # A rumour about the administrative merger is no public-safety claim: not the police (content routing).
    assert at.selectbox(key="case_agency").value == "bcd-35"
    at.selectbox(key="case_severity").set_value("urgent")
    at.text_area(key="case_asked").input("Xác minh và xử lý người đăng tin")
    at.form_submit_button(key="FormSubmitter:case_form-Lập hồ sơ").click().run()
    (case,) = store.list_records("cases")
    assert (case["agency"], case["severity"], case["item_ids"], case["created_by"]) == (
        "bcd-35", "urgent", [RUMOUR], "chuyenvien")
    assert f"Đã lập hồ sơ {case['id']}." in _texts(at)


def test_cases_page_puts_overdue_cases_first_and_a_lead_routes_one(app, store):
    from datetime import timedelta

    from pipeline.core.timeutil import iso, now_utc
    from pipeline.office import cases

    late = cases.create_case(store, "chuyenvien", title="Tin đồn xóa sổ", item_ids=[RUMOUR], agency="cong-an-tinh",
                             severity="high", deadline=iso(now_utc() - timedelta(hours=3)))
    cases.create_case(store, "chuyenvien", title="Đình công KCN", item_ids=[LANDSLIDE], agency="ban-ql-kcn",
                      severity="medium", deadline=iso(now_utc() + timedelta(days=3)))
    at = app("lanhdao")
    escaped_id = late["id"].replace("-", "\\-")
    assert f"1 hồ sơ quá hạn xử lý: {escaped_id} \\(cao\\)" in "\n".join(w.value for w in at.warning)
    at.switch_page("views/cases.py").run()
    table = at.dataframe[0].value
    assert list(table["Mã"])[0] == late["id"] and list(table["Quá hạn"])[0] == "QUÁ HẠN"
    at.selectbox(key="case_pick").set_value(late["id"]).run()
    at.button(key="case_send").click().run()
    assert store.get_record("cases", late["id"])["status"] == "sent"
    assert "Đã chuyển hồ sơ cho cơ quan xử lý." in _texts(at)
    at.button(key="case_export").click().run()
    assert not at.exception
    downloads = {button.proto.label for button in at.get("download_button")}
    assert downloads == {"Tải phiếu chuyển xử lý (DOCX)", "Tải gói bằng chứng (ZIP)"}
    assert store.list_audit("case", late["id"])[-1]["action"] == "case.export"


def test_analytics_page_draws_charts_from_the_store(app):
    at = app("nguoixem").switch_page("views/analytics.py").run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 6  # volume, topics, source kinds, tone, places, flags over time
    topics = pa.ipc.open_stream(charts[1].proto.datasets[0].data.data).read_all().to_pydict()
    assert dict(zip(topics["Chủ đề"], topics["Số tin"], strict=True))["Thiên tai, sự cố"] == 2
    text = _texts(at)
    assert "tin liên quan" in text and "câu chuyện (sự việc)" in text and "cơ quan báo chí" in text


def test_admin_adds_an_account_from_the_users_page(app, store):
    at = app("quantri").switch_page("views/users.py").run()
    at.text_input(key="new_user_login").input("lienlac.congan")
    at.selectbox(key="new_user_role").set_value("viewer")
    at.text_input(key="new_user_password").input(PASSWORD)
    at.form_submit_button[0].click().run()
    assert store.get_record("users", "lienlac.congan")["role"] == "viewer"
    assert store.list_audit("user", "lienlac.congan")[0]["actor"] == "quantri"


def test_sources_page_shows_health_and_an_admin_switches_a_source_off(app, store):
    viewer = app("nguoixem").switch_page("views/sources.py").run()
    table = viewer.dataframe[0].value.set_index("Mã")
    assert table.loc["nhom-tin-nong", "Lỗi liên tiếp"] == 3 and table.loc["nhom-tin-nong", "Lỗi gần nhất"] == "HTTP 503"
    assert "1 nguồn lỗi liên tiếp từ 3 lần trở lên" in _texts(viewer)
    viewer.selectbox(key="src_pick").set_value("bao-thai-nguyen").run()
    assert viewer.button(key="src_disable").disabled
    admin = app("quantri").switch_page("views/sources.py").run()
    admin.selectbox(key="src_pick").set_value("bao-thai-nguyen").run()
    admin.button(key="src_disable").click().run()
    assert store.get_record("sources", "bao-thai-nguyen")["enabled"] is False
    assert "Đã tắt nguồn." in _texts(admin)


def test_knowledge_base_page_edits_a_rebuttal(app, store):
    at = app("chuyenvien").switch_page("views/knowledge.py").run()
    # The page lists every claim, newest change first (the seeded ones share a timestamp, so no fixed order).
    assert any("Thái Nguyên sẽ xóa sổ xã Ba Bể" in claim for claim in at.dataframe[0].value["Thông tin sai"])
    at.selectbox(key="kb_pick").set_value("claim-ba-be-xoa-so").run()
    at.text_area(key="kb_rebuttal_claim-ba-be-xoa-so").input("UBND tỉnh bác bỏ: không có chủ trương xóa sổ xã Ba Bể.")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert store.get_record("claims", "claim-ba-be-xoa-so")["rebuttal"] == "UBND tỉnh bác bỏ: không có chủ trương xóa sổ xã Ba Bể."
    assert store.list_audit("claim", "claim-ba-be-xoa-so")[-1]["actor"] == "chuyenvien"


def test_digests_page_shows_a_digest_and_only_a_lead_approves_it(app, store):
    import base64
    import hashlib

    body = "# ĐIỂM TIN BÁO CHÍ\n\nNgày 24/11/2026: 12 tin về tỉnh.".encode()
    store.put_record("digests", "day-2026-11-24", {
        "id": "day-2026-11-24", "period": "day", "status": "draft", "title": "điểm tin báo chí",
        "subtitle": "ngày 24/11/2026", "number": "7", "symbol": "ĐT-STTTT", "created_at": "2026-11-25T00:05:00Z",
        "figures": {"items": 12, "outlets": 5},
        "files": {"md": {"name": "diem-tin-day-2026-11-24.md", "sha256": hashlib.sha256(body).hexdigest(),
                         "data": base64.b64encode(body).decode()}},
    })
    analyst = app("chuyenvien").switch_page("views/digests.py").run()
    assert "Ngày 24/11/2026: 12 tin về tỉnh." in analyst.text[0].value
    assert analyst.button(key="digest_approve").disabled
    lead = app("lanhdao").switch_page("views/digests.py").run()
    lead.button(key="digest_approve").click().run()
    assert store.get_record("digests", "day-2026-11-24")["approved_by"] == "lanhdao"
    assert "Đã duyệt bản điểm tin." in _texts(lead)


def test_queue_pages_through_a_long_list(app, monkeypatch):
    monkeypatch.setenv("DIEMTIN_DASHBOARD__PAGE_SIZE", "3")
    at = app("chuyenvien")
    first = [link.proto.label for link in at.get("page_link")]
    assert len(first) == 3 and at.button(key="prev_page").disabled
    at.button(key="next_page").click().run()
    second = [link.proto.label for link in at.get("page_link")]
    assert second and not set(first) & set(second)
    assert "trang 2" in _texts(at)
    at.button(key="prev_page").click().run()
    assert [link.proto.label for link in at.get("page_link")] == first


# ----------------------------------------------------------------------------------------- daily use (issue 16)
def test_knowledge_base_shows_year_only_rebuttal_dates_without_a_traceback(app):
    at = app("chuyenvien").switch_page("views/knowledge.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    # The shipped example claims hold another "đổi tiền" claim; this one is the seed's, dated by year only.
    row = table[table["Thông tin sai"] == "Ngân hàng Nhà nước sắp đổi tiền, tiền cũ hết giá trị"].iloc[0]
    assert row["Ngày phản bác"] == "2025"
    assert table[table["Thông tin sai"].str.startswith("Thái Nguyên sẽ xóa sổ")].iloc[0]["Ngày phản bác"] == "02/10/2025"


def test_untitled_post_is_shown_by_its_first_sentence_in_queue_item_and_case(app, store):
    at = app("chuyenvien")
    at.selectbox(key="f_range").set_value("7 ngày qua").run()
    labels = [link.proto.label for link in at.get("page_link")]
    assert f"**{widgets.md(UNTITLED_FIRST_SENTENCE)}**" in labels
    assert not [label for label in labels if label.strip("*") in ("", "https://facebook.com/groups/tin-nong/posts/2002")]
    untitled = item_id(UNTITLED_URL)
    at = _open_item(at, untitled)
    assert at.title[0].value == widgets.md(UNTITLED_FIRST_SENTENCE)
    assert at.text_input(key="case_title").value == UNTITLED_FIRST_SENTENCE
    at.text_area(key="case_asked").input("Xác minh tình trạng cầu treo")
    at.form_submit_button(key="FormSubmitter:case_form-Lập hồ sơ").click().run()
    (case,) = store.list_records("cases")
    assert case["title"] == UNTITLED_FIRST_SENTENCE
    # The form is empty again after it did its work: a second click would not make a second case unnoticed.
    assert at.text_area(key="case_asked").value == ""
    at.query_params["case"] = case["id"]
    at.switch_page("views/cases.py").run()
    assert widgets.md(UNTITLED_FIRST_SENTENCE) in [link.proto.label for link in at.get("page_link")]


def test_decision_history_reads_in_vietnamese_not_in_codes(app):
    at = _open_item(app("chuyenvien"), RUMOUR)
    at.selectbox(key="status_target_new").set_value("reviewing")
    at.text_input(key="status_reason").input("Đang xác minh")
    at.form_submit_button(key="FormSubmitter:status_form-Cập nhật trạng thái").click().run()
    at.button(key="flag_likely_false_confirmed").click().run()
    history = at.dataframe[0].value
    assert list(history.columns) == ["Thời gian", "Người thực hiện", "Thao tác", "Thay đổi", "Lý do"]
    assert list(history["Thao tác"]) == ["Đổi trạng thái", "Xác nhận cảnh báo"]
    assert history["Thay đổi"].iloc[0] == "Trạng thái: Mới → Đang xem xét"
    assert "Có thể sai sự thật (xác nhận)" in history["Thay đổi"].iloc[1]
    shown = " ".join(str(v) for v in history.to_numpy().ravel())
    assert "item." not in shown and "status:" not in shown and "reviewing" not in shown
    assert at.text_input(key="status_reason").value == ""  # the reason does not stay for the next change


def test_analytics_counts_items_without_a_source_kind_and_labels_each_day_once(app, store):
    item = store.get_item(LANDSLIDE)
    item["source_kind"] = None
    store.upsert_items([item])
    store.refresh()
    at = app("chuyenvien").switch_page("views/analytics.py").run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    kinds = pa.ipc.open_stream(charts[2].proto.datasets[0].data.data).read_all().to_pydict()
    assert dict(zip(kinds["Loại nguồn"], kinds["Số tin"], strict=True))["Không rõ"] == 1
    temporal = [json.loads(chart.proto.spec)["encoding"]["x"] for chart in charts
                if json.loads(chart.proto.spec).get("encoding", {}).get("x", {}).get("type") == "temporal"]
    assert len(temporal) == 2  # volume by day, flags over time
    for x in temporal:
        assert x["axis"]["tickCount"]["interval"] == "day" and x["axis"]["format"] == "%d/%m"


def test_digest_page_shows_the_document_not_markdown_and_names_its_figures_in_vietnamese(app, store, seeded):
    from pipeline.reports.digests import issue
    from pipeline.reports.periods import Period

    record = issue(seeded, store, Period.containing("day", now_utc().astimezone(LOCAL_TZ).date()), "lanhdao")
    at = app("chuyenvien")
    at.query_params["digest"] = record["id"]
    at.switch_page("views/digests.py").run()
    assert not at.exception
    assert at.selectbox(key="digest_pick").value == record["id"]
    metrics = [metric.label for metric in at.get("metric")]
    assert metrics and "stories" not in metrics and "Sự việc, câu chuyện" in metrics
    frames = at.get("iframe")
    assert frames and "ĐIỂM TIN BÁO CHÍ" in frames[0].proto.srcdoc
    assert not [text for text in at.get("text") if "base64" in str(text.value)]
    assert f"Số {int(record['number']):02d}/" in _texts(at)


def test_a_link_to_a_filtered_queue_opens_with_its_filters_and_the_address_follows_changes(app):
    at = app("chuyenvien")
    at.query_params["q"] = "sat lo ba be"
    at.query_params["status"] = ["new", "reviewing"]
    at.query_params["days"] = "30"
    at.switch_page("views/queue.py").run()
    assert at.text_input(key="f_text").value == "sat lo ba be"
    assert at.multiselect(key="f_status").value == ["new", "reviewing"]
    assert at.selectbox(key="f_range").value == "30 ngày qua"
    assert '<mark class="dt-hit">' in _html(at)  # the passage a search matched, the words marked
    at.multiselect(key="f_flags").set_value(["likely_false"]).run()
    assert at.query_params["flag"] in ("likely_false", ["likely_false"])
    assert at.query_params["q"] in ("sat lo ba be", ["sat lo ba be"]) and "status" in at.query_params
