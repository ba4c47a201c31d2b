"""Hàng đợi tin: relevant items, most urgent first, one row per story, with filters and bulk actions."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, context, options, widgets
from dashboard.queue import QueueFilters, filters_from_params, filters_to_params, load_queue
from pipeline.core import vocabulary
from pipeline.core.item import display_title
from pipeline.core.store.snippets import pattern_of, snippet
from pipeline.core.timeutil import format_vn, iso, now_utc
from pipeline.office import accounts

ctx = context.page()
actor = ctx.actor
assert actor is not None
if st.query_params.get("item"):  # a link to an item (alert messages: "/?item=<id>") opens that item
    st.switch_page("views/item.py", query_params={"id": st.query_params["item"]})
page_size = ctx.settings.get_int("dashboard.page_size")
labels = widgets.labels()

st.title("Hàng đợi tin")
widgets.show_flash()


def _reset_page() -> None:
    st.session_state["queue_page"] = 0


def _pick(title: str, choices: dict[str, str], key: str) -> tuple[str, ...]:
    picked = st.multiselect(title, list(choices), format_func=lambda code: choices.get(code, code), key=key,
                            on_change=_reset_page, placeholder="Tất cả")
    return tuple(picked)


facets = options.facet_choices(ctx)
topic_names = options.topic_labels(str(ctx.home.path))
ranges = ctx.settings.get_dict("dashboard.time_ranges")
default_range = list(ranges)[min(2, len(ranges) - 1)]
WIDGETS = {"statuses": "f_status", "flags": "f_flags", "topics": "f_topics", "tones": "f_tones",
           "source_kinds": "f_kinds", "reputations": "f_reputations", "places": "f_places", "langs": "f_langs",
           "assignees": "f_assignees"}
offered = {"statuses": vocabulary.codes("statuses"), "flags": labels["flags"], "topics": facets["topics"],
           "tones": labels["tones"], "source_kinds": labels["source_kinds"], "reputations": labels["reputations"],
           "places": facets["places"], "langs": facets["langs"], "assignees": facets["assignees"]}
# A link (or a reload) names the filters in the address: they are put in the fields before these are drawn.
# Arriving from another page (no parameters), the fields keep what this person last chose.
link = {name: st.query_params.get_all(name) for name in st.query_params}
if link and link != st.session_state.get("queue_link"):
    linked, linked_page = filters_from_params(st.query_params.get_all, offered, [int(d) for d in ranges.values()],
                                              int(ranges[default_range]))
    st.session_state["f_text"] = linked.text
    st.session_state["f_range"] = next(name for name, days in ranges.items() if int(days) == linked.days)
    for name, key in WIDGETS.items():
        st.session_state[key] = list(getattr(linked, name))
    st.session_state["queue_page"] = linked_page
    st.session_state["f_national"] = linked.national
st.session_state.setdefault("f_range", default_range)
with st.sidebar:
    st.subheader("Bộ lọc")
    national = st.toggle("Toàn quốc (tin không nhắc đến tỉnh, có cảnh báo mạnh)", key="f_national",
                         on_change=_reset_page)
    range_name = st.selectbox("Thời gian", list(ranges), key="f_range", on_change=_reset_page)
    statuses = _pick("Trạng thái", vocabulary.texts("statuses"), "f_status")
    flags = _pick("Cảnh báo", labels["flags"], "f_flags")
    topics = _pick("Chủ đề", facets["topics"], "f_topics")
    tones = _pick("Sắc thái", labels["tones"], "f_tones")
    source_kinds = _pick("Loại nguồn", labels["source_kinds"], "f_kinds")
    reputations = _pick("Uy tín nguồn", labels["reputations"], "f_reputations")
    places = _pick("Địa danh", facets["places"], "f_places")
    langs = _pick("Ngôn ngữ", facets["langs"], "f_langs")
    assignees = _pick("Người phụ trách", facets["assignees"], "f_assignees")

text = st.text_input("Tìm kiếm (có dấu hoặc không dấu; \"cụm từ\", OR, NOT)", key="f_text", on_change=_reset_page,
                     placeholder="ví dụ: sạt lở, \"khu công nghiệp\", bien gioi")
filters = QueueFilters(text=text, days=int(ranges[range_name]), statuses=statuses, topics=topics, flags=flags,
                       tones=tones, source_kinds=source_kinds, reputations=reputations, places=places,
                       langs=langs, assignees=assignees, national=national)
page_number = int(st.session_state.get("queue_page", 0))
address = filters_to_params(filters, page_number, int(ranges[default_range]))
normalized = {name: value if isinstance(value, list) else [value] for name, value in address.items()}
if normalized != link:
    st.query_params.from_dict(address)
st.session_state["queue_link"] = normalized
try:
    queue = load_queue(ctx.store, filters, page=page_number, page_size=page_size,
                       seen_before=st.session_state.get(context.SEEN_KEY))
except ValueError as exc:  # a malformed search query
    st.error(f"Câu tìm kiếm không hợp lệ: {exc}")
    st.stop()

new_count = sum(1 for row in queue.rows if row.is_new)
seen = st.session_state.get(context.SEEN_KEY)
head = st.columns([3, 2])
head[0].markdown(
    f"**{queue.total:,}** tin phù hợp · trang {page_number + 1} · **{new_count}** câu chuyện mới "
    f"{'kể từ lần xem trước (' + format_vn(seen) + ')' if seen else '(lần đầu xem)'}".replace(",", ".")
)
if head[1].button("Đánh dấu đã xem hết", key="mark_seen"):
    actions.mark_seen(ctx.store, actor)
    st.session_state[context.SEEN_KEY] = iso(now_utc())
    st.rerun()

# Bulk actions on the ticked rows (each row acts on every item of its story shown on this page).
selected: list[str] = []
for row in queue.rows:
    if st.session_state.get(f"sel_{row.item['id']}"):
        selected.extend(row.member_ids)
can_triage = actor.can("item.triage")
with st.container(border=True):
    bulk = st.columns([1.3, 1.3, 1.6, 1.2, 1])
    bulk[0].caption(f"Đã chọn {len(selected)} tin")
    if bulk[1].button("Đánh dấu đang xem xét", key="bulk_review", disabled=not selected or not can_triage):
        with widgets.action_feedback():
            result = actions.set_status(ctx.store, actor, selected, "reviewing", "Xử lý hàng loạt")
            widgets.flash(widgets.bulk_message(result, "chuyển sang “đang xem xét”"))
            st.rerun()
    if bulk[2].button("Bỏ qua (không liên quan)", key="bulk_dismiss", disabled=not selected or not can_triage):
        with widgets.action_feedback():
            result = actions.set_status(ctx.store, actor, selected, "irrelevant", "Bỏ qua hàng loạt")
            widgets.flash(widgets.bulk_message(result, "đánh dấu “không liên quan”"))
            st.rerun()
    people = facets["assignees"]
    who = bulk[3].selectbox("Phân công cho", list(people), key="bulk_assignee", label_visibility="collapsed",
                            index=list(people).index(actor.login) if actor.login in people else 0)
    if bulk[4].button("Phân công", key="bulk_assign", disabled=not selected or not actor.can("item.assign_self")):
        with widgets.action_feedback():
            result = actions.assign(ctx.store, actor, selected, who, "Phân công hàng loạt")
            widgets.flash(widgets.bulk_message(result, f"phân công cho {who}"))
            st.rerun()
    if st.button("Lập hồ sơ từ tin đã chọn", key="bulk_case", disabled=not selected or not actor.can("case.create")):
        st.session_state["case_draft"] = selected
        st.switch_page("views/cases.py")
if not can_triage:
    st.caption(f"Tài khoản {accounts.role_label(actor.role)} chỉ xem, không thay đổi được tin.")

if not queue.rows:
    st.info("Không có tin nào phù hợp bộ lọc.")
pattern = pattern_of(filters.text) if filters.text.strip() else None
for row in queue.rows:
    item = row.item
    with st.container(border=True):
        cols = st.columns([0.04, 0.96])
        cols[0].checkbox("Chọn", key=f"sel_{item['id']}", label_visibility="collapsed")
        cols[1].page_link("views/item.py", label=f"**{widgets.md(display_title(item))}**",
                          query_params={"id": item["id"]})
        # Badges, source line and reasons in one escaped block: one element per row draws faster than three.
        passage = snippet(item.get("text") or "", pattern) if pattern else None
        st.html(widgets.queue_row_html(item, row.is_new, row.outlets, row.items_in_story, topic_names, passage))

nav = st.columns([1, 1, 6])
if nav[0].button("← Trang trước", key="prev_page", disabled=page_number == 0):
    st.session_state["queue_page"] = page_number - 1
    st.rerun()
if nav[1].button("Trang sau →", key="next_page", disabled=(page_number + 1) * page_size >= queue.total):
    st.session_state["queue_page"] = page_number + 1
    st.rerun()
