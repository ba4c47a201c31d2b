"""`diemtin`: the one command line. A thin layer: each area registers its subcommands from its own module,
and every command calls library functions that tests call directly."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.home import Home, HomeError, default_home

# Each module has `register(subparsers)`, adding its commands; a command's handler takes (args) -> int.
COMMAND_MODULES = (
    "pipeline.commands",
    "pipeline.store.commands",
    "pipeline.bench",
    "crawlers.commands",
    "classifiers.commands",
    "dashboard.commands",
    "pipeline.digest.commands",
)

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def home_of(args: argparse.Namespace, require: bool = True) -> Home:
    home = Home(args.home)
    return home.require() if require else home


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diemtin", description="Điểm tin: theo dõi báo chí và thông tin sai sự thật")
    parser.add_argument("--home", type=Path, default=default_home(), help="home folder (default ./var or $DIEMTIN_HOME)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug events")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format='{"at": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s", "event": %(message)r}',
        stream=sys.stderr,
    )
    for noisy in ("scrapy", "urllib3", "elastic_transport", "filelock", "httpx", "tornado"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except (CommandError, HomeError) as exc:
        sys.stderr.write(f"diemtin: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
