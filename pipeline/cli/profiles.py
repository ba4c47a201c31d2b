"""`diemtin profiles build|match|bench`: rebuild the province profiles from the administrative data, explain
why a text is or is not about the province, and measure relevance speed."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from pipeline.bench.relevance import benchmark
from pipeline.cli.profile_build import DEFAULT_ADMIN_DIR, DEFAULT_SOURCES_CSV, BuildError, build_profiles
from pipeline.core.console import CommandError, home_of, print_json
from pipeline.core.profiles import CURATED_FILE, PROFILE_DIR, PROVINCE_IDS, Profile, load_profile
from pipeline.core.relevance import RelevanceMatcher


def _build_command(args: argparse.Namespace) -> int:
    try:
        written = build_profiles(args.admin, args.sources, args.out, curated=args.curated)
    except BuildError as exc:
        raise CommandError(str(exc)) from exc
    print_json({"written": [str(p) for p in written]})
    return 0


def _profile_of(args: argparse.Namespace) -> Profile:
    try:
        if args.province:
            return load_profile(args.province)
        return home_of(args).profile
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _match_command(args: argparse.Namespace) -> int:
    print_json(asdict(RelevanceMatcher(_profile_of(args)).match(args.title, args.text)))
    return 0


def _bench_command(args: argparse.Namespace) -> int:
    print_json(benchmark(_profile_of(args), args.n))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("profiles", help="hồ sơ tỉnh (địa danh, cơ quan, nguồn mặc định)")
    sub = parser.add_subparsers(dest="profiles_command", required=True, metavar="SUBCOMMAND")
    build = sub.add_parser("build", help="sinh lại pipeline/core/profiles/<tỉnh>.yaml từ dữ liệu hành chính")
    build.add_argument("--admin", type=Path, default=DEFAULT_ADMIN_DIR, help="thư mục data/admin (CSV dvhcvn)")
    build.add_argument("--sources", type=Path, default=DEFAULT_SOURCES_CSV, help="tệp data/sources.csv")
    build.add_argument("--out", type=Path, default=PROFILE_DIR, help="thư mục ghi hồ sơ")
    build.add_argument("--curated", type=Path, default=CURATED_FILE, help="tệp phần biên soạn tay")
    build.set_defaults(handler=_build_command)
    match = sub.add_parser("match", help="xem một tin có liên quan đến tỉnh không, và vì sao")
    match.add_argument("--province", choices=PROVINCE_IDS, help="mã tỉnh (mặc định: tỉnh của thư mục --home)")
    match.add_argument("--title", default="", help="tiêu đề")
    match.add_argument("--text", default="", help="nội dung")
    match.set_defaults(handler=_match_command)
    bench = sub.add_parser("bench", help="đo tốc độ xét liên quan (tin/giây) trên tin tổng hợp")
    bench.add_argument("--province", choices=PROVINCE_IDS, help="mã tỉnh (mặc định: tỉnh của thư mục --home)")
    bench.add_argument("--n", type=int, default=2000, help="số tin")
    bench.set_defaults(handler=_bench_command)
