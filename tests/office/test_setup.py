"""A new office's home: created once with its sources and example claims; opening it, or building a pipeline on
it, writes nothing."""

from __future__ import annotations

import pytest

from pipeline.core.home import Home
from pipeline.core.process import Pipeline
from pipeline.core.profiles import load_profile
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


def test_the_provinces_own_press_and_portal_are_on_from_the_first_day(tmp_path):
    for province in ("thai-nguyen", "tuyen-quang", "bac-ninh", "cao-bang"):
        home = create_home(tmp_path / province, province)
        with home.open_store() as store:
            own = [s for s in list_sources(store) if s["kind"] in ("provincial_press", "government_portal")
                   and "legacy" not in s["name"].lower()
                   and s["homepage"] not in ("https://chinhphu.vn", "https://tingia.gov.vn")]
        assert {s["kind"] for s in own} == {"provincial_press", "government_portal"}, province
        assert all(s["enabled"] for s in own), [s["name"] for s in own if not s["enabled"]]
        # Read through a feed whose form is known (a checked RSS, or Google News "site:").
        assert all(s["fetch"] == "feed" or s["urls"][0].startswith("https://news.google.com/rss/search?q=site%3A")
                   for s in own)


def test_the_office_edits_its_own_profile_file_and_the_generated_part_stays_apart(tmp_path):
    home = create_home(tmp_path / "home", "thai-nguyen")
    office = (home.path / "profile.yaml").read_text(encoding="utf-8")
    assert "GENERATED" not in office and "TỆP NÀY DO CƠ QUAN SỬA" in office
    assert "pipeline/core/profiles/thai-nguyen.yaml" in office
    generated = load_profile("thai-nguyen")
    assert Home(home.path).profile.places == generated.places  # nothing added yet
    (home.path / "profile.yaml").write_text(office + (
        "extra_places:\n  - {name: Khu du lịch Hồ Núi Cốc, kind: landmark, aliases: [Khu du lịch Hồ Núi Cốc]}\n"
        "extra_search_queries: ['\"Khu du lịch Hồ Núi Cốc\"']\n"
        "agencies:\n  - {id: so-van-hoa, name: Sở Văn hóa tỉnh Thái Nguyên, topics: [du_lich_van_hoa]}\n"),
        encoding="utf-8")
    edited = Home(home.path).profile
    assert edited.places[-1].name == "Khu du lịch Hồ Núi Cốc" and len(edited.places) == len(generated.places) + 1
    assert edited.search_queries[-1] == '"Khu du lịch Hồ Núi Cốc"'
    assert [a.id for a in edited.agencies] == ["so-van-hoa"]
    assert load_profile("thai-nguyen").places == generated.places  # the shipped file is untouched
    (home.path / "profile.yaml").write_text("places_extra: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="places_extra"):
        _ = Home(home.path).profile
