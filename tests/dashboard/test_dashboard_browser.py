"""End to end in a real browser: `diemtin dashboard` on 127.0.0.1 over a seeded home, driven by headless
Chromium (Debian's /usr/bin/chromium through Playwright). Screenshots go to test-output/dashboard/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_seed import PASSWORD

from pipeline.core.home import Home
from pipeline.core.item import item_id

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
