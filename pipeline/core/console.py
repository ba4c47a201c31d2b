"""What every command module shares, whichever area it belongs to: the one-line error a person sees, JSON
lines on standard output, and the home the arguments name. The entry point (``pipeline/cli/main.py``) catches
:class:`CommandError`; command modules of the areas raise it without knowing the entry point."""

from __future__ import annotations

import argparse
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
