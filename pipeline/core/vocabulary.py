"""The product's vocabulary (``vocabulary.yaml``): the codes the store keeps and the Vietnamese shown for them.

One file, read by every area, so a flag or a status has one name and one wording everywhere: the queue, the
documents and the exports say the same thing. ``label`` is for the interface ("Có thể sai sự thật"), ``text``
for running text in documents ("có dấu hiệu sai sự thật").
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

# The C loader when PyYAML has it: the pure-Python one spends a third of a second on the data files at start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
KINDS = ("flags", "retired_flags", "flag_harms", "flag_verdicts", "statuses", "tones", "case_statuses", "severities",
         "digest_statuses", "model_statuses", "source_kinds", "fetch_kinds", "reputations", "languages", "date_sources",
         "evidence_kinds", "alert_kinds", "alert_states", "delivery_states", "alert_channels", "calendar_kinds",
         "audit_actions", "audit_fields", "sections")


class UnknownCode(KeyError):
    """A code the vocabulary does not define (a typo in code or data, caught where it is used)."""


@cache
def _data() -> dict[str, Any]:
    return yaml.load(VOCABULARY_FILE.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe loaders only


def codes(kind: str) -> tuple[str, ...]:
    """The codes of a kind, in the file's order."""
    if kind not in KINDS:
        raise UnknownCode(f"no vocabulary kind {kind!r}")
    return tuple(_data()[kind])


def entry(kind: str, code: str) -> dict[str, Any]:
    if code not in codes(kind):
        raise UnknownCode(f"{code!r} is not one of the {kind}: {', '.join(codes(kind))}")
    return dict(_data()[kind][code])


def require(kind: str, code: str) -> str:
    """``code`` itself, once checked: for code paths that accept a code from outside."""
    entry(kind, code)
    return code


def label(kind: str, code: str | None) -> str:
    """What the interface shows for a code; an unknown code (old data) is shown as it is stored."""
    if code is None or code == "":
        return ""
    return str(_data()[kind].get(code, {}).get("label", code)) if kind in KINDS else str(code)


def text(kind: str, code: str | None) -> str:
    """The code in running text (lower case where Vietnamese writes it so)."""
    if not code:
        return ""
    found = _data().get(kind, {}).get(code, {})
    return str(found.get("text") or found.get("label") or code)


def labels(kind: str) -> dict[str, str]:
    return {code: label(kind, code) for code in codes(kind)}


def texts(kind: str) -> dict[str, str]:
    return {code: text(kind, code) for code in codes(kind)}


def flag_verdict(code: str) -> str:
    """What a confirmed flag says, as an analyst's finding ("sai sự thật")."""
    return str(entry("flags", code).get("verdict") or text("flags", code))


def verdict_statuses() -> tuple[str, ...]:
    """Item statuses that are an analyst's finding of false or harmful content."""
    return tuple(code for code in codes("statuses") if _data()["statuses"][code].get("verdict"))


def transitions() -> dict[str, tuple[str, ...]]:
    """Item status -> the statuses it may move to."""
    return {code: tuple(nexts) for code, nexts in _data()["transitions"].items()}


def flag_stands(flag: Any) -> bool:
    """A flag counts (urgency, filters, exports, digests, routing) when it is raised (by the classifiers or
    added by an analyst) and no analyst rejected it. A rejected flag stays on the item, with its decision, as
    history."""
    if not isinstance(flag, dict) or not flag.get("raised", True):
        return False
    decision = flag.get("decision")
    return not (isinstance(decision, dict) and decision.get("label") == "rejected")


def raised_flags(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The flags of an item that stand (:func:`flag_stands`)."""
    return [flag for flag in item.get("flags") or [] if flag_stands(flag)]


def raised_flag_names(item: dict[str, Any]) -> list[str]:
    return [str(flag["name"]) for flag in raised_flags(item) if flag.get("name")]


def routing_keys(item: dict[str, Any]) -> set[str]:
    """What agencies' ``flags`` are matched against: each standing flag's name, and "name:harm" for the harms
    its evidence shows ("likely_false:public_safety"). Only content flags route; topics route separately."""
    keys: set[str] = set()
    for flag in raised_flags(item):
        name = str(flag.get("name") or "")
        if name:
            keys.add(name)
            keys.update(f"{name}:{harm}" for harm in flag.get("harms") or ())
    return keys
