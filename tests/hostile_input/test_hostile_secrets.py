"""Secrets stay secret and the home stays its owner's: credentials never in output, logs, tracebacks or
config.yaml; every file of a home owner-only from its first byte; the dashboard behind TLS in the compose
deployment (issue 11, points 7 and 8)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
import yaml

from pipeline.core.home import Home, HomeError
from pipeline.core.secrets import SECRETS_FILE, RedactingFilter, redact
from tests.conftest import REPO, json_lines, run_cli

PASSWORD = "Sup3r-S3cret-Passw0rd"


def _modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): stat.S_IMODE(p.stat().st_mode) for p in [home, *home.rglob("*")]}


def _owner_only(home: Path) -> None:
    modes = _modes(home)
    assert modes["."] == 0o700
    loose = {name: oct(mode) for name, mode in modes.items() if name != "." and "/" not in name and mode & 0o077
             and not name.endswith(".pub")}
    assert not loose, f"group/world-accessible in the home: {loose}"


def test_a_new_embedded_home_is_owner_only(tmp_path: Path):
    home = tmp_path / "var"
    report = json_lines(run_cli("init", "--province", "thai-nguyen", home=home).stdout)[-1]
    _owner_only(home)
    for name in ("config.yaml", "store.sqlite3", "admin-password.txt", "profile.yaml", "keys/office-ed25519.pem"):
        assert _modes(home)[name] == 0o600, name
    assert report["admin_password_file"].endswith("admin-password.txt")


def test_the_admin_password_file_is_never_readable_by_others_not_even_for_an_instant(tmp_path: Path, monkeypatch):
    from pipeline.office.accounts import first_admin
    from pipeline.office.setup import create_home

    home = create_home(tmp_path / "home", "thai-nguyen")  # no account yet: first_admin makes "admin"
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)  # no chmod afterwards: the file must be born 600
    old = os.umask(0o022)
    try:
        with home.open_store() as store:
            path = first_admin(home, store)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.elasticsearch
def test_store_credentials_go_to_the_secrets_file_and_nowhere_else(tmp_path: Path):
    from es_server import fresh_prefix, noida_url

    url = noida_url().replace("http://", f"http://elastic:{PASSWORD}@")
    home = tmp_path / "es-home"
    env = {"DIEMTIN_STORE__INDEX_PREFIX": fresh_prefix()}
    result = run_cli("init", "--province", "thai-nguyen", "--store-url", url, home=home, env=env)
    assert PASSWORD not in result.stdout + result.stderr
    assert json_lines(result.stdout)[-1]["store"] == url.replace(f"elastic:{PASSWORD}", "***")
    config = yaml.safe_load((home / "config.yaml").read_text(encoding="utf-8"))
    assert config["store"]["url"] == noida_url() and PASSWORD not in (home / "config.yaml").read_text()
    secrets = yaml.safe_load((home / SECRETS_FILE).read_text(encoding="utf-8"))
    assert secrets["store"] == {"user": "elastic", "password": PASSWORD}
    assert stat.S_IMODE((home / SECRETS_FILE).stat().st_mode) == 0o600
    _owner_only(home)
    for path in home.rglob("*"):
        if path.is_file() and path.name != SECRETS_FILE:
            assert PASSWORD.encode() not in path.read_bytes(), path
    # The home works with them (the client gets them from the secrets file).
    assert run_cli("items", home=home, env=env).returncode == 0


def test_an_unreachable_cluster_is_named_without_its_password(tmp_path: Path):
    url = f"http://elastic:{PASSWORD}@127.0.0.1:9"  # discard port: refused at once
    result = run_cli("init", "--province", "thai-nguyen", "--store-url", url, home=tmp_path / "h", check=False,
                     env={"DIEMTIN_STORE__MAX_RETRIES": "0", "DIEMTIN_STORE__REQUEST_TIMEOUT": "2"})
    assert result.returncode != 0
    assert PASSWORD not in result.stdout + result.stderr
    assert "127.0.0.1:9" in result.stderr


def test_tracebacks_and_logs_are_redacted(tmp_path: Path):
    home = tmp_path / "h"
    run_cli("init", "--province", "thai-nguyen", home=home)
    # A bug's traceback (an unexpected exception) that carries a URL with credentials.
    env = {"DIEMTIN_STORE__URL": f"http://elastic:{PASSWORD}@127.0.0.1:9", "DIEMTIN_STORE__MAX_RETRIES": "0",
           "DIEMTIN_STORE__REQUEST_TIMEOUT": "2"}
    result = run_cli("-v", "search", "lũ", home=home, check=False, env=env)
    assert result.returncode != 0 and PASSWORD not in result.stdout + result.stderr
    assert redact(f"connect to https://u:{PASSWORD}@es.local:9200 failed") == "connect to https://***@es.local:9200 failed"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", (f"http://a:{PASSWORD}@h",), None)
    RedactingFilter().filter(record)
    assert PASSWORD not in record.getMessage()


def test_a_secrets_file_others_can_read_is_refused(tmp_path: Path):
    home = tmp_path / "h"
    run_cli("init", "--province", "thai-nguyen", home=home)
    secrets = home / SECRETS_FILE
    secrets.write_text(f"smtp:\n  password: {PASSWORD}\n", encoding="utf-8")
    secrets.chmod(0o644)
    with pytest.raises(HomeError, match="chmod 600"):
        _ = Home(home).settings
    result = run_cli("items", home=home, check=False)
    assert result.returncode == 2 and "chmod 600" in result.stderr and PASSWORD not in result.stderr
    secrets.chmod(0o600)
    assert Home(home).settings.get("smtp.password") == PASSWORD


def test_a_secret_written_in_config_yaml_is_warned_about_without_being_shown(tmp_path: Path):
    home = tmp_path / "h"
    run_cli("init", "--province", "thai-nguyen", home=home)
    config = home / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"smtp:\n  password: {PASSWORD}\n", encoding="utf-8")
    result = run_cli("items", home=home)
    assert "secrets.yaml" in result.stderr and PASSWORD not in result.stderr


def test_compose_publishes_the_dashboard_on_loopback_only_behind_a_tls_proxy():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            if name != "proxy":
                assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy") and any(str(p).endswith(":443") for p in proxy["ports"])
    caddyfile = (REPO / "deploy" / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy dashboard:8501" in caddyfile and "tls " in caddyfile
    assert any("Caddyfile" in volume for volume in proxy["volumes"])
    docs = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    assert "Caddy" in docs and "443" in docs and "secrets.yaml" in docs
