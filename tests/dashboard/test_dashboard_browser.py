"""End to end in a real browser: `diemtin dashboard` on 127.0.0.1 over a seeded home, driven by headless
Chromium (Debian's /usr/bin/chromium through Playwright). Screenshots go to test-output/dashboard/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dashboard_seed import PASSWORD, UNTITLED_FIRST_SENTENCE

from pipeline.core.item import item_id
from pipeline.core.timeutil import LOCAL_TZ, now_utc
from pipeline.office import accounts

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-output" / "dashboard"
LANDSLIDE = item_id("https://baothainguyen.vn/xa-hoi/sat-lo-ba-be-123.html")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None


@pytest.fixture
def browser_page() -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (`make browser` installs Debian's chromium)")
    if sync_playwright is None:
        pytest.skip("the Python package playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
        page.set_default_timeout(30000)
        yield page
        browser.close()


def _log_in(page: Page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Hàng đợi tin")).to_be_visible()


def _settled(page: Page) -> None:
    """Wait for Streamlit to finish the current run (its running indicator disappears)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def _shot(page: Page, name: str) -> None:
    _settled(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_analyst_logs_in_filters_opens_an_item_changes_its_status_and_opens_a_case(server, browser_page, seeded):
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _log_in(page, server, "chuyenvien")
    expect(page.get_by_text("Vì sao khẩn: Giống thông tin sai đã được phản bác", exact=False)).to_be_visible()
    _shot(page, "01-queue")

    search = page.get_by_label("Tìm kiếm", exact=False)
    search.fill("sat lo ba be")
    search.press("Enter")
    _settled(page)
    expect(page.get_by_role("link", name="Thái Nguyên sắp xóa sổ xã Ba Bể", exact=False)).to_have_count(0)
    story = page.get_by_role("link", name="Sạt lở đất nghiêm trọng tại xã Ba Bể", exact=False)
    expect(story).to_have_count(1)
    expect(page.locator(".dt-badge", has_text="3 cơ quan báo chí")).to_be_visible()
    _shot(page, "02-filtered")

    story.click()
    _settled(page)
    expect(page.get_by_role("heading", name="Quyết định", exact=True)).to_be_visible()
    expect(page.locator("mark.ev-place").first).to_be_visible()
    expect(page.get_by_text("SHA-256 khớp", exact=False)).to_be_visible()
    _shot(page, "03-item")

    page.get_by_label("Lý do").fill("Đang xác minh với UBND xã Ba Bể")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    _settled(page)
    expect(page.get_by_text("Đã chuyển sang “đang xem xét”.")).to_be_visible()
    expect(page.get_by_text("Trạng thái hiện tại: đang xem xét")).to_be_visible()

    _settled(page)
    page.get_by_label("Đề nghị cơ quan").fill("Hỗ trợ di dời các hộ dân vùng sạt lở")
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.get_by_text("Đã lập hồ sơ HS-", exact=False)).to_be_visible()
    _shot(page, "04-case-created")

    with seeded.open_store() as store:
        assert store.get_item(LANDSLIDE)["status"] == "reviewing"
        assert store.list_audit("item", LANDSLIDE)[-2]["reason"] == "Đang xác minh với UBND xã Ba Bể"
        (case,) = store.list_records("cases")
        assert case["item_ids"] == [LANDSLIDE] and case["created_by"] == "chuyenvien"
        assert case["asked"] == "Hỗ trợ di dời các hộ dân vùng sạt lở"

    page.get_by_role("link", name=f"Hồ sơ {case['id']}", exact=False).click()
    expect(page.get_by_role("heading", name="Hồ sơ xử lý")).to_be_visible()
    expect(page.get_by_text("Chờ lãnh đạo duyệt chuyển cơ quan xử lý.")).to_be_visible()
    _shot(page, "05-cases")
    assert dialogs == []


def test_crawled_script_and_img_show_as_text_in_the_browser(server, browser_page):
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _log_in(page, server, "chuyenvien")
    page.get_by_role("link", name="Tin thử", exact=False).click()
    expect(page.get_by_role("heading", name="Quyết định", exact=True)).to_be_visible()
    expect(page.get_by_text("<script>alert('xss')</script> Tin thử", exact=False).first).to_be_visible()
    expect(page.get_by_text("<img src=x onerror=alert(2)>", exact=False)).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    _shot(page, "06-escaped-markup")
    assert dialogs == []


def test_viewer_sees_everything_but_every_change_is_disabled(server, browser_page, seeded):
    page = browser_page
    _log_in(page, server, "nguoixem")
    expect(page.get_by_text("chỉ xem, không thay đổi được tin", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Tài khoản")).to_have_count(0)
    page.get_by_role("link", name="Sạt lở đất nghiêm trọng tại xã Ba Bể", exact=False).click()
    expect(page.get_by_role("button", name="Cập nhật trạng thái")).to_be_disabled()
    expect(page.get_by_role("button", name="Lập hồ sơ")).to_be_disabled()
    _shot(page, "07-viewer-item")
    with seeded.open_store() as store:
        assert store.get_item(LANDSLIDE)["status"] == "new"


def _fill_login(page: Page, login: str = "chuyenvien", password: str = PASSWORD) -> None:
    page.get_by_label("Tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def _no_page_not_found(page: Page) -> None:
    assert page.get_by_text("Page not found", exact=False).count() == 0
    assert page.get_by_text("main page", exact=False).count() == 0


def test_reload_and_links_to_an_item_case_digest_or_filtered_queue_survive_log_in(server, browser_page, seeded):
    from pipeline.office import cases
    from pipeline.reports.digests import issue
    from pipeline.reports.periods import Period

    with seeded.open_store() as store:
        case = cases.create_case(store, "chuyenvien", title="Sạt lở Ba Bể", item_ids=[LANDSLIDE],
                                 agency="cong-an-tinh", severity="high", known_agencies=["cong-an-tinh"],
                                 deadline_hours={"high": 72})
        digest = issue(seeded, store, Period.containing("day", now_utc().astimezone(LOCAL_TZ).date()), "lanhdao")
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # A link to an item, opened before logging in: the log-in form, then the item itself.
    page.goto(f"{server}/item?id={LANDSLIDE}")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))
    _shot(page, "10-login-form")
    _fill_login(page)
    expect(page.get_by_role("heading", name="Quyết định", exact=True)).to_be_visible()
    assert page.url.endswith(f"/item?id={LANDSLIDE}")
    # F5 keeps the person on the item, logged in, with no English dialog.
    page.reload()
    expect(page.get_by_role("heading", name="Quyết định", exact=True)).to_be_visible()
    _no_page_not_found(page)
    _shot(page, "11-item-after-reload")

    # A case and a digest, by their links.
    page.goto(f"{server}/cases?case={case['id']}")
    expect(page.get_by_role("heading", name=f"Hồ sơ {case['id']}", exact=False)).to_be_visible()
    page.goto(f"{server}/digests?digest={digest['id']}")
    expect(page.get_by_text("Sự việc, câu chuyện")).to_be_visible()
    frame = page.frame_locator("iframe").first
    expect(frame.get_by_text("ĐIỂM TIN BÁO CHÍ")).to_be_visible()
    expect(frame.get_by_text(re.compile(r"Số: \d\d/"))).to_be_visible()
    assert page.get_by_text("base64", exact=False).count() == 0
    _shot(page, "12-digest")

    # A filtered queue: its link opens it filtered, with the matched words marked; changing a filter
    # changes the address, and a reload keeps it.
    page.goto(f"{server}/?q=s%E1%BA%A1t+l%E1%BB%9F&days=30")
    expect(page.get_by_label("Tìm kiếm", exact=False)).to_have_value("sạt lở")
    expect(page.locator("mark.dt-hit").first).to_be_visible()
    expect(page.get_by_role("link", name="Thái Nguyên sắp xóa sổ xã Ba Bể", exact=False)).to_have_count(0)
    _shot(page, "13-filtered-queue")
    page.get_by_label("Tìm kiếm", exact=False).fill("ba be")
    page.get_by_label("Tìm kiếm", exact=False).press("Enter")
    expect(page).to_have_url(re.compile(r"q=ba\+be"))
    page.reload()
    expect(page.get_by_label("Tìm kiếm", exact=False)).to_have_value("ba be")
    _no_page_not_found(page)

    # Log out: the session ends; a reload or the old link shows the log-in form again.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    page.goto(f"{server}/item?id={LANDSLIDE}")
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert dialogs == []
    with seeded.open_store() as store:
        assert store.list_records("sessions") == []
        assert [e["action"] for e in store.list_audit("user", "chuyenvien")][-2:] == ["user.login", "user.logout"]
    assert "diemtin_session" not in cookies or not cookies["diemtin_session"]["value"]


def test_session_cookie_is_http_only_and_idle_or_changed_password_ends_it(server, browser_page, seeded):
    page = browser_page
    page.goto(server)
    _fill_login(page)
    expect(page.get_by_role("heading", name="Hàng đợi tin")).to_be_visible()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "diemtin_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > time.time() + 7 * 3600
    assert page.evaluate("document.cookie").find("diemtin_session") < 0  # scripts cannot read it

    # Idle longer than dashboard.idle_minutes: the next click says so and offers to log in again, back here.
    with seeded.open_store() as store:
        (session,) = store.list_records("sessions")
        session["last_active"] = (now_utc() - timedelta(hours=2)).isoformat()
        store.put_record("sessions", session["id"], session)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Thống kê", exact=True).click()
    expect(page.get_by_text("Phiên làm việc đã kết thúc", exact=False)).to_be_visible()
    _shot(page, "14-session-ended")
    page.goto(f"{server}/analytics")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next=%2Fanalytics"))
    expect(page.get_by_text("Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.")).to_be_visible()
    _fill_login(page)
    expect(page.get_by_role("heading", name="Thống kê", exact=True)).to_be_visible()

    # A password changed elsewhere ends this session too.
    with seeded.open_store() as store:
        accounts.set_password(store, "chuyenvien", "mat-khau-moi-2026", by="quantri")
    page.reload()
    expect(page).to_have_url(re.compile(r"/dang-nhap"))


def test_wrong_passwords_are_refused_then_slowed_down_in_vietnamese(server, browser_page):
    page = browser_page
    page.goto(server)
    for _ in range(3):
        _fill_login(page, password="sai-mat-khau")
        expect(page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.")).to_be_visible()
    _fill_login(page)
    expect(page.get_by_text("Đăng nhập sai nhiều lần. Vui lòng thử lại sau", exact=False)).to_be_visible()
    _shot(page, "15-login-throttled")


def test_untitled_post_and_decision_history_read_as_a_person_would(server, browser_page):
    page = browser_page
    _log_in(page, server, "chuyenvien")
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="30 ngày qua", exact=True).click()
    post = page.get_by_role("link", name=UNTITLED_FIRST_SENTENCE, exact=False)
    expect(post).to_have_count(1)
    post.click()
    expect(page.get_by_role("heading", name=UNTITLED_FIRST_SENTENCE, exact=False)).to_be_visible()
    page.get_by_label("Lý do").fill("Kiểm tra với xã")
    page.get_by_role("button", name="Cập nhật trạng thái").click()
    expect(page.get_by_text("Đã chuyển sang “đang xem xét”.")).to_be_visible()
    expect(page.get_by_label("Lý do")).to_have_value("")
    _settled(page)  # the run after the status change ends before the case form is used, as a person waits
    expect(page.get_by_label("Tiêu đề hồ sơ")).to_have_value(UNTITLED_FIRST_SENTENCE, timeout=10000)
    page.get_by_label("Đề nghị cơ quan").fill("Kiểm tra cầu treo")
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.get_by_text("Đã lập hồ sơ HS-", exact=False)).to_be_visible()
    expect(page.get_by_label("Đề nghị cơ quan")).to_have_value("")
    _shot(page, "16-untitled-post")
    page.get_by_role("link", name="Hồ sơ HS-", exact=False).click()
    expect(page.get_by_role("link", name=UNTITLED_FIRST_SENTENCE, exact=False)).to_be_visible()
    _shot(page, "17-case-with-untitled-post")


def test_the_dashboard_never_asks_another_host_for_anything(server, browser_page):
    # An office network may not reach the Internet and should not tell it who opens the dashboard: no font,
    # icon or script may come from elsewhere (Streamlit fetches ":material/…:" favicons from fonts.gstatic.com).
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    _log_in(page, server, "chuyenvien")
    _settled(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Thống kê", exact=True).click()
    _settled(page)
    origin = server.rstrip("/")
    assert requested and all(url.startswith((origin, "data:", "blob:")) for url in requested), \
        [url for url in requested if not url.startswith((origin, "data:", "blob:"))]


def test_analytics_page_in_the_browser(server, browser_page):
    page = browser_page
    _log_in(page, server, "chuyenvien")
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Thống kê", exact=True).click()
    expect(page.get_by_role("heading", name="Theo loại nguồn")).to_be_visible()
    _settled(page)
    page.wait_for_timeout(1500)  # the charts draw after the run ends
    _shot(page, "18-analytics")
