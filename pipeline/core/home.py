"""A home is the folder that holds one office's configuration and (on the embedded backend) its data."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipeline.core.settings import Settings

if TYPE_CHECKING:
    from pipeline.core.profiles import Profile
    from pipeline.core.store.base import Store

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
        return Settings(self.config)

    @cached_property
    def profile(self) -> Profile:
        from pipeline.core.profiles import load_home_profile

        return load_home_profile(self.settings.get("province"), self.path / PROFILE_FILE)

    def open_store(self) -> Store:
        from pipeline.core.store import open_store

        return open_store(self.settings.get("store.url"), self.path, self.settings)

    @classmethod
    def init(cls, path: str | os.PathLike[str], province: str, store_url: str = "embedded") -> Home:
        """Create a home for a province: its config and the office's own part of the profile (``profile.yaml``,
        what the office edits; the generated part stays in pipeline/core/profiles/). The office's records,
        sources and accounts come from ``pipeline/office/setup.py``."""
        from pipeline.core.profiles import OFFICE_TEMPLATE, profile_path

        profile_path(province)  # raises for an unknown province id
        home = cls(path)
        home.path.mkdir(parents=True, exist_ok=True)
        if not home.exists():
            home.config_path.write_text(
                yaml.safe_dump({"province": province, "store": {"url": store_url}}, allow_unicode=True),
                encoding="utf-8",
            )
        if not (home.path / PROFILE_FILE).exists():
            (home.path / PROFILE_FILE).write_text(OFFICE_TEMPLATE.format(province=province), encoding="utf-8")
        return cls(path)
