"""One source of every default (pipeline/core/defaults.py), typed access, and nothing left unexplained or unread."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.core.defaults import DEFAULTS
from pipeline.core.settings import SettingError, Settings

REPO = Path(__file__).resolve().parents[2]
DEFAULTS_FILE = REPO / "pipeline" / "core" / "defaults.py"
PRODUCT = ("pipeline", "crawlers", "classifiers", "dashboard")
# Sections whose keys a component reads as a whole (Scrapy's settings, the trainer's features, a document's
# letterhead, the mail server): their keys are read as plain names, not dotted paths.
WHOLE_SECTIONS = ("crawl", "learn", "digest", "smtp")


def _leaves() -> list[str]:
    """Dotted paths of every setting: a top-level value, or a section's key (whose value may be a mapping)."""
    return [f"{name}.{key}" if isinstance(section, dict) else name
            for name, section in DEFAULTS.items() for key in (section if isinstance(section, dict) else [None])]


LEAVES = _leaves()


def _product_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for package in PRODUCT for path in (REPO / package).rglob("*.py")
                     if path != DEFAULTS_FILE)


def test_every_setting_is_read_somewhere():
    source = _product_source()
    unread = []
    for path in LEAVES:
        section, _, key = path.partition(".")
        if f'"{path}"' in source or f"'{path}'" in source:
            continue
        if section in WHOLE_SECTIONS and re.search(rf"""["']{re.escape(key)}["']""", source):
            continue
        unread.append(path)
    assert not unread, f"settings nobody reads (remove them or use them): {unread}"


def test_every_setting_says_why():
    lines = DEFAULTS_FILE.read_text(encoding="utf-8").splitlines()
    undocumented = []
    for number, line in enumerate(lines):
        found = re.match(r'^(?: {4}| {8})"([a-z_]+)":', line)  # sections and their settings
        if not found:
            continue
        previous = lines[number - 1].strip() if number else ""
        if "#" in line.split('":', 1)[1] or previous.startswith("#"):
            continue
        undocumented.append(f"defaults.py:{number + 1}: {found.group(1)}")
    assert not undocumented, "each setting needs a comment above it or on its line:\n" + "\n".join(undocumented)


def test_an_unknown_setting_is_an_error_not_a_silent_none():
    settings = Settings()
    with pytest.raises(SettingError, match="no setting 'pipeline.batch_sise'"):
        settings.get("pipeline.batch_sise")


def test_typed_getters_convert_and_refuse_wrong_types():
    settings = Settings({"pipeline": {"batch_size": "250"}, "crawl": {"obey_robots": "no"}},
                        environ={"DIEMTIN_DIGEST__ATTACH": "docx, pdf"})
    assert settings.get_int("pipeline.batch_size") == 250
    assert settings.get_bool("crawl.obey_robots") is False
    assert settings.get_list("digest.attach") == ["docx", "pdf"]
    with pytest.raises(SettingError, match="must be int"):
        Settings({"pipeline": {"batch_size": "many"}}).get_int("pipeline.batch_size")


def test_code_never_repeats_a_default_at_the_call_site():
    repeated = re.findall(r"""settings\.get\(\s*["'][a-z_.]+["']\s*,""", _product_source())
    assert not repeated, repeated
