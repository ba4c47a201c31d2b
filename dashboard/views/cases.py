"""Hồ sơ xử lý: cases routed to agencies, overdue ones first, and each case's lifecycle."""

from __future__ import annotations

import tempfile
from datetime import datetime, time

import pandas as pd
import streamlit as st

from dashboard import actions, context, options, widgets
from pipeline.core.item import display_title
from pipeline.core.timeutil import LOCAL_TZ, format_vn
from pipeline.office.cases import CASE_STATUSES, SEVERITIES, is_overdue, list_cases

ctx = context.page()
actor = ctx.actor
assert actor is not None
agencies = options.agencies(ctx)
st.title("Hồ sơ xử lý")
widgets.show_flash()
widgets.apply_resets()

# A case drafted from the queue's ticked items.
draft = st.session_state.get("case_draft") or []
if draft:
    drafted = ctx.store.get_items(draft)
    with st.form("new_case_form"):
        st.subheader(f"Lập hồ sơ từ {len(drafted)} tin đã chọn")
        for item in drafted:
            st.caption("• " + widgets.md(display_title(item)))
        agency_ids = list(agencies)
        title = st.text_input("Tiêu đề hồ sơ", value=display_title(drafted[0]) if drafted else "", key="draft_title")
        agency = st.selectbox("Cơ quan xử lý", agency_ids, format_func=lambda a: agencies[a], key="draft_agency")
        severity = st.selectbox("Mức độ", list(SEVERITIES), format_func=lambda s: SEVERITIES[s].capitalize(),
                                index=2, key="draft_severity")
        day = st.date_input("Hạn xử lý (để trống: theo mức độ)", value=None, format="DD/MM/YYYY", key="draft_deadline")
        asked = st.text_area("Đề nghị cơ quan", key="draft_asked", height=80)
        create, cancel = st.columns(2)
        if create.form_submit_button("Lập hồ sơ", disabled=not actor.can("case.create")):
            with widgets.action_feedback():
                case = actions.create_case(
                    ctx.store, actor, known_agencies=agency_ids, deadline_hours=ctx.settings.get("cases.deadline_hours"),
                    title=title, item_ids=[item["id"] for item in drafted], agency=agency, severity=severity,
                    deadline=datetime.combine(day, time(17, 0), tzinfo=LOCAL_TZ) if day else None, asked=asked,
                )
                st.session_state["case_draft"] = []
                widgets.flash(f"Đã lập hồ sơ {case['id']}.")
                widgets.forget(draft_deadline=None, draft_asked="")
                st.session_state.pop("draft_title", None)
                st.query_params["case"] = case["id"]
                st.rerun()
        if cancel.form_submit_button("Hủy"):
            st.session_state["case_draft"] = []
            st.rerun()

all_cases = list_cases(ctx.store)
late = [case for case in all_cases if is_overdue(case)]
if late:
    st.error(f"{len(late)} hồ sơ quá hạn chưa được cơ quan phản hồi: "
             + widgets.md(", ".join(case["id"] for case in late)))

shown_statuses = st.multiselect("Trạng thái hồ sơ", list(CASE_STATUSES), default=["open", "sent", "acknowledged"],
                                format_func=lambda s: CASE_STATUSES[s], key="case_status_filter")
shown = [case for case in all_cases if case["status"] in shown_statuses] if shown_statuses else all_cases
shown.sort(key=lambda case: (not is_overdue(case), case.get("deadline") or ""))
table = pd.DataFrame([{
    "Mã": case["id"], "Quá hạn": "QUÁ HẠN" if is_overdue(case) else "",
    "Tiêu đề": case["title"], "Cơ quan": agencies.get(case["agency"], case["agency"]),
    "Mức độ": SEVERITIES.get(case["severity"], case["severity"]), "Hạn": format_vn(case.get("deadline")),
    "Trạng thái": CASE_STATUSES.get(case["status"], case["status"]), "Số tin": len(case.get("item_ids", [])),
    "Báo lãnh đạo": "có" if case.get("escalated_at") else "",
} for case in shown], columns=["Mã", "Quá hạn", "Tiêu đề", "Cơ quan", "Mức độ", "Hạn", "Trạng thái", "Số tin",
                               "Báo lãnh đạo"])
st.dataframe(table, hide_index=True, width="stretch")

ids = [case["id"] for case in all_cases]
if not ids:
    st.info("Chưa có hồ sơ nào. Lập hồ sơ từ trang chi tiết tin hoặc chọn tin ở hàng đợi.")
    st.stop()
wanted = st.query_params.get("case")
chosen = st.selectbox("Xem hồ sơ", ids, index=ids.index(wanted) if wanted in ids else 0, key="case_pick",
                      format_func=lambda cid: f"{cid} — {next(c['title'] for c in all_cases if c['id'] == cid)}")
st.query_params["case"] = chosen
case = next(c for c in all_cases if c["id"] == chosen)

st.subheader(f"Hồ sơ {case['id']}: {widgets.md(case['title'])}")
if is_overdue(case):
    st.error(f"Quá hạn xử lý từ {format_vn(case['deadline'])}.")
left, right = st.columns([0.55, 0.45], gap="large")
with left:
    st.markdown(
        f"- **Cơ quan xử lý:** {widgets.md(agencies.get(case['agency'], case['agency']))}\n"
        f"- **Mức độ:** {SEVERITIES.get(case['severity'], case['severity'])}\n"
        f"- **Hạn xử lý:** {format_vn(case.get('deadline'))}\n"
        f"- **Trạng thái:** {CASE_STATUSES.get(case['status'], case['status'])}\n"
        f"- **Lập bởi:** {widgets.md(case.get('created_by'))} lúc {format_vn(case.get('created_at'))}\n"
        f"- **Đề nghị:** {widgets.md(case.get('asked'))}\n"
        f"- **Đầu mối:** {widgets.md(case.get('contact'))}\n"
        f"- **Cơ quan tiếp nhận lúc:** {format_vn(case.get('acknowledged_at')) or '—'}\n"
        f"- **Phản hồi của cơ quan:** {widgets.md(case.get('response')) or '—'}"
        f" {('(' + format_vn(case.get('responded_at')) + ')') if case.get('responded_at') else ''}\n"
        f"- **Kết quả:** {widgets.md(case.get('outcome')) or '—'}"
    )
    st.markdown("**Các tin trong hồ sơ**")
    for item in ctx.store.get_items(case.get("item_ids", [])):
        st.page_link("views/item.py", label=widgets.md(display_title(item)), query_params={"id": item["id"]})
    st.markdown("**Lịch sử hồ sơ**")
    st.dataframe(widgets.audit_table(ctx.store.list_audit("case", case["id"])), hide_index=True, width="stretch")

with right:
    status = case["status"]
    if status == "open" and st.button("Duyệt và chuyển cơ quan xử lý", key="case_send",
                                      disabled=not actor.can("case.route")):
        with widgets.action_feedback():
            actions.send_case(ctx.store, actor, case["id"])
            widgets.flash("Đã chuyển hồ sơ cho cơ quan xử lý.")
            st.rerun()
    if status == "open" and not actor.can("case.route"):
        st.caption("Chờ lãnh đạo duyệt chuyển cơ quan xử lý.")
    if status == "sent" and st.button("Cơ quan đã tiếp nhận", key="case_ack", disabled=not actor.can("case.update")):
        with widgets.action_feedback():
            actions.acknowledge_case(ctx.store, actor, case["id"])
            widgets.flash("Đã ghi nhận cơ quan tiếp nhận.")
            st.rerun()
    if status in ("sent", "acknowledged"):
        with st.form("response_form"):
            response = st.text_area("Phản hồi của cơ quan", key="case_response", height=100)
            if st.form_submit_button("Ghi phản hồi", disabled=not actor.can("case.update")):
                with widgets.action_feedback():
                    actions.record_response(ctx.store, actor, case["id"], response)
                    widgets.flash("Đã ghi phản hồi của cơ quan.")
                    widgets.forget(case_response="")
                    st.rerun()
    if status != "closed":
        with st.form("close_form"):
            outcome = st.text_area("Kết quả xử lý", key="case_outcome", height=80)
            if st.form_submit_button("Đóng hồ sơ", disabled=not actor.can("case.close")):
                with widgets.action_feedback():
                    actions.close_case(ctx.store, actor, case["id"], outcome)
                    widgets.flash("Đã đóng hồ sơ.")
                    widgets.forget(case_outcome="")
                    st.rerun()
        with st.form("edit_case_form"):
            st.markdown("**Sửa hồ sơ**")
            severity = st.selectbox("Mức độ", list(SEVERITIES), index=list(SEVERITIES).index(case["severity"]),
                                    format_func=lambda s: SEVERITIES[s].capitalize(), key="edit_severity")
            deadline = st.date_input("Hạn xử lý", value=datetime.fromisoformat(
                case["deadline"].replace("Z", "+00:00")).astimezone(LOCAL_TZ).date(), format="DD/MM/YYYY",
                key="edit_deadline")
            notes = st.text_area("Ghi chú", value=case.get("notes") or "", key="edit_notes", height=80)
            why = st.text_input("Lý do sửa", key="edit_reason")
            if st.form_submit_button("Lưu thay đổi", disabled=not actor.can("case.update")):
                with widgets.action_feedback():
                    actions.update_case(ctx.store, actor, case["id"], {
                        "severity": severity, "notes": notes,
                        "deadline": datetime.combine(deadline, time(17, 0), tzinfo=LOCAL_TZ),
                    }, why)
                    widgets.flash("Đã lưu hồ sơ.")
                    widgets.forget(edit_reason="")
                    st.rerun()
    if st.button("Xuất phiếu chuyển xử lý và gói bằng chứng", key="case_export"):
        with widgets.action_feedback():
            from pipeline.reports.casefile import export_case

            out = export_case(ctx.home, ctx.store, case["id"], tempfile.mkdtemp(prefix="diemtin-case-"))
            st.session_state["case_exported"] = {"case": case["id"], "docx": str(out.docx), "zip": str(out.zip)}
    exported = st.session_state.get("case_exported")
    if exported and exported["case"] == case["id"]:
        with open(exported["docx"], "rb") as handle:
            st.download_button("Tải phiếu chuyển xử lý (DOCX)", handle.read(), file_name=f"{case['id']}-phieu.docx",
                               key="dl_docx")
        with open(exported["zip"], "rb") as handle:
            st.download_button("Tải gói bằng chứng (ZIP)", handle.read(), file_name=f"{case['id']}-bang-chung.zip",
                               key="dl_zip")
