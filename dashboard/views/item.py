"""Chi tiết tin: the text with its evidence, what it resembles, where it came from, and the decisions."""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from typing import Any

import streamlit as st

from dashboard import actions, context, options, widgets
from dashboard.evidence import evidence_spans, highlight_html
from pipeline.core import vocabulary
from pipeline.core.item import display_title, item_id, published_text
from pipeline.core.store.base import ItemQuery
from pipeline.core.timeutil import LOCAL_TZ, format_vn
from pipeline.office.cases import SEVERITIES, list_cases, suggest_agency
from pipeline.office.routing import route

ctx = context.page()
actor = ctx.actor
assert actor is not None
labels = widgets.labels()
widgets.show_flash()
widgets.apply_resets()

wanted = st.query_params.get("id") or st.session_state.get("item_id")
if not wanted:
    st.title("Chi tiết tin")
    typed = st.text_input("Mã tin hoặc đường dẫn bài viết", key="item_lookup")
    if typed:
        wanted = item_id(typed) if typed.startswith(("http://", "https://")) else typed.strip()
    else:
        st.info("Chọn một tin ở Hàng đợi tin, hoặc nhập mã tin hay đường dẫn.")
        st.stop()
item = ctx.store.get_item(wanted)
if item is None:
    st.error("Không tìm thấy tin này.")
    st.stop()
st.session_state["item_id"] = item["id"]
st.query_params["id"] = item["id"]

st.title(widgets.md(display_title(item)))
st.html(widgets.badges_html(item, topic_names=options.topic_labels(str(ctx.home.path))))
st.caption(widgets.item_meta_line(item))
url = str(item.get("url") or "")
if url.lower().startswith(("http://", "https://")):
    st.link_button("Mở bài gốc ↗", url)

main, side = st.columns([0.62, 0.38], gap="large")


def _claim_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The knowledge-base record a "claim" evidence entry points to, whatever form its detail takes."""
    detail = entry.get("detail")
    candidates = [entry.get("claim_id"), entry.get("id")]
    if isinstance(detail, dict):
        candidates += [detail.get("claim_id"), detail.get("id")]
    elif isinstance(detail, str):
        candidates.append(detail)
    for candidate in candidates:
        if candidate:
            record = ctx.store.get_record("claims", str(candidate))
            if record:
                return record
    return None


with main:
    st.html('<div class="dt-legend"><mark class="ev-place">địa danh</mark><mark class="ev-topic">chủ đề</mark>'
            '<mark class="ev-flag">dấu hiệu cảnh báo</mark><mark class="ev-claim">giống thông tin sai đã biết</mark>'
            '<mark class="ev-tone">sắc thái</mark></div>')
    title_html = highlight_html(item.get("title") or "", evidence_spans(item, "title", labels))
    text_html = highlight_html(item.get("text") or "", evidence_spans(item, "text", labels))
    st.html(f'<div class="dt-text"><p><b>{title_html}</b></p>{text_html}</div>')

    reasons = item.get("urgency_reasons") or []
    if reasons:
        st.subheader("Vì sao tin này khẩn")
        st.markdown("\n".join(f"- {widgets.md(reason)}" for reason in reasons))

    claims_shown = False
    for flag in vocabulary.raised_flags(item):
        for entry in flag.get("evidence") or []:
            if entry.get("kind") != "claim":
                continue
            if not claims_shown:
                st.subheader("Thông tin sai đã biết gần nhất")
                claims_shown = True
            claim = _claim_of(entry)
            with st.container(border=True):
                if claim:
                    st.markdown(f"**Thông tin sai:** {widgets.md(claim.get('claim'))}")
                    st.markdown(f"**Phản bác:** {widgets.md(claim.get('rebuttal'))}")
                    source_bits = [claim.get("rebuttal_source"), claim.get("rebuttal_date")]
                    st.caption(widgets.md(" · ".join(bit for bit in source_bits if bit)))
                    if str(claim.get("rebuttal_url", "")).startswith(("http://", "https://")):
                        st.link_button("Nguồn phản bác ↗", claim["rebuttal_url"])
                else:
                    st.markdown(f"**Đoạn giống:** {widgets.md(entry.get('text'))}")
                    st.caption(widgets.md(entry.get("detail")))

    st.subheader("Cùng câu chuyện và bản trùng")
    members: list[dict[str, Any]] = []
    if item.get("cluster_id"):
        members = ctx.store.search(ItemQuery(cluster_id=(item["cluster_id"],), include_duplicates=True,
                                             limit=100, sort="published_at")).items
    duplicate_ids = {item.get("duplicate_of")} if item.get("duplicate_of") else set()
    others = [m for m in members if m["id"] != item["id"]]
    if item.get("duplicate_of") and item["duplicate_of"] not in {m["id"] for m in others}:
        others = ctx.store.get_items([item["duplicate_of"]]) + others
    if not others:
        st.caption("Không có bài nào khác cùng câu chuyện.")
    for other in others:
        kind = "bản trùng" if other.get("duplicate_of") == item["id"] or other["id"] in duplicate_ids else "cùng câu chuyện"
        st.page_link("views/item.py", label=f"{widgets.md(display_title(other))} — {widgets.md(kind)}",
                     query_params={"id": other["id"]})
        st.caption(widgets.item_meta_line(other))

    st.subheader("Lịch sử quyết định")
    history = ctx.store.list_audit("item", item["id"])
    if history:
        st.dataframe(widgets.audit_table(history), hide_index=True, width="stretch")
    else:
        st.caption("Chưa có quyết định nào.")

with side:
    st.subheader("Quyết định")
    current = item.get("status") or "new"
    st.markdown(f"Trạng thái hiện tại: **{widgets.md(vocabulary.text('statuses', current))}**")
    next_statuses = actions.allowed_next(current)
    can_triage = actor.can("item.triage")
    if not can_triage:
        st.caption("Tài khoản chỉ xem: không thay đổi được tin.")
    if next_statuses:
        with st.form("status_form"):
            target = st.selectbox("Chuyển sang", next_statuses, format_func=lambda code: vocabulary.text("statuses", code),
                                  key=f"status_target_{current}")
            why = st.text_input("Lý do", key="status_reason")
            if st.form_submit_button("Cập nhật trạng thái", disabled=not can_triage):
                with widgets.action_feedback():
                    result = actions.set_status(ctx.store, actor, [item["id"]], target, why)
                    if result.skipped:
                        st.error(result.skipped[item["id"]])
                    else:
                        widgets.flash(f"Đã chuyển sang “{vocabulary.text('statuses', target)}”.")
                        widgets.forget(status_reason="")
                        st.rerun()

    # Standing flags, and rejected ones as history (they no longer count; confirming one again restores it).
    flags = [f for f in item.get("flags") or [] if isinstance(f, dict) and (vocabulary.flag_stands(f) or f.get("decision"))]
    if flags:
        st.markdown("**Cảnh báo** (xác nhận hoặc bác bỏ: dùng để huấn luyện lại)")
    for flag in flags:
        name = flag.get("name", "")
        decision = flag.get("decision") or {}
        with st.container(border=True):
            struck = "~~" if not vocabulary.flag_stands(flag) else ""
            added = " — cán bộ thêm" if flag.get("origin") == "analyst" else ""
            st.markdown(f"{struck}{widgets.md(widgets.label('flags', name))}{struck} — điểm "
                        f"{float(flag.get('score') or 0):.2f}{added}")
            for entry in flag.get("evidence") or []:
                kind = widgets.label("evidence_kinds", entry.get("kind"))
                st.caption(f"{widgets.md(kind)}: {widgets.md(entry.get('text') or entry.get('detail'))}")
            if decision:
                st.caption(f"Đã {vocabulary.text('flag_verdicts', decision.get('label'))} bởi "
                           f"{widgets.md(decision.get('actor'))} lúc {format_vn(decision.get('at'))}")
            buttons = st.columns(2)
            for column, verdict in zip(buttons, vocabulary.codes("flag_verdicts"), strict=True):
                if column.button(vocabulary.label("flag_verdicts", verdict), key=f"flag_{name}_{verdict}",
                                 disabled=not actor.can("item.label")):
                    with widgets.action_feedback():
                        actions.label_flag(ctx.store, actor, item["id"], name, verdict)
                        widgets.flash(f"Đã ghi nhận quyết định về cảnh báo {widgets.label('flags', name)}.")
                        st.rerun()

    with st.form("add_flag_form", clear_on_submit=True):
        st.markdown("**Thêm cảnh báo** mà bộ phân loại bỏ sót (kèm ghi chú; trở thành nhãn huấn luyện)")
        choices = [code for code in vocabulary.codes("flags") if code not in {f.get("name") for f in flags
                                                                              if vocabulary.flag_stands(f)}]
        new_flag = st.selectbox("Cảnh báo", choices, key="add_flag_name",
                                format_func=lambda code: vocabulary.label("flags", code)) if choices else None
        flag_note = st.text_area("Ghi chú (bắt buộc)", key="add_flag_note", height=68)
        if st.form_submit_button("Thêm cảnh báo", disabled=not actor.can("item.label") or not choices):
            with widgets.action_feedback():
                actions.add_flag(ctx.store, actor, item["id"], str(new_flag), flag_note)
                widgets.flash(f"Đã thêm cảnh báo {widgets.label('flags', str(new_flag))}.")

    sections = list(vocabulary.codes("sections"))
    first = next((t for t in item.get("topics") or [] if isinstance(t, dict) and t.get("sections")), None)
    current_section = first["sections"][0] if first else None
    with st.form("section_form"):
        section = st.selectbox("Chuyên mục (sửa nếu sai: dùng để huấn luyện lại)", sections,
                               index=sections.index(current_section) if current_section in sections else 0,
                               format_func=lambda code: vocabulary.label("sections", code), key="section_pick")
        if st.form_submit_button("Sửa chuyên mục", disabled=not actor.can("item.label")):
            with widgets.action_feedback():
                actions.set_section(ctx.store, actor, item["id"], section)
                widgets.flash(f"Đã sửa chuyên mục thành {vocabulary.label('sections', section)}.")
                st.rerun()

    people = options.facet_choices(ctx)["assignees"]
    with st.form("assign_form"):
        logins = ["", *people]
        who = st.selectbox("Người phụ trách", logins, key="assign_who",
                           index=logins.index(item["assignee"]) if item.get("assignee") in logins else 0,
                           format_func=lambda login: login or "(chưa giao)")
        if st.form_submit_button("Phân công", disabled=not actor.can("item.assign_self")):
            with widgets.action_feedback():
                actions.assign(ctx.store, actor, [item["id"]], who or None)
                widgets.flash(f"Đã phân công cho {who or 'không ai'}.")
                st.rerun()

    notes = item.get("notes") or []
    if isinstance(notes, str):
        notes = [{"text": notes}]
    st.markdown("**Ghi chú**")
    for note in notes:
        st.caption(f"{widgets.md(note.get('by') or '')} {format_vn(note.get('at'))}: {widgets.md(note.get('text'))}")
    with st.form("note_form", clear_on_submit=True):
        note_text = st.text_area("Thêm ghi chú", key="note_text", height=80)
        if st.form_submit_button("Lưu ghi chú", disabled=not actor.can("item.note")):
            with widgets.action_feedback():
                actions.add_note(ctx.store, actor, item["id"], note_text)
                widgets.flash("Đã lưu ghi chú.")
                st.rerun()

    st.subheader("Chuyển xử lý")
    linked = [case for case in list_cases(ctx.store) if item["id"] in case.get("item_ids", [])]
    for case in linked:
        st.page_link("views/cases.py", label=f"Hồ sơ {case['id']}: {widgets.md(case['title'])}",
                     query_params={"case": case["id"]})
    agencies = options.agencies(ctx)
    if agencies:
        suggested = suggest_agency(ctx.home.profile, [item])
        routed = route(ctx.home.profile, item)
        if routed is not None:
            st.caption(f"Gợi ý: {widgets.md(routed.name)} ({widgets.md(routed.reason)})")
        agency_ids = list(agencies)
        with st.form("case_form"):
            widgets.prefill("case_title", display_title(item), item["id"])
            case_title = st.text_input("Tiêu đề hồ sơ", key="case_title")
            agency = st.selectbox("Cơ quan xử lý", agency_ids, format_func=lambda a: agencies[a], key="case_agency",
                                  index=agency_ids.index(suggested) if suggested in agency_ids else 0)
            severity = st.selectbox("Mức độ", list(SEVERITIES), format_func=lambda s: SEVERITIES[s].capitalize(),
                                    index=2, key="case_severity")
            hours = ctx.settings.get("cases.deadline_hours")
            deadline_day = st.date_input("Hạn xử lý (để trống: theo mức độ)", value=None, format="DD/MM/YYYY",
                                         key="case_deadline")
            asked = st.text_area("Đề nghị cơ quan", key="case_asked", height=80)
            contact = st.text_input("Đầu mối liên hệ", key="case_contact")
            if st.form_submit_button("Lập hồ sơ", disabled=not actor.can("case.create")):
                deadline = (datetime.combine(deadline_day, time(17, 0), tzinfo=LOCAL_TZ)
                            if deadline_day else None)
                with widgets.action_feedback():
                    case = actions.create_case(
                        ctx.store, actor, known_agencies=agency_ids, deadline_hours=hours, title=case_title,
                        item_ids=[item["id"]], agency=agency, severity=severity, deadline=deadline, asked=asked,
                        contact=contact,
                    )
                    widgets.flash(f"Đã lập hồ sơ {case['id']}.")
                    widgets.forget(case_title=display_title(item), case_deadline=None, case_asked="",
                                   case_contact="")
                    st.rerun()
    else:
        st.caption("Hồ sơ tỉnh chưa có danh sách cơ quan xử lý.")

    st.subheader("Nguồn tin")
    source = ctx.store.get_record("sources", item.get("source") or "") if item.get("source") else None
    if source:
        health = source.get("health") or {}
        st.markdown(f"**{widgets.md(source.get('name'))}** — {widgets.md(widgets.label('reputations', source.get('reputation')))}")
        st.caption(
            f"Lấy thành công lần cuối: {format_vn(health.get('last_success')) or 'chưa có'} · "
            f"lỗi liên tiếp: {health.get('consecutive_failures', 0)} · "
            f"tin/ngày: {health.get('items_per_day', '—')}"
        )
    else:
        st.caption(f"{widgets.md(item.get('source') or 'Không rõ nguồn')} — "
                   f"{widgets.md(widgets.label('reputations', item.get('reputation')))}")

    st.subheader("Bản lưu trữ")
    capture = ctx.store.get_capture(item["id"])
    if capture:
        body: bytes = capture["html"]
        matches = hashlib.sha256(body).hexdigest() == capture["sha256"]
        st.caption(f"Lấy lúc {format_vn(capture.get('fetched_at'))} · {len(body):,} byte".replace(",", "."))
        st.code(capture["sha256"], language=None)
        if matches:
            st.caption("SHA-256 khớp với nội dung lưu trữ.")
        else:
            st.error("SHA-256 KHÔNG khớp: bản lưu trữ đã bị thay đổi.")
        st.download_button("Tải HTML gốc (không hiển thị)", body, file_name=f"{item['id']}.html",
                           mime="application/octet-stream", key="capture_download")
    else:
        st.caption("Không có bản lưu trữ HTML cho tin này.")

st.caption(f"Mã tin: {item['id']} · lấy về {format_vn(item.get('fetched_at'))} · "
           f"đăng {published_text(item)}")
