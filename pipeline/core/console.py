"""What every command module shares, whichever area it belongs to: the one-line error a person sees, JSON
lines on standard output, and the home the arguments name. The entry point (``pipeline/cli/main.py``) catches
:class:`CommandError`; command modules of the areas raise it without knowing the entry point."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from pipeline.core.home import Home


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def home_of(args: argparse.Namespace, require: bool = True) -> Home:
    home = Home(args.home)
    return home.require() if require else home


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Commands that report to a person by default keep their machine-readable report behind ``--json``."""
    parser.add_argument("--json", action="store_true", help="in báo cáo dạng JSON (một đối tượng mỗi dòng)")


def say(line: str) -> None:
    """One short line for the person at the terminal (standard output)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def number(value: float, decimals: int = 0) -> str:
    """A number as Vietnamese writes it: 1.234 and 12,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class Progress:
    """A progress bar on the terminal (standard error) for work that takes more than a few seconds; silent when
    standard error is not a terminal (a log file, a test, the scheduler's child), so output stays readable."""

    def __init__(self, description: str, total: int | None, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._task: Any = None
        self.description = description
        self.total = total

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                     transient=True, console=_stderr_console())
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, amount: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, amount)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def cli_actor() -> str:
    """Who a change made from the command line is audited as: the operating-system user running it, "cli:NAME".

    There is deliberately no option to name another account: whoever can run commands on a home can read and
    write it whole (it is theirs, mode 700), so the audit trail says who they are instead of whom they claim."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:?"
