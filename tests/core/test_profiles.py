"""Province profiles: the four provinces as they are after 01/07/2025, their former names and places,
agencies, default sources, and the build that regenerates them from the administrative data."""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.cli.profile_build import (
    DEFAULT_ADMIN_DIR,
    DEFAULT_SOURCES_CSV,
    GENERATED_MARK,
    BuildError,
    build_profiles,
)
from pipeline.cli.profiles import register
from pipeline.core import vocabulary
from pipeline.core.profiles import (
    CURATED_FILE,
    PLACE_KINDS,
    PROFILE_DIR,
    PROVINCE_IDS,
    load_profile,
    load_profile_file,
    profile_path,
)
from pipeline.core.text import fold, normalize

SOURCE_KINDS = {"national_press", "provincial_press", "government_portal", "foreign_vietnamese_language",
                "foreign_press", "aggregator", "social", "submitted"}
FETCH_KINDS = {"feed", "sitemap", "section", "gnews", "youtube", "telegram", "page"}
REPUTATIONS = {"official", "provincial", "government", "foreign", "foreign_vn", "unverified", "hostile"}
SOURCE_KEYS = {"id", "name", "kind", "fetch", "language", "reputation", "urls", "homepage", "poll_minutes",
               "enabled", "config", "health", "notes"}

needs_admin_data = pytest.mark.skipif(
    not (DEFAULT_ADMIN_DIR / "new_communes_3321.csv").is_file() or not DEFAULT_SOURCES_CSV.is_file(),
    reason="the administrative data folder ../shared/data is not on this machine",
)


def place(profile, kind, name):
    found = [p for p in profile.places if p.kind == kind and p.name == name]
    assert found, f"{kind} {name} missing from {profile.id}"
    return found[0]


def test_the_four_provinces_after_the_reorganisation():
    assert set(PROVINCE_IDS) == {"thai-nguyen", "tuyen-quang", "bac-ninh", "cao-bang"}
    expected = {
        "thai-nguyen": ("Thái Nguyên", {"Bắc Kạn", "Bắc Cạn"}),
        "tuyen-quang": ("Tuyên Quang", {"Hà Giang"}),
        "bac-ninh": ("Bắc Ninh", {"Bắc Giang"}),
        "cao-bang": ("Cao Bằng", set()),
    }
    for pid, (name, former) in expected.items():
        profile = load_profile(pid)
        assert profile.id == pid and profile.name == name and profile.full_name == f"Tỉnh {name}"
        assert former <= set(profile.former_names)
        assert {p.aliases[0] for p in profile.places_of_kind("former_province")} == {
            f for f in former if f != "Bắc Cạn"}
    assert "tỉnh Bắc Kạn cũ" in load_profile("thai-nguyen").former_names


def test_unknown_province_id_is_a_clear_vietnamese_error():
    with pytest.raises(ValueError) as err:
        profile_path("bac-kan")
    message = str(err.value)
    assert "Không có hồ sơ tỉnh 'bac-kan'" in message
    for pid in PROVINCE_IDS:
        assert pid in message


def test_every_new_commune_and_ward_is_a_place():
    # Official counts of commune-level units from 01/07/2025 (resolutions 1654-1687/NQ-UBTVQH15).
    counts = {"thai-nguyen": 92, "tuyen-quang": 124, "bac-ninh": 99, "cao-bang": 56}
    for pid, count in counts.items():
        profile = load_profile(pid)
        current = profile.places_of_kind("commune") + profile.places_of_kind("ward")
        assert len({p.name for p in current}) == count
        assert all(p.parent == profile.full_name for p in current)
        assert all(p.name.startswith("Phường ") for p in profile.places_of_kind("ward"))


def test_former_districts_and_communes_point_to_their_new_unit():
    thai_nguyen = load_profile("thai-nguyen")
    ba_be = place(thai_nguyen, "former_district", "Huyện Ba Bể")
    assert ba_be.aliases[0] == "Ba Bể" and "Bắc Kạn" in ba_be.note and "Xã Ba Bể" in ba_be.note
    cho_ra = place(thai_nguyen, "former_commune", "Thị trấn Chợ Rã")
    assert cho_ra.parent == "Xã Chợ Rã" and "Huyện Ba Bể" in cho_ra.note
    cao_bang = load_profile("cao-bang")
    nuoc_hai = place(cao_bang, "former_commune", "Thị trấn Nước Hai")
    assert nuoc_hai.parent == "Xã Hòa An"
    # "Huyện Hoà An" in the source data, one tone-mark convention in the profile.
    assert place(cao_bang, "former_district", "Huyện Hòa An").aliases == ("Hòa An",)
    ha_giang = load_profile("tuyen-quang")
    split = [p for p in ha_giang.places_of_kind("former_commune") if p.name == "Phường Quang Trung"]
    assert split and "Phường Hà Giang 1" in split[0].note and "Phường Hà Giang 2" in split[0].note
    # Seven districts of old Bắc Kạn and nine of old Thái Nguyên.
    assert len(thai_nguyen.places_of_kind("former_district")) == 17


def test_landmarks_are_marked_hand_added():
    expected = {"thai-nguyen": ["Hồ Ba Bể", "Hồ Núi Cốc"], "tuyen-quang": ["Cao nguyên đá Đồng Văn"],
                "bac-ninh": ["KCN Yên Phong"], "cao-bang": ["Thác Bản Giốc"]}
    for pid, names in expected.items():
        profile = load_profile(pid)
        for name in names:
            landmark = place(profile, "landmark", name)
            assert landmark.hand_added and landmark.note.startswith("Thêm thủ công")
        assert not any(p.hand_added for p in profile.places if p.kind != "landmark")


def test_shared_and_common_word_names_are_ambiguous():
    checks = [("thai-nguyen", "commune", "Xã Thành Công", True), ("cao-bang", "commune", "Xã Quang Trung", True),
              ("tuyen-quang", "commune", "Xã Tân Tiến", True), ("tuyen-quang", "commune", "Xã Đồng Tâm", True),
              ("thai-nguyen", "commune", "Xã Tân Thành", True), ("cao-bang", "commune", "Xã Kim Đồng", True),
              ("thai-nguyen", "commune", "Xã Ba Bể", False), ("tuyen-quang", "commune", "Xã Mèo Vạc", False),
              ("bac-ninh", "former_district", "Thị xã Chũ", True)]
    for pid, kind, name, ambiguous in checks:
        assert place(load_profile(pid), kind, name).ambiguous is ambiguous, name
    assert not place(load_profile("cao-bang"), "province", "Tỉnh Cao Bằng").ambiguous
    # Former communes always need context: their names repeat across the country and in people's names.
    assert all(p.ambiguous for pid in PROVINCE_IDS for p in load_profile(pid).places_of_kind("former_commune"))
    assert "Cao Bằng" in load_profile("cao-bang").matching["common_words"]


@needs_admin_data
def test_every_name_of_the_ambiguous_list_is_ambiguous_where_it_occurs():
    with (DEFAULT_ADMIN_DIR / "ambiguous_commune_names_focus.csv").open(encoding="utf-8") as fh:
        names = {fold(normalize(row["bare_name"])) for row in csv.DictReader(fh)}
    seen = 0
    for pid in PROVINCE_IDS:
        for p in load_profile(pid).places:
            if p.kind in ("commune", "ward") and fold(p.aliases[0]) in names:
                assert p.ambiguous, (pid, p.name)
                seen += 1
    assert seen >= 79


def test_names_are_normalised_and_kinds_known():
    for pid in PROVINCE_IDS:
        profile = load_profile(pid)
        for p in profile.places:
            assert p.kind in PLACE_KINDS
            assert normalize(p.name) == p.name
            assert p.aliases and all(normalize(a) == a for a in p.aliases)


def test_agencies_have_ids_names_and_what_they_handle():
    for pid in PROVINCE_IDS:
        profile = load_profile(pid)
        ids = {a.id for a in profile.agencies}
        assert {"cong-an-tinh", "bo-chqs-tinh", "so-ngoai-vu", "ban-dan-toc", "ban-ql-kcn", "bcd-35",
                "bcd-nhan-quyen", "so-vhttdl", "ubnd-cap-xa"} <= ids
        assert len(ids) == len(profile.agencies)
        for agency in profile.agencies:
            assert agency.topics or agency.flags or agency.sections or agency.names, agency.id
        assert profile.agency("cong-an-tinh").name == f"Công an tỉnh {profile.name}"
        assert "scam" in profile.agency("cong-an-tinh").flags
        assert "dinh_cong_kcn" in profile.agency("ban-ql-kcn").topics
        with pytest.raises(ValueError, match="Không có cơ quan"):
            profile.agency("so-khong-co")


def test_agency_topics_are_topics_of_the_taxonomy():
    taxonomy = yaml.safe_load((Path(__file__).resolve().parents[2] / "pipeline" / "core" / "taxonomy.yaml").read_text("utf-8"))
    topic_ids = {t["id"] for t in taxonomy["topics"]}
    for pid in PROVINCE_IDS:
        for agency in load_profile(pid).agencies:
            assert set(agency.topics) <= topic_ids, agency.id
            flags = {flag.split(":")[0] for flag in agency.flags}
            harms = {flag.split(":")[1] for flag in agency.flags if ":" in flag}
            assert flags <= set(vocabulary.codes("flags")), agency.id
            assert harms <= set(vocabulary.codes("flag_harms")), agency.id


# Bodies that can arrest or use force: what reaches them is an offence in the content, never a subject or a side.
POLICE_AND_MILITARY = ("cong-an-tinh", "bo-chqs-tinh")
CONTENT_ROUTES = {"scam", "incitement", "likely_false:public_safety"}


def test_police_and_military_receive_content_flags_only_never_topics_or_politics():
    """Content, never stance: police and military get cases for a scam, incitement or a fabricated claim that
    endangers public safety, never because of a topic (democracy, human rights, religion, ethnicity) or a
    source's politics; and no agency routes a retired stance flag."""
    for pid in PROVINCE_IDS:
        profile = load_profile(pid)
        for agency_id in POLICE_AND_MILITARY:
            agency = profile.agency(agency_id)
            assert agency.topics == (), (pid, agency_id, agency.topics)
            assert set(agency.flags) <= CONTENT_ROUTES, (pid, agency_id, agency.flags)
        for agency in profile.agencies:
            assert not set(agency.flags) & set(vocabulary.codes("retired_flags")), agency.id


def test_routing_sends_a_scam_to_the_police_and_criticism_nowhere_near_them():
    from pipeline.office.cases import suggest_agency

    profile = load_profile("thai-nguyen")
    scam = {"flags": [{"name": "scam", "score": 0.9}], "topics": []}
    assert suggest_agency(profile, [scam]) == "cong-an-tinh"
    danger = {"flags": [{"name": "likely_false", "score": 0.8, "harms": ["public_safety"]}]}
    assert suggest_agency(profile, [danger]) == "cong-an-tinh"
    critical = {"flags": [], "topics": [{"id": "dan_chu"}, {"id": "nhan_quyen"}, {"id": "ton_giao"}]}
    assert suggest_agency(profile, [critical]) not in POLICE_AND_MILITARY
    rejected = {"flags": [{"name": "scam", "score": 0.9, "decision": {"label": "rejected"}}]}
    assert suggest_agency(profile, [rejected]) is None


def test_default_sources_follow_the_source_record_shape():
    for pid in PROVINCE_IDS:
        profile = load_profile(pid)
        for source in profile.default_sources:
            assert set(source) == SOURCE_KEYS, source["name"]
            assert source["kind"] in SOURCE_KINDS and source["fetch"] in FETCH_KINDS
            assert source["reputation"] in REPUTATIONS and source["urls"]
            if "UNVERIFIED" in source["notes"] and not source["notes"].startswith("Đọc qua Google News"):
                assert source["enabled"] is False, source["name"]
        ids = [s["id"] for s in profile.default_sources]
        assert len(ids) == len(set(ids))
        names = {s["name"] for s in profile.default_sources}
        assert "BBC News Tiếng Việt" in names and "VnExpress" in names
        queries = {s["config"].get("query") for s in profile.default_sources if s["fetch"] == "gnews"}
        assert set(profile.search_queries) <= queries


def test_each_province_has_its_own_and_legacy_outlets():
    homes = {pid: {s["homepage"] for s in load_profile(pid).default_sources} for pid in PROVINCE_IDS}
    assert {"https://baothainguyen.vn", "https://baobackan.vn"} <= homes["thai-nguyen"]
    assert {"https://baotuyenquang.com.vn", "https://baohagiang.vn"} <= homes["tuyen-quang"]
    assert {"https://baobacninhtv.vn", "https://baobacgiang.vn"} <= homes["bac-ninh"]
    assert "https://baocaobang.vn" in homes["cao-bang"]
    assert "https://baobackan.vn" not in homes["cao-bang"]
    # Báo Bắc Ninh has no evidenced feed: the Google News "site:" search stands in.
    bac_ninh = next(s for s in load_profile("bac-ninh").default_sources if s["homepage"] == "https://baobacninhtv.vn")
    assert bac_ninh["fetch"] == "gnews" and bac_ninh["config"]["query"] == "site:baobacninhtv.vn"


def test_search_queries_group_the_names_of_the_province():
    queries = load_profile("thai-nguyen").search_queries
    assert queries[0] == '"Thái Nguyên"'
    assert '"Bắc Kạn" OR "Bắc Cạn"' in queries
    assert any('"Ba Bể"' in q for q in queries) and any('"Hồ Núi Cốc"' in q for q in queries)
    assert all(q.count('"') <= 12 for q in queries)  # at most six names per query
    assert load_profile("tuyen-quang").search_queries[:2] == ['"Tuyên Quang"', '"Hà Giang"']


def test_loading_is_cached_and_an_edited_copy_is_read_again(tmp_path):
    assert load_profile("cao-bang") is load_profile("cao-bang")
    copy = tmp_path / "profile.yaml"
    shutil.copyfile(profile_path("cao-bang"), copy)
    first = load_profile_file(copy)
    assert first.name == "Cao Bằng"
    data = yaml.safe_load(copy.read_text(encoding="utf-8"))
    data["search_queries"] = ['"Cao Bằng" OR "Non nước Cao Bằng"']
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    import os

    os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 1_000_000))
    assert load_profile_file(copy).search_queries == ['"Cao Bằng" OR "Non nước Cao Bằng"']


def test_malformed_profile_file_is_rejected_with_its_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nplaces: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="không hợp lệ"):
        load_profile_file(bad)
    wrong_kind = tmp_path / "kind.yaml"
    wrong_kind.write_text("id: x\nname: X\nplaces: [{name: Y, kind: village, aliases: [Y]}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="village"):
        load_profile_file(wrong_kind)
    with pytest.raises(ValueError, match="Không tìm thấy"):
        load_profile_file(tmp_path / "missing.yaml")


def _body(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(GENERATED_MARK)]


@needs_admin_data
def test_build_reproduces_the_committed_profiles(tmp_path):
    written = build_profiles(DEFAULT_ADMIN_DIR, DEFAULT_SOURCES_CSV, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{pid}.yaml" for pid in PROVINCE_IDS)
    for path in written:
        assert _body(path) == _body(PROFILE_DIR / path.name), f"{path.name} differs: run `diemtin profiles build`"
        text = path.read_text(encoding="utf-8")
        assert "dd94887ce32324380bc5bb0a76fe39867dafc73b" in text and "MIT" in text
        assert path.stat().st_size < 400_000


@needs_admin_data
def test_build_command_merges_the_curated_file(tmp_path):
    curated = yaml.safe_load(CURATED_FILE.read_text(encoding="utf-8"))
    curated["provinces"]["cao-bang"]["landmarks"].append({"name": "Hồ Khuổi Lái", "aliases": ["Khuổi Lái"]})
    curated_path = tmp_path / "curated.yaml"
    curated_path.write_text(yaml.safe_dump(curated, allow_unicode=True), encoding="utf-8")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["profiles", "build", "--admin", str(DEFAULT_ADMIN_DIR), "--sources",
                              str(DEFAULT_SOURCES_CSV), "--out", str(tmp_path / "out"), "--curated", str(curated_path)])
    assert args.handler(args) == 0
    rebuilt = load_profile_file(tmp_path / "out" / "cao-bang.yaml")
    landmark = place(rebuilt, "landmark", "Hồ Khuổi Lái")
    assert landmark.hand_added and landmark.aliases == ("Hồ Khuổi Lái", "Khuổi Lái")
    assert place(rebuilt, "landmark", "Thác Bản Giốc").hand_added


def test_build_without_data_says_what_is_missing(tmp_path):
    with pytest.raises(BuildError, match="Không tìm thấy tệp dữ liệu"):
        build_profiles(tmp_path / "no-admin", tmp_path / "sources.csv", tmp_path / "out")
    assert not (tmp_path / "out").exists()
