"""Every change made from the command line is audited as the operating-system user running it (`cli:NAME`), and
no option lets a command act as another account (issue 11, point 9)."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from pipeline.cli.main import COMMANDS, build_parser
from pipeline.core.home import Home
from tests.conftest import json_lines, run_cli

ME = f"cli:{getpass.getuser()}"
IMPERSONATING = {"--actor", "--user", "--by", "--as", "--login", "--approver"}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
    return found


def test_no_command_has_an_option_to_act_as_someone_else():
    for command in COMMANDS:
        options = _options(build_parser([command]))
        assert not options & IMPERSONATING, f"diemtin {command}: {sorted(options & IMPERSONATING)}"


def test_the_old_impersonation_flags_are_refused(home: Home):
    claim = run_cli("claims", "add", "--claim", "Tin đồn sai", "--rebuttal", "Đã bác bỏ", "--actor", "admin",
                    home=home, check=False)
    assert claim.returncode == 2 and "--actor" in claim.stderr
    approve = run_cli("digest", "approve", "day-2026-11-24", "--user", "lead1", home=home, check=False)
    assert approve.returncode == 2 and "--user" in approve.stderr
    with home.open_store() as store:
        assert not [e for e in store.list_audit() if e["actor"] in ("admin", "lead1")]


def test_source_changes_from_the_command_line_are_audited_as_the_os_user(home: Home, tmp_path: Path):
    added = json_lines(run_cli("sources", "add", "--name", "Báo Thử Nghiệm", "--url", "https://thu.vn/rss",
                               home=home).stdout)[-1]
    run_cli("sources", "disable", added["id"], home=home)
    run_cli("sources", "enable", added["id"], home=home)
    registry = tmp_path / "nguon.csv"
    registry.write_text("name,homepage,kind,language,rss_urls,sitemap_url,notes,evidence\n"
                        "Báo Nhập Khẩu,https://nk.vn,national_press,vi,https://nk.vn/rss,,,\n", encoding="utf-8")
    run_cli("sources", "import", str(registry), home=home)
    with home.open_store() as store:
        trail = [(e["actor"], e["action"], e["entity_id"]) for e in store.list_audit("source")]
        disabled = next(e for e in store.list_audit("source") if e["action"] == "source.disable")
    assert trail == [(ME, "source.add", added["id"]), (ME, "source.disable", added["id"]),
                     (ME, "source.enable", added["id"]), (ME, "source.add", "bao-nhap-khau")]
    assert disabled["before"] == {"enabled": True} and disabled["after"] == {"enabled": False}


def test_claims_and_case_exports_are_audited_as_the_os_user(home: Home, tmp_path: Path):
    made = json_lines(run_cli("claims", "add", "--claim", "Nhà máy X xả thải gây chết cá hàng loạt ở sông Cầu",
                              "--rebuttal", "Sở TN-MT đã kiểm tra, không có xả thải", home=home).stdout)[-1]
    run_cli("claims", "deactivate", made["id"], "--reason", "đã hết lan truyền", home=home)
    source = tmp_path / "claims.jsonl"
    source.write_text('{"claim": "Tin đồn thứ hai về Thái Nguyên", "rebuttal": "Không đúng sự thật"}\n',
                      encoding="utf-8")
    imported = json_lines(run_cli("claims", "import", str(source), home=home).stdout)[-1]["ids"]
    with home.open_store() as store:
        trail = [(e["action"], e["actor"]) for claim_id in (made["id"], *imported)
                 for e in store.list_audit("claim", claim_id)]
        assert store.get_record("claims", made["id"])["created_by"] == ME
    assert trail == [("claim.add", ME), ("claim.deactivate", ME), ("claim.add", ME)]


def test_a_digest_approved_from_the_command_line_names_the_os_user(tmp_path: Path):
    from tests.reports.conftest import make_home

    home, _ = make_home(tmp_path / "home", {"digest": {"formats": ["md"]}})
    made = json_lines(run_cli("digest", "--json", "--period", "day", "--date", "2026-11-24", "-o", str(tmp_path / "d.md"),
                              home=home).stdout)[-1]
    approved = json_lines(run_cli("digest", "--json", "approve", made["id"], home=home).stdout)[-1]
    assert approved["approved_by"] == ME
    with home.open_store() as store:
        [entry] = [e for e in store.list_audit("digest", made["id"]) if e["action"] == "digest.approve"]
        record = store.get_record("digests", made["id"])
    assert entry["actor"] == ME and record["created_by"] == ME
    run_cli("case", "export", "HS-20261124-001", "-o", str(tmp_path / "ho-so"), home=home)
    with home.open_store() as store:
        exports = [e for e in store.list_audit("case", "HS-20261124-001") if e["action"] == "case.export"]
    assert [e["actor"] for e in exports] == [ME]
