"""The one command line: every command its table promises is registered by the module named for it."""

from __future__ import annotations

import pytest

from pipeline.cli.main import COMMANDS, build_parser, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_listed_command_is_registered_by_its_module(command: str, capsys):
    parser = build_parser([command])
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([command, "--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    assert f"diemtin {command}" in usage


def test_help_lists_commands_without_importing_their_modules(capsys):
    import sys

    heavy = ("streamlit", "scrapy", "torch", "sklearn")
    before = {name for name in heavy if name in sys.modules}
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
    assert {name for name in heavy if name in sys.modules} == before
