"""Secrets (a cluster's password, an API key, the SMTP password) are kept out of everything that is shown,
logged or copied: they live in the environment or in the home's ``secrets.yaml`` (mode 600), never in
``config.yaml``, and every message that may name a URL or a secret goes through :func:`redact` first.

`diemtin init --store-url http://elastic:PASSWORD@host:9200` writes the URL without its credentials to
``config.yaml`` and the user and password to ``secrets.yaml`` (``store.user``, ``store.password``), which the
Elasticsearch client alone is given.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import yaml

SECRETS_FILE = "secrets.yaml"
# Settings whose values are secrets: they belong in the environment or secrets.yaml, and are redacted wherever
# they might be shown.
SECRET_SETTINGS = ("store.api_key", "store.password", "smtp.password")
REDACTED = "***"
# user:password@ in any URL-like text (also in exception messages of HTTP clients).
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s'\"<>]+)@")
# Values of known secrets, registered when settings are read, redacted from logs and error messages too.
_KNOWN: set[str] = set()
# Secrets shorter than this are not searched for in text (a one-letter "password" would redact every "a").
_MIN_SECRET_CHARS = 4


class SecretsError(Exception):
    """A secrets file that is unsafe or unreadable (message in Vietnamese, for the operator)."""


def remember(value: Any) -> None:
    """Register a secret value so that :func:`redact` removes it from any text."""
    if isinstance(value, str) and len(value) >= _MIN_SECRET_CHARS:
        _KNOWN.add(value)
        if unquote(value) != value:
            _KNOWN.add(unquote(value))
        _KNOWN.add(quote(value, safe=""))


def redact(text: Any) -> str:
    """The text with URL credentials and every registered secret replaced by ``***``."""
    out = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", str(text))
    for secret in sorted(_KNOWN, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, REDACTED)
    return out


def split_credentials(url: str) -> tuple[str, str, str]:
    """(the URL without user:password@, the user, the password), user and password unquoted."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, "", ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, unquote(parts.username or ""), unquote(parts.password or "")


def redact_url(url: str | None) -> str:
    return redact(url or "")


def read_secrets(home: Path) -> dict[str, Any]:
    """The home's secrets file, refused when others can read it (as ssh refuses a private key)."""
    path = Path(home) / SECRETS_FILE
    if not path.is_file():
        return {}
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(f"{path} có quyền {oct(mode & 0o777)}: người khác đọc được; chạy `chmod 600 {path}`")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SecretsError(f"không đọc được {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SecretsError(f"{path} phải là một bảng YAML (section: {{key: value}})")
    return data


def write_secrets(home: Path, values: dict[str, Any]) -> Path:
    """Merge ``values`` ({section: {key: value}}) into the home's secrets file, created owner-only from the start
    (never world-readable for an instant)."""
    Path(home).mkdir(mode=0o700, parents=True, exist_ok=True)
    path = Path(home) / SECRETS_FILE
    current = read_secrets(home)
    for section, entries in values.items():
        current.setdefault(section, {}).update(entries)
    tmp = path.with_name(f".{SECRETS_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(current, handle, allow_unicode=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def secrets_in(config: dict[str, Any]) -> list[str]:
    """Dotted paths of secrets written in a config mapping (which should hold none)."""
    found = []
    for path in SECRET_SETTINGS:
        section, _, key = path.partition(".")
        value = (config.get(section) or {}).get(key) if isinstance(config.get(section), dict) else None
        if value:
            found.append(path)
    url = (config.get("store") or {}).get("url") if isinstance(config.get("store"), dict) else None
    if isinstance(url, str) and _URL_CREDENTIALS.search(url):
        found.append("store.url (user:password@)")
    return found


class RedactingFilter(logging.Filter):
    """Removes credentials from every log record's message and arguments before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is still logged, redacted as it stands
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            import traceback

            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


def install_log_redaction() -> None:
    """Every handler of the root logger (and any added later through basicConfig) redacts."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
