"""Điểm tin dashboard entry point: `streamlit run dashboard/app.py` with DIEMTIN_HOME naming the home
(what `diemtin dashboard` does). Shows the log-in page until a session is open, then the pages the
person's role may see."""

from __future__ import annotations

import streamlit as st

from dashboard import context, widgets
from pipeline.office import accounts
from pipeline.office.cases import SEVERITIES, overdue_cases

st.set_page_config(page_title="Điểm tin", page_icon=":material/newspaper:", layout="wide")
widgets.inject_css()

ctx = context.load()
if ctx.actor is None:
    navigation = st.navigation([st.Page("views/login.py", title="Đăng nhập", icon=":material/login:", default=True)])
else:
    work = [
        st.Page("views/queue.py", title="Hàng đợi tin", icon=":material/inbox:", default=True),
        st.Page("views/alerts.py", title="Cảnh báo", icon=":material/notifications_active:", url_path="alerts"),
        st.Page("views/item.py", title="Chi tiết tin", icon=":material/article:"),
        st.Page("views/cases.py", title="Hồ sơ xử lý", icon=":material/folder_open:"),
        st.Page("views/knowledge.py", title="Kho thông tin sai", icon=":material/menu_book:"),
    ]
    follow = [
        st.Page("views/sources.py", title="Nguồn tin", icon=":material/rss_feed:"),
        st.Page("views/analytics.py", title="Thống kê", icon=":material/bar_chart:"),
        st.Page("views/digests.py", title="Điểm tin", icon=":material/newspaper:"),
    ]
    sections = {"Tác nghiệp": work, "Theo dõi": follow}
    if ctx.actor.can("user.manage"):
        sections["Quản trị"] = [st.Page("views/users.py", title="Tài khoản", icon=":material/manage_accounts:")]
    navigation = st.navigation(sections)
    with st.sidebar:
        st.caption(f"Đăng nhập: **{widgets.md(ctx.actor.login)}** ({widgets.md(accounts.role_label(ctx.actor.role))})")
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
