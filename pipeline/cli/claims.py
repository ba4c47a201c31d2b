"""`diemtin claims add|list|import|deactivate`: the rebuttal knowledge base from the command line.

Changes are audited as the operating-system user (``cli:NAME``); no option names another account."""

from __future__ import annotations

import argparse

from pipeline.core.console import CommandError, cli_actor, home_of, print_json
from pipeline.core.store.base import NotFound
from pipeline.office.claims import ClaimError, add_claim, deactivate_claim, import_claims, list_claims


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("claims", help="cơ sở dữ liệu nhận định sai và thông tin phản bác")
    claims = p.add_subparsers(dest="claims_command", required=True, metavar="LỆNH")

    a = claims.add_parser("add", help="thêm (hoặc cập nhật) một nhận định sai đã được phản bác")
    a.add_argument("--claim", required=True, help="nội dung nhận định sai")
    a.add_argument("--rebuttal", required=True, help="nội dung phản bác chính thức")
    a.add_argument("--source", default="", dest="rebuttal_source", help="cơ quan phản bác")
    a.add_argument("--date", default="", dest="rebuttal_date", help="ngày phản bác (YYYY-MM-DD)")
    a.add_argument("--url", default="", dest="rebuttal_url", help="đường dẫn văn bản phản bác")
    a.add_argument("--topics", default="", help="mã chủ đề, cách nhau bởi dấu phẩy")
    a.set_defaults(handler=cmd_add)

    li = claims.add_parser("list", help="liệt kê nhận định")
    li.add_argument("--active", action="store_true", help="chỉ nhận định đang dùng")
    li.set_defaults(handler=cmd_list)

    im = claims.add_parser("import", help="nhập nhận định từ tệp JSONL")
    im.add_argument("file", help="tệp JSONL, mỗi dòng {claim, rebuttal, rebuttal_source, ...}")
    im.set_defaults(handler=cmd_import)

    de = claims.add_parser("deactivate", help="ngừng so khớp một nhận định (giữ lại bản ghi)")
    de.add_argument("id")
    de.add_argument("--reason", default="")
    de.set_defaults(handler=cmd_deactivate)


def cmd_add(args: argparse.Namespace) -> int:
    home = home_of(args)
    fields = {k: getattr(args, k) for k in ("claim", "rebuttal", "rebuttal_source", "rebuttal_date", "rebuttal_url")}
    fields["topics"] = args.topics
    with home.open_store() as store:
        try:
            print_json(add_claim(store, fields, cli_actor()))
        except ClaimError as exc:
            raise CommandError(str(exc)) from exc
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        for record in list_claims(store, active_only=args.active):
            print_json(record)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    home = home_of(args)
    with home.open_store() as store:
        try:
            records = import_claims(store, args.file, cli_actor())
        except ClaimError as exc:
            raise CommandError(str(exc)) from exc
    print_json({"imported": len(records), "ids": [r["id"] for r in records]})
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    with home_of(args).open_store() as store:
        try:
            print_json(deactivate_claim(store, args.id, cli_actor(), args.reason))
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
    return 0
