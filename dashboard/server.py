"""The dashboard's web server: Streamlit (dashboard/app.py) behind a log-in that lives in HTTP, not in the app.

Streamlit talks to the browser over a websocket and cannot set a cookie, so the log-in is a plain HTML form
served here: a right password sets a signed, expiring session cookie (HttpOnly, SameSite=Lax, Secure over
HTTPS) and sends the browser on to where it was going. Every page request without a live session is sent to
that form first, with the page it asked for, so a reload (F5) keeps the person on their page and a link to
an item, a case, a digest or a filtered queue opens after log-in. The app reads the cookie on every run
(dashboard/context.py), so logging out, a password change or an idle timeout ends the session at once.

`diemtin dashboard` runs ``streamlit run dashboard/server.py``; Streamlit finds ``app`` below.
"""

from __future__ import annotations

import html
import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard import context
from pipeline.core.timeutil import now_utc
from pipeline.office import accounts

LOGIN_PATH = "/dang-nhap"
LOGOUT_PATH = "/dang-xuat"
# Paths Streamlit serves itself (its API, websocket, media, components, bundles): never sent to log in.
_OPEN_PREFIXES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/", LOGIN_PATH, LOGOUT_PATH)

_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập - Điểm tin</title>
<style>
body {{ font-family: "Source Sans Pro", "Segoe UI", Roboto, Arial, sans-serif; background: #f8fafc; margin: 0;
       color: #0f172a; }}
main {{ max-width: 24rem; margin: 12vh auto 0 auto; background: #fff; border: 1px solid #e2e8f0;
        border-radius: .75rem; padding: 2rem 2.2rem; box-shadow: 0 1px 3px rgba(0,0,0,.06); }}
h1 {{ font-size: 1.8rem; margin: 0 0 .2rem 0; }}
p.lead {{ color: #64748b; margin: 0 0 1.4rem 0; }}
label {{ display: block; font-size: .9rem; margin: .9rem 0 .3rem 0; }}
input {{ width: 100%; box-sizing: border-box; font-size: 1rem; padding: .55rem .7rem; border: 1px solid #cbd5e1;
         border-radius: .4rem; }}
button {{ margin-top: 1.3rem; width: 100%; font-size: 1rem; padding: .6rem; border: 0; border-radius: .4rem;
          background: #ff4b4b; color: #fff; cursor: pointer; }}
.error {{ background: #fee2e2; color: #991b1b; border-radius: .4rem; padding: .6rem .8rem; margin-bottom: .5rem; }}
.note {{ background: #e0f2fe; color: #075985; border-radius: .4rem; padding: .6rem .8rem; margin-bottom: .5rem; }}
</style></head>
<body><main>
<h1>Điểm tin</h1>
<p class="lead">Theo dõi báo chí và xử lý thông tin sai sự thật</p>
{message}
<form method="post" action="{action}">
<label for="login">Tên đăng nhập</label>
<input id="login" name="login" autocomplete="username" autofocus required value="{login}">
<label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">Đăng nhập</button>
</form>
</main></body></html>
"""


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path of this site only (never another site, never the log-in itself)."""
    target = (target or "/").strip()
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(ch) < 32 for ch in target)):
        return "/"
    if parts.path.rstrip("/") in (LOGIN_PATH, LOGOUT_PATH):
        return "/"
    return target


def client_address(scope: Scope, headers: Any, trusted: list[str]) -> str:
    """The client's IP: the peer's, or, when the peer is a trusted reverse proxy, the last address the proxy
    saw in X-Forwarded-For (the one it added; earlier ones are the client's word)."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    if peer in trusted:
        forwarded = [part.strip() for part in (headers.get("x-forwarded-for") or "").split(",") if part.strip()]
        if forwarded:
            try:
                return str(ipaddress.ip_address(forwarded[-1]))
            except ValueError:
                return peer
    return peer


def _is_https(scope: Scope, headers: Any, trusted: list[str]) -> bool:
    peer = (scope.get("client") or ("", 0))[0] or ""
    if peer in trusted and headers.get("x-forwarded-proto"):
        return headers.get("x-forwarded-proto", "").split(",")[0].strip() == "https"
    return scope.get("scheme") == "https"


def _live_session(cookie: str | None) -> dict[str, Any] | None:
    ctx = context.server_context()
    token = accounts.token_from_cookie(ctx.key, cookie)
    return accounts.session_record(ctx.store, token, idle_minutes=ctx.settings.get_float("dashboard.idle_minutes"))


def _page(next_path: str, message: str = "", login: str = "", status: int = 200) -> HTMLResponse:
    body = _PAGE.format(message=message, action=html.escape(LOGIN_PATH, quote=True), login=html.escape(login, quote=True),
                        next=html.escape(next_path, quote=True))
    response = HTMLResponse(body, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _same_origin(request: Request) -> bool:
    """A log-in form posted from another site is refused (the browser names the page's origin)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def login_page(request: Request) -> Response:
    ctx = context.server_context()
    trusted = ctx.settings.get_list("dashboard.trusted_proxies")
    next_path = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        cookie = request.cookies.get(accounts.SESSION_COOKIE)
        if cookie and await run_in_threadpool(_live_session, cookie):
            return RedirectResponse(next_path, status_code=303)
        message = ""
        if request.query_params.get("het-han"):
            message = '<div class="note">Phiên làm việc đã kết thúc. Vui lòng đăng nhập lại.</div>'
        response = _page(next_path, message)
        if cookie:  # a dead session's cookie is of no use any more
            response.delete_cookie(accounts.SESSION_COOKIE, path="/")
        return response
    form = await request.form()
    login = str(form.get("login") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    next_path = safe_next(str(form.get("next") or next_path))
    if not _same_origin(request):
        return _page(next_path, '<div class="error">Yêu cầu đăng nhập không hợp lệ.</div>', login, status=403)
    address = client_address(request.scope, request.headers, trusted)
    hours = ctx.settings.get_float("dashboard.session_hours")
    try:
        token = await run_in_threadpool(accounts.authenticate, ctx.store, login, password, hours,
                                        address=address, settings=ctx.settings, seen=True)
    except accounts.AuthError as exc:
        status = 429 if isinstance(exc, accounts.LoginThrottled) else 401
        return _page(next_path, f'<div class="error">{html.escape(str(exc))}</div>', login, status=status)
    expires = now_utc().timestamp() + hours * 3600
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        accounts.SESSION_COOKIE, accounts.cookie_value(ctx.key, token, _moment(expires)), max_age=int(hours * 3600),
        path="/", httponly=True, samesite="lax", secure=_is_https(request.scope, request.headers, trusted),
    )
    return response


async def logout_page(request: Request) -> Response:
    """Log out (POST from the app's button, or GET from a bookmark): the session ends in the store, the
    cookie is cleared, and the log-in form is shown."""
    ctx = context.server_context()
    token = accounts.token_from_cookie(ctx.key, request.cookies.get(accounts.SESSION_COOKIE))
    if token:
        await run_in_threadpool(accounts.logout, ctx.store, token)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response


def _moment(timestamp: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC)


class SessionGate:
    """Sends a page request without a live session to the log-in form, remembering the page (and its query
    string) to come back to. Streamlit's own paths and files pass: they carry no office data, and the app
    itself refuses to show anything to a websocket without a live session."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or not self._is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie = request.cookies.get(accounts.SESSION_COOKIE)
        if cookie and await run_in_threadpool(_live_session, cookie):
            await self.app(scope, receive, send)
            return
        target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
        location = f"{LOGIN_PATH}?next={quote(safe_next(target), safe='')}" + ("&het-han=1" if cookie else "")
        await RedirectResponse(location, status_code=303)(scope, receive, send)

    @staticmethod
    def _is_page(path: str) -> bool:
        if path.startswith(_OPEN_PREFIXES):
            return False
        return "." not in path.rsplit("/", 1)[-1]  # a file (favicon.png, manifest.json...) is not a page


app = st.App(
    str(Path(__file__).with_name("app.py")),
    routes=[Route(LOGIN_PATH, login_page, methods=["GET", "POST"]), Route(LOGOUT_PATH, logout_page, methods=["GET", "POST"])],
    middleware=[Middleware(SessionGate)],
)
