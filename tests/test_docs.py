"""The documentation says where things are, and stays true (as datasette's tests/test_docs.py keeps its docs)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def _packages() -> list[str]:
    """Every package of the product (a folder with an __init__.py) below the top-level areas."""
    found = []
    for top in ("pipeline", "crawlers", "classifiers", "dashboard"):
        for init in (REPO / top).rglob("__init__.py"):
            found.append(init.parent.relative_to(REPO).as_posix())
    return sorted(found)


def test_architecture_names_every_package():
    missing = [p for p in _packages() if f"{p}/" not in ARCHITECTURE and f"`{p}`" not in ARCHITECTURE
               and p not in ("crawlers/spiders",)]
    assert not missing, f"docs/architecture.md does not say what these hold: {missing}"


def test_every_path_the_architecture_names_exists():
    named = set(re.findall(r"`((?:pipeline|crawlers|classifiers|dashboard|tests|docs|index_config)/[\w/.\-]*?)"
                           r"(?::\w+)?`", ARCHITECTURE))
    missing = sorted(p for p in named if "<" not in p and not (REPO / p.rstrip("/")).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_readme_links_the_architecture_and_keeps_two_setup_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in readme
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\s+make (\w+)", setup, flags=re.M)[:2] == ["run", "test"]


def test_readme_shows_the_demo_right_after_the_setup_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after_setup = readme.split("## Set-up", 1)[1].split("\n## ", 2)[1]
    assert re.findall(r"^\s+make (\w+)", after_setup, flags=re.M) == ["demo"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:.*\n\t\S*diemtin --home \$\(DEMO_HOME\) init --demo$", makefile, flags=re.M)
