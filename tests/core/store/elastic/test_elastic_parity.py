"""The same real-looking newsroom indexed into both backends must answer every question the same way:
hit sets and counts, facet counts, day histograms, duplicate keys, nearest neighbours (never scores
for text: the engines rank differently and both are right)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from es_server import fresh_elastic_store, noida_url, real_cluster_url

from pipeline.bench.core import SEARCH_QUERIES, enriched_items
from pipeline.core.home import Home
from pipeline.core.item import content_hash, item_id, url_key
from pipeline.core.store import ItemQuery, Store
from pipeline.core.store.base import FACET_FIELDS
from pipeline.office.setup import create_home

# Queries an analyst types, beyond the benchmark's: diacritics and case either way, both tone-mark
# conventions, punctuation inside words, and every operator.
EXTRA_QUERIES = [
    "Thái Nguyên", "thai nguyen", "THÁI NGUYÊN", "hòa bình", "hoà bình", "khỏe", "khoẻ", "Đại hội", "dai hoi",
    "COVID-19", "covid 19", "3,5 tỷ", '"thai nguyen" NOT lũ', "+sạt +lở -Bắc", "(FDI OR đầu tư) AND -Nhật",
    '"đê điều"', "de dieu", "ĐỀ ÁN", "đề án OR dự án", "xã", "không-có-từ-này",
]

HAND_WRITTEN = [
    ("https://baothainguyen.vn/hoa-binh", "Hoà bình và hợp tác ở Thái Nguyên",
     "Tỉnh nhấn mạnh hoà bình, khoẻ mạnh; đề án 3,5 tỷ đồng cho đê điều. COVID-19 đã qua.", {}),
    ("https://vnexpress.net/de-an", "ĐỀ ÁN SẮP XẾP BỘ MÁY",
     "Đại hội Đảng bộ tỉnh Thái Nguyên thông qua đề án; dự án FDI của Nhật được nhắc tới.", {"urgency": 0.5}),
    ("https://trang-x.example/sai", "Tin sai sự thật về Bắc Kạn",
     "Trang này xuyên tạc về sạt lở ở Bắc Kạn và kích động chống phá.", {"relevant": None}),
    ("https://nodate.example/a", "Không có ngày đăng", "Chỉ có ngày thu thập; xã Ba Bể.",
     {"published_at": None, "fetched_at": "2025-07-05T18:30:00Z"}),
]


def _newsroom(home: Home) -> list[dict]:
    items = enriched_items(home, 200, seed=21)
    for url, title, text, extra in HAND_WRITTEN:
        item = dict(items[0], id=item_id(url), url=url, url_key=url_key(url), title=title, text=text,
                    content_hash=content_hash(title, text), places=[{"name": "Thái Nguyên"}])
        item.update(extra)
        items.append(item)
    for n in range(0, 40, 7):  # some marked as duplicates of the item before them
        items[n + 1]["duplicate_of"] = items[n]["id"]
    return items


@pytest.fixture(scope="module", params=[pytest.param("noida", marks=pytest.mark.elasticsearch),
                                        pytest.param("cluster", marks=pytest.mark.elasticsearch)])
def pair(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[tuple[Store, Store, list[dict]]]:
    url = noida_url() if request.param == "noida" else real_cluster_url()
    home = create_home(tmp_path_factory.mktemp("parity") / "home", "thai-nguyen")
    items = _newsroom(home)
    vectors = np.random.default_rng(4).normal(size=(len(items), 32)).astype(np.float32)
    with home.open_store() as embedded, fresh_elastic_store(url) as elastic:
        for store in (embedded, elastic):
            for start in range(0, len(items), 150):
                store.upsert_items(items[start:start + 150])
            store.put_vectors("items", [i["id"] for i in items], vectors)
            store.refresh()
        yield embedded, elastic, items


def _both(pair, method: str, *args, **kwargs):
    embedded, elastic, _ = pair
    return getattr(embedded, method)(*args, **kwargs), getattr(elastic, method)(*args, **kwargs)


def _queries() -> list[str]:
    return [q for texts in SEARCH_QUERIES.values() for q in texts] + EXTRA_QUERIES


@pytest.mark.parametrize("text", _queries())
def test_full_text_hits_are_the_same(pair, text):
    for variant in (ItemQuery(text=text, limit=1000), ItemQuery(text=text, relevant=True, limit=1000),
                    ItemQuery(text=text, include_duplicates=True, sort="relevance", limit=1000)):
        embedded, elastic = _both(pair, "search", variant)
        assert elastic.total == embedded.total, variant
        assert set(elastic.ids) == set(embedded.ids), variant


def test_the_fixture_exercises_the_queries(pair):
    """Guard against a parity that holds only because nothing matches."""
    embedded, _, _ = pair
    matched = [q for q in _queries() if embedded.search(ItemQuery(text=q, limit=1)).total]
    assert len(matched) >= len(_queries()) * 2 // 3


@pytest.mark.parametrize("query", [
    ItemQuery(), ItemQuery(relevant=True), ItemQuery(relevant=False), ItemQuery(include_duplicates=True),
    ItemQuery(status=("new", "reviewing"), reputation=("hostile",)), ItemQuery(source_kind=("social",), relevant=True),
    ItemQuery(topics=("thien_tai", "dau_tu")), ItemQuery(flags=("incitement",)), ItemQuery(places=("Thái Nguyên",)),
    ItemQuery(tone=("tieu_cuc",), text="sạt lở"), ItemQuery(lang=("vi",), relevant=True),
    ItemQuery(date_from=datetime(2025, 7, 2, tzinfo=UTC), date_to=datetime(2025, 7, 3, 17, tzinfo=UTC)),
])
def test_filters_give_the_same_items(pair, query):
    embedded, elastic = _both(pair, "search", query.with_(limit=1000))
    assert elastic.total == embedded.total
    assert set(elastic.ids) == set(embedded.ids)


@pytest.mark.parametrize("sort", ["published_at", "fetched_at", "urgency"])
def test_sorted_pages_follow_the_same_order(pair, sort):
    embedded, elastic, _ = pair
    key = {"urgency": lambda i: i.get("urgency") or 0.0}.get(
        sort, lambda i: i.get(sort) or i.get("fetched_at") or "")
    for offset in (0, 50):
        query = ItemQuery(relevant=True, sort=sort, limit=50, offset=offset)
        assert [key(i) for i in elastic.search(query).items] == [key(i) for i in embedded.search(query).items]


@pytest.mark.parametrize("field_name", FACET_FIELDS)
def test_counts_by_every_facet_are_the_same(pair, field_name):
    for query in (ItemQuery(), ItemQuery(relevant=True, text="Thái Nguyên")):
        embedded, elastic = _both(pair, "count_by", field_name, query, size=500)
        assert elastic == embedded


def test_day_histograms_are_the_same(pair):
    for field_name in ("published_at", "fetched_at"):
        embedded, elastic = _both(pair, "histogram", ItemQuery(include_duplicates=True), field_name)
        assert elastic == embedded and len(embedded) > 1


def test_duplicate_keys_resolve_to_the_same_items(pair):
    _, _, items = pair
    url_keys = [i["url_key"] for i in items[:60]] + ["unknown"]
    hashes = [i["content_hash"] for i in items[:60]]
    embedded, elastic = _both(pair, "find_by_keys", url_keys, hashes)
    assert elastic == embedded


def test_nearest_neighbours_are_the_same(pair):
    _, _, items = pair
    probe = np.random.default_rng(9).normal(size=32).astype(np.float32)
    embedded, elastic = _both(pair, "knn", "items", probe, k=10)
    assert [i for i, _ in elastic] == [i for i, _ in embedded]
    assert [s for _, s in elastic] == pytest.approx([s for _, s in embedded], abs=1e-4)
    allowed = {i["id"] for i in items[100:150]}
    embedded, elastic = _both(pair, "knn", "items", probe, k=5, allowed=allowed)
    assert [i for i, _ in elastic] == [i for i, _ in embedded]


def test_items_and_iteration_are_the_same(pair):
    embedded, elastic, items = pair
    assert elastic.count_items() == embedded.count_items() == len({i["id"] for i in items})
    assert list(elastic.iter_items(batch_size=97)) == list(embedded.iter_items(batch_size=97))
