"""The `store` fixture: one fresh store per test, for every backend the contract suite runs against.

"elasticsearch" runs on noida-db (started once per session, see tests/es_server.py); "elasticsearch-cluster"
runs on the real cluster named by DIEMTIN_TEST_ES_URL and is skipped, saying so, without one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from es_server import fresh_elastic_store, noida_url, real_cluster_url

from pipeline.core.settings import Settings
from pipeline.core.store import Store, open_store

BACKENDS = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch),
            pytest.param("elasticsearch-cluster", marks=pytest.mark.elasticsearch)]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "embedded":
        opened = open_store("embedded", tmp_path / "home", Settings())
        try:
            yield opened
        finally:
            opened.close()
        return
    url = noida_url() if request.param == "elasticsearch" else real_cluster_url()
    with fresh_elastic_store(url) as opened:
        yield opened
