"""Named components: how the core calls an area without importing it.

The batch runner runs the classifier stages, and turns raw HTML into text with the crawlers' extractor; it
knows them only as dotted names in settings (``"classifiers.stages:build_stages"``), as Scrapy's settings name
its middlewares. An office can swap or add a component by changing a setting, and the core's imports stay
below every area's.
"""

from __future__ import annotations

import importlib
from typing import Any


class PluginError(ImportError):
    """A configured component that cannot be loaded: the message names the setting's value."""


def load_object(path: str) -> Any:
    """The object a ``"package.module:attribute"`` (or ``"package.module.attribute"``) name points to."""
    module_name, sep, attribute = path.partition(":")
    if not sep:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise PluginError(f"not a dotted object name: {path!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f"cannot import {module_name!r} (from {path!r}): {exc}") from exc
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise PluginError(f"{module_name!r} has no {attribute!r} (from {path!r})") from exc
