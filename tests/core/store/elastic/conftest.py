"""Fixtures for the Elasticsearch backend's own tests (the shared contract is in tests/core/store/contract/)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from es_server import fresh_elastic_store, noida_url, real_cluster_url

from pipeline.core.store.elastic import ElasticStore


@pytest.fixture(params=[pytest.param("noida", marks=pytest.mark.elasticsearch),
                        pytest.param("cluster", marks=pytest.mark.elasticsearch)])
def es_url(request: pytest.FixtureRequest) -> str:
    return noida_url() if request.param == "noida" else real_cluster_url()


@pytest.fixture
def es_store(es_url: str) -> Iterator[ElasticStore]:
    with fresh_elastic_store(es_url) as store:
        yield store
