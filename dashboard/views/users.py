"""Tài khoản (quản trị): accounts, roles, locking and password resets."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, context, widgets
from pipeline.core.timeutil import format_vn
from pipeline.office import accounts

ctx = context.page()
actor = ctx.actor
assert actor is not None
st.title("Tài khoản")
widgets.show_flash()
accounts.require(actor, "user.manage")  # the page is only listed for admins; a crafted URL is refused too

users = accounts.list_users(ctx.store)
st.dataframe(pd.DataFrame([{
    "Tên đăng nhập": user["id"], "Vai trò": accounts.role_label(user["role"]), "Khóa": bool(user.get("disabled")),
    "Tạo lúc": format_vn(user.get("created_at")), "Xem lần cuối": format_vn(user.get("last_seen")),
} for user in users]), hide_index=True, width="stretch")

roles = accounts.role_names()
with st.form("add_user_form", clear_on_submit=True):
    st.subheader("Thêm tài khoản")
    login = st.text_input("Tên đăng nhập", key="new_user_login")
    role = st.selectbox("Vai trò", roles, format_func=accounts.role_label, key="new_user_role")
    password = st.text_input("Mật khẩu", type="password", key="new_user_password")
    if st.form_submit_button("Thêm"):
        with widgets.action_feedback():
            actions.create_user(ctx.store, actor, login, role, password)
            widgets.flash(f"Đã thêm tài khoản {widgets.md(login)}.")
            st.rerun()

if users:
    st.subheader("Sửa tài khoản")
    logins = [user["id"] for user in users]
    chosen = st.selectbox("Tài khoản", logins, key="edit_user_pick")
    user = next(u for u in users if u["id"] == chosen)
    cols = st.columns(3)
    new_role = cols[0].selectbox("Vai trò", roles, index=roles.index(user["role"]), format_func=accounts.role_label,
                                 key="edit_user_role")
    if cols[0].button("Lưu vai trò", key="save_role"):
        with widgets.action_feedback():
            actions.set_user_role(ctx.store, actor, chosen, new_role)
            widgets.flash("Đã đổi vai trò.")
            st.rerun()
    new_password = cols[1].text_input("Mật khẩu mới", type="password", key="edit_user_password")
    if cols[1].button("Đặt lại mật khẩu", key="reset_password"):
        with widgets.action_feedback():
            actions.reset_password(ctx.store, actor, chosen, new_password)
            widgets.flash("Đã đặt lại mật khẩu.")
            st.rerun()
    if user.get("disabled"):
        if cols[2].button("Mở khóa", key="enable_user"):
            with widgets.action_feedback():
                actions.set_user_disabled(ctx.store, actor, chosen, False)
                widgets.flash("Đã mở khóa.")
                st.rerun()
    elif cols[2].button("Khóa tài khoản", key="disable_user"):
        with widgets.action_feedback():
            actions.set_user_disabled(ctx.store, actor, chosen, True)
            widgets.flash("Đã khóa tài khoản.")
            st.rerun()
