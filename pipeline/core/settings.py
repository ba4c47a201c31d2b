"""Settings: the defaults of ``pipeline/core/defaults.py``, then a home's ``config.yaml``, then its ``secrets.yaml``
(mode 600: passwords and keys, never in config.yaml), then the environment.

Access is by dotted path with typed getters (``get_int("pipeline.batch_size")``). A path that is not in the
defaults is an error, never a silent ``None``: a setting exists only once, with its default and its reason.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import yaml

from pipeline.core.defaults import DEFAULTS
from pipeline.core.secrets import SECRET_SETTINGS, remember, split_credentials


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("DIEMTIN_") or "__" not in name and name[8:].lower() not in DEFAULTS:
            continue
        path = name[8:].lower().split("__")
        if path[0] not in DEFAULTS:
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = yaml.safe_load(raw) if raw else raw
    return out


class SettingError(KeyError):
    """A setting that does not exist, or a value of the wrong type (a typo in config.yaml or in code)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _default(path: str) -> Any:
    node: Any = DEFAULTS
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise SettingError(f"no setting {path!r} (every setting is listed in pipeline/core/defaults.py)")
        node = node[part]
    return node


class Settings:
    """Defaults, then the home's config.yaml, then the environment."""

    def __init__(self, overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None,
                 secrets: dict[str, Any] | None = None):
        data = copy.deepcopy(DEFAULTS)
        _merge(data, overrides or {})
        _merge(data, copy.deepcopy(secrets or {}))
        _merge(data, _env_overrides(dict(os.environ if environ is None else environ)))
        self.data = data
        for path in SECRET_SETTINGS:  # known to the redaction of logs and messages from now on
            section, _, key = path.partition(".")
            remember((data.get(section) or {}).get(key))
        url = (data.get("store") or {}).get("url")
        if isinstance(url, str):
            remember(split_credentials(url)[2])

    def get(self, path: str) -> Any:
        """The value at a dotted path; SettingError when the defaults do not define it."""
        _default(path)
        node: Any = self.data
        for part in path.split("."):
            node = node[part]
        return node

    def _typed(self, path: str, kind: type | tuple[type, ...], convert: Any) -> Any:
        value = self.get(path)
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            raise SettingError(f"setting {path!r} must be {getattr(kind, '__name__', kind)}, not {value!r}") from exc

    def get_int(self, path: str) -> int:
        return self._typed(path, int, int)

    def get_float(self, path: str) -> float:
        return self._typed(path, float, float)

    def get_str(self, path: str) -> str:
        return self._typed(path, str, lambda v: "" if v is None else str(v))

    def get_bool(self, path: str) -> bool:
        def convert(value: Any) -> bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                return value.strip().lower() in ("1", "true", "yes", "on")
            if isinstance(value, int):
                return bool(value)
            raise ValueError(value)

        return self._typed(path, bool, convert)

    def get_list(self, path: str) -> list[Any]:
        def convert(value: Any) -> list[Any]:
            if value is None:
                return []
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            if isinstance(value, list | tuple):
                return list(value)
            raise ValueError(value)

        return self._typed(path, list, convert)

    def get_dict(self, path: str) -> dict[str, Any]:
        def convert(value: Any) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise ValueError(value)
            return dict(value)

        return self._typed(path, dict, convert)

    def section(self, name: str) -> dict[str, Any]:
        """A whole section (for components that take their part of the settings at once, such as Scrapy's)."""
        return self.get_dict(name)
