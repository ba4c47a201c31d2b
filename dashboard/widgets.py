"""Small pieces the pages share: labels, safe text, badges, action feedback, tables.

Crawled text reaches the page only through :func:`md` (Markdown escaped, for labels and captions) or through
escaped HTML (:mod:`dashboard.evidence`, :func:`badges_html`) rendered with ``st.html``, which shows no
Markdown and runs no script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.actions import BulkResult
from pipeline.core import vocabulary
from pipeline.core.item import published_text
from pipeline.core.store.base import StoreError
from pipeline.core.store.snippets import Snippet
from pipeline.core.timeutil import format_vn
from pipeline.office.accounts import AuthError

# Every ASCII punctuation character may be backslash-escaped in Markdown; Streamlit adds :color[...],
# :emoji: and $math$, all of which start with punctuation, so escaping all of it leaves plain text.
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")

CSS = """
<style>
mark.ev-place { background: #dbeafe; color: inherit; border-bottom: 2px solid #2563eb; }
mark.ev-topic { background: #dcfce7; color: inherit; border-bottom: 2px solid #16a34a; }
mark.ev-flag { background: #fee2e2; color: inherit; border-bottom: 2px solid #dc2626; }
mark.ev-claim { background: #ffedd5; color: inherit; border-bottom: 2px solid #ea580c; }
mark.ev-tone { background: #f3e8ff; color: inherit; border-bottom: 2px solid #9333ea; }
.dt-text { line-height: 1.6; font-size: 1.02rem; max-height: 32rem; overflow-y: auto; padding: .5rem;
           border: 1px solid #e5e7eb; border-radius: .5rem; }
.dt-badge { display: inline-block; padding: 0 .45rem; margin: 0 .25rem .15rem 0; border-radius: .6rem;
            font-size: .8rem; background: #f1f5f9; }
.dt-badge.flag { background: #fee2e2; color: #991b1b; }
.dt-badge.new { background: #fef08a; color: #713f12; font-weight: 600; }
.dt-badge.urgent { background: #dc2626; color: white; }
.dt-badge.high { background: #f97316; color: white; }
.dt-badge.status { background: #e0e7ff; color: #3730a3; }
.dt-meta { color: #6b7280; font-size: .85rem; margin-top: .2rem; }
.dt-legend mark { padding: 0 .3rem; margin-right: .4rem; }
.dt-snippet { font-size: .9rem; margin-top: .2rem; color: #334155; }
mark.dt-hit { background: #fde68a; color: inherit; padding: 0 .1rem; border-radius: .15rem; }
</style>
"""


def labels() -> dict[str, dict[str, str]]:
    """Code -> Vietnamese label of every vocabulary kind the pages filter and show."""
    return {kind: vocabulary.labels(kind) for kind in vocabulary.KINDS}


def label(kind: str, code: str | None) -> str:
    return vocabulary.label(kind, code)


def status_label(code: str | None) -> str:
    return vocabulary.text("statuses", code or "new")


def md(text: Any) -> str:
    """Text (possibly crawled) made safe for a Streamlit Markdown label or caption: shown as written."""
    return _MD_SPECIAL.sub(r"\\\1", str(text or "")).replace("\n", " ")


def esc(text: Any) -> str:
    return html.escape(str(text or ""), quote=True)


def inject_css() -> None:
    st.html(CSS)


def day_axis(days: int) -> Any:
    """A time axis labelled once per day (dd/mm) or every few days: Vega-Lite's own ticks fall every few
    hours when a chart spans a few days, and each tick repeated its day's label."""
    import altair as alt

    step = max(1, -(-max(days, 1) // 12))  # at most about twelve labels
    return alt.Axis(format="%d/%m", tickCount={"interval": "day", "step": step}, labelOverlap=True, grid=False)


def urgency_class(urgency: float) -> str:
    return "urgent" if urgency >= 0.8 else "high" if urgency >= 0.5 else ""


def badges_html(item: dict[str, Any], is_new: bool = False, outlets: int = 1,
                topic_names: dict[str, str] | None = None) -> str:
    """One line of badges for a queue row or an item header: escaped, safe for st.html."""
    parts = []
    if is_new:
        parts.append('<span class="dt-badge new">MỚI</span>')
    urgency = float(item.get("urgency") or 0.0)
    parts.append(f'<span class="dt-badge {urgency_class(urgency)}">Khẩn cấp {urgency:.2f}</span>')
    parts.append(f'<span class="dt-badge status">{esc(status_label(item.get("status")))}</span>')
    for flag in vocabulary.raised_flags(item):
        decision = (flag.get("decision") or {}).get("label")
        mark = " ✓" if decision == "confirmed" else " ✗" if decision == "rejected" else ""
        parts.append(f'<span class="dt-badge flag">{esc(label("flags", flag.get("name")))}{mark}</span>')
    for topic in (item.get("topics") or [])[:3]:
        name = (topic_names or {}).get(topic.get("id", "")) or topic.get("label") or topic.get("id")
        parts.append(f'<span class="dt-badge">{esc(name)}</span>')
    tone = item.get("tone")
    if isinstance(tone, dict) and tone.get("label"):
        parts.append(f'<span class="dt-badge">{esc(label("tones", tone["label"]))}</span>')
    if outlets > 1:
        parts.append(f'<span class="dt-badge">{outlets} cơ quan báo chí</span>')
    return " ".join(parts)


def _meta_bits(item: dict[str, Any]) -> list[str]:
    bits = [
        item.get("site_name") or item.get("source") or "",
        published_text(item),
        label("source_kinds", item.get("source_kind")),
        label("languages", item.get("lang")),
    ]
    if item.get("assignee"):
        bits.append(f"phụ trách: {item['assignee']}")
    return [bit for bit in bits if bit]


def item_meta_line(item: dict[str, Any]) -> str:
    """Source, date, language and assignee of an item, as Markdown-safe text."""
    return md(" · ".join(_meta_bits(item)))


def snippet_html(passage: Snippet) -> str:
    """A search passage, escaped, with the matched words in <mark>."""
    out, last = [], 0
    for start, end in passage.highlights:
        out += [esc(passage.text[last:start]), f'<mark class="dt-hit">{esc(passage.text[start:end])}</mark>']
        last = end
    return "".join(out) + esc(passage.text[last:])


def queue_row_html(item: dict[str, Any], is_new: bool, outlets: int, items_in_story: int,
                   topic_names: dict[str, str], passage: Snippet | None = None) -> str:
    """A queue row below its title: badges, the source line, the passage a search matched (the words
    marked) and why the item is urgent, all escaped."""
    meta = _meta_bits(item)
    if items_in_story > 1:
        meta.append(f"{items_in_story} bài trong câu chuyện")
    reasons = item.get("urgency_reasons") or []
    why = f'<div class="dt-meta">Vì sao khẩn: {esc("; ".join(reasons[:4]))}</div>' if reasons else ""
    found = f'<div class="dt-snippet">{snippet_html(passage)}</div>' if passage and passage.text else ""
    return (f"<div>{badges_html(item, is_new, outlets, topic_names)}</div>"
            f'<div class="dt-meta">{esc(" · ".join(meta))}</div>{found}{why}')


@contextmanager
def action_feedback() -> Iterator[None]:
    """Run a change; a refusal or a bad input shows as a Vietnamese error instead of a traceback."""
    try:
        yield
    except (AuthError, StoreError, ValueError) as exc:
        st.error(str(exc))


_RESETS = "_field_resets"


def forget(**fields: Any) -> None:
    """Empty a form after it did its work, so a submitted case or reason is not left there to be submitted
    twice (a refused form keeps what was typed). The values are put in the fields at the start of the next
    run (:func:`apply_resets`): the browser keeps a field's text unless the server sets it."""
    st.session_state[_RESETS] = {**st.session_state.get(_RESETS, {}), **fields}


def apply_resets() -> None:
    for key, value in st.session_state.pop(_RESETS, {}).items():
        st.session_state[key] = value


_PREFILL = "_prefill_"


def prefill(key: str, value: Any, owner: str) -> None:
    """A field's starting value (an item's title for its case), set again when the field is used for
    another item (``owner``); the widget then takes no default of its own."""
    marker = f"{_PREFILL}{key}"
    if st.session_state.get(marker) != owner or key not in st.session_state:
        st.session_state[key] = value
        st.session_state[marker] = owner


def flash(message: str) -> None:
    """Keep a success message for the rerun that follows an action (st.rerun ends the current run).

    That rerun also fills prefilled fields again: the action's run stopped before the forms below it were
    drawn, Streamlit then forgets those widgets, and a slow browser could keep showing them empty (a case
    form without its title after a status change)."""
    st.session_state["flash"] = message
    for key in [k for k in st.session_state if str(k).startswith(_PREFILL)]:
        del st.session_state[key]


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)


def bulk_message(result: BulkResult, what: str) -> str:
    message = f"Đã {what} {len(result.done)} tin."
    if result.skipped:
        message += f" Bỏ qua {len(result.skipped)} tin: " + "; ".join(sorted(set(result.skipped.values())))
    return message


_KIND_NAMES = {"item": "Tin", "case": "Hồ sơ", "source": "Nguồn", "claim": "Thông tin sai", "digest": "Điểm tin",
               "user": "Tài khoản"}


def action_label(action: str | None) -> str:
    """An audit action as the history shows it: its Vietnamese label, never the internal code."""
    code = str(action or "")
    if code in vocabulary.codes("audit_actions"):
        return vocabulary.label("audit_actions", code)
    kind, _, rest = code.partition(".")
    if kind == "item" and rest.startswith("flag."):
        return f"Cảnh báo: {vocabulary.text('flag_verdicts', rest.split('.', 1)[1]) or rest.split('.', 1)[1]}"
    return f"{_KIND_NAMES.get(kind, 'Thao tác')}: {rest.replace('.', ' ').replace('_', ' ') or code}"


def _value(entity: str, field: str, value: Any) -> str:
    """One field's value as a person reads it (statuses, flags and roles by their label, dates dd/mm/yyyy)."""
    if value in (None, "", [], {}):
        return "(trống)" if field != "assignee" else "(chưa giao)"
    if field == "status":
        return vocabulary.label("case_statuses" if entity == "case" else "statuses", str(value))
    if field == "severity":
        return vocabulary.label("severities", str(value))
    if field == "reputation":
        return vocabulary.label("reputations", str(value))
    if field == "flags" and isinstance(value, list):
        return ", ".join(f"{label('flags', entry.get('name'))}"
                         + (f" ({vocabulary.text('flag_verdicts', (entry.get('decision') or {}).get('label'))})"
                            if (entry.get("decision") or {}).get("label") else "")
                         for entry in value if isinstance(entry, dict)) or "(không có)"
    if isinstance(value, bool):
        return "có" if value else "không"
    if field.endswith("_at") or field == "deadline":
        return format_vn(str(value)) or str(value)
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value)
    return _short(value)


def change_text(entry: dict[str, Any]) -> str:
    """What an audit entry changed, field by field: "Trạng thái: Mới → Đang xem xét"."""
    entity = str(entry.get("entity_type") or "")
    before, after = entry.get("before"), entry.get("after")
    if not isinstance(after, dict):
        return "" if after in (None, "", {}) else _short(after)
    before = before if isinstance(before, dict) else {}
    parts = []
    for field, value in after.items():
        if field in ("notes",) and entity == "item":
            continue  # a note's text is the entry's reason
        name = vocabulary.label("audit_fields", field) if field in vocabulary.codes("audit_fields") else None
        if name is None:
            continue  # internal bookkeeping (checksums, file lists) is not a decision
        if field in before and before[field] != value:
            parts.append(f"{name}: {_value(entity, field, before[field])} → {_value(entity, field, value)}")
        else:
            parts.append(f"{name}: {_value(entity, field, value)}")
    return "; ".join(parts)


def audit_table(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """The decision history as a table a person reads: when (Vietnam time), who, what, what changed, why."""
    return pd.DataFrame([{
        "Thời gian": format_vn(entry.get("at")),
        "Người thực hiện": entry.get("actor"),
        "Thao tác": action_label(entry.get("action")),
        "Thay đổi": change_text(entry),
        "Lý do": entry.get("reason") or "",
    } for entry in entries], columns=["Thời gian", "Người thực hiện", "Thao tác", "Thay đổi", "Lý do"])


def _short(value: Any) -> str:
    if value in (None, "", {}, []):
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_short(v)}" for key, v in value.items() if key != "flags") or "(cảnh báo)"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"
