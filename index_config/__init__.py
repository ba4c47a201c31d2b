"""Versioned Elasticsearch index configuration: templates, analysis and the ILM policy, as JSON files.

The files are data an operator can read and diff; this module only fills in the deployment's values
(index prefix, shard counts, refresh interval, which analysis variant) and strips the comments. Each
template carries a `version` and `_meta.schema_version`, bumped whenever its mapping changes, so a
cluster says which configuration it runs. `diemtin store setup` applies what :func:`index_templates`
returns.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TEMPLATE_NAMES = ("items", "records", "raw", "captures", "audit", "vectors")
# Only these names are filled in, so regular expressions such as \p{L} in the analysis pass through.
_PLACEHOLDER = re.compile(r"\{(prefix|shards|replicas|refresh_interval)\}")


@cache
def _load(relative: str) -> dict[str, Any]:
    return json.loads((HERE / relative).read_text(encoding="utf-8"))


def _fill(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items() if key != "_comment"}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], node)
    return node


def analysis(icu: bool) -> dict[str, Any]:
    """The analyzers: Elasticsearch's built-in components, or the analysis-icu plugin's."""
    return _fill(_load("analysis/icu.json" if icu else "analysis/builtin.json"), {})


def index_templates(prefix: str, *, icu: bool = False, shards: int = 1, replicas: int = 1,
                    refresh_interval: str = "1s") -> dict[str, dict[str, Any]]:
    """Composable index templates by name ({prefix}-items...), ready for PUT _index_template."""
    values = {"prefix": prefix, "shards": str(shards), "replicas": str(replicas), "refresh_interval": refresh_interval}
    out: dict[str, dict[str, Any]] = {}
    for name in TEMPLATE_NAMES:
        body = _fill(copy.deepcopy(_load(f"templates/{name}.json")), values)
        body.pop("vector_field", None)
        body["template"]["settings"]["analysis"] = analysis(icu)
        out[f"{prefix}-{name}"] = body
    return out


def vector_field(dims: int) -> dict[str, Any]:
    """The dense_vector mapping of a vector space, sized from the embedder's output."""
    field = copy.deepcopy(_load("templates/vectors.json")["vector_field"])
    field["dims"] = int(dims)
    return field


def ilm_policy() -> dict[str, Any]:
    """The items lifecycle: rollover of the {prefix}-items alias into time-based indices."""
    return _fill(_load("ilm/items.json"), {})["policy"]
