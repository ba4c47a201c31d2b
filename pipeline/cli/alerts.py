"""`diemtin alerts`: alert rules (add, list, test, disable, enable), where people receive them (contact), the
calendar their spikes know, and the messages that could not be sent (dead, resend).

Every change is audited as the operating-system user who ran the command (``cli:NAME``).
"""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from typing import Any

from pipeline.core.console import CommandError, home_of, print_json

FILTERS = (("flags", "--flag", "cờ nội dung (mã trong từ điển)"), ("topics", "--topic", "chủ đề"),
           ("sections", "--section", "chuyên mục"), ("places", "--place", "địa danh"),
           ("source_kind", "--source-kind", "loại nguồn"), ("source", "--source", "nguồn"),
           ("tone", "--tone", "sắc thái"), ("lang", "--lang", "ngôn ngữ"))


def cli_actor() -> str:
    """Who ran the command, as the audit trail names a person at the terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="cảnh báo: quy tắc, người nhận, lịch sự kiện, tin nhắn lỗi")
    alerts = p.add_subparsers(dest="alerts_command", required=True, metavar="LỆNH")

    a = alerts.add_parser("add", help="thêm quy tắc cảnh báo",
                          description="Tìm kiếm đã lưu (--query và/hoặc bộ lọc), tin khẩn (--min-urgency) hoặc "
                                      "tăng đột biến (--spike). Người nhận theo thứ tự chuyển cấp: tên đăng nhập, "
                                      "địa chỉ thư hoặc telegram:MÃ_CHAT.")
    a.add_argument("--name", required=True, help="tên quy tắc")
    kind = a.add_mutually_exclusive_group()
    kind.add_argument("--spike", action="store_true", help="cảnh báo khi số tin tăng đột biến")
    kind.add_argument("--urgency", dest="min_urgency_rule", action="store_true",
                      help="mọi tin có mức khẩn từ --min-urgency trở lên")
    a.add_argument("--query", "-q", help="truy vấn (cú pháp như ô tìm kiếm)")
    for name, flag, what in FILTERS:
        a.add_argument(flag, dest=name, action="append", default=[], help=f"lọc theo {what} (lặp lại được)")
    scope = a.add_mutually_exclusive_group()
    scope.add_argument("--national", action="store_true",
                       help="tin toàn quốc: không nêu tỉnh nhưng có dấu hiệu (như mục Toàn quốc của hàng đợi)")
    scope.add_argument("--all-items", action="store_true", help="mọi tin, kể cả tin không nêu tỉnh")
    a.add_argument("--min-urgency", type=float, help="ngưỡng mức khẩn 0–1")
    a.add_argument("--spike-field", action="append", default=[],
                   help="chuỗi số liệu theo dõi: total, topics, sections, places, flags (mặc định: tất cả)")
    a.add_argument("--factor", type=float, help="gấp bao nhiêu lần mức thường")
    a.add_argument("--min-count", type=int, help="số tin tối thiểu")
    a.add_argument("--window-hours", type=float, help="khoảng thời gian xét (giờ)")
    a.add_argument("--to", dest="recipients", action="append", default=[], required=True,
                   help="người nhận (lặp lại theo thứ tự chuyển cấp)")
    a.add_argument("--channel", dest="channels", action="append", default=[],
                   help="email, telegram, webhook (mặc định: email)")
    a.add_argument("--webhook", dest="webhooks", action="append", default=[], help="tên webhook trong alerts.webhooks")
    a.add_argument("--quiet", dest="quiet_hours", help="giờ yên lặng, ví dụ 22:00-06:00 (tin khẩn vẫn gửi)")
    a.add_argument("--rate-limit", type=int, help="số tin nhắn tối đa mỗi giờ cho một người nhận")
    a.add_argument("--urgent", action="store_true", help="mọi cảnh báo của quy tắc là khẩn (chuyển cấp nếu chưa xác nhận)")
    a.add_argument("--escalate-minutes", type=int, help="chuyển cấp sau bao nhiêu phút chưa xác nhận")
    a.set_defaults(handler=cmd_add)

    a = alerts.add_parser("list", help="liệt kê quy tắc cảnh báo")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_list)

    a = alerts.add_parser("test", help="xem quy tắc sẽ cảnh báo gì (không lưu, không gửi); --send gửi thử")
    a.add_argument("rule")
    a.add_argument("--hours", type=float, default=24, help="xét các tin trong bao nhiêu giờ qua (mặc định 24)")
    a.add_argument("--send", action="store_true", help="gửi một tin nhắn thử tới mọi người nhận, mọi kênh")
    a.set_defaults(handler=cmd_test)

    for name, enabled, help_text in (("disable", False, "tắt quy tắc"), ("enable", True, "bật lại quy tắc")):
        a = alerts.add_parser(name, help=help_text)
        a.add_argument("rule")
        a.add_argument("--reason", default="")
        a.set_defaults(handler=cmd_enable, enabled=enabled)

    a = alerts.add_parser("contact", help="địa chỉ nhận cảnh báo của một tài khoản")
    a.add_argument("login")
    a.add_argument("--email")
    a.add_argument("--telegram", help="mã chat Telegram (số)")
    a.set_defaults(handler=cmd_contact)

    a = alerts.add_parser("run", help="đánh giá mọi quy tắc và gửi tin nhắn đến hạn ngay bây giờ")
    a.set_defaults(handler=cmd_run)

    a = alerts.add_parser("calendar", help="lịch ngày lễ, kỷ niệm, lễ hội, sự kiện của tỉnh trong một năm")
    a.add_argument("--year", type=int, default=date.today().year)
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_calendar)

    a = alerts.add_parser("dead", help="tin nhắn không gửi được")
    a.set_defaults(handler=cmd_dead)

    a = alerts.add_parser("resend", help="gửi lại một tin nhắn không gửi được (sau khi đã sửa nguyên nhân)")
    a.add_argument("dead_letter")
    a.set_defaults(handler=cmd_resend)

    a = alerts.add_parser("ack", help="xác nhận đã nhận một cảnh báo")
    a.add_argument("alert")
    a.set_defaults(handler=cmd_ack)


def _rule_data(args: argparse.Namespace) -> dict[str, Any]:
    kind = "spike" if args.spike else "urgency" if args.min_urgency_rule else "search"
    spike = {"fields": args.spike_field or None, "factor": args.factor, "min_count": args.min_count,
             "window_hours": args.window_hours}
    return {
        "name": args.name, "kind": kind, "query": args.query,
        "filters": {name: getattr(args, name) for name, _, _ in FILTERS if getattr(args, name)},
        "scope": "all" if args.all_items else "national" if args.national else "province",
        "min_urgency": args.min_urgency,
        "spike": {k: v for k, v in spike.items() if v is not None} if kind == "spike" else {},
        "recipients": args.recipients, "channels": args.channels or ["email"], "webhooks": args.webhooks,
        "quiet_hours": args.quiet_hours, "rate_limit": args.rate_limit, "urgent": args.urgent,
        "escalate_minutes": args.escalate_minutes,
    }


def cmd_add(args: argparse.Namespace) -> int:
    from pipeline.alerts.rules import RuleError, create_rule
    from pipeline.core.taxonomy import taxonomy_for_home

    home = home_of(args)
    with home.open_store() as store:
        try:
            rule = create_rule(store, home.settings, _rule_data(args), by=cli_actor(),
                               known_topics=taxonomy_for_home(home.path).ids)
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
    print_json(rule)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from pipeline.alerts.rules import list_rules

    home = home_of(args)
    with home.open_store() as store:
        rules = list_rules(store)
    for rule in rules:
        if args.json:
            print_json(rule)
            continue
        state = "bật" if rule.get("enabled", True) else "TẮT"
        what = rule.get("query") or ", ".join(f"{k}={'|'.join(v)}" for k, v in (rule.get("filters") or {}).items())
        print(f"{rule['id']:28} [{state}] {rule.get('kind'):8} {rule.get('name')} — {what or 'mọi tin'} "
              f"→ {', '.join(rule.get('recipients') or [])} qua {', '.join(rule.get('channels') or [])}")
    if not rules and not args.json:
        print("Chưa có quy tắc cảnh báo nào (thêm bằng `diemtin alerts add`).")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from pipeline.alerts.evaluate import preview, send_test
    from pipeline.alerts.rules import RuleError, get_rule

    home = home_of(args)
    with home.open_store() as store:
        try:
            rule = get_rule(store, args.rule)
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
        print_json(preview(home, store, rule, hours=args.hours))
        if args.send:
            results = send_test(home, store, rule)
            for result in results:
                print_json(result)
            if any(not r["ok"] for r in results):
                return 1
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    from pipeline.alerts.rules import RuleError, set_enabled

    home = home_of(args)
    with home.open_store() as store:
        try:
            rule = set_enabled(store, args.rule, args.enabled, by=cli_actor(), reason=args.reason)
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"rule": rule["id"], "enabled": rule["enabled"]})
    return 0


def cmd_contact(args: argparse.Namespace) -> int:
    from pipeline.alerts.contacts import ContactError, set_contact

    if args.email is None and args.telegram is None:
        raise CommandError("cần --email hoặc --telegram")
    home = home_of(args)
    with home.open_store() as store:
        try:
            user = set_contact(store, args.login, email=args.email, telegram=args.telegram, by=cli_actor())
        except ContactError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"login": user["id"], "email": user.get("email"), "telegram": user.get("telegram")})
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.alerts.evaluate import run_alerts

    home = home_of(args)
    with home.open_store() as store:
        print_json(run_alerts(home, store))
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from pipeline.alerts.calendar import CalendarError, load_calendar
    from pipeline.core import vocabulary

    home = home_of(args)
    try:
        calendar = load_calendar(home.profile)
    except CalendarError as exc:
        raise CommandError(str(exc)) from exc
    for occurrence in calendar.year(args.year):
        event = occurrence.event
        row = {"id": event.id, "name": event.name, "kind": event.kind, "first": occurrence.first.isoformat(),
               "last": occurrence.last.isoformat(), "coverage_from": occurrence.coverage_start.isoformat(),
               "coverage_to": occurrence.coverage_end.isoformat(), "lunar": list(event.lunar) if event.lunar else None,
               "origin": event.origin, "topics": list(event.topics), "query": event.query}
        if args.json:
            print_json(row)
        else:
            lunar = f" (âm lịch {event.lunar[0]}/{event.lunar[1]})" if event.lunar else ""
            print(f"{occurrence.first:%d/%m/%Y}{lunar:22} {event.name} — {vocabulary.label('calendar_kinds', event.kind)}"
                  f", theo dõi {occurrence.coverage_start:%d/%m}–{occurrence.coverage_end:%d/%m}")
    return 0


def cmd_dead(args: argparse.Namespace) -> int:
    home = home_of(args)
    with home.open_store() as store:
        for dead in store.list_records("dead_letters", order_by="created_at", descending=True):
            print_json({key: dead.get(key) for key in ("id", "state", "alert_id", "rule_id", "channel", "address",
                                                       "attempts", "errors", "created_at", "subject")})
    return 0


def cmd_resend(args: argparse.Namespace) -> int:
    from pipeline.alerts.delivery import AlertError, resend

    home = home_of(args)
    with home.open_store() as store:
        try:
            dead = resend(store, args.dead_letter, by=cli_actor())
        except AlertError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"resent": dead["id"], "alert": dead["alert_id"]})
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    from pipeline.alerts.delivery import AlertError, acknowledge

    home = home_of(args)
    with home.open_store() as store:
        try:
            alert = acknowledge(store, args.alert, by=cli_actor(), via="cli")
        except AlertError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"alert": alert["id"], "state": alert["state"], "acknowledged_by": alert.get("acknowledged_by")})
    return 0
