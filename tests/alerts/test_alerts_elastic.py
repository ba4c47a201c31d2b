"""Alert evaluation reads the store only through its interface: the same saved search and spike rule alert on the
Elasticsearch backend (noida-db, an Elasticsearch-compatible server) as on the embedded one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.alerts.evaluate import run_alerts
from pipeline.alerts.rules import create_rule
from pipeline.alerts.spikes import BASELINES
from pipeline.core.store.elastic_setup import drop_indices
from tests.alerts.conftest import DUTY, configure, make_office
from tests.alerts.plant import background, burst, plant
from tests.alerts.test_alerts_e2e import LANDSLIDE, NOW, landslide_story
from tests.core.store.es_server import fresh_prefix, noida_url
from tests.servers import http_stand_in, smtp_server, telegram_answer

pytestmark = pytest.mark.elasticsearch


def test_saved_search_and_spike_alert_on_elasticsearch(tmp_path, certificates):
    url = noida_url()
    prefix = fresh_prefix()
    with smtp_server("starttls", certificates) as smtp, http_stand_in(telegram_answer) as telegram, \
            http_stand_in(lambda n, r: (200, {})) as webhook:
        office = make_office(tmp_path / "home", smtp, telegram, webhook)
        home = configure(office.home.path, {"store": {"url": url, "index_prefix": prefix, "replicas": 0}})
        store = home.open_store()
        try:
            from pipeline.alerts.contacts import set_contact
            from pipeline.office.accounts import create_user

            create_user(store, DUTY, "analyst", "mat-khau-dai-1", by="test")
            set_contact(store, DUTY, telegram="1001", by="test")
            for name, kind, query in (("Sạt lở", "search", '"sạt lở"'), ("Đột biến", "spike", None)):
                create_rule(store, home.settings, {"name": name, "kind": kind, "query": query, "recipients": [DUTY],
                                                   "channels": ["telegram"]}, by="lanhdao", now=NOW - timedelta(hours=1))
            BASELINES._data.clear()
            plant(store, background(NOW - timedelta(weeks=3), NOW, per_hour=0.5), landslide_story(),
                  burst("satlo", NOW - timedelta(hours=2), NOW - timedelta(minutes=10), 20, [LANDSLIDE],
                        topics=["thien_tai_su_co"], places=["Ba Bể"]))
            report = run_alerts(home, store, NOW)
            assert not report["errors"], report
            kinds = sorted(a["kind"] for a in store.list_records("alerts"))
            assert kinds.count("search") >= 1 and kinds.count("spike") == 1
            spike = next(a for a in store.list_records("alerts") if a["kind"] == "spike")
            assert "topics:thien_tai_su_co" in {s["field"] + ":" + s["value"] for s in spike["spike"]["series"]}
        finally:
            drop_indices(store.client, prefix)
            store.close()
    assert any(LANDSLIDE in r.json()["text"] for r in telegram.requests)
