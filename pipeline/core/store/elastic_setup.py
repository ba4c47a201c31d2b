"""Applying index_config/ to a cluster: the ILM policy, the index templates, the indices and the items alias.

Idempotent: running it again updates the templates and adds new fields to existing indices. A mapping
change Elasticsearch cannot apply in place is reported, never forced; the way out is a migration into
fresh indices (`diemtin store migrate`).
"""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import ApiError, Elasticsearch

import index_config
from pipeline.core.settings import Settings
from pipeline.core.store.base import StoreError

log = logging.getLogger(__name__)

# Indices that hold one index each (the items live behind an alias, vectors are created per space).
SINGLE_INDICES = ("records", "raw", "captures", "audit")
FIRST_ITEMS_INDEX = "000001"


def index_names(prefix: str) -> dict[str, str]:
    names = {name: f"{prefix}-{name}" for name in SINGLE_INDICES}
    names["items"] = f"{prefix}-items"  # the rollover alias
    return names


def _templates(settings: Settings, prefix: str, ilm: bool, version: tuple[int, int]) -> dict[str, dict[str, Any]]:
    templates = index_config.index_templates(
        prefix, icu=settings.get_bool("store.icu"), shards=settings.get_int("store.shards"),
        replicas=settings.get_int("store.replicas"),
        refresh_interval=settings.get_str("store.refresh_interval"),
    )
    if version >= (9, 1):
        # From 9.1 vectors are left out of _source by default; migrations read them back.
        templates[f"{prefix}-vectors"]["template"]["settings"]["index.mapping.exclude_source_vectors"] = False
    if ilm:
        items = templates[f"{prefix}-items"]["template"]["settings"]
        items["index.lifecycle.name"] = f"{prefix}-items"
        items["index.lifecycle.rollover_alias"] = f"{prefix}-items"
    return templates


def _put_ilm_policy(client: Elasticsearch, prefix: str) -> bool:
    """The rollover policy; False on clusters without ILM (noida-db, OpenSearch-style servers), where the
    items alias is rolled over by `ElasticStore.rollover_items` instead."""
    try:
        client.ilm.put_lifecycle(name=f"{prefix}-items", policy=index_config.ilm_policy())
    except ApiError as exc:
        if exc.status_code in (400, 404, 405) and "no handler" in str(exc.body or exc).lower():
            log.warning("cluster has no ILM; items rollover is manual (diemtin store setup --rollover)")
            return False
        raise
    return True


def apply_index_config(client: Elasticsearch, settings: Settings) -> dict[str, Any]:
    """Put the ILM policy and the templates, create missing indices and the items alias, extend mappings."""
    prefix = settings.get_str("store.index_prefix")
    ilm = _put_ilm_policy(client, prefix)
    number = str(client.info()["version"]["number"])
    version = tuple(int(part) for part in number.split(".")[:2] if part.isdigit())
    templates = _templates(settings, prefix, ilm, (version + (0, 0))[:2])
    for name, body in templates.items():
        client.indices.put_index_template(
            name=name, index_patterns=body["index_patterns"], template=body["template"],
            priority=body["priority"], version=body["version"], meta=body["_meta"],
        )
    created: list[str] = []
    updated: list[str] = []
    names = index_names(prefix)
    try:
        for kind in SINGLE_INDICES:
            if client.indices.exists(index=names[kind]):
                _extend_mapping(client, names[kind], templates[f"{prefix}-{kind}"])
                updated.append(names[kind])
            else:
                client.indices.create(index=names[kind])
                created.append(names[kind])
        if client.indices.exists_alias(name=names["items"]):
            for backing in client.indices.get_alias(name=names["items"]):
                _extend_mapping(client, backing, templates[f"{prefix}-items"])
                updated.append(backing)
        else:
            first = f"{names['items']}-{FIRST_ITEMS_INDEX}"
            client.indices.create(index=first, aliases={names["items"]: {"is_write_index": True}})
            created.append(first)
    except ApiError as exc:
        if "icu" in str(exc.body or exc).lower():
            raise StoreError(
                "the cluster lacks the analysis-icu plugin: install it (the docker-compose image has it) "
                "or set store.icu to false"
            ) from exc
        raise
    return {"prefix": prefix, "server_version": number, "ilm": ilm, "icu": settings.get_bool("store.icu"),
            "templates": sorted(templates), "created": created, "updated": updated}


def _extend_mapping(client: Elasticsearch, index: str, template: dict[str, Any]) -> None:
    """New fields and the settings that may change on a live index (replicas, refresh interval)."""
    mappings = template["template"]["mappings"]
    settings = template["template"]["settings"]
    try:
        client.indices.put_mapping(index=index, properties=mappings["properties"])
        client.indices.put_settings(index=index, settings={
            "number_of_replicas": settings["number_of_replicas"], "refresh_interval": settings["refresh_interval"]})
    except ApiError as exc:
        raise StoreError(
            f"index {index} cannot take the new mapping ({exc.message}); migrate into fresh indices "
            "with `diemtin store migrate`"
        ) from exc


def drop_indices(client: Elasticsearch, prefix: str) -> list[str]:
    """Delete every index, template and policy of a prefix (tests, and a failed setup being redone).
    Names are listed first: clusters refuse wildcard deletes (action.destructive_requires_name)."""
    indices = sorted(client.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if indices:
        client.indices.delete(index=",".join(indices))
    for name in index_config.TEMPLATE_NAMES:
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{name}")
    client.options(ignore_status=(400, 404, 405)).ilm.delete_lifecycle(name=f"{prefix}-items")
    return indices
