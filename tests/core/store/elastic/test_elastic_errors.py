"""How the Elasticsearch backend behaves when the cluster is in trouble, against a real HTTP server on
127.0.0.1 that answers like one: retried 429s, partial bulk failures reported by id, timeouts."""

from __future__ import annotations

import socket

import pytest
from failing_cluster import FailingCluster, bulk_ok

from pipeline.core.settings import Settings
from pipeline.core.store import StoreError
from pipeline.core.store.elastic import ElasticStore

TOO_MANY = {"error": {"type": "es_rejected_execution_exception", "reason": "rejected execution of bulk"},
            "status": 429}


def _settings(**store: object) -> Settings:
    return Settings({"store": {"index_prefix": "t", "max_retries": 3, "retry_backoff": 0.01,
                               "request_timeout": 5, **store}})


def _items(n: int) -> list[dict]:
    return [{"id": f"item{i}", "url": f"https://a.vn/{i}", "title": f"Tin {i}", "text": "Bắc Kạn",
             "published_at": "2025-07-10T03:00:00Z"} for i in range(n)]


def test_bulk_refused_with_429_is_retried_until_the_cluster_accepts():
    def plan(attempt, operations):
        return (429, TOO_MANY) if attempt <= 2 else (200, bulk_ok(operations))

    with FailingCluster(plan) as cluster:
        store = ElasticStore(cluster.url, _settings())
        store.upsert_items(_items(3))
        assert cluster.bulk_attempts() == 3
        assert [meta["index"]["_id"] for meta, _ in cluster.bulk_bodies[-1]] == ["item0", "item1", "item2"]


def test_only_the_documents_refused_with_429_are_sent_again():
    def plan(attempt, operations):
        return 200, bulk_ok(operations, {"item1": (429, "es_rejected_execution_exception")} if attempt == 1 else {})

    with FailingCluster(plan) as cluster:
        ElasticStore(cluster.url, _settings()).upsert_items(_items(3))
        assert [meta["index"]["_id"] for meta, _ in cluster.bulk_bodies[1]] == ["item1"]


def test_429_that_never_ends_becomes_a_store_error():
    with FailingCluster(lambda attempt, ops: (429, TOO_MANY)) as cluster:
        store = ElasticStore(cluster.url, _settings(max_retries=2))
        with pytest.raises(StoreError, match="429"):
            store.upsert_items(_items(2))
        assert cluster.bulk_attempts() == 3


def test_partial_bulk_failure_names_the_refused_documents_and_keeps_the_rest():
    def plan(attempt, operations):
        return 200, bulk_ok(operations, {"item2": (400, "mapper_parsing_exception")})

    with FailingCluster(plan) as cluster:
        store = ElasticStore(cluster.url, _settings())
        with pytest.raises(StoreError, match=r"1 document\(s\) refused.*item2.*mapper_parsing_exception"):
            store.upsert_items(_items(4))
        # One request carried all four; the three good ones were written, the bad one was not retried.
        assert cluster.bulk_attempts() == 1
        assert len(cluster.bulk_bodies[0]) == 4


def test_an_already_queued_raw_record_is_not_an_error():
    def plan(attempt, operations):
        first_id = operations[0][0]["create"]["_id"]
        return 200, bulk_ok(operations, {first_id: (409, "version_conflict_engine_exception")})

    with FailingCluster(plan) as cluster:
        store = ElasticStore(cluster.url, _settings())
        added = store.enqueue_raw([{"url": "https://a.vn/1", "text": "a"}, {"url": "https://a.vn/2", "text": "b"}])
        assert added == 1


def test_a_cluster_that_answers_too_slowly_is_a_store_error_after_retries():
    with FailingCluster(lambda attempt, ops: (200, bulk_ok(ops))) as cluster:
        store = ElasticStore(cluster.url, _settings(request_timeout=0.3, max_retries=1))
        cluster.delay = 1.0
        with pytest.raises(StoreError, match="(?i)timeout|timed out"):
            store.count_items()
        count_requests = [path for _, path in cluster.requests if "_count" in path]
        assert len(count_requests) == 2  # the first try and one retry


def test_an_unreachable_cluster_is_a_clear_store_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreError, match=f"127.0.0.1:{port}"):
        ElasticStore(f"http://127.0.0.1:{port}", _settings(max_retries=0))

