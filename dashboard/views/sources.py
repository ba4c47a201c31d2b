"""Nguồn tin: each source's health, switching sources on and off, reputation, adding a source, and
submitting a single URL to fetch now."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, context, widgets
from pipeline.core.timeutil import format_vn
from pipeline.office import sources

ctx = context.page()
actor = ctx.actor
assert actor is not None
labels = widgets.labels()
st.title("Nguồn tin")
widgets.show_flash()

records = sources.list_sources(ctx.store)
table = pd.DataFrame([{
    "Mã": record["id"], "Tên": record.get("name"), "Loại": widgets.label("source_kinds", record.get("kind")),
    "Uy tín": widgets.label("reputations", record.get("reputation")),
    "Cách lấy": widgets.label("fetch_kinds", record.get("fetch")), "Bật": bool(record.get("enabled")),
    "Lấy được lần cuối": format_vn((record.get("health") or {}).get("last_success")),
    "Lỗi liên tiếp": int((record.get("health") or {}).get("consecutive_failures") or 0),
    "Lỗi gần nhất": (record.get("health") or {}).get("last_error") or "",
    "Tin/ngày": (record.get("health") or {}).get("items_per_day"),
    "Độ trễ (phút)": (record.get("health") or {}).get("median_lag_minutes"),
} for record in records])
failing = [record for record in records if int((record.get("health") or {}).get("consecutive_failures") or 0) >= 3]
if failing:
    st.warning(f"{len(failing)} nguồn lỗi liên tiếp từ 3 lần trở lên: "
               + widgets.md(", ".join(record.get("name") or record["id"] for record in failing)))
st.dataframe(table, hide_index=True, width="stretch")

if records:
    st.subheader("Sửa nguồn")
    by_id = {record["id"]: record for record in records}
    chosen = st.selectbox("Nguồn", list(by_id), format_func=lambda sid: by_id[sid].get("name") or sid, key="src_pick")
    record = by_id[chosen]
    can_manage = actor.can("source.manage")
    cols = st.columns(3)
    if record.get("enabled"):
        if cols[0].button("Tắt nguồn", key="src_disable", disabled=not can_manage):
            with widgets.action_feedback():
                actions.set_source_enabled(ctx.store, actor, chosen, False)
                widgets.flash("Đã tắt nguồn.")
                st.rerun()
    elif cols[0].button("Bật nguồn", key="src_enable", disabled=not can_manage):
        with widgets.action_feedback():
            actions.set_source_enabled(ctx.store, actor, chosen, True)
            widgets.flash("Đã bật nguồn.")
            st.rerun()
    reputations = list(sources.REPUTATIONS)
    reputation = cols[1].selectbox("Uy tín", reputations, key="src_reputation",
                                   index=reputations.index(record.get("reputation", "unverified")),
                                   format_func=lambda r: widgets.label("reputations", r))
    if cols[2].button("Lưu uy tín", key="src_save_reputation", disabled=not can_manage):
        with widgets.action_feedback():
            actions.set_source_reputation(ctx.store, actor, chosen, reputation)
            widgets.flash("Đã lưu uy tín nguồn.")
            st.rerun()
    if not can_manage:
        st.caption("Chỉ quản trị viên sửa được nguồn tin.")

if actor.can("source.manage"):
    with st.expander("Thêm nguồn"), st.form("add_source_form"):
        name = st.text_input("Tên nguồn", key="new_src_name")
        kind = st.selectbox("Loại", sources.SOURCE_KINDS, format_func=lambda k: widgets.label("source_kinds", k),
                            key="new_src_kind")
        fetch = st.selectbox("Cách lấy tin", sources.FETCH_KINDS, format_func=lambda f: widgets.label("fetch_kinds", f),
                             key="new_src_fetch")
        reputation = st.selectbox("Uy tín", sources.REPUTATIONS, key="new_src_reputation",
                                  format_func=lambda r: widgets.label("reputations", r))
        urls = st.text_area("Đường dẫn (mỗi dòng một địa chỉ)", key="new_src_urls", height=80)
        language = st.text_input("Ngôn ngữ", value="vi", key="new_src_lang")
        if st.form_submit_button("Thêm nguồn"):
            with widgets.action_feedback():
                actions.add_source(ctx.store, actor, {
                    "name": name, "kind": kind, "fetch": fetch, "reputation": reputation,
                    "urls": [line.strip() for line in urls.splitlines() if line.strip()], "language": language,
                }, ctx.settings)
                widgets.flash(f"Đã thêm nguồn {widgets.md(name)}.")
                st.rerun()

st.subheader("Gửi đường dẫn để thu thập ngay")
with st.form("submit_url_form"):
    url = st.text_input("Đường dẫn bài viết", key="submit_url", placeholder="https://...")
    note = st.text_input("Ghi chú", key="submit_note")
    if st.form_submit_button("Gửi", disabled=not actor.can("source.submit_url")):
        with widgets.action_feedback(), st.spinner("Đang thu thập..."):
            report = actions.submit_url(ctx.home, ctx.store, actor, url, note)
            widgets.flash(f"Đã thu thập {widgets.md(url)}: {report.get('items', 0)} tin vào hàng chờ xử lý.")
            st.rerun()
