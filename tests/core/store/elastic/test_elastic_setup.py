"""`diemtin store setup` and the index configuration: strict mappings, rollover, the ICU variant."""

from __future__ import annotations

import json

import pytest
from elasticsearch import BadRequestError
from es_server import fresh_prefix

import index_config
from pipeline.core.settings import Settings
from pipeline.core.store import ItemQuery, StoreError
from pipeline.core.store.elastic import ElasticStore, make_client
from pipeline.core.store.elastic_setup import apply_index_config, drop_indices


def test_setup_is_idempotent_and_creates_every_index(es_store: ElasticStore):
    report = apply_index_config(es_store.client, es_store.settings)
    assert report["created"] == []
    assert sorted(report["updated"]) == sorted(f"{es_store.prefix}-{name}" for name in
                                               ("records", "raw", "captures", "audit", "items-000001"))
    templates = es_store.client.indices.get_index_template(name=f"{es_store.prefix}-*")["index_templates"]
    assert {t["name"] for t in templates} == {f"{es_store.prefix}-{n}" for n in index_config.TEMPLATE_NAMES}


def test_mappings_are_strict(es_store: ElasticStore):
    with pytest.raises(BadRequestError, match="strict_dynamic_mapping"):
        es_store.client.index(index=es_store.names["records"], document={"collection": "users", "bogus": 1})


def test_an_item_stays_one_item_across_a_rollover(es_store: ElasticStore):
    item = {"id": "a1", "url": "https://a.vn/1", "title": "Lũ ở Bắc Kạn", "text": "Mưa lớn",
            "published_at": "2025-07-10T03:00:00Z", "status": "new"}
    es_store.upsert_items([item])
    rolled = es_store.rollover_items()
    assert rolled["rolled_over"] and rolled["new_index"] != rolled["old_index"]
    es_store.upsert_items([dict(item, status="verified"), {**item, "id": "a2", "url": "https://a.vn/2"}])
    assert es_store.count_items() == 2
    assert es_store.get_item("a1")["status"] == "verified"
    assert es_store.search(ItemQuery(text="Bắc Kạn")).total == 2
    assert es_store.search(ItemQuery(status=("verified",))).ids == ["a1"]
    where = {h["_id"]: h["_index"] for h in es_store.client.search(index=es_store.names["items"])["hits"]["hits"]}
    assert where == {"a1": rolled["old_index"], "a2": rolled["new_index"]}


def test_icu_variant_uses_the_plugin_filters():
    builtin, icu = index_config.analysis(icu=False), index_config.analysis(icu=True)
    assert builtin["analyzer"]["vi_folded"]["filter"][:2] == ["lowercase", "asciifolding"]
    assert "icu_folding" in icu["analyzer"]["vi_folded"]["filter"]
    assert icu["char_filter"]["vi_nfc"]["type"] == "icu_normalizer"
    # What product queries read is the same either way.
    assert builtin["analyzer"]["vi_tokens"] == icu["analyzer"]["vi_tokens"]


def test_vector_field_is_sized_from_the_embedder():
    assert index_config.vector_field(384)["dims"] == 384


def test_icu_on_a_cluster_without_the_plugin_says_what_to_do(es_url: str):
    prefix = fresh_prefix()
    settings = Settings({"store": {"index_prefix": prefix, "icu": True, "replicas": 0}})
    client = make_client(es_url, settings)
    try:
        if "analysis-icu" in {p["component"] for p in client.cat.plugins(format="json")}:
            pytest.skip("this cluster has analysis-icu")
        with pytest.raises(StoreError, match="analysis-icu"):
            apply_index_config(client, settings)
    finally:
        drop_indices(client, prefix)
        client.close()


def test_store_setup_command_prints_what_it_did(es_url: str, tmp_path, cli):
    prefix = fresh_prefix()
    result = cli("--home", str(tmp_path), "store", "setup", "--url", es_url,
                 env={"DIEMTIN_STORE__INDEX_PREFIX": prefix})
    client = make_client(es_url, Settings())
    try:
        report = json.loads(result.stdout)
        assert report["prefix"] == prefix and f"{prefix}-items-000001" in report["created"]
        assert client.indices.exists_alias(name=f"{prefix}-items")
    finally:
        drop_indices(client, prefix)
        client.close()


def test_a_cluster_set_up_by_an_older_version_gets_the_new_fields_on_open(es_store: ElasticStore):
    """A field added to the items mapping (ingested_at) is added in place when the store opens, before anything
    is written: with strict mappings, writing it into an older index would fail every batch."""
    template = index_config.index_templates(es_store.prefix, replicas=0)[f"{es_store.prefix}-items"]["template"]
    old = template["mappings"]
    old["properties"].pop("ingested_at")
    client = es_store.client
    legacy_prefix = f"{es_store.prefix}-old"
    drop_indices(client, legacy_prefix)
    client.indices.create(index=f"{legacy_prefix}-items-000001", settings=template["settings"], mappings=old,
                          aliases={f"{legacy_prefix}-items": {"is_write_index": True}})
    try:
        store = ElasticStore(es_store.url, Settings({"store": {"index_prefix": legacy_prefix, "replicas": 0}}))
        mapping = client.indices.get_mapping(index=f"{legacy_prefix}-items")
        assert all("ingested_at" in body["mappings"]["properties"] for body in mapping.values())
        store.upsert_items([{"id": "a1", "url": "https://a.vn/1", "title": "Lũ", "text": "Mưa",
                             "published_at": "2025-07-10T03:00:00Z", "ingested_at": "2025-07-12T03:00:00Z"}])
        store.refresh()
        assert store.search(ItemQuery(date_field="ingested_at", date_from="2025-07-12T00:00:00Z")).ids == ["a1"]
    finally:
        drop_indices(client, legacy_prefix)
