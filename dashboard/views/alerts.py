"""Cảnh báo: the alerts sent to the duty officers, whether each message reached them, acknowledgement (also from
the link in a message), messages that could not be sent, and the rules (managed by a lead or an admin)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import actions, context, options, widgets
from pipeline.alerts.messages import check_ack_token, spike_lines
from pipeline.core import vocabulary
from pipeline.core.timeutil import format_vn

ctx = context.page()
actor = ctx.actor
assert actor is not None
st.title("Cảnh báo")
widgets.show_flash()
topics = options.topic_labels(str(ctx.home.path))
CHANNELS = vocabulary.labels("alert_channels")


def _deliveries(alert: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Kênh": CHANNELS.get(d.get("channel"), d.get("channel")), "Người nhận": d.get("to"),
        "Cấp": d.get("level", 0), "Trạng thái": vocabulary.label("delivery_states", d.get("state")),
        "Số lần gửi": d.get("attempts", 0), "Gửi lúc": format_vn(d.get("sent_at")),
        "Gửi lại lúc": format_vn(d.get("next_at")) if d.get("state") in ("failed", "held") else "",
        "Ghi chú": d.get("error") or d.get("note") or "",
    } for d in alert.get("deliveries") or []],
        columns=["Kênh", "Người nhận", "Cấp", "Trạng thái", "Số lần gửi", "Gửi lúc", "Gửi lại lúc", "Ghi chú"])


def _badges(alert: dict[str, Any]) -> str:
    parts = []
    if alert.get("urgent"):
        parts.append('<span class="dt-badge urgent">KHẨN</span>')
    if alert.get("level"):
        parts.append(f'<span class="dt-badge high">Đã chuyển cấp {int(alert["level"])}</span>')
    parts.append(f'<span class="dt-badge status">{widgets.esc(vocabulary.label("alert_states", alert.get("state")))}'
                 "</span>")
    parts.append(f'<span class="dt-badge">{widgets.esc(vocabulary.label("alert_kinds", alert.get("kind")))}</span>')
    states = [d.get("state") for d in alert.get("deliveries") or []]
    for state in ("dead", "failed", "held"):
        if state in states:
            parts.append(f'<span class="dt-badge flag">{widgets.esc(vocabulary.label("delivery_states", state))}'
                         "</span>")
    return " ".join(parts)


def _show(alert: dict[str, Any], token: str | None = None, key: str = "") -> None:
    """One alert: what, when, why, the items, every message and its state, and the acknowledgement."""
    st.html(f"<div><b>{widgets.esc(alert.get('title'))}</b></div><div>{_badges(alert)}</div>"
            f'<div class="dt-meta">Quy tắc: {widgets.esc(alert.get("rule_name"))} · '
            f"{widgets.esc(format_vn(alert.get('created_at')))}"
            + (f" · xác nhận bởi {widgets.esc(alert.get('acknowledged_by'))} lúc "
               f"{widgets.esc(format_vn(alert.get('acknowledged_at')))}" if alert.get("state") == "acknowledged" else "")
            + "</div>")
    if alert.get("spike"):
        st.html('<div class="dt-meta">' + "<br>".join(widgets.esc(line) for line in spike_lines(alert["spike"], topics))
                + "</div>")
    for item in ctx.store.get_items(list(alert.get("item_ids") or [])[:5]):
        st.page_link("views/item.py", label=widgets.md(item.get("title") or item.get("url")),
                     query_params={"id": item["id"]})
    if len(alert.get("item_ids") or []) > 5:
        st.caption(f"… và {len(alert['item_ids']) - 5} tin khác trong câu chuyện.")
    st.dataframe(_deliveries(alert), hide_index=True, width="stretch")
    can_ack = alert.get("state") != "acknowledged" and actor.can("alert.ack")
    if can_ack and st.button("Xác nhận đã nhận", key=f"ack_{key}{alert['id']}", type="primary" if token else "secondary"):
        with widgets.action_feedback():
            actions.acknowledge_alert(ctx.store, actor, alert["id"], token=token)
            widgets.flash("Đã xác nhận. Cảnh báo sẽ không chuyển cấp nữa.")
            st.rerun()


# An alert opened from the link in a message: shown first, acknowledged with one click.
wanted = st.query_params.get("alert")
if wanted:
    opened = ctx.store.get_record("alerts", wanted)
    if opened is None:
        st.warning("Không tìm thấy cảnh báo trong đường dẫn.")
    else:
        token = st.query_params.get("ack")
        valid = bool(token) and check_ack_token(ctx.store, wanted, token)
        with st.container(border=True):
            if token and not valid:
                st.warning("Đường dẫn xác nhận không đúng; vẫn có thể xác nhận từ đây.")
            _show(opened, token if valid else None, key="opened_")

alert_tab, dead_tab, rules_tab, mine_tab = st.tabs(["Cảnh báo đã gửi", "Tin nhắn không gửi được", "Quy tắc",
                                                    "Nơi tôi nhận cảnh báo"])

with alert_tab:
    only_open = st.toggle("Chỉ những cảnh báo chưa xác nhận", value=True, key="alerts_only_open")
    alerts = ctx.store.list_records("alerts", order_by="created_at", descending=True)
    if only_open:
        alerts = [a for a in alerts if a.get("state") != "acknowledged"]
    alerts.sort(key=lambda a: (not a.get("urgent"), a.get("state") == "acknowledged"))  # stable: newest first within
    if not alerts:
        st.info("Không có cảnh báo nào" + (" chưa xác nhận." if only_open else "."))
    for alert in alerts[:50]:
        with st.container(border=True):
            _show(alert)
    if len(alerts) > 50:
        st.caption(f"Hiển thị 50 trên {len(alerts)} cảnh báo.")

with dead_tab:
    dead = ctx.store.list_records("dead_letters", order_by="created_at", descending=True)
    if not dead:
        st.info("Mọi tin nhắn đều đã gửi được.")
    for letter in dead[:50]:
        with st.container(border=True):
            st.markdown(f"**{widgets.md(letter.get('subject'))}**")
            st.caption(widgets.md(
                f"{CHANNELS.get(letter.get('channel'), letter.get('channel'))} → {letter.get('address')} · "
                f"{letter.get('attempts')} lần · {format_vn(letter.get('created_at'))} · "
                f"{'đã gửi lại' if letter.get('state') == 'resent' else 'chưa gửi lại'}"))
            for error in letter.get("errors") or []:
                st.caption(widgets.md(f"{format_vn(error.get('at'))}: {error.get('error')}"))
            if letter.get("state") == "dead" and actor.can("alert.manage") and \
                    st.button("Gửi lại", key=f"resend_{letter['id']}"):
                with widgets.action_feedback():
                    actions.resend_dead_letter(ctx.store, actor, letter["id"])
                    widgets.flash("Đã đưa tin nhắn vào hàng chờ gửi lại (nhịp tiếp theo của bộ lập lịch).")
                    st.rerun()

with rules_tab:
    rules = ctx.store.list_records("alert_rules", order_by="id")
    st.dataframe(pd.DataFrame([{
        "Mã": rule["id"], "Tên": rule.get("name"), "Loại": vocabulary.label("alert_kinds", rule.get("kind")),
        "Truy vấn / bộ lọc": rule.get("query") or "; ".join(f"{k}: {', '.join(v)}"
                                                            for k, v in (rule.get("filters") or {}).items()),
        "Người nhận (thứ tự chuyển cấp)": ", ".join(rule.get("recipients") or []),
        "Kênh": ", ".join(CHANNELS.get(c, c) for c in rule.get("channels") or []),
        "Giờ yên lặng": rule.get("quiet_hours") or "", "Khẩn": bool(rule.get("urgent")),
        "Đang bật": bool(rule.get("enabled", True)),
    } for rule in rules]), hide_index=True, width="stretch")
    if actor.can("alert.manage"):
        if rules:
            cols = st.columns(3)
            chosen = cols[0].selectbox("Quy tắc", [r["id"] for r in rules], key="rule_pick")
            rule = next(r for r in rules if r["id"] == chosen)
            if rule.get("enabled", True):
                if cols[1].button("Tắt quy tắc", key="rule_disable"):
                    with widgets.action_feedback():
                        actions.set_alert_rule_enabled(ctx.store, actor, chosen, False)
                        widgets.flash("Đã tắt quy tắc.")
                        st.rerun()
            elif cols[1].button("Bật lại", key="rule_enable"):
                with widgets.action_feedback():
                    actions.set_alert_rule_enabled(ctx.store, actor, chosen, True)
                    widgets.flash("Đã bật lại quy tắc.")
                    st.rerun()
            if cols[2].button("Gửi thử", key="rule_test"):
                with widgets.action_feedback():
                    for result in actions.send_alert_test(ctx.home, ctx.store, actor, chosen):
                        line = f"{result['to']} ({CHANNELS.get(result['channel'], result['channel'] or '')})"
                        if result["ok"]:
                            st.success(f"Đã gửi thử tới {widgets.md(line)}.")
                        else:
                            st.error(f"Không gửi được tới {widgets.md(line)}: {widgets.md(result['error'])}")
        with st.form("new_rule_form", clear_on_submit=True):
            st.subheader("Thêm quy tắc")
            name = st.text_input("Tên quy tắc", key="rule_name")
            kind = st.selectbox("Loại", vocabulary.codes("alert_kinds"),
                                format_func=lambda code: vocabulary.label("alert_kinds", code), key="rule_kind")
            query = st.text_input("Truy vấn (như ô tìm kiếm; để trống nếu chỉ lọc)", key="rule_query")
            flags = st.multiselect("Dấu hiệu", vocabulary.codes("flags"),
                                   format_func=lambda code: vocabulary.label("flags", code), key="rule_flags")
            picked_topics = st.multiselect("Chủ đề", list(topics), format_func=lambda t: topics.get(t, t),
                                           key="rule_topics")
            min_urgency = st.slider("Ngưỡng mức khẩn (loại Tin khẩn)", 0.0, 1.0, 0.8, 0.05, key="rule_urgency")
            recipients = st.text_input("Người nhận, theo thứ tự chuyển cấp (tên đăng nhập, địa chỉ thư hoặc "
                                       "telegram:MÃ_CHAT, cách nhau bằng dấu phẩy)", key="rule_recipients")
            channels = st.multiselect("Kênh", vocabulary.codes("alert_channels"), default=["email"],
                                      format_func=lambda code: CHANNELS[code], key="rule_channels")
            quiet = st.text_input("Giờ yên lặng (ví dụ 22:00-06:00; tin khẩn vẫn gửi)", key="rule_quiet")
            urgent = st.checkbox("Mọi cảnh báo của quy tắc là khẩn (chuyển cấp nếu chưa ai xác nhận)", key="rule_urgent")
            if st.form_submit_button("Lưu quy tắc"):
                with widgets.action_feedback():
                    filters = {key: value for key, value in (("flags", flags), ("topics", picked_topics)) if value}
                    actions.create_alert_rule(ctx.store, actor, ctx.settings, {
                        "name": name, "kind": kind, "query": query, "filters": filters,
                        "min_urgency": min_urgency if kind == "urgency" else None,
                        "recipients": [r.strip() for r in recipients.split(",") if r.strip()],
                        "channels": channels, "quiet_hours": quiet, "urgent": urgent,
                    }, known_topics=list(topics))
                    widgets.flash(f"Đã lưu quy tắc {widgets.md(name)}.")
                    st.rerun()
    else:
        st.caption("Chỉ lãnh đạo hoặc quản trị viên thêm, sửa, tắt quy tắc cảnh báo.")

with mine_tab:
    me = ctx.store.get_record("users", actor.login) or {}
    with st.form("my_contact_form"):
        email = st.text_input("Địa chỉ thư", value=me.get("email") or "", key="my_email")
        telegram = st.text_input("Mã chat Telegram (số)", value=me.get("telegram") or "", key="my_telegram")
        if st.form_submit_button("Lưu"):
            with widgets.action_feedback():
                actions.set_alert_contact(ctx.store, actor, actor.login, email, telegram)
                widgets.flash("Đã lưu nơi nhận cảnh báo.")
                st.rerun()
