"""The content of a digest ("điểm tin") and of a period report, as documents any renderer can draw.

A digest follows the order the plans ask of it: figures first, then the province's image in the press,
then the problems someone must handle (and who), then false or hostile content an analyst confirmed and
what was done, then everything by topic. A report adds the figures of quarterly, six-monthly and annual
reporting: counts by topic, source, tone and flag, and cases by agency and outcome with response times.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date
from typing import Any

from pipeline.core import vocabulary
from pipeline.core.home import Home
from pipeline.core.language import in_other_language
from pipeline.core.settings import Settings
from pipeline.core.store.base import Store
from pipeline.core.timeutil import iso, parse_iso
from pipeline.documents import letterhead as office
from pipeline.documents.document import Block, Document, EntryList, Figure, Heading, Paragraph, Table
from pipeline.office.cases import CASE_STATUSES, agency_options
from pipeline.reports import charts
from pipeline.reports.facts import (
    FLAGS,
    TONES,
    Overview,
    Story,
    case_note,
    cases_by_item,
    change,
    confirmed_items,
    entry,
    fetch_items,
    group_stories,
    known_rebuttals,
    outlet_names,
    overview,
    period_query,
    rebuttal_note,
    responsible_agency,
    tone_of,
    tone_score,
    topic_ids,
    topic_labels,
)
from pipeline.reports.periods import DIGEST_PERIODS, Period

SOURCE_KINDS = {
    "national_press": "Báo chí trung ương", "provincial_press": "Báo chí địa phương",
    "government_portal": "Cổng thông tin chính quyền", "foreign_vietnamese_language": "Nước ngoài tiếng Việt",
    "foreign_press": "Báo chí nước ngoài", "aggregator": "Trang tổng hợp", "social": "Mạng xã hội",
    "submitted": "Gửi thủ công",
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")


def _percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%".replace(".", ",") if whole else "0%"


def symbol_of(settings: Settings, period: Period) -> str:
    """Digests and reports are numbered in separate series, each with its own symbol."""
    return settings.get_str("digest.symbol" if period.kind in DIGEST_PERIODS else "digest.report_symbol")


def _document(home: Home, period: Period, title: str, subtitle: str, blocks: list[Block], issued_on: date,
              number: str) -> Document:
    settings, profile = home.settings, home.profile
    font_name, font_size = office.font(settings)
    return Document(
        letterhead=office.letterhead(settings, profile, issued_on, number, symbol_of(settings, period)),
        title=title, subtitle=subtitle, blocks=blocks,
        signature=office.signature(settings), recipients=office.recipients(settings, profile),
        font_name=font_name, font_size=font_size,
    )


def _overview_blocks(store: Store, period: Period, current: Overview, stories: int | None = None) -> list[Block]:
    previous = overview(store, period.previous())
    tone_text = "; ".join(f"{label}: {current.tones[code]} ({_percent(current.tones[code], current.items)})"
                          for code, label in TONES.items())
    blocks: list[Block] = [
        Paragraph(f"Trong {period.label}, hệ thống ghi nhận {current.items} tin, bài của {current.outlets} cơ quan "
                  f"báo chí, trang thông tin đề cập đến tỉnh"
                  + (f" ({stories} sự việc, câu chuyện)" if stories is not None else "") + ", "
                  f"{change(current.items, previous.items)} so với {period.previous().label}. "
                  f"Về sắc thái: {tone_text}."),
        Table(
            columns=["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Thay đổi"],
            rows=[["Tổng số tin, bài", current.items, previous.items, change(current.items, previous.items)],
                  ["Số cơ quan báo chí, trang tin", current.outlets, previous.outlets,
                   change(current.outlets, previous.outlets)]]
            + [[f"Tin, bài {label}", current.tones[code], previous.tones[code],
                change(current.tones[code], previous.tones[code])] for code, label in TONES.items()],
            caption="Bảng 1. Số liệu tổng quan",
        ),
    ]
    if current.items:
        blocks.append(Figure(charts.bar_chart([(label, current.tones[code]) for code, label in TONES.items()],
                                              "Sắc thái thông tin về tỉnh", horizontal=False),
                             "Biểu đồ 1. Sắc thái thông tin về tỉnh"))
    return blocks


def _daily_figure(store: Store, period: Period, number: int) -> Figure:
    counts = dict(store.histogram(period_query(period)))
    if len(period.days()) > 62:  # a year by day is unreadable: count by month
        months: Counter[str] = Counter()
        for day, count in counts.items():
            months[f"{day[5:7]}/{day[:4]}"] += count
        keys = sorted({f"{d:%m/%Y}" for d in period.days()}, key=lambda k: (k[3:], k[:2]))
        return Figure(charts.daily_chart(keys, [months.get(k, 0) for k in keys], "Số tin, bài theo tháng"),
                      f"Biểu đồ {number}. Số tin, bài theo tháng")
    days = period.days()
    return Figure(charts.daily_chart([f"{d:%d/%m}" for d in days], [counts.get(d.isoformat(), 0) for d in days],
                                     "Số tin, bài theo ngày"), f"Biểu đồ {number}. Số tin, bài theo ngày")


def _limited(stories: list[Story], limit: int) -> tuple[list[Story], list[Block]]:
    if len(stories) <= limit:
        return stories, []
    rest = sum(len(s.items) for s in stories[limit:])
    return stories[:limit], [Paragraph(f"Ngoài ra còn {rest} tin, bài khác (xem danh sách đầy đủ trên hệ thống).",
                                       italic=True)]


def build_digest(home: Home, store: Store, period: Period, issued_on: date, number: str = "") -> tuple[Document, dict[str, Any]]:
    """The điểm tin of a period, and its figures (kept with the saved digest)."""
    settings, profile = home.settings, home.profile
    limit = settings.get_int("digest.max_items_per_section")
    names = outlet_names(store)
    fetched = fetch_items(store, period_query(period))
    # An item whose publication date nobody knows may be years old: it is counted, never listed as the period's
    # news (the queue shows it as "không rõ ngày" for an analyst to judge).
    items = [i for i in fetched if i.get("published_at") and i.get("date_source") != "none"]
    undated = len(fetched) - len(items)
    current = overview(store, period)
    stories = group_stories(items, names)
    by_case = cases_by_item(store)
    start, end = period.bounds()
    # Confirmed content is listed whether or not relevance fired: an analyst decided it concerns the province.
    confirmed_list, verdict = confirmed_items(store, period_query(period), settings.get_list("digest.verdict_flags"))

    blocks: list[Block] = [Paragraph(
        f"Tổng hợp thông tin báo chí, trang thông tin điện tử trong và ngoài nước phản ánh về tỉnh "
        f"{office.province_name(profile)} trong {period.label} như sau:")]
    blocks.append(Heading("I. TỔNG QUAN"))
    blocks.extend(_overview_blocks(store, period, current, len(stories)))
    if undated:
        blocks.append(Paragraph(f"Ngoài ra có {undated} tin, bài không rõ ngày đăng được thu thập trong kỳ; các tin "
                                f"này không đưa vào điểm tin, cán bộ xem trên hệ thống."))
    if current.items and period.kind != "day":
        blocks.append(_daily_figure(store, period, 2))

    shown: set[int] = set()
    blocks.append(Heading("II. THÔNG TIN TÍCH CỰC, QUẢNG BÁ HÌNH ẢNH CỦA TỈNH"))
    # Only stories the tone model is confident are positive: a doubtful "tích cực" in the image section is
    # worse than a missing one.
    # A story told in another language (foreign press) has its own bar: the head that reads it is right less often.
    bars = {False: settings.get_float("digest.positive_min_score"),
            True: settings.get_float("digest.positive_min_score_other_languages")}
    positive = [s for s in stories if tone_of(s.lead) == "tich_cuc"
                and tone_score(s.lead) >= bars[in_other_language(s.lead)] and not _has_verdict(s, verdict)]
    listed, more = _limited(positive, limit)
    blocks.append(EntryList([entry(s, names) for s in listed], "Không có tin, bài tích cực nổi bật trong kỳ."))
    blocks.extend(more)
    shown.update(id(s) for s in positive)

    blocks.append(Heading("III. VẤN ĐỀ BÁO CHÍ PHẢN ÁNH CẦN QUAN TÂM, XỬ LÝ"))
    problems = sorted((s for s in stories if tone_of(s.lead) == "tieu_cuc" and not _has_verdict(s, verdict)),
                      key=lambda s: -s.urgency)
    listed, more = _limited(problems, limit)
    blocks.append(EntryList([entry(s, names, _problem_notes(s, profile, by_case)) for s in listed],
                            "Không có vấn đề báo chí phản ánh cần xử lý trong kỳ."))
    blocks.extend(more)
    shown.update(id(s) for s in problems)

    blocks.append(Heading("IV. THÔNG TIN SAI SỰ THẬT, XẤU ĐỘC VÀ KẾT QUẢ XỬ LÝ"))
    confirmed = group_stories(confirmed_list, names)
    blocks.append(EntryList([entry(s, names, _verdict_notes(store, s, verdict, profile, by_case)) for s in confirmed],
                            "Không phát hiện thông tin sai sự thật, xấu độc được xác minh trong kỳ."))
    shown.update(id(s) for s in stories if _has_verdict(s, verdict))

    blocks.append(Heading("V. THÔNG TIN THEO CHỦ ĐỀ"))
    blocks.extend(_by_topic(stories, shown, names, limit))
    document = _document(home, period, "ĐIỂM TIN BÁO CHÍ", f"Về tỉnh {office.province_name(profile)}, {period.label}",
                         blocks, issued_on, number)
    figures = {**current.as_dict(), "stories": len(stories), "undated": undated, "positive": len(positive),
               "problems": len(problems),
               "confirmed": len(confirmed), "date_from": iso(start), "date_to": iso(end)}
    return document, figures


def _has_verdict(story: Story, verdict: dict[str, str]) -> bool:
    return any(item["id"] in verdict for item in story.items)


def _cases_of(story: Story, by_case: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in story.items:
        for case in by_case.get(item["id"], []):
            seen[case["id"]] = case
    return list(seen.values())


def _problem_notes(story: Story, profile: Any, by_case: dict[str, list[dict[str, Any]]]) -> list[str]:
    cases = _cases_of(story, by_case)
    agency = responsible_agency(profile, story.lead, cases)
    notes = [f"Cơ quan có trách nhiệm: {agency}" if agency else "Cơ quan có trách nhiệm: chưa xác định"]
    notes.extend(f"Xử lý: {case_note(case, profile)}" for case in cases)
    return notes


def _verdict_notes(store: Store, story: Story, verdict: dict[str, str], profile: Any,
                   by_case: dict[str, list[dict[str, Any]]]) -> list[str]:
    found = sorted({verdict[i["id"]] for i in story.items if i["id"] in verdict})
    notes = [f"Kết quả xác minh: {', '.join(found)}"]
    rebuttals: dict[str, dict[str, str]] = {}
    for item in story.items:
        for rebuttal in known_rebuttals(store, item):
            rebuttals.setdefault(rebuttal["rebuttal"], rebuttal)
    notes.extend(rebuttal_note(rebuttal) for rebuttal in rebuttals.values())
    cases = _cases_of(story, by_case)
    if cases:
        notes.extend(f"Xử lý: {case_note(case, profile)}" for case in cases)
    else:
        status = story.lead.get("status") or "new"
        notes.append(f"Xử lý: chưa lập hồ sơ chuyển xử lý (trạng thái: {vocabulary.text('statuses', status)})")
    return notes


def _by_topic(stories: list[Story], shown: set[int], names: dict[str, str], limit: int) -> list[Block]:
    labels = topic_labels(i for s in stories for i in s.items)
    groups: dict[str, list[Story]] = {}
    for story in stories:
        topics = topic_ids(story.lead)
        groups.setdefault(topics[0] if topics else "", []).append(story)
    order = sorted(groups, key=lambda t: (t == "", -sum(len(s.items) for s in groups[t]), labels.get(t, t)))
    blocks: list[Block] = []
    if not order:
        return [Paragraph("Không có tin, bài trong kỳ.")]
    for number, topic in enumerate(order, 1):
        group = groups[topic]
        count = sum(len(s.items) for s in group)
        blocks.append(Heading(f"{number}. {labels.get(topic, 'Chủ đề khác') if topic else 'Chủ đề khác'} "
                              f"({count} tin, bài)", level=2))
        rest = [s for s in group if id(s) not in shown]
        if not rest:
            blocks.append(Paragraph("Các tin, bài của chủ đề này đã nêu ở các mục trên.", italic=True))
            continue
        listed, more = _limited(rest, limit)
        blocks.append(EntryList([entry(s, names) for s in listed], lettered=True))
        blocks.extend(more)
    return blocks


# ----------------------------------------------------------------------------------------- period reports
def build_report(home: Home, store: Store, period: Period, issued_on: date, number: str = "") -> tuple[Document, dict[str, Any]]:
    """The quarterly, six-monthly or annual report: figures by topic, source, tone and flag, and cases."""
    settings, profile = home.settings, home.profile
    names = outlet_names(store)
    query = period_query(period)
    current = overview(store, period)
    blocks: list[Block] = [Paragraph(
        f"Báo cáo kết quả theo dõi thông tin báo chí, trang thông tin điện tử trong và ngoài nước phản ánh về tỉnh "
        f"{office.province_name(profile)} trong {period.label}.")]
    blocks.append(Heading("I. TỔNG QUAN"))
    blocks.extend(_overview_blocks(store, period, current))
    if current.items:
        blocks.append(_daily_figure(store, period, 2))

    blocks.append(Heading("II. SỐ LIỆU THEO CHỦ ĐỀ, NGUỒN TIN, SẮC THÁI VÀ CẢNH BÁO"))
    topics = store.count_by("topics", query, size=100)
    labels = _topic_labels_for(store, query, [t for t, _ in topics])
    blocks.append(Table(["Chủ đề", "Số tin, bài", "Tỷ lệ"],
                        [[labels.get(t, t), n, _percent(n, current.items)] for t, n in topics],
                        caption="Bảng 2. Tin, bài theo chủ đề"))
    if topics:
        blocks.append(Figure(charts.bar_chart([(labels.get(t, t), n) for t, n in topics[:12]], "Tin, bài theo chủ đề"),
                             "Biểu đồ 3. Tin, bài theo chủ đề"))
    kinds = store.count_by("source_kind", query, size=20)
    blocks.append(Table(["Loại nguồn", "Số tin, bài", "Tỷ lệ"],
                        [[SOURCE_KINDS.get(k, k), n, _percent(n, current.items)] for k, n in kinds],
                        caption="Bảng 3. Tin, bài theo loại nguồn"))
    sources = store.count_by("source", query, size=20)
    blocks.append(Table(["Cơ quan báo chí, trang tin", "Số tin, bài", "Tỷ lệ"],
                        [[names.get(s, s), n, _percent(n, current.items)] for s, n in sources],
                        caption="Bảng 4. Các nguồn đưa tin nhiều nhất"))
    blocks.append(Table(["Sắc thái", "Số tin, bài", "Tỷ lệ"],
                        [[label.capitalize(), current.tones[code], _percent(current.tones[code], current.items)]
                         for code, label in TONES.items()], caption="Bảng 5. Tin, bài theo sắc thái"))
    confirmed, verdict = confirmed_items(store, query, settings.get_list("digest.verdict_flags"))
    flag_counts = dict(store.count_by("flags", query.with_(relevant=None), size=20))
    confirmed_by_flag = Counter(name for item in confirmed for name in vocabulary.raised_flag_names(item))
    blocks.append(Table(["Cảnh báo", "Số tin, bài được cảnh báo", "Đã xác minh là sai sự thật, xấu độc"],
                        [[label.capitalize(), flag_counts.get(code, 0), confirmed_by_flag.get(code, 0)]
                         for code, label in FLAGS.items()], caption="Bảng 6. Cảnh báo và kết quả xác minh"))
    blocks.append(Paragraph(f"Tổng số tin, bài đã được xác minh là sai sự thật, xấu độc: {len(verdict)}."))

    blocks.append(Heading("III. KẾT QUẢ CHUYỂN XỬ LÝ"))
    case_blocks, case_figures = _case_blocks(store, period, profile)
    blocks.extend(case_blocks)
    document = _document(home, period, "BÁO CÁO", f"Kết quả theo dõi thông tin báo chí về tỉnh "
                         f"{office.province_name(profile)} {period.label}", blocks, issued_on, number)
    start, end = period.bounds()
    figures = {**current.as_dict(), "topics": dict(topics), "source_kinds": dict(kinds), "flags": flag_counts,
               "confirmed": len(verdict), **case_figures, "date_from": iso(start), "date_to": iso(end)}
    return document, figures


def _topic_labels_for(store: Store, query: Any, topic_ids_: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for topic in topic_ids_:
        found = store.search(query.with_(topics=(topic,), limit=1)).items
        labels.update(topic_labels(found))
    return {t: labels.get(t, t) for t in topic_ids_}


def _hours(start: Any, end: Any) -> float | None:
    a, b = parse_iso(start), parse_iso(end)
    return (b - a).total_seconds() / 3600 if a and b else None


def _case_blocks(store: Store, period: Period, profile: Any) -> tuple[list[Block], dict[str, Any]]:
    start, end = period.bounds()
    cases = [c for c in store.list_records("cases", order_by="created_at")
             if (moment := parse_iso(c.get("created_at"))) and start <= moment < end]
    agencies = agency_options(profile)
    rows = []
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        by_agency.setdefault(case.get("agency") or "", []).append(case)
    all_hours: list[float] = []
    on_time = 0
    for agency, group in sorted(by_agency.items(), key=lambda kv: -len(kv[1])):
        hours = [h for c in group if (h := _hours(c.get("created_at"), c.get("responded_at"))) is not None]
        all_hours.extend(hours)
        timely = sum(1 for c in group if c.get("responded_at") and c.get("deadline")
                     and parse_iso(c["responded_at"]) <= parse_iso(c["deadline"]))
        on_time += timely
        status = Counter(c.get("status") for c in group)
        rows.append([agencies.get(agency, agency) or "Chưa xác định", len(group),
                     status["acknowledged"] + status["responded"] + status["closed"],
                     len(hours), status["closed"], timely,
                     f"{statistics.mean(hours):.1f}".replace(".", ",") if hours else "-"])
    blocks: list[Block] = [Paragraph(
        f"Trong kỳ đã lập {len(cases)} hồ sơ chuyển xử lý; {len(all_hours)} hồ sơ đã có phản hồi của cơ quan chức năng"
        + (f", thời gian phản hồi trung vị {statistics.median(all_hours):.1f} giờ".replace(".", ",")
           if all_hours else "") + f"; {on_time} hồ sơ được phản hồi đúng hạn.")]
    blocks.append(Table(["Cơ quan", "Số hồ sơ", "Đã tiếp nhận", "Đã phản hồi", "Đã đóng", "Phản hồi đúng hạn",
                         "Thời gian phản hồi TB (giờ)"], rows, caption="Bảng 7. Hồ sơ chuyển xử lý theo cơ quan"))
    statuses = Counter(c.get("status") for c in cases)
    blocks.append(Table(["Trạng thái", "Số hồ sơ"], [[CASE_STATUSES.get(s, s), n] for s, n in statuses.most_common()],
                        caption="Bảng 8. Hồ sơ theo trạng thái"))
    outcomes = Counter(c.get("outcome") for c in cases if c.get("outcome"))
    blocks.append(Table(["Kết quả xử lý", "Số hồ sơ"], [[o, n] for o, n in outcomes.most_common()],
                        caption="Bảng 9. Hồ sơ đã đóng theo kết quả xử lý"))
    figures = {"cases": len(cases), "cases_responded": len(all_hours), "cases_on_time": on_time,
               "response_hours_median": statistics.median(all_hours) if all_hours else None}
    return blocks, figures
