"""Commands: digest, report, case export|verify. Thin: each calls the library functions tests call."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pipeline.core import vocabulary
from pipeline.core.console import CommandError, add_json_flag, cli_actor, home_of, number, print_json, say
from pipeline.core.timeutil import format_vn
from pipeline.documents.document import document_number
from pipeline.documents.formats import FORMATS
from pipeline.reports.digests import (
    DigestError,
    approve_digest,
    digest_file,
    get_digest,
    issue,
    list_digests,
    period_of,
    send_digest,
)
from pipeline.reports.mail import MailError
from pipeline.reports.periods import DIGEST_PERIODS, REPORT_PERIODS


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {text!r} (cần YYYY-MM-DD)") from exc


def _format_of(args: argparse.Namespace) -> str:
    fmt = args.format or Path(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise CommandError(f"Định dạng không hợp lệ: {fmt or '(không có)'}; chọn --format {'|'.join(FORMATS)}.")
    return fmt


def _make(args: argparse.Namespace) -> int:
    """Issue (or reuse, when already approved) the period's document and write it in one format."""
    if not args.period or not args.output:
        raise CommandError("Cần --period và -o TỆP (ví dụ: diemtin digest --period day --format docx -o diem-tin.docx).")
    fmt = _format_of(args)
    home = home_of(args)
    period = period_of(args.period, args.date)
    with home.open_store() as store:
        existing = store.get_record("digests", period.key)
        if existing and existing.get("status") != "draft":
            record = existing
        else:
            record = issue(home, store, period, actor=cli_actor())
        if fmt not in record["files"]:
            raise CommandError(f"Điểm tin {record['id']} không lưu bản {fmt} (xem cài đặt digest.formats).")
        data = digest_file(store, record["id"], fmt)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_bytes(data)
    report = {"id": record["id"], "status": record["status"],
              "number": f"{document_number(record['number'])}/{record['symbol']}",
              "file": str(args.output), "items": record["figures"].get("items")}
    if args.json:
        print_json(report)
    else:
        say(f"{(record.get('title') or 'điểm tin').capitalize()} {record.get('subtitle') or ''}".strip()
            + f": số {report['number']}, {number(report['items'] or 0)} tin, "
            f"{vocabulary.text('digest_statuses', record['status'])}; đã ghi {args.output}.")
    return 0


def _digest(args: argparse.Namespace) -> int:
    try:
        if args.action is None:
            return _make(args)
        home = home_of(args)
        with home.open_store() as store:
            if args.action == "list":
                for record in list_digests(store):
                    row = {k: record.get(k) for k in ("id", "period", "status", "number", "symbol", "created_at",
                                                      "approved_by", "sent_at")} | {"formats": sorted(record["files"])}
                    if args.json:
                        print_json(row)
                    else:
                        say(f"{row['id']}: số {document_number(row['number'])}/{row['symbol']}, "
                            f"{vocabulary.text('digest_statuses', row['status'])}, lập {format_vn(row['created_at'])}")
                return 0
            if not args.id:
                raise CommandError(f"Cần mã điểm tin: diemtin digest {args.action} MÃ.")
            get_digest(store, args.id)
            if args.action == "approve":
                record = approve_digest(store, args.id, cli_actor())
            else:
                record = send_digest(home, store, args.id, cli_actor(), to=args.to or None)
            result = {k: record.get(k) for k in ("id", "status", "approved_by", "sent_at", "sent_to")}
            if args.json:
                print_json(result)
            else:
                say(f"Điểm tin {result['id']}: {vocabulary.text('digest_statuses', result['status'])}"
                    + (f", gửi tới {', '.join(result['sent_to'])}" if result.get("sent_to") else "") + ".")
            return 0
    except (DigestError, MailError) as exc:
        raise CommandError(str(exc)) from exc


def _case_export(args: argparse.Namespace) -> int:
    from pipeline.core.store.base import NotFound
    from pipeline.reports.casefile import export_case

    home = home_of(args)
    with home.open_store() as store:
        try:
            case_file = export_case(home, store, args.case_id, args.output, actor=cli_actor())
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
    print_json({"case": args.case_id, "docx": str(case_file.docx), "zip": str(case_file.zip)})
    return 0


def _trusted_key(args: argparse.Namespace) -> tuple[list, str]:
    """The public key a case file must be signed with: --public-key, else the home's own office key."""
    from pipeline.core.home import Home
    from pipeline.office.keys import SigningKeyError, key_paths, load_public_key

    try:
        if args.public_key:
            return [load_public_key(Path(args.public_key))], str(args.public_key)
        home = Home(args.home)
        public = key_paths(home)[1]
        if home.exists() and public.is_file():
            return [load_public_key(public)], f"khóa của cơ quan trong {home.path}"
    except SigningKeyError as exc:
        raise CommandError(str(exc)) from exc
    raise CommandError("không có khóa công khai để xác minh người ký: dùng --public-key TỆP (khóa do cơ quan gửi "
                       "hồ sơ cung cấp, xem `diemtin case key`), hoặc --home của cơ quan đã ký")


def _case_verify(args: argparse.Namespace) -> int:
    from pipeline.reports.evidence import check_case_zip

    keys, key_name = _trusted_key(args)
    result = check_case_zip(args.zip, keys)
    if result.problems:
        for problem in result.problems:
            sys.stderr.write(f"diemtin: {problem}\n")
        sys.stderr.write(f"diemtin: {args.zip}: bằng chứng KHÔNG còn nguyên vẹn hoặc không do khóa tin cậy ký "
                         f"({len(result.problems)} lỗi)\n")
        return 1
    print(f"{args.zip}: bằng chứng nguyên vẹn, mọi tệp khớp mã SHA-256; chữ ký hợp lệ.")
    print(f"Người ký: {result.signer}")
    print(f"Thời điểm ký: {format_vn(result.signed_at)} ({result.signed_at})")
    print(f"Hồ sơ: {result.case_id}; khóa: {result.key_fingerprint} ({key_name})")
    return 0


def _case_key(args: argparse.Namespace) -> int:
    from pipeline.office.keys import ensure_office_key, fingerprint, load_public_key

    home = home_of(args)
    public = ensure_office_key(home)
    data = public.read_bytes()
    if args.output:
        Path(args.output).write_bytes(data)
        Path(args.output).chmod(0o644)
    else:
        sys.stdout.write(data.decode("ascii"))
    print_json({"public_key": str(args.output or public), "fingerprint": fingerprint(load_public_key(data))})
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    digest = subparsers.add_parser(
        "digest", help="điểm tin ngày/tuần/tháng: lập, liệt kê, duyệt, gửi",
        description="Không có thao tác: lập điểm tin của kỳ và ghi ra tệp. list: liệt kê; approve MÃ: duyệt; "
                    "send MÃ: gửi thư điểm tin đã duyệt. Từ dòng lệnh, người thực hiện được ghi vào nhật ký là "
                    "tài khoản hệ điều hành (cli:TÊN), chủ của thư mục home.",
    )
    digest.add_argument("action", nargs="?", choices=("list", "approve", "send"))
    digest.add_argument("id", nargs="?", help="mã điểm tin, ví dụ day-2026-11-24")
    digest.add_argument("--period", choices=DIGEST_PERIODS)
    digest.add_argument("--date", type=_day, help="một ngày trong kỳ (YYYY-MM-DD); mặc định: hôm qua")
    digest.add_argument("--format", choices=FORMATS, help="mặc định: theo đuôi tệp -o")
    digest.add_argument("-o", "--output", help="tệp kết quả")
    digest.add_argument("--to", action="append", help="người nhận (thay cho smtp.to); lặp lại được")
    add_json_flag(digest)
    digest.set_defaults(handler=_digest, action=None)

    report = subparsers.add_parser("report", help="báo cáo quý, 6 tháng, năm")
    report.add_argument("--period", choices=REPORT_PERIODS, required=True)
    report.add_argument("--date", type=_day, help="một ngày trong kỳ (YYYY-MM-DD); mặc định: hôm qua")
    report.add_argument("--format", choices=FORMATS)
    report.add_argument("-o", "--output", required=True)
    add_json_flag(report)
    report.set_defaults(handler=_digest, action=None, id=None, to=None)

    case = subparsers.add_parser("case", help="hồ sơ chuyển xử lý: xuất phiếu và bằng chứng, kiểm tra bằng chứng")
    case_sub = case.add_subparsers(dest="case_command", required=True, metavar="THAO_TÁC")
    export = case_sub.add_parser("export", help="xuất phiếu chuyển xử lý (DOCX) và tệp bằng chứng (ZIP)")
    export.add_argument("case_id")
    export.add_argument("-o", "--output", required=True, help="thư mục kết quả")
    export.set_defaults(handler=_case_export)
    verify = case_sub.add_parser("verify", help="kiểm tra tệp bằng chứng ZIP: nguyên vẹn và do cơ quan gửi ký")
    verify.add_argument("zip")
    verify.add_argument("--public-key", help="khóa công khai của cơ quan gửi (tệp PEM); mặc định: khóa của --home")
    verify.set_defaults(handler=_case_verify)
    key = case_sub.add_parser("key", help="khóa công khai của cơ quan, để gửi cho các cơ quan nhận hồ sơ")
    key.add_argument("-o", "--output", help="ghi khóa công khai (PEM) ra tệp này")
    key.set_defaults(handler=_case_key)
