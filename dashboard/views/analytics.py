"""Thống kê: volume by day with spikes, topics, tone, source kinds, flags over time, places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import context, options, widgets
from dashboard.context import home_for, store_for
from pipeline.alerts.calendar import office_calendar
from pipeline.alerts.spikes import Thresholds, explained_by_day, find_spikes
from pipeline.core.store.base import ItemQuery
from pipeline.core.timeutil import format_vn, local_day, now_utc

ctx = context.page()
labels = widgets.labels()
st.title("Thống kê")

ranges = {"30 ngày qua": 30, "90 ngày qua": 90, "12 tháng qua": 365, "Tất cả": 0}
range_name = st.selectbox("Khoảng thời gian", list(ranges), key="an_range")
days = ranges[range_name]


@st.cache_data(max_entries=32, show_spinner=False)
def _figures(home_path: str, days: int, period: int) -> dict[str, Any]:
    """Everything the charts need, in one cached bundle (``period`` expires it every dashboard.cache_seconds).
    The daily counts reach back the spike baseline's weeks further than the chart, so that the first days shown
    are judged against their own weekdays too."""
    store = store_for(home_path)
    home = home_for(home_path)
    now = now_utc()
    start = now - timedelta(days=days) if days else None
    query = ItemQuery(relevant=True, limit=0, date_from=start)
    weeks = home.settings.get_int("dashboard.spike_baseline_weeks")
    history = query.with_(date_from=start - timedelta(days=7 * weeks) if start else None)
    daily = store.histogram(history)
    first = datetime.fromisoformat(daily[0][0]).replace(tzinfo=UTC) if daily else now
    explained, events = explained_by_day(store, history, office_calendar(home.profile), first, now)
    out: dict[str, Any] = {
        "total": [("", store.search(query.with_(limit=0)).total)],
        "history": daily,
        "daily": [(day, count) for day, count in daily if not start or day >= local_day(start)],
        "explained": explained,
        "events": events,
        "topics": store.count_by("topics", query, size=30),
        "tone": store.count_by("tone", query, size=5),
        "source_kind": store.count_by("source_kind", query, size=10),
        "places": store.count_by("places", query, size=15),
        # One story told by several outlets counts once: stories are the clusters the items fall in.
        "stories": len(store.count_by("cluster_id", query, size=1_000_000)),
        "outlets": len(store.count_by("source", query, size=100_000)),
    }
    for flag in labels["flags"]:
        out[f"flag:{flag}"] = store.histogram(query.with_(flags=(flag,)))
    return out


figures = _figures(str(ctx.home.path), days, options.cache_period(ctx))
daily = figures["daily"]
if not daily:
    st.info("Chưa có tin liên quan trong khoảng thời gian này.")
    st.stop()


def _day_label(day: str) -> str:
    return format_vn(day, with_time=False)


total = sum(count for _, count in daily)
st.markdown(f"**{total:,}** tin liên quan, **{figures['stories']:,}** câu chuyện (sự việc), **{figures['outlets']:,}** "
            f"cơ quan báo chí, trang tin từ {_day_label(daily[0][0])} đến {_day_label(daily[-1][0])}.".replace(",", "."))

settings = ctx.settings
thresholds = Thresholds(settings.get_float("dashboard.spike_factor"), settings.get_int("dashboard.spike_min_count"),
                        settings.get_float("dashboard.spike_min_z"))
shown = {day for day, _ in daily}
spikes = [spike for spike in find_spikes(figures["history"], settings.get_int("dashboard.spike_baseline_weeks"),
                                         thresholds, figures["explained"], figures["events"]) if spike.day in shown]
spike_days = {spike.day for spike in spikes}
event_days = {day for day in shown if figures["events"].get(day)}


def _kind(day: str) -> str:
    if day in spike_days:
        return "Đột biến"
    return "Có sự kiện trong lịch" if day in event_days else "Bình thường"


volume = pd.DataFrame({"Ngày": pd.to_datetime([d for d, _ in daily]), "Số tin": [c for _, c in daily],
                       "Đột biến": [_kind(d) for d, _ in daily],
                       "Sự kiện": [", ".join(figures["events"].get(d, [])) for d, _ in daily]})
st.subheader("Số tin theo ngày")
bars = alt.Chart(volume).mark_bar().encode(
    x=alt.X("yearmonthdate(Ngày):T", title=None, axis=widgets.day_axis(len(daily))),
    y=alt.Y("Số tin:Q"),
    color=alt.Color("Đột biến:N", scale=alt.Scale(domain=["Bình thường", "Có sự kiện trong lịch", "Đột biến"],
                                                  range=["#60a5fa", "#a78bfa", "#dc2626"]),
                    legend=alt.Legend(title=None, orient="top")),
    tooltip=[alt.Tooltip("Ngày:T", format="%d/%m/%Y"), "Số tin:Q", "Sự kiện:N"],
)
st.altair_chart(bars, width="stretch")
st.caption("Mỗi ngày được so với cùng thứ trong các tuần trước (trung vị). Tin về ngày lễ, kỷ niệm, lễ hội trong "
           "lịch sự kiện được tính là bình thường; tin có cảnh báo không bao giờ được trừ đi.")
if spikes:
    st.markdown("**Ngày đột biến** (cao bất thường so với cùng thứ các tuần trước)")
    st.dataframe(pd.DataFrame([{"Ngày": _day_label(s.day), "Số tin": s.count, "Mức thường ngày": round(s.baseline, 1),
                                "Gấp": round(s.ratio, 1), "Tin về sự kiện (đã trừ)": s.explained,
                                "Sự kiện": ", ".join(s.events)} for s in spikes]), hide_index=True)


def _with_unknown(pairs: list[tuple[str, int]], whole: int) -> list[tuple[str, int]]:
    """Counts by a one-value field, plus the items that have no value for it (an item without a source kind
    still counts: leaving it out makes the chart disagree with the total)."""
    missing = whole - sum(count for _, count in pairs)
    return [*pairs, ("", missing)] if missing > 0 else pairs


def _bar(pairs: list[tuple[str, int]], names: dict[str, str], title: str) -> None:
    names = {**names, "": "Không rõ"}
    if not pairs:
        st.caption(f"{title}: chưa có dữ liệu.")
        return
    frame = pd.DataFrame({title: [names.get(key, key) for key, _ in pairs], "Số tin": [count for _, count in pairs]})
    st.altair_chart(alt.Chart(frame).mark_bar().encode(
        x=alt.X("Số tin:Q"), y=alt.Y(f"{title}:N", sort="-x", title=None), tooltip=[title, "Số tin"],
    ), width="stretch")


left, right = st.columns(2)
with left:
    st.subheader("Theo chủ đề")
    _bar(figures["topics"], options.topic_labels(str(ctx.home.path)), "Chủ đề")
    st.subheader("Theo loại nguồn")
    _bar(_with_unknown(figures["source_kind"], figures["total"][0][1]), labels["source_kinds"], "Loại nguồn")
with right:
    st.subheader("Theo sắc thái")
    tone = _with_unknown(figures["tone"], figures["total"][0][1])
    if tone:
        tone_names = {**labels["tones"], "": "Chưa phân loại"}
        frame = pd.DataFrame({"Sắc thái": [tone_names.get(k, k) for k, _ in tone], "Số tin": [c for _, c in tone]})
        st.altair_chart(alt.Chart(frame).mark_arc(innerRadius=50).encode(
            theta="Số tin:Q", tooltip=["Sắc thái", "Số tin"],
            color=alt.Color("Sắc thái:N", scale=alt.Scale(domain=list(tone_names.values()),
                                                          range=["#16a34a", "#94a3b8", "#dc2626", "#e5e7eb"])),
        ), width="stretch")
    st.subheader("Địa danh được nhắc nhiều nhất")
    _bar(figures["places"], {}, "Địa danh")

st.subheader("Cảnh báo theo thời gian")
flag_rows = [{"Ngày": day, "Cảnh báo": labels["flags"][flag], "Số tin": count}
             for flag in labels["flags"] for day, count in figures[f"flag:{flag}"]]
if flag_rows:
    frame = pd.DataFrame(flag_rows)
    frame["Ngày"] = pd.to_datetime(frame["Ngày"])
    st.altair_chart(alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("Ngày:T", title=None, axis=widgets.day_axis(frame["Ngày"].nunique())), y="Số tin:Q",
        color="Cảnh báo:N",
        tooltip=[alt.Tooltip("Ngày:T", format="%d/%m/%Y"), "Cảnh báo:N", "Số tin:Q"],
    ), width="stretch")
else:
    st.caption("Không có tin nào bị gắn cảnh báo trong khoảng thời gian này.")
