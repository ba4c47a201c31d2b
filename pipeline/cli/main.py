"""`diemtin`: the one command line. A thin layer: each area registers its subcommands from its own module,
and every command calls library functions that tests call directly."""

from __future__ import annotations

import argparse
import importlib
import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path

from pipeline.core.console import CommandError
from pipeline.core.home import Home, HomeError, default_home
from pipeline.core.secrets import install_log_redaction, redact, secrets_in
from pipeline.core.store.base import StoreError

# Top-level commands and the module that registers each (with `register(subparsers)`). Only the module of
# the command being run is imported: the others pull in Scrapy, Streamlit, torch... and a command should
# not pay for them.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("pipeline.cli.commands", "tạo thư mục làm việc (home) cho một tỉnh"),
    "ingest": ("pipeline.cli.commands", "đưa các mục từ tệp JSONL vào hàng đợi"),
    "process": ("pipeline.cli.commands", "xử lý hàng đợi (chuẩn hóa, liên quan, trùng lặp, phân loại)"),
    "classify": ("pipeline.cli.classify", "phân loại văn bản từ tệp JSONL mà không lưu (liên quan, cảnh báo, chủ đề)"),
    "items": ("pipeline.cli.commands", "liệt kê hoặc xuất các mục đã lưu"),
    "search": ("pipeline.cli.commands", "tìm kiếm toàn văn (không phân biệt dấu)"),
    "reindex": ("pipeline.cli.commands", "dựng lại chỉ mục tìm kiếm từ bản ghi"),
    "queue": ("pipeline.cli.queue", "hàng đợi: bản ghi xử lý lỗi, thử lại, loại bỏ"),
    "run": ("pipeline.cli.commands", "công việc chính: thu thập theo lịch, xử lý và bảng điều khiển"),
    "profiles": ("pipeline.cli.profiles", "hồ sơ tỉnh (địa danh, cơ quan, nguồn mặc định)"),
    "store": ("pipeline.cli.store", "cấu hình và chuyển kho dữ liệu (Elasticsearch)"),
    "bench": ("pipeline.bench.core", "đo hiệu năng"),
    "crawl": ("crawlers.commands", "thu thập tin từ các nguồn"),
    "submit": ("crawlers.commands", "gửi một đường dẫn để thu thập ngay"),
    "extract": ("crawlers.commands", "xem nội dung trích xuất từ một trang (tệp hoặc URL)"),
    "sources": ("crawlers.commands", "quản lý nguồn tin"),
    "classifier": ("classifiers.commands", "huấn luyện và đánh giá bộ phân loại văn bản"),
    "claims": ("pipeline.cli.claims", "cơ sở dữ liệu nhận định sai và thông tin phản bác"),
    "users": ("dashboard.commands", "quản lý tài khoản đăng nhập"),
    "dashboard": ("dashboard.commands", "chạy giao diện web"),
    "digest": ("pipeline.cli.reports", "điểm tin ngày, tuần, tháng"),
    "report": ("pipeline.cli.reports", "báo cáo quý, 6 tháng, năm"),
    "case": ("pipeline.cli.reports", "hồ sơ chuyển xử lý: xuất và kiểm tra"),
    "alerts": ("pipeline.cli.alerts", "cảnh báo: quy tắc, người nhận, lịch sự kiện, tin nhắn lỗi"),
}


def _command_of(argv: list[str]) -> str | None:
    """The top-level command in argv, skipping global options (and --home's value)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diemtin", description="Điểm tin: theo dõi báo chí và thông tin sai sự thật")
    parser.add_argument("--home", type=Path, default=default_home(), help="home folder (default ./var or $DIEMTIN_HOME)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug events")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = _command_of(sys.argv[1:] if argv is None else argv)
    loaded = COMMANDS[wanted][0] if wanted in COMMANDS else None
    if loaded:
        importlib.import_module(loaded).register(sub)
    for name, (module, help_text) in COMMANDS.items():
        if module != loaded:
            sub.add_parser(name, help=help_text)
    return parser


LOG_FORMAT = '{"at": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s", "event": %(message)r}'


def configure_logging(home_path: Path, verbose: bool) -> None:
    """Log events go to the home's log file, one JSON line each; a person at the terminal sees the commands'
    own Vietnamese lines, not the libraries' English ones (Scrapy, WeasyPrint...), unless they ask with -v.
    Without a home yet (before `init`), warnings and errors go to the terminal."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter(LOG_FORMAT)
    home = Home(home_path)
    if home.exists():
        path = home.path / home.settings.get_str("log.file")
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=home.settings.get_int("log.max_bytes"), backupCount=home.settings.get_int("log.backups"),
            encoding="utf-8")
        handler.setFormatter(formatter)
        root.addHandler(handler)
    if verbose or not home.exists():
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setFormatter(formatter)
        terminal.setLevel(logging.DEBUG if verbose else logging.WARNING)
        root.addHandler(terminal)
    logging.captureWarnings(True)
    if not verbose:
        for noisy in ("scrapy", "urllib3", "elastic_transport", "filelock", "httpx", "tornado", "weasyprint",
                      "fontTools", "trafilatura", "htmldate", "py.warnings"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _warn_of_secrets_in_config(home_path: Path) -> None:
    """A password in config.yaml is used, but the person at the terminal is told where it belongs (never shown)."""
    home = Home(home_path)
    leaked = secrets_in(home.config) if home.exists() else []
    if leaked:
        sys.stderr.write(f"diemtin: cảnh báo: {home.config_path} chứa bí mật ({', '.join(leaked)}); hãy chuyển sang "
                         f"{home.path / 'secrets.yaml'} (chmod 600) hoặc biến môi trường DIEMTIN_...\n")


def main(argv: list[str] | None = None) -> int:
    # Everything a command creates (the home, its database, keys, exports) is its owner's alone.
    os.umask(0o077)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        configure_logging(args.home, args.verbose)
    except HomeError as exc:  # an unsafe secrets file: said in one line, before anything runs
        sys.stderr.write(f"diemtin: {redact(exc)}\n")
        return 2
    install_log_redaction()
    _warn_of_secrets_in_config(args.home)
    try:
        return int(args.handler(args) or 0)
    except (CommandError, HomeError, StoreError) as exc:
        sys.stderr.write(f"diemtin: {redact(exc)}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: the traceback is for the developers, without any secret in it
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        sys.stderr.write(f"diemtin: lỗi không mong đợi: {redact(f'{type(exc).__name__}: {exc}')}\n")
        return 1

