"""Kho thông tin sai: known false claims and their official rebuttals, which the classifiers match items
against. Editable here; every change is audited by the knowledge base itself (pipeline.office.claims)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, context, options, widgets
from pipeline.core.text import fold
from pipeline.core.timeutil import format_partial_date, format_vn

ctx = context.page()
actor = ctx.actor
assert actor is not None
st.title("Kho thông tin sai sự thật và phản bác")
widgets.show_flash()


claims = ctx.store.list_records("claims", order_by="updated_at", descending=True)
query = st.text_input("Tìm trong kho", key="kb_search")
if query:
    key = fold(query)
    claims = [c for c in claims if key in fold(f"{c.get('claim', '')} {c.get('rebuttal', '')}")]
topics = options.topic_labels(str(ctx.home.path))
st.dataframe(pd.DataFrame([{
    "Thông tin sai": claim.get("claim"), "Phản bác": claim.get("rebuttal"), "Nguồn phản bác": claim.get("rebuttal_source"),
    "Ngày phản bác": format_partial_date(claim.get("rebuttal_date")),
    "Chủ đề": ", ".join(topics.get(t, t) for t in claim.get("topics") or []),
    "Đang dùng": bool(claim.get("active", True)), "Cập nhật": format_vn(claim.get("updated_at")),
} for claim in claims]), hide_index=True, width="stretch")

can_edit = actor.can("claim.edit")
by_id = {claim["id"]: claim for claim in claims}
choice = st.selectbox("Sửa thông tin", ["", *by_id], key="kb_pick",
                      format_func=lambda cid: "(thêm mới)" if not cid else by_id[cid]["claim"][:90])
current = by_id.get(choice, {})
with st.form(f"claim_form_{choice or 'new'}"):
    claim_text = st.text_area("Thông tin sai sự thật", value=current.get("claim", ""), key=f"kb_claim_{choice}")
    rebuttal = st.text_area("Nội dung phản bác chính thức", value=current.get("rebuttal", ""), key=f"kb_rebuttal_{choice}")
    cols = st.columns(3)
    source = cols[0].text_input("Cơ quan phản bác", value=current.get("rebuttal_source", ""), key=f"kb_source_{choice}")
    date_text = cols[1].text_input("Ngày phản bác (YYYY-MM-DD)", value=current.get("rebuttal_date", ""),
                                   key=f"kb_date_{choice}")
    url = cols[2].text_input("Đường dẫn văn bản phản bác", value=current.get("rebuttal_url", ""), key=f"kb_url_{choice}")
    picked = st.multiselect("Chủ đề", list(topics), default=[t for t in current.get("topics") or [] if t in topics],
                            format_func=lambda t: topics[t], key=f"kb_topics_{choice}")
    active = st.checkbox("Dùng để so khớp", value=bool(current.get("active", True)), key=f"kb_active_{choice}")
    if st.form_submit_button("Lưu", disabled=not can_edit):
        fields = {"claim": claim_text, "rebuttal": rebuttal, "rebuttal_source": source, "rebuttal_date": date_text,
                  "rebuttal_url": url, "topics": picked, "active": active}
        with widgets.action_feedback():
            actions.save_claim(ctx.store, actor, fields, claim_id=choice or None)
            widgets.flash("Đã lưu vào kho thông tin.")
            st.rerun()
if not can_edit:
    st.caption("Tài khoản chỉ xem: không sửa được kho thông tin.")
