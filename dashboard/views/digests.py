"""Điểm tin: the digests and reports the scheduler issued (pipeline/reports), to read, download and approve."""

from __future__ import annotations

import re

import streamlit as st
import streamlit.components.v1 as components

from dashboard import actions, context, widgets
from pipeline.core import vocabulary
from pipeline.core.timeutil import format_vn
from pipeline.documents.document import document_number
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
ids = list(by_id)
wanted = st.query_params.get("digest")  # a shared link names the digest
if wanted in by_id and st.session_state.get("digest_link") != wanted:
    st.session_state["digest_pick"] = wanted
    st.session_state["digest_link"] = wanted
chosen = st.selectbox("Bản điểm tin", ids, key="digest_pick", format_func=lambda did: (
    f"{by_id[did].get('title', '').capitalize()} {by_id[did].get('subtitle', '')} — "
    f"{vocabulary.text('digest_statuses', by_id[did].get('status'))}"))
st.query_params["digest"] = chosen
st.session_state["digest_link"] = chosen
record = by_id[chosen]
st.markdown(
    f"**{widgets.md(record.get('title', '')).capitalize()}** {widgets.md(record.get('subtitle', ''))}  \n"
    f"Số {widgets.md(document_number(record.get('number', '')))}/{widgets.md(record.get('symbol', ''))} · tạo lúc "
    f"{format_vn(record.get('created_at'))} · trạng thái: **{vocabulary.text('digest_statuses', record.get('status'))}**"
    + (f" · duyệt bởi {widgets.md(record.get('approved_by'))} lúc {format_vn(record.get('approved_at'))}"
       if record.get("approved_by") else "")
)
figures = record.get("figures") or {}
# The figures a digest or report keeps, by their Vietnamese names; a figure without a name here is not shown.
FIGURE_NAMES = {"items": "Tin, bài", "outlets": "Cơ quan báo chí, trang tin", "stories": "Sự việc, câu chuyện",
                "problems": "Vấn đề cần xử lý", "confirmed": "Tin sai đã xác minh", "positive": "Tin tích cực",
                "cases": "Hồ sơ chuyển xử lý", "cases_responded": "Hồ sơ đã phản hồi"}
shown = [(FIGURE_NAMES[key], value) for key, value in figures.items()
         if key in FIGURE_NAMES and isinstance(value, int | float) and not isinstance(value, bool)]
if shown:
    for column, (name, value) in zip(st.columns(min(5, len(shown))), shown[:5], strict=False):
        column.metric(name, f"{value:,}".replace(",", "."))

files = record.get("files") or {}
if "html" in files:
    # The document as it will be printed: the stored HTML (its charts inline, every crawled word escaped by
    # the renderer) in a frame of its own, so its A4 styles stay out of the dashboard's.
    with st.expander("Xem nội dung", expanded=True):
        components.html(digest_file(ctx.store, chosen, "html").decode("utf-8"), height=900, scrolling=True)
elif "md" in files:
    with st.expander("Xem nội dung", expanded=True):
        text = digest_file(ctx.store, chosen, "md").decode("utf-8")
        st.text(re.sub(r"!\[([^\]]*)\]\(data:[^)]*\)", r"[\1]", text))  # charts are not a wall of base64
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
