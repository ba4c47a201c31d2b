"""The log-in in front of the app, over real HTTP: `diemtin dashboard` on 127.0.0.1, no browser needed."""

from __future__ import annotations

import http.client
from urllib.parse import urlencode, urlsplit

import pytest
from dashboard_seed import PASSWORD

from dashboard.server import safe_next
from pipeline.office import accounts

pytestmark = [pytest.mark.slow]


def _request(url: str, method: str, path: str, body: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = urlencode(body) if body is not None else None
    sent = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
    connection.request(method, path, body=data, headers={**sent, **(headers or {})})
    answer = connection.getresponse()
    answer.text = answer.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
    return answer


def _log_in(url: str, login: str = "chuyenvien", password: str = PASSWORD, next_path: str = "/",
            headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    return _request(url, "POST", "/dang-nhap", {"login": login, "password": password, "next": next_path}, headers)


def _cookie(answer: http.client.HTTPResponse) -> str:
    header = answer.getheader("set-cookie") or ""
    return header.split(";", 1)[0]


def test_a_page_without_a_session_goes_to_the_login_form_and_comes_back_after(server):
    answer = _request(server, "GET", "/item?id=abc123")
    assert answer.status == 303
    assert answer.getheader("location") == "/dang-nhap?next=%2Fitem%3Fid%3Dabc123"
    form = _request(server, "GET", answer.getheader("location"))
    assert form.status == 200 and "Tên đăng nhập" in form.text and 'value="/item?id=abc123"' in form.text
    assert form.getheader("cache-control") == "no-store"
    # Streamlit's own assets and API are not behind the gate (they hold no office data).
    assert _request(server, "GET", "/_stcore/health").status == 200

    logged = _log_in(server, next_path="/item?id=abc123")
    assert logged.status == 303 and logged.getheader("location") == "/item?id=abc123"
    cookie_header = logged.getheader("set-cookie")
    assert cookie_header.startswith(f"{accounts.SESSION_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie_header.split(";")[1:]}
    assert {"httponly", "max-age", "path", "samesite"} <= attributes and "samesite=lax" in cookie_header.lower()
    assert "max-age=28800" in cookie_header.lower()  # dashboard.session_hours
    page = _request(server, "GET", "/item?id=abc123", headers={"Cookie": _cookie(logged)})
    assert page.status == 200 and "<noscript>" in page.text.lower() or page.status == 200
    # Already logged in: the form sends the person straight on.
    again = _request(server, "GET", "/dang-nhap?next=%2Fcases", headers={"Cookie": _cookie(logged)})
    assert again.status == 303 and again.getheader("location") == "/cases"


def test_wrong_password_is_refused_in_vietnamese_and_throttled_with_audit(server, seeded):
    wrong = _log_in(server, password="sai-mat-khau")
    assert wrong.status == 401 and "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert wrong.getheader("set-cookie") is None
    assert 'value="chuyenvien"' in wrong.text  # the login stays typed in
    for _ in range(2):
        _log_in(server, password="sai-mat-khau")
    throttled = _log_in(server)  # even the right password waits now
    assert throttled.status == 429 and "thử lại sau" in throttled.text
    with seeded.open_store() as store:
        audit = store.list_audit("user", "chuyenvien")
    failed = [entry for entry in audit if entry["action"] == "user.login.failed"]
    assert len(failed) == 3 and failed[0]["after"]["address"] == "127.0.0.1"
    assert audit[-1]["action"] == "user.login.throttled"


def test_forged_or_foreign_cookies_and_cross_site_posts_open_nothing(server):
    logged = _log_in(server)
    name, value = _cookie(logged).split("=", 1)
    token, expiry, signature = value.split(".")
    for forged in (f"{token}.{int(expiry) + 999999}.{signature}", f"{token}x.{expiry}.{signature}", "garbage"):
        answer = _request(server, "GET", "/", headers={"Cookie": f"{name}={forged}"})
        assert answer.status == 303 and answer.getheader("location").startswith("/dang-nhap?next=%2F")
    cross = _log_in(server, headers={"Origin": "https://evil.example"})
    assert cross.status == 403 and cross.getheader("set-cookie") is None


def test_log_out_ends_the_session_and_clears_the_cookie(server):
    cookie = _cookie(_log_in(server))
    out = _request(server, "POST", "/dang-xuat", {}, headers={"Cookie": cookie})
    assert out.status == 303 and out.getheader("location") == "/dang-nhap"
    assert "max-age=0" in out.getheader("set-cookie").lower() or "expires=" in out.getheader("set-cookie").lower()
    answer = _request(server, "GET", "/", headers={"Cookie": cookie})  # the old cookie opens nothing
    assert answer.status == 303 and "het-han=1" in answer.getheader("location")


def test_password_change_ends_the_session_in_every_browser(server, seeded):
    cookie = _cookie(_log_in(server))
    assert _request(server, "GET", "/", headers={"Cookie": cookie}).status == 200
    with seeded.open_store() as store:
        accounts.set_password(store, "chuyenvien", "mat-khau-moi-789", by="quantri")
    assert _request(server, "GET", "/", headers={"Cookie": cookie}).status == 303


def test_after_login_only_a_path_of_this_site_is_followed():
    assert safe_next("/item?id=1&x=2") == "/item?id=1&x=2"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                    "evil.example", "/dang-nhap?next=/", "/\x00", ""):
        assert safe_next(hostile) == "/"
