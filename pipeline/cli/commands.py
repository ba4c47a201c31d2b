"""The core commands: init, ingest, process, items, search, reindex, run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipeline.core.console import (
    CommandError,
    Progress,
    add_json_flag,
    cli_actor,
    home_of,
    number,
    print_json,
    say,
)
from pipeline.core.item import display_title, published_text
from pipeline.core.jsonl import read_jsonl
from pipeline.core.profiles import PROVINCE_IDS
from pipeline.core.rawitem import Limits, RawItemError, check_date, check_raw
from pipeline.core.secrets import redact_url
from pipeline.core.settings import Settings
from pipeline.core.store.base import ItemQuery, Store
from pipeline.core.store.query import QueryError
from pipeline.core.timeutil import iso, local_day_bounds, parse_iso
from pipeline.office.accounts import ADMIN_PASSWORD_FILE, first_admin
from pipeline.office.setup import create_home

# What `diemtin items --json` prints of an item (the text is long: `--full` adds it).
ITEM_FIELDS = ("id", "url", "title", "source", "source_kind", "reputation", "lang", "published_at", "date_source",
               "relevant", "places", "relevance_reason", "duplicate_of", "cluster_id", "status", "assignee",
               "topics", "tone", "flags", "claim_matches", "urgency", "urgency_reasons")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="tạo thư mục làm việc (home) cho một tỉnh")
    p.add_argument("--province", help=" | ".join(PROVINCE_IDS))
    p.add_argument("--store-url", default="embedded", help="'embedded' (mặc định) hoặc URL Elasticsearch")
    p.add_argument("--demo", action="store_true",
                   help="thư mục trình diễn (cần --home riêng, ví dụ var-demo): nạp bộ tin mẫu có sẵn, xử lý, "
                        "lập điểm tin và hồ sơ để xem thử sản phẩm khi chưa thu thập được gì")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser(
        "ingest", help="đưa các mục từ tệp JSONL vào hàng đợi",
        description="Mỗi dòng là một đối tượng JSON. Trường đọc: url (bắt buộc, http/https); title; text hoặc html "
                    "(html được trích xuất như trang báo; không có cả hai thì đọc nội dung dưới tên khác: content, "
                    "body, maintext, sapo, summary... theo ingest.text_fields); published_at hoặc date (ISO 8601, "
                    "hoặc cách viết ngày của báo Việt Nam: '07/03/2026 08:47', 'Thứ bảy, 7/3/2026', '2 giờ trước'; không múi giờ = giờ Việt Nam; "
                    "không có ngày: tin hiện là 'không rõ ngày'); source (mã nguồn); lang; author; canonical_url; "
                    "meta (đối tượng). Trường khác được giữ trong meta.")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("process", help="xử lý hàng đợi (chuẩn hóa, liên quan, trùng lặp, phân loại)")
    p.add_argument("--limit", type=int, default=None)
    add_json_flag(p)
    p.set_defaults(handler=cmd_process)

    p = sub.add_parser("items", help="liệt kê các mục đã lưu")
    p.add_argument("--json", action="store_true", help="một đối tượng JSON mỗi dòng")
    p.add_argument("--full", action="store_true", help="kèm toàn văn")
    p.add_argument("--export", type=Path, help="xuất ra tệp .csv hoặc .xlsx")
    add_query_arguments(p)
    p.set_defaults(handler=cmd_items)

    p = sub.add_parser("search", help="tìm kiếm toàn văn (không phân biệt dấu)")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    add_query_arguments(p, with_text=False, default_sort="relevance", default_limit=20)
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("reindex", help="dựng lại chỉ mục tìm kiếm từ bản ghi")
    p.set_defaults(handler=cmd_reindex)

    p = sub.add_parser("run", help="công việc chính: thu thập theo lịch, xử lý và bảng điều khiển")
    p.add_argument("--no-dashboard", action="store_true", help="chỉ chạy bộ lập lịch (worker)")
    p.add_argument("--once", action="store_true", help="chạy một vòng rồi dừng")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    add_json_flag(p)
    p.set_defaults(handler=cmd_run)


def add_query_arguments(p: argparse.ArgumentParser, with_text: bool = True, default_sort: str = "published_at",
                        default_limit: int = 50) -> None:
    """The filters of the dashboard's queue, for the command line and exports."""
    if with_text:
        p.add_argument("--query", "-q", help="truy vấn toàn văn")
    p.add_argument("--relevant", action="store_true", help="chỉ các mục liên quan đến tỉnh")
    p.add_argument("--include-duplicates", action="store_true")
    p.add_argument("--limit", type=int, default=default_limit,
                   help=f"số mục tối đa (mặc định {default_limit}; khi còn nữa, lệnh nói còn bao nhiêu)")
    p.add_argument("--offset", type=int, default=0, help="bỏ qua bao nhiêu mục đầu (xem trang sau)")
    p.add_argument("--sort", choices=["published_at", "urgency", "relevance", "fetched_at"], default=default_sort,
                   help=f"thứ tự (mặc định {default_sort}; relevance: khớp ở tiêu đề, sapo và tin mới trước)")
    p.add_argument("--since", help="từ ngày YYYY-MM-DD")
    p.add_argument("--until", help="đến hết ngày YYYY-MM-DD")
    for name, flag in (("status", "--status"), ("topics", "--topic"), ("flags", "--flag"), ("tone", "--tone"),
                       ("source", "--source"), ("source_kind", "--source-kind"), ("reputation", "--reputation"),
                       ("places", "--place"), ("lang", "--lang"), ("assignee", "--assignee"),
                       ("cluster_id", "--cluster")):
        p.add_argument(flag, dest=name, action="append", default=[])


def query_from_args(args: argparse.Namespace, text: str | None = None) -> ItemQuery:
    date_from = date_to = None
    try:
        if args.since:
            date_from = local_day_bounds(parse_iso(args.since + "T12:00:00+07:00").date())[0]
        if args.until:
            date_to = local_day_bounds(parse_iso(args.until + "T12:00:00+07:00").date())[1]
    except ValueError as exc:
        raise CommandError(f"ngày không hợp lệ: {exc}") from exc
    return ItemQuery(
        text=text if text is not None else getattr(args, "query", None),
        relevant=True if args.relevant else None, include_duplicates=args.include_duplicates,
        date_from=date_from, date_to=date_to, sort=args.sort, limit=args.limit, offset=args.offset,
        **{name: tuple(getattr(args, name)) for name in ("status", "topics", "flags", "tone", "source",
                                                         "source_kind", "reputation", "places", "lang",
                                                         "assignee", "cluster_id")},
    )


def cmd_init(args: argparse.Namespace) -> int:
    if args.demo:
        return cmd_init_demo(args)
    if not args.province:
        raise CommandError(f"cần --province, một trong: {', '.join(PROVINCE_IDS)} (hoặc --demo cho bản trình diễn).")
    try:
        home = create_home(args.home, args.province, store_url=args.store_url)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    with home.open_store() as store:
        password_file = first_admin(home, store, by=cli_actor())
    report = {"home": str(home.path.resolve()), "province": args.province, "store": redact_url(args.store_url)}
    if password_file:
        report["admin_password_file"] = str(password_file.resolve())
    print_json(report)
    return 0


def cmd_init_demo(args: argparse.Namespace) -> int:
    """A demo home filled with the bundled sample (pipeline/cli/demo.py); never an office's own home."""
    from pipeline.cli import demo

    home = demo.create_demo_home(args.home, args.province, args.store_url)
    with home.open_store() as store:
        first_admin(home, store, by=cli_actor())
        report = demo.fill(home, store)
    password_file = home.path / ADMIN_PASSWORD_FILE
    say(f"Thư mục trình diễn {home.path} đã sẵn sàng: {report['processed']} tin vừa xử lý, hồ sơ {report['case']}, "
        f"điểm tin {report['digest']}. Xem: diemtin --home {home.path} dashboard, đăng nhập admin với mật khẩu "
        f"trong {password_file}.")
    print_json({"home": str(home.path.resolve()), "province": home.settings.get_str("province"), "demo": True,
                **report, "admin_password_file": str(password_file.resolve())})
    return 0


# ---------------------------------------------------------------------------- ingest
# Fields a line may give its publication date in, first found wins (`published_at` is what crawlers write).
DATE_FIELDS = ("published_at", "date")


def validate_payload(payload: Any, limits: Limits) -> tuple[dict[str, Any] | None, str | None]:
    """The line's record (its date stored as ISO 8601), or None and why (pipeline/core/rawitem.py checks it all)."""
    try:
        payload = check_raw(payload, limits)
    except RawItemError as exc:
        return None, str(exc)
    for key in DATE_FIELDS:
        if payload.get(key):
            # Stored as ISO, so a relative date ("2 giờ trước") keeps the meaning it had when it was ingested.
            return {**payload, "published_at": iso(check_date(key, payload[key]))}, None
    return payload, None


def ingest_file(store: Store, path: Path, batch: int = 1000, settings: Settings | None = None) -> dict[str, Any]:
    """Queue every good line of a JSONL file; each bad one is reported with its number and why, and never
    costs a good one (a batch the store refuses is written again line by line, to find the one it refuses)."""
    settings = settings or Settings()
    limits = Limits.from_settings(settings)
    summary: dict[str, Any] = {"lines": 0, "queued": 0, "already_queued": 0, "errors": [], "notes": []}
    pending: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        if not pending:
            return
        try:
            added = store.enqueue_raw([payload for _, payload in pending])
            summary["queued"] += added
            summary["already_queued"] += len(pending) - added
        except Exception:  # noqa: BLE001 - one record the store refuses must not lose the batch
            for line_no, payload in pending:
                try:
                    added = store.enqueue_raw([payload])
                except Exception as exc:  # noqa: BLE001
                    summary["errors"].append({"line": line_no, "error": f"kho dữ liệu không nhận bản ghi: {exc}"})
                    continue
                summary["queued"] += added
                summary["already_queued"] += 1 - added
        pending.clear()

    for line_no, payload, error in read_jsonl(path, lambda row: validate_payload(row, limits),
                                              max_line_bytes=settings.get_int("ingest.max_line_bytes"),
                                              notes=summary["notes"]):
        summary["lines"] += 1
        if error or payload is None:
            summary["errors"].append({"line": line_no, "error": error})
            continue
        pending.append((line_no, payload))
        if len(pending) >= batch:
            flush()
    flush()
    summary["errors"].sort(key=lambda e: e["line"])
    if not summary["notes"]:
        del summary["notes"]
    return summary


def cmd_ingest(args: argparse.Namespace) -> int:
    home = home_of(args)
    if not args.file.is_file():
        raise CommandError(f"không tìm thấy tệp {args.file}")
    with home.open_store() as store:
        summary = ingest_file(store, args.file, settings=home.settings)
        store.audit(cli_actor(), "raw.ingest", "raw_queue", args.file.name,
                    after={k: summary[k] if k != "errors" else len(summary[k]) for k in
                           ("lines", "queued", "already_queued", "errors")})
    for note in summary.get("notes", []):
        sys.stderr.write(f"{args.file}:{note['line']}: {note['note']}\n")
    for error in summary["errors"]:
        sys.stderr.write(f"{args.file}:{error['line']}: {error['error']}\n")
    print_json(summary)
    return 0 if summary["queued"] or summary["already_queued"] or not summary["errors"] else 1


def cmd_process(args: argparse.Namespace) -> int:
    from pipeline.core.process import process_queue

    home = home_of(args)
    with home.open_store() as store:
        pending = store.raw_counts().get("pending", 0)
        total = min(pending, args.limit) if args.limit else pending
        if not args.json:
            say(f"Hàng đợi có {number(pending)} tin chờ xử lý." if pending else "Hàng đợi trống: không có gì để xử lý.")
        with Progress("Đang xử lý", total, enabled=None if not args.json else False) as bar:
            summary = process_queue(home, store, args.limit, on_batch=lambda _summary, claimed: bar.advance(claimed))
    if args.json:
        print_json(summary)
    elif summary["claimed"]:
        say(process_line(summary))
    return 0


def process_line(summary: dict[str, Any]) -> str:
    """What one `process` run did, in one Vietnamese line."""
    queue = summary.get("queue") or {}
    line = (f"Đã xử lý {number(summary['claimed'])} tin trong {number(summary['seconds'], 1)} giây: "
            f"{number(summary['relevant'])} liên quan đến tỉnh, {number(summary['duplicates'])} trùng lặp, "
            f"{number(summary['failed'])} lỗi; còn {number(queue.get('pending', 0))} tin chờ.")
    for error in summary.get("errors", [])[:3]:
        line += f"\n  lỗi: {error.get('url')}: {error.get('error')}"
    return line


# ---------------------------------------------------------------------------- reading
def item_view(item: dict[str, Any], full: bool = False) -> dict[str, Any]:
    view = {name: item.get(name) for name in ITEM_FIELDS}
    if full:
        view["text"] = item.get("text")
    return view


def _run_query(store: Store, query: ItemQuery) -> Any:
    try:
        return store.search(query)
    except QueryError as exc:
        raise CommandError(f"truy vấn không hợp lệ: {exc}") from exc


def cmd_items(args: argparse.Namespace) -> int:
    home = home_of(args)
    query = query_from_args(args)
    with home.open_store() as store:
        if args.export:
            from pipeline.reports.items_export import export_items

            count = export_items(store, query.with_(limit=max(args.limit, 0) or 10**9), args.export)
            print_json({"exported": count, "file": str(args.export)})
            return 0
        result = _run_query(store, query)
        for item in result.items:
            if args.json:
                print_json(item_view(item, args.full))
            else:
                mark = "*" if item.get("relevant") else " "
                print(f"{mark} {_date(item)}  {str(item.get('source') or '')[:18]:18}  {display_title(item)}")
        _more(result.total, args.offset, len(result.items), args.limit)
    return 0


def _date(item: dict[str, Any]) -> str:
    return published_text(item, with_time=False)


def _more(total: int, offset: int, shown: int, limit: int) -> None:
    """Say so when a listing stops before the end (on standard error: JSON lines stay clean)."""
    rest = total - offset - shown
    if rest > 0:
        sys.stderr.write(f"Đã hiện {offset + 1}–{offset + shown} trong {total} mục; còn {rest} mục nữa "
                         f"(--offset {offset + shown} để xem tiếp, --limit để hiện nhiều hơn).\n")


def cmd_search(args: argparse.Namespace) -> int:
    from pipeline.core.store.snippets import pattern_of, snippet

    home = home_of(args)
    with home.open_store() as store:
        result = _run_query(store, query_from_args(args, text=args.query).with_(sort=args.sort))
        pattern = pattern_of(args.query)
        names = {source["id"]: source.get("name") or source["id"] for source in store.list_records("sources")}
        bold = sys.stdout.isatty()
        if not args.json:
            print(f"{result.total} kết quả")
        for item in result.items:
            passage = snippet(item.get("text") or "", pattern)
            source = names.get(item.get("source") or "") or item.get("site_name") or item.get("source") or ""
            if args.json:
                print_json({**item_view(item), "source_name": source, "snippet": passage.text,
                            "highlights": passage.highlights})
                continue
            title = snippet(display_title(item), pattern, width=10**6)
            marks = ("\033[1m", "\033[0m") if bold else ("«", "»")
            print(f"- {title.marked(*marks)}")
            print(f"  {_date(item)} · {source} · <{item['url']}>")
            if passage.text:
                print(f"  {passage.marked(*marks)}")
        _more(result.total, args.offset, len(result.items), args.limit)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    home = home_of(args)
    with home.open_store() as store:
        print_json({"reindexed": store.reindex()})
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.cli.scheduler import run_main_job

    return run_main_job(home_of(args), dashboard=not args.no_dashboard, once=args.once,
                        host=args.host, port=args.port, as_json=args.json)
