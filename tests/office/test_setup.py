"""A new office's home: created once with its sources and example claims; opening it, or building a pipeline on
it, writes nothing."""

from __future__ import annotations

from pipeline.core.home import Home
from pipeline.core.process import Pipeline
from pipeline.office.claims import list_claims
from pipeline.office.setup import create_home
from pipeline.office.sources import list_sources


def _counts(home: Home) -> tuple[int, int, int, int]:
    with home.open_store() as store:
        return (len(list_sources(store)), len(list_claims(store)), len(store.list_audit()),
                len(store.list_records("state")))


def test_a_new_home_has_the_profiles_sources_and_the_example_claims(tmp_path):
    home = create_home(tmp_path / "home", "cao-bang")
    sources, claims, _, _ = _counts(home)
    assert sources == len(home.profile.default_sources) and claims >= 5
    with home.open_store() as store:
        assert all(claim["example"] for claim in list_claims(store))


def test_creating_again_adds_nothing_twice(tmp_path):
    first = _counts(create_home(tmp_path / "home", "cao-bang"))
    assert _counts(create_home(tmp_path / "home", "cao-bang")) == first


def test_building_the_pipeline_and_its_classifier_stages_writes_nothing(tmp_path):
    home = create_home(tmp_path / "home", "thai-nguyen")
    before = _counts(home)
    with home.open_store() as store:
        pipeline = Pipeline(Home(home.path), store)
    assert pipeline.stages and _counts(home) == before
