"""One vocabulary (pipeline/core/vocabulary.yaml): every code the code, the settings and the data files use is
defined there, so a typo ("likely_fasle", "reveiwing") fails here instead of silently matching nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from pipeline.core import vocabulary
from pipeline.core.settings import DEFAULTS
from pipeline.core.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("pipeline", "crawlers", "classifiers", "dashboard")
STATUS_KINDS = ("statuses", "case_statuses", "digest_statuses", "model_statuses")
# Functions of the vocabulary module whose first argument is a kind and second a code.
CODE_FUNCTIONS = {"label", "text", "entry", "require"}


def _product_trees():
    for package in PRODUCT:
        for path in sorted((REPO / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _any_status(code: str) -> bool:
    return any(code in vocabulary.codes(kind) for kind in STATUS_KINDS)


def _is_status_field(node: ast.AST) -> bool:
    """``x["status"]`` or ``x.get("status")``."""
    if isinstance(node, ast.Subscript):
        return _literal(node.slice) == "status"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return bool(node.args) and _literal(node.args[0]) == "status"
    return False


def test_every_kind_has_labels_and_transitions_name_only_statuses():
    for kind in vocabulary.KINDS:
        assert vocabulary.codes(kind), kind
        assert all(vocabulary.label(kind, code) for code in vocabulary.codes(kind))
    statuses = set(vocabulary.codes("statuses"))
    transitions = vocabulary.transitions()
    assert set(transitions) == statuses
    assert {target for nexts in transitions.values() for target in nexts} <= statuses


def test_unknown_codes_are_refused_where_they_are_checked():
    with pytest.raises(vocabulary.UnknownCode):
        vocabulary.require("flags", "likely_fasle")
    assert vocabulary.label("statuses", "legacy_code") == "legacy_code"  # old data is still shown


def test_code_names_only_codes_the_vocabulary_defines():
    wrong = []
    for path, tree in _product_trees():
        where = path.relative_to(REPO)
        for node in ast.walk(tree):
            # vocabulary.label("flags", "x"), vocabulary.codes("kind")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.value.id == "vocabulary":
                args = [_literal(a) for a in node.args]
                if node.func.attr in (*CODE_FUNCTIONS, "codes", "labels", "texts") and args and args[0] and \
                        args[0] not in vocabulary.KINDS:
                    wrong.append(f"{where}:{node.lineno}: no vocabulary kind {args[0]!r}")
                elif node.func.attr in CODE_FUNCTIONS and len(args) > 1 and args[0] and args[1] and \
                        args[1] not in vocabulary.codes(args[0]):
                    wrong.append(f"{where}:{node.lineno}: {args[1]!r} is not one of the {args[0]}")
                elif node.func.attr == "flag_verdict" and args and args[0] and args[0] not in vocabulary.codes("flags"):
                    wrong.append(f"{where}:{node.lineno}: no flag {args[0]!r}")
            # {"status": "x"}
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    code = _literal(value) if key is not None and _literal(key) == "status" else None
                    if code and not _any_status(code):
                        wrong.append(f"{where}:{node.lineno}: status {code!r} is not defined")
            # item.get("status") == "x", item["status"] in ("x", "y")
            if isinstance(node, ast.Compare) and _is_status_field(node.left):
                for comparator in node.comparators:
                    values = comparator.elts if isinstance(comparator, ast.Tuple | ast.List | ast.Set) else [comparator]
                    for code in filter(None, map(_literal, values)):
                        if not _any_status(code):
                            wrong.append(f"{where}:{node.lineno}: status {code!r} is not defined")
    assert not wrong, "\n".join(wrong)


def test_settings_and_data_files_name_only_defined_flags_and_topics():
    flags = set(vocabulary.codes("flags"))
    topics = set(load_taxonomy().ids)
    assert set(DEFAULTS["digest"]["verdict_flags"]) <= flags
    urgency = yaml.safe_load((REPO / "classifiers" / "data" / "urgency.yaml").read_text(encoding="utf-8"))
    assert set(urgency["flag_weights"]) <= flags
    assert set(urgency["source_kinds"]) <= set(vocabulary.codes("source_kinds"))
    curated = yaml.safe_load((REPO / "pipeline" / "core" / "profiles" / "curated.yaml").read_text(encoding="utf-8"))
    for agency in curated["common"]["agencies"]:
        assert {f.split(":")[0] for f in agency.get("flags") or []} <= flags, agency["id"]
        assert set(agency.get("topics") or []) <= topics, agency["id"]
