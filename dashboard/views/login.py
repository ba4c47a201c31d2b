"""Log-in page: the only page shown without a live session."""

from __future__ import annotations

import streamlit as st

from dashboard import context
from pipeline.office.accounts import AuthError

ctx = context.load()
st.title("Điểm tin")
st.caption("Theo dõi báo chí và xử lý thông tin sai sự thật")
with st.form("login"):
    login = st.text_input("Tên đăng nhập", key="login_name")
    password = st.text_input("Mật khẩu", type="password", key="login_password")
    submitted = st.form_submit_button("Đăng nhập")
if submitted:
    try:
        context.log_in(ctx, login, password)
    except AuthError as exc:
        st.error(str(exc))
    else:
        st.rerun()
