"""Điểm tin dashboard: the Streamlit script that dashboard/server.py serves behind its log-in (what `diemtin
dashboard` runs). The pages a person's role may see come from dashboard/pages.py."""

from __future__ import annotations

import streamlit as st

from dashboard import context, widgets
from dashboard.pages import PAGES
from pipeline.office import accounts
from pipeline.office.cases import SEVERITIES, overdue_cases

# An emoji favicon is drawn in the browser; a ":material/…:" one is fetched from fonts.gstatic.com, which an
# office network may not reach and should not be told about.
st.set_page_config(page_title="Điểm tin", page_icon="📰", layout="wide")
widgets.inject_css()

ctx = context.load()
sections: dict[str, list[st.Page]] = {}
for spec in PAGES:
    if ctx.actor is not None and not ctx.actor.can(spec.permission):
        continue
    sections.setdefault(spec.section, []).append(st.Page(
        spec.file, title=spec.title, icon=spec.icon, url_path=spec.url_path or None, default=not spec.url_path))
# Without a live session every page is still known (a reload keeps its address), but each one only offers
# to log in again (context.page()).
navigation = st.navigation(sections, position="sidebar" if ctx.actor else "hidden")
if ctx.actor is not None:
    with st.sidebar:
        st.caption(f"Đăng nhập: **{widgets.md(ctx.actor.login)}** ({widgets.md(accounts.role_label(ctx.actor.role))})")
        if ctx.settings.get_bool("demo"):  # `diemtin init --demo`: nobody should take the sample for the province's news
            st.info("Bản trình diễn: bài báo cũ từ kho VNTC và tin giả lập, không phải tin thật của tỉnh.")
        if st.button("Đăng xuất", key="logout"):
            context.log_out(ctx)
            st.rerun()
    if ctx.actor.can("alert.ack"):
        waiting = [a for a in ctx.store.list_records("alerts", where={"state": "open", "urgent": True})]
        if waiting:
            st.error(f"{len(waiting)} cảnh báo khẩn chưa ai xác nhận: xem trang Cảnh báo.")
    if ctx.actor.can("case.escalations"):
        late = overdue_cases(ctx.store)
        if late:
            names = ", ".join(f"{case['id']} ({SEVERITIES.get(case['severity'], '')})" for case in late[:5])
            st.warning(f"{len(late)} hồ sơ quá hạn xử lý: {widgets.md(names)}")
navigation.run()
