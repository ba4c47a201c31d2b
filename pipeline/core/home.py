"""A home is the folder that holds one office's configuration and (on the embedded backend) its data.

It is its owner's alone: created mode 700 with its files 600 (the command line runs with umask 077), because
it holds password hashes, the office's signing key, secrets and every collected item. Whoever can run commands
on it can change anything in it, which is why the command line audits changes as the operating-system user.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipeline.core.secrets import SecretsError, read_secrets, secrets_in
from pipeline.core.settings import Settings

if TYPE_CHECKING:
    from pipeline.core.profiles import Profile
    from pipeline.core.store.base import Store

log = logging.getLogger(__name__)

DEFAULT_HOME = "var"
CONFIG_FILE = "config.yaml"
PROFILE_FILE = "profile.yaml"


class HomeError(Exception):
    pass


def default_home() -> Path:
    return Path(os.environ.get("DIEMTIN_HOME") or DEFAULT_HOME)


class Home:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    def exists(self) -> bool:
        return self.config_path.is_file()

    def require(self) -> Home:
        if not self.exists():
            raise HomeError(
                f"{self.path} is not a Điểm tin home (no {CONFIG_FILE}); create one with "
                f"`diemtin --home {self.path} init --province ID`"
            )
        return self

    @cached_property
    def config(self) -> dict[str, Any]:
        if not self.exists():
            return {}
        return yaml.safe_load(self.config_path.read_text(encoding="utf-8")) or {}

    @cached_property
    def settings(self) -> Settings:
        try:
            secrets = read_secrets(self.path)
        except SecretsError as exc:
            raise HomeError(str(exc)) from exc
        settings = Settings(self.config, secrets=secrets)
        leaked = secrets_in(self.config)
        if leaked:
            log.warning("config.yaml holds secrets; move them to secrets.yaml (mode 600) or the environment %s",
                        {"config": str(self.config_path), "settings": leaked})
        return settings

    @cached_property
    def profile(self) -> Profile:
        from pipeline.core.profiles import load_home_profile

        return load_home_profile(self.settings.get("province"), self.path / PROFILE_FILE)

    def open_store(self) -> Store:
        from pipeline.core.store import open_store

        return open_store(self.settings.get("store.url"), self.path, self.settings)

    @classmethod
    def init(cls, path: str | os.PathLike[str], province: str, store_url: str = "embedded", demo: bool = False) -> Home:
        """Create a home for a province: its config and the office's own part of the profile (``profile.yaml``,
        what the office edits; the generated part stays in pipeline/core/profiles/). The office's records,
        sources and accounts come from ``pipeline/office/setup.py``. ``demo`` marks a new home as a demo home
        (setting ``demo``), the only kind the bundled sample may fill."""
        from pipeline.core.profiles import OFFICE_TEMPLATE, profile_path

        profile_path(province)  # raises for an unknown province id
        home = cls(path)
        home.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(home.path, 0o700)
        if not home.exists():
            config: dict[str, Any] = {"province": province, "store": {"url": store_url}}
            if demo:
                config["demo"] = True
            write_private(home.config_path, yaml.safe_dump(config, allow_unicode=True))
        if not (home.path / PROFILE_FILE).exists():
            write_private(home.path / PROFILE_FILE, OFFICE_TEMPLATE.format(province=province))
        return cls(path)


def write_private(path: Path, text: str | bytes) -> None:
    """Write a file its owner alone can read, from its first byte (no window in which it is 644)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
