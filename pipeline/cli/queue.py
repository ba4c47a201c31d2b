"""`diemtin queue failed|retry|drop`: the raw records processing gave up on, and what an operator does with them.

A record fails when it cannot become an item (a wrong field, refused at once) or after ``pipeline.max_attempts``
failed tries; it is kept with its reason, never deleted. `retry` puts it back in the queue with its attempts reset
(after a fix, or once a stage is mended); `drop` sets it aside for good (state "dropped", still kept). Both are
audited as the operating-system user.
"""

from __future__ import annotations

import argparse

from pipeline.core.console import CommandError, add_json_flag, cli_actor, home_of, number, print_json, say
from pipeline.core.store.base import RAW_STATES
from pipeline.core.timeutil import format_vn


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("queue", help="hàng đợi: bản ghi xử lý lỗi, thử lại, loại bỏ")
    actions = p.add_subparsers(dest="queue_command", required=True, metavar="THAO_TÁC")

    f = actions.add_parser("failed", help="liệt kê bản ghi xử lý lỗi, kèm lý do")
    f.add_argument("--state", choices=RAW_STATES, default="failed", help="trạng thái cần xem (mặc định failed)")
    f.add_argument("--limit", type=int, default=100)
    f.add_argument("--payload", action="store_true", help="in cả nội dung bản ghi (với --json)")
    add_json_flag(f)
    f.set_defaults(handler=cmd_failed)

    for name, help_text in (("retry", "đưa bản ghi lỗi về hàng đợi để xử lý lại (đặt lại số lần thử)"),
                            ("drop", "loại bỏ bản ghi lỗi (giữ lại, không xử lý nữa)")):
        a = actions.add_parser(name, help=help_text)
        a.add_argument("raw_ids", nargs="*", metavar="RAW_ID", help="mã bản ghi (xem `diemtin queue failed`)")
        a.add_argument("--all", action="store_true", help="mọi bản ghi đang lỗi")
        add_json_flag(a)
        a.set_defaults(handler=cmd_move, target="pending" if name == "retry" else "dropped", action=name)


def cmd_failed(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        records = store.list_raw(args.state, args.limit)
        counts = store.raw_counts()
    for record in records:
        if not args.payload:
            record.pop("payload", None)
        if args.json:
            print_json(record)
        else:
            say(f"{record['raw_id']}  {record['url'][:100]}\n  {record['attempts']} lần thử, "
                f"lần cuối {format_vn(record['finished_at'])}: {record['error']}")
    if not args.json:
        shown = f"{number(len(records))} trong {number(counts.get(args.state, 0))}"
        say(f"{shown} bản ghi ở trạng thái {args.state}. Thử lại: diemtin queue retry MÃ|--all; "
            "loại bỏ: diemtin queue drop MÃ|--all." if records else f"Không có bản ghi nào ở trạng thái {args.state}.")
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    if bool(args.raw_ids) == bool(args.all):
        raise CommandError(f"cần mã bản ghi hoặc --all (ví dụ: diemtin queue {args.action} --all)")
    actor = cli_actor()
    with home_of(args).open_store() as store:
        moved = store.set_raw_state(None if args.all else args.raw_ids, args.target, from_state="failed")
        store.audit(actor, f"queue.{args.action}", "raw_queue", "all-failed" if args.all else ",".join(args.raw_ids),
                    after={"state": args.target, "records": moved})
        counts = store.raw_counts()
    if args.json:
        print_json({args.action: moved, "queue": counts})
    elif args.action == "retry":
        say(f"Đã đưa {number(moved)} bản ghi về hàng đợi; chạy `diemtin process` để xử lý lại.")
    else:
        say(f"Đã loại bỏ {number(moved)} bản ghi (vẫn được giữ lại, trạng thái dropped).")
    return 0
