"""Commands of the crawlers: crawl, submit, extract, sources."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.core.console import CommandError, add_json_flag, cli_actor, home_of, number, print_json, say
from pipeline.core.timeutil import format_vn, now_utc
from pipeline.office.sources import (
    FETCH_KINDS,
    REPUTATIONS,
    SOURCE_KINDS,
    SourceError,
    add_source,
    complete_source,
    get_source,
    import_csv,
    list_sources,
    set_enabled,
)

SUBMITTED_SOURCE = {
    "id": "submitted", "name": "Đường dẫn gửi tay", "kind": "submitted", "fetch": "page", "urls": [],
    "reputation": "unverified", "language": "vi", "enabled": False,
    "notes": "Trang do người dùng gửi (diemtin submit); không thu thập định kỳ.",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="thu thập tin từ các nguồn")
    p.add_argument("--source", action="append", help="chỉ nguồn này (id; lặp lại được)")
    p.add_argument("--once", action="store_true", help="thu thập một lần rồi dừng (mặc định: chạy theo lịch)")
    add_json_flag(p)
    p.set_defaults(handler=cmd_crawl)

    p = sub.add_parser("submit", help="gửi một đường dẫn để thu thập ngay")
    p.add_argument("url")
    p.add_argument("--note", default="", help="ghi chú kèm theo")
    p.set_defaults(handler=cmd_submit)

    p = sub.add_parser("extract", help="xem nội dung trích xuất từ một trang (tệp hoặc URL)")
    p.add_argument("target", metavar="FILE_OR_URL")
    p.add_argument("--json", action="store_true", help="in JSON")
    p.set_defaults(handler=cmd_extract)

    p = sub.add_parser("sources", help="quản lý nguồn tin")
    ssub = p.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    q = ssub.add_parser("list", help="liệt kê nguồn")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_sources_list)
    q = ssub.add_parser("add", help="thêm nguồn")
    q.add_argument("--id")
    q.add_argument("--name", required=True)
    q.add_argument("--kind", choices=SOURCE_KINDS, default="national_press")
    q.add_argument("--fetch", choices=FETCH_KINDS, default="feed")
    q.add_argument("--url", action="append", default=[], help="địa chỉ nguồn (lặp lại được)")
    q.add_argument("--homepage", default="")
    q.add_argument("--language", default="vi")
    q.add_argument("--reputation", choices=REPUTATIONS)
    q.add_argument("--poll-minutes", type=int)
    q.add_argument("--config", default="{}", help="tuỳ chọn thu thập, dạng JSON")
    q.add_argument("--disabled", action="store_true", help="thêm nhưng chưa bật")
    q.add_argument("--replace", action="store_true", help="thay nguồn cùng id (giữ tình trạng)")
    q.set_defaults(handler=cmd_sources_add)
    for action, enabled in (("enable", True), ("disable", False)):
        q = ssub.add_parser(action, help="bật nguồn" if enabled else "tắt nguồn")
        q.add_argument("id")
        q.set_defaults(handler=cmd_sources_toggle, enabled=enabled)
    q = ssub.add_parser("import", help="nhập danh mục nguồn từ tệp CSV")
    q.add_argument("file", type=Path)
    q.set_defaults(handler=cmd_sources_import)


def cmd_crawl(args: argparse.Namespace) -> int:
    home = home_of(args)
    if not args.once:
        from crawlers.scheduling import poll_due_sources

        tick = home.settings.get_float("scheduler.tick_seconds")
        while True:
            result = poll_due_sources(home, now_utc(), only=args.source)
            if result["due"] and args.json:
                print_json(result)
            elif result["due"]:
                say(f"[{format_vn(now_utc())}] {number(result['due'])} nguồn đến hạn, {number(result['items'])} tin mới.")
            time.sleep(tick)
    from crawlers.runner import run_crawls

    with home.open_store() as store:
        try:
            sources = [get_source(store, s) for s in args.source] if args.source else list_sources(store, enabled=True)
            if not args.json:
                say(f"Đang thu thập {number(len(sources))} nguồn...")
            reports = run_crawls(home, sources, store)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        names = {s["id"]: s.get("name") or s["id"] for s in sources}
    for report in reports:
        if args.json:
            print_json(report.summary())
        else:
            say(crawl_line(report.summary(), names.get(report.source_id, report.source_id)))
    if not args.json:
        total = sum(r.items for r in reports)
        errors = sum(len(r.errors) for r in reports)
        say(f"Xong: {number(len(reports))} nguồn, {number(total)} tin đưa vào hàng đợi, {number(errors)} lỗi. "
            f"Chi tiết trong nhật ký; `--json` in báo cáo đầy đủ.")
    return 0


def crawl_line(summary: dict[str, Any], name: str) -> str:
    """One source's run in one Vietnamese line (the first errors and skipped pages under it)."""
    state = "lỗi" if summary.get("failed") else ("bị chặn" if summary.get("blocked") else "xong")
    line = (f"- {name}: {state}, {number(summary.get('pages') or 0)} trang, {number(summary.get('items') or 0)} tin mới"
            f"{', ' + number(summary['network_errors']) + ' lỗi mạng tạm thời' if summary.get('network_errors') else ''}"
            f"{', bỏ qua ' + number(len(summary['skipped'])) + ' trang không phải bài viết' if summary.get('skipped') else ''}")
    for error in (summary.get("errors") or [])[:2]:
        line += f"\n    {error.get('code', '')}: {error.get('message', '')[:160]}"
    return line


def cmd_submit(args: argparse.Namespace) -> int:
    from crawlers.runner import run_crawls
    from pipeline.core.netguard import AddressRefused, HostUnresolved, check_url, parse_networks

    home = home_of(args)
    try:
        check_url(args.url, parse_networks(home.settings.get("crawl.allowed_networks") or []))
    except AddressRefused as exc:
        raise CommandError(f"không thu thập địa chỉ này: {exc}") from exc
    except HostUnresolved as exc:
        raise CommandError(f"không phân giải được tên miền (lỗi mạng hoặc sai địa chỉ), thử lại sau: {exc}") from exc
    with home.open_store() as store:
        if store.get_record("sources", SUBMITTED_SOURCE["id"]) is None:
            store.put_record("sources", SUBMITTED_SOURCE["id"], dict(SUBMITTED_SOURCE, config={}, health={}))
        source = dict(get_source(store, SUBMITTED_SOURCE["id"]), urls=[args.url], config={"note": args.note})
        (report,) = run_crawls(home, [source], store)
    print_json(report.summary())
    if not report.items:
        reason = report.errors[-1]["message"] if report.errors else "không lấy được nội dung"
        raise CommandError(f"không thu thập được {args.url}: {reason}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from crawlers.extract import ExtractionError, extract_file

    target: str = args.target
    if target.startswith(("http://", "https://")):
        from crawlers.runner import collect_pages

        records = collect_pages(home_of(args, require=False), [target])
        if not records or "error" in records[0]:
            raise CommandError(records[0]["error"] if records else f"không trích xuất được {target}")
        record: dict[str, Any] = records[0]
    else:
        path = Path(target)
        if not path.is_file():
            raise CommandError(f"không có tệp {target}")
        try:
            record = extract_file(path)
        except ExtractionError as exc:
            raise CommandError(f"trang không có nội dung bài viết: {exc}") from exc
    if args.json:
        print_json(record)
    else:
        for label, key in (("Tiêu đề", "title"), ("Tác giả", "author"), ("Địa chỉ gốc", "canonical_url"),
                           ("Trang", "site_name"), ("Ngôn ngữ", "lang"), ("Ảnh", "image")):
            print(f"{label}: {record.get(key) or ''}")
        print(f"Ngày đăng: {format_vn(record.get('published_at'))} (nguồn ngày: {record.get('date_source')})")
        print()
        print(record.get("text", ""))
    return 0


def cmd_sources_list(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        sources = list_sources(store)
    if args.json:
        for source in sources:
            print_json(source)
        return 0
    for s in sources:
        health = s.get("health") or {}
        state = "bật" if s.get("enabled") else "tắt"
        last = format_vn(health.get("last_success")) or "chưa"
        error = f" | lỗi: {health['last_error']}" if health.get("last_error") else ""
        print(f"{s['id']} [{state}] {s.get('kind')}/{s.get('fetch')} {s.get('reputation')} "
              f"mỗi {s.get('poll_minutes')} phút | thành công gần nhất: {last} | "
              f"lỗi liên tiếp: {health.get('consecutive_failures', 0)}{error}")
    return 0


def cmd_sources_add(args: argparse.Namespace) -> int:
    home = home_of(args)
    try:
        config = json.loads(args.config)
    except ValueError as exc:
        raise CommandError(f"--config không phải JSON hợp lệ: {exc}") from exc
    record: dict[str, Any] = {
        "name": args.name, "kind": args.kind, "fetch": args.fetch, "urls": args.url, "homepage": args.homepage,
        "language": args.language, "config": config, "enabled": not args.disabled,
    }
    for key, value in (("id", args.id), ("reputation", args.reputation), ("poll_minutes", args.poll_minutes)):
        if value:
            record[key] = value
    with home.open_store() as store:
        try:
            before = store.get_record("sources", complete_source(record, home.settings)["id"])
            added = add_source(store, record, home.settings, replace=args.replace)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        store.audit(cli_actor(), "source.replace" if before else "source.add", "source", added["id"],
                    before=before, after=added)
        print_json(added)
    return 0


def cmd_sources_toggle(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        try:
            before = get_source(store, args.id).get("enabled")
            record = set_enabled(store, args.id, args.enabled)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        store.audit(cli_actor(), "source.enable" if args.enabled else "source.disable", "source", args.id,
                    before={"enabled": before}, after={"enabled": record["enabled"]})
    print_json({"id": record["id"], "enabled": record["enabled"]})
    return 0


def cmd_sources_import(args: argparse.Namespace) -> int:
    home = home_of(args)
    if not args.file.is_file():
        raise CommandError(f"không có tệp {args.file}")
    actor = cli_actor()
    with home.open_store() as store:
        try:
            result = import_csv(store, args.file, home.settings)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        for source_id in result["added_ids"]:
            store.audit(actor, "source.add", "source", source_id, after=store.get_record("sources", source_id),
                        reason=f"nhập từ {args.file.name}")
    for error in result["errors"]:
        sys.stderr.write(f"{args.file}:{error['line']}: {error['error']}\n")
    print_json(result)
    return 0
