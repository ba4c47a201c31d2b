"""What every page needs: the home, its store (one connection per home, shared by all sessions) and the
person logged in on this browser session."""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from pipeline.core.home import Home, default_home
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.office import accounts
from pipeline.office.accounts import Actor

HOME_ENV = "DIEMTIN_HOME"
TOKEN_KEY = "session_token"
SEEN_KEY = "seen_before"


@dataclass
class Context:
    home: Home
    store: Store
    actor: Actor | None

    @property
    def settings(self) -> Settings:
        return self.home.settings


@st.cache_resource(show_spinner=False)
def home_for(path: str) -> Home:
    return Home(path).require()


@st.cache_resource(show_spinner=False)
def store_for(path: str) -> Store:
    """One store per home for the whole server: the embedded backend gives each thread its own SQLite
    connection, and the search index is shared."""
    return home_for(path).open_store()


def home_path() -> str:
    return str(os.environ.get(HOME_ENV) or default_home())


def load() -> Context:
    path = home_path()
    store = store_for(path)
    return Context(home=home_for(path), store=store, actor=accounts.session_actor(store, st.session_state.get(TOKEN_KEY)))


def page() -> Context:
    """The context of a page behind the log-in (app.py only shows such pages to a live session); a session
    that expired meanwhile is told to log in again (the next click shows the log-in page)."""
    ctx = load()
    if ctx.actor is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.warning("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.")
        st.stop()
    return ctx


def log_in(ctx: Context, login: str, password: str) -> None:
    token = accounts.authenticate(ctx.store, login, password, ctx.settings.get_float("dashboard.session_hours"))
    st.session_state[TOKEN_KEY] = token
    actor = accounts.session_actor(ctx.store, token)
    assert actor is not None
    # The queue marks what arrived after the previous visit; the mark moves when the person says so.
    st.session_state[SEEN_KEY] = accounts.mark_seen(ctx.store, actor.login)


def log_out(ctx: Context) -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        accounts.logout(ctx.store, token)
    st.session_state.pop(SEEN_KEY, None)
