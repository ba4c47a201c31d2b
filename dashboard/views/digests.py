"""Điểm tin: the digests and reports the scheduler issued (pipeline/reports), to read, download and approve."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, context, widgets
from pipeline.core import vocabulary
from pipeline.core.timeutil import format_vn
from pipeline.reports.digests import digest_file, list_digests

ctx = context.page()
actor = ctx.actor
assert actor is not None
st.title("Điểm tin và báo cáo")
widgets.show_flash()

records = list_digests(ctx.store)
if not records:
    st.info("Chưa có bản điểm tin nào. Bộ lập lịch tạo điểm tin hằng ngày; có thể tạo bằng lệnh `diemtin digest`.")
    st.stop()
by_id = {record["id"]: record for record in records}
chosen = st.selectbox("Bản điểm tin", list(by_id), key="digest_pick", format_func=lambda did: (
    f"{by_id[did].get('title', '')} {by_id[did].get('subtitle', '')} — {vocabulary.text('digest_statuses', by_id[did].get('status'))}"))
record = by_id[chosen]
st.markdown(
    f"**{widgets.md(record.get('title', '')).capitalize()}** {widgets.md(record.get('subtitle', ''))}  \n"
    f"Số {widgets.md(record.get('number', ''))}/{widgets.md(record.get('symbol', ''))} · tạo lúc "
    f"{format_vn(record.get('created_at'))} · trạng thái: **{vocabulary.text('digest_statuses', record.get('status'))}**"
    + (f" · duyệt bởi {widgets.md(record.get('approved_by'))} lúc {format_vn(record.get('approved_at'))}"
       if record.get("approved_by") else "")
)
figures = record.get("figures") or {}
if figures:
    cols = st.columns(min(4, len(figures)) or 1)
    names = {"items": "Tin, bài", "outlets": "Cơ quan báo chí", "flagged": "Tin có cảnh báo", "cases": "Hồ sơ"}
    for column, (key, value) in zip(cols, list(figures.items())[:4], strict=False):
        if isinstance(value, int | float):
            column.metric(names.get(key, key), value)

files = record.get("files") or {}
if "md" in files:
    with st.expander("Xem nội dung", expanded=True):
        st.text(digest_file(ctx.store, chosen, "md").decode("utf-8"))
cols = st.columns(max(1, len(files)))
for column, fmt in zip(cols, files, strict=False):
    column.download_button(f"Tải {fmt.upper()}", digest_file(ctx.store, chosen, fmt), file_name=files[fmt]["name"],
                           key=f"dl_{fmt}")
if record.get("status") == "draft":
    if st.button("Duyệt bản điểm tin", key="digest_approve", disabled=not actor.can("digest.approve")):
        with widgets.action_feedback():
            actions.approve_digest(ctx.store, actor, chosen)
            widgets.flash("Đã duyệt bản điểm tin.")
            st.rerun()
    if not actor.can("digest.approve"):
        st.caption("Chờ lãnh đạo duyệt.")
