"""The layers run one way, and no two modules import each other (docs/architecture.md).

The rule is read from the code itself: every ``import`` of every product module, at the top or inside a function,
is an edge. A lower layer never imports a higher one; the three areas (crawlers, classifiers, dashboard) never
import each other; and the module graph has no cycle. Where the core must call an area it names it in settings
(a dotted name, as Scrapy's settings do), which is not an import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "crawlers", "classifiers", "dashboard", "index_config")

# Lowest first. A module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("pipeline.core", "index_config")),
    ("office", ("pipeline.office",)),
    ("documents", ("pipeline.documents",)),
    ("reports", ("pipeline.reports",)),
    ("alerts", ("pipeline.alerts",)),
    ("areas", ("crawlers", "classifiers", "dashboard")),
    ("roof", ("pipeline.cli", "pipeline.bench")),
)
AREAS = ("crawlers", "classifiers", "dashboard")
# Packages that only the test extra installs: product code may name them only where it says it can do without.
TEST_ONLY = ("tests", "pytest", "playwright", "aiosmtpd", "noida_db")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The product module an imported name refers to (``a.b.c`` may be module ``a.b`` and attribute ``c``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(name: str, path: Path, tree: ast.AST | None = None) -> list[tuple[str, ast.AST]]:
    tree = tree or ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.append((module, node))
            out.extend((f"{module}.{alias.name}", node) for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for imported, _node in _imports(name, path):
            target = _resolve(imported)
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def layer_of(module: str) -> tuple[int, str]:
    for rank, (layer, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return rank, layer
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and to docs/architecture.md")


def _area(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in AREAS else None


def test_every_module_belongs_to_a_layer():
    for module in MODULES:
        if module == "pipeline":
            continue
        layer_of(module)


def test_no_import_reaches_up_or_across_areas():
    wrong = []
    for source, targets in _graph().items():
        if source == "pipeline":
            continue
        rank, layer = layer_of(source)
        for target in sorted(targets):
            target_rank, target_layer = layer_of(target)
            if target_rank > rank:
                wrong.append(f"{source} ({layer}) imports {target} ({target_layer}), a higher layer")
            elif _area(source) and _area(target) and _area(source) != _area(target):
                wrong.append(f"{source} imports {target}: areas meet only through the core")
    assert not wrong, "\n".join(wrong)


def test_module_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(MODULES):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _guarded(tree: ast.AST, node: ast.AST) -> bool:
    """Whether ``node`` sits in a ``try`` whose handler catches ImportError (the code says it can do without)."""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.Try) and any(node is child for stmt in parent.body for child in ast.walk(stmt)):
            for handler in parent.handlers:
                names = [getattr(n, "id", "") for n in ast.walk(handler.type)] if handler.type else []
                if "ImportError" in names or "ModuleNotFoundError" in names:
                    return True
    return False


def test_product_code_never_needs_tests_or_test_only_packages():
    wrong = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imported, node in _imports(name, path, tree):
            top = imported.split(".")[0]
            if top in TEST_ONLY and not _guarded(tree, node):
                wrong.append(f"{name} imports {imported} without a fallback")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module", ["pipeline.core", "pipeline.office"])
def test_lower_layers_do_not_read_outside_the_repository(module):
    """No default path of the core or the office points outside the repository (``../shared``...)."""
    wrong = []
    for name, path in MODULES.items():
        if name == module or name.startswith(module + "."):
            source = path.read_text(encoding="utf-8")
            if "parents[" in source and '"shared"' in source:
                wrong.append(name)
    assert not wrong


def edges_between_areas() -> dict[tuple[str, str], int]:
    """Module pairs between top-level areas, as the closing note of the layering issue counts them."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for source, targets in _graph().items():
        for target in targets:
            a, b = layer_of(source)[1], layer_of(target)[1]
            if a != b:
                counts[(a, b)] += 1
    return dict(counts)


if __name__ == "__main__":
    for (a, b), n in sorted(edges_between_areas().items()):
        print(f"{a} -> {b}: {n}")
