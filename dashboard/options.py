"""Choices the filters and forms offer, read from the store and the home's data, cached briefly: they
change slowly and asking the index for them on every click would slow the queue down."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from dashboard import widgets
from dashboard.context import Context, store_for
from pipeline.core.store.base import ItemQuery
from pipeline.office.accounts import Actor
from pipeline.office.cases import agency_options


@st.cache_resource(show_spinner=False)
def topic_labels(home_path: str) -> dict[str, str]:
    """Topic id -> Vietnamese label, from the home's taxonomy (or the shipped one)."""
    try:
        from pipeline.core.taxonomy import taxonomy_for_home
    except ImportError:
        return {}
    return {topic.id: topic.label for topic in taxonomy_for_home(home_path).topics}


@st.cache_data(max_entries=16, show_spinner=False)
def _facets(home_path: str, period: int) -> dict[str, dict[str, str]]:
    """``period`` changes every dashboard.cache_seconds, which is what expires the cached choices."""
    store = store_for(home_path)
    relevant = ItemQuery(relevant=True, limit=0)
    topics = dict(topic_labels(home_path))
    for topic_id, _count in store.count_by("topics", relevant, size=200):
        topics.setdefault(topic_id, topic_id)
    places = {name: f"{name} ({count})" for name, count in store.count_by("places", relevant, size=300)}
    langs = {code: widgets.label("languages", code) for code, _ in store.count_by("lang", relevant, size=30)}
    users = [user["id"] for user in store.list_records("users", order_by="id")
             if not user.get("disabled") and Actor(user["id"], user["role"]).can("item.triage")]
    return {"topics": topics, "places": places, "langs": langs, "assignees": {login: login for login in users}}


def cache_period(ctx: Context) -> int:
    return int(time.time() // max(1, ctx.settings.get_int("dashboard.cache_seconds")))


def facet_choices(ctx: Context) -> dict[str, dict[str, str]]:
    return _facets(str(ctx.home.path), cache_period(ctx))


def agencies(ctx: Context) -> dict[str, str]:
    return agency_options(ctx.home.profile)


def sources(ctx: Context) -> dict[str, dict[str, Any]]:
    return {source["id"]: source for source in ctx.store.list_records("sources", order_by="id")}
