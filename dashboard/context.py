"""What every page needs: the home, its store (one connection per home, shared by all sessions) and the
person whose session cookie this browser holds.

The log-in itself happens before Streamlit (dashboard/server.py sets the signed session cookie); every run
of the app reads that cookie again and asks the store whether the session is still live, so a log-out, a
password change, a locked account or an idle timeout takes effect on the next click.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import streamlit as st

from pipeline.core.home import Home, default_home
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.office import accounts
from pipeline.office.accounts import Actor

HOME_ENV = "DIEMTIN_HOME"
# Where a session token may also come from: set only by server-side code (Streamlit's AppTest in the tests),
# never by a browser, which has the cookie alone.
TOKEN_KEY = "session_token"
SEEN_KEY = "seen_before"
LOGGED_OUT_KEY = "logged_out"


@dataclass
class Context:
    home: Home
    store: Store
    actor: Actor | None
    session: dict[str, Any] | None = None

    @property
    def settings(self) -> Settings:
        return self.home.settings


@dataclass(frozen=True)
class ServerContext:
    """The home, store and cookie key, shared by the app's runs and the log-in routes of one server."""

    home: Home
    store: Store
    key: bytes

    @property
    def settings(self) -> Settings:
        return self.home.settings


_lock = threading.Lock()
_servers: dict[str, ServerContext] = {}


def home_path() -> str:
    return str(os.environ.get(HOME_ENV) or default_home())


def server_context(path: str | None = None) -> ServerContext:
    """One store per home for the whole server: the embedded backend gives each thread its own SQLite
    connection, and the search index is shared."""
    path = path or home_path()
    with _lock:
        if path not in _servers:
            home = Home(path).require()
            _servers[path] = ServerContext(home=home, store=home.open_store(), key=accounts.session_key(home))
        return _servers[path]


def home_for(path: str) -> Home:
    return server_context(path).home


def store_for(path: str) -> Store:
    return server_context(path).store


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(accounts.SESSION_COOKIE)
    except Exception:  # no browser behind this run (AppTest): no cookie
        return None


def load() -> Context:
    server = server_context()
    token = accounts.token_from_cookie(server.key, _cookie()) or st.session_state.get(TOKEN_KEY)
    session = accounts.session_record(server.store, token,
                                      idle_minutes=server.settings.get_float("dashboard.idle_minutes"))
    actor = Actor(login=session["user"], role=session["role"]) if session else None
    if session and SEEN_KEY not in st.session_state:
        # The queue marks what arrived after the previous visit; the mark moved when the person logged in.
        st.session_state[SEEN_KEY] = session.get("seen_before")
    return Context(home=server.home, store=server.store, actor=actor, session=session)


def current_path() -> str:
    """The page and query string this browser is on, to come back to after logging in again."""
    try:
        url = st.context.url or ""
    except Exception:
        return "/"
    without_host = url.split("://", 1)[-1]
    return "/" + without_host.split("/", 1)[1] if "/" in without_host else "/"


def login_link(expired: bool = True) -> str:
    return f"/dang-nhap?next={quote(current_path(), safe='')}" + ("&het-han=1" if expired else "")


def page() -> Context:
    """The context of a page behind the log-in; a session that ended meanwhile (log-out elsewhere, password
    changed, idle too long) is told to log in again, with a link that comes back to this page."""
    ctx = load()
    if ctx.actor is None:
        st.session_state.pop(TOKEN_KEY, None)
        if st.session_state.pop(LOGGED_OUT_KEY, False):
            st.success("Bạn đã đăng xuất.")
        else:
            st.warning("Phiên làm việc đã kết thúc (đăng xuất, hết hạn hoặc quá lâu không thao tác).")
        st.link_button("Đăng nhập lại", login_link(), type="primary")
        st.stop()
    return ctx


def log_out(ctx: Context) -> None:
    """End this browser's session in the store (the cookie then opens nothing)."""
    token = accounts.token_from_cookie(server_context().key, _cookie()) or st.session_state.pop(TOKEN_KEY, None)
    if token:
        accounts.logout(ctx.store, token)
    st.session_state.pop(SEEN_KEY, None)
    st.session_state[LOGGED_OUT_KEY] = True
