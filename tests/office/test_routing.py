"""Routing a problem to the agency that must act: from the profile's data (flags, named bodies, topics,
section, place), editable per home, used by the digest and the case form; police and military only for
content flags."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from pipeline.core.profiles import PROVINCE_IDS, load_home_profile, load_profile, profile_path
from pipeline.office.cases import suggest_agency
from pipeline.office.routing import FLAGS_ONLY, route

PROFILE = load_profile("thai-nguyen")


def _topic(topic_id: str, *sections: str) -> dict:
    return {"id": topic_id, "label": topic_id, "score": 0.9, "sections": list(sections or (topic_id,))}


def _item(title: str, *topics: dict, text: str = "", flags: list[dict] | None = None, places=None) -> dict:
    return {"title": title, "text": text, "topics": list(topics), "flags": flags or [], "places": places or []}


@pytest.mark.parametrize(("item", "agency"), [
    (_item("Ổ dịch sốt xuất huyết bùng phát ở phường Phổ Yên", _topic("y_te")), "so-y-te"),
    (_item("Xe tải lật trên quốc lộ 3, đường hư hỏng nặng", _topic("giao_thong")), "so-xay-dung"),
    (_item("Nhiều người không đội mũ bảo hiểm khi đi xe máy", _topic("giao_thong")), "so-xay-dung"),
    (_item("Trường học xuống cấp, học sinh học trong lớp dột", _topic("giao_duc")), "so-giao-duc"),
    (_item("Sạt lở đất vùi lấp nhà dân", _topic("moi_truong"), _topic("thien_tai_su_co", "moi_truong")),
     "so-nong-nghiep-moi-truong"),
    (_item("Công nhân ngừng việc tại KCN Yên Bình", _topic("xa_hoi"), _topic("dinh_cong_kcn", "xa_hoi", "kinh_te")),
     "ban-ql-kcn"),
])
def test_a_problem_goes_to_the_agency_of_its_topic_or_section(item, agency):
    found = route(PROFILE, item)
    assert found is not None and found.agency_id == agency, found
    assert found.name == PROFILE.agency(agency).name
    assert found.reason


def test_a_fraud_report_without_a_content_flag_never_goes_to_the_police():
    fraud = _item("Giáo viên về hưu mất 1,2 tỷ đồng vì bị lừa đầu tư", _topic("phap_luat"),
                  text="Công an tỉnh đang điều tra vụ việc.")
    found = route(PROFILE, fraud)
    assert found is not None and found.agency_id not in FLAGS_ONLY
    assert found.agency_id == "so-tu-phap"


def test_police_and_military_receive_items_only_for_content_flags():
    for province in PROVINCE_IDS:
        profile = load_profile(province)
        for section_topic in ("phap_luat", "quoc_phong_an_ninh", "chinh_tri", "xa_hoi", "van_hoa"):
            for plans_topic in ("dan_chu", "nhan_quyen", "ton_giao", "dan_toc", "bien_gioi", "quoc_phong_an_ninh"):
                item = _item("Tin", _topic(section_topic), _topic(plans_topic, section_topic),
                             text="Công an tỉnh và Bộ Chỉ huy Quân sự tỉnh cho biết.")
                found = route(profile, item)
                assert found is None or found.agency_id not in FLAGS_ONLY, (province, section_topic, plans_topic)
        for agency in profile.agencies:
            if agency.id in FLAGS_ONLY:
                assert not agency.sections and not agency.names


def test_a_body_the_item_names_is_responsible_unless_it_is_another_provinces():
    named = _item("Sở Y tế yêu cầu kiểm tra bếp ăn trường học sau vụ ngộ độc", _topic("giao_duc"))
    assert route(PROFILE, named).agency_id == "so-y-te"
    other = _item("Sở Y tế Hà Nội yêu cầu kiểm tra bếp ăn trường học", _topic("giao_duc"))
    assert route(PROFILE, other).agency_id == "so-giao-duc"


def test_a_content_flag_routes_before_anything_else():
    item = _item("Trang giả mạo UBND tỉnh kêu gọi quyên góp", _topic("xa_hoi"),
                 flags=[{"name": "likely_false", "score": 0.9, "raised": True}])
    found = route(PROFILE, item)
    assert found.agency_id in {a.id for a in PROFILE.agencies if "likely_false" in a.flags}
    assert "cảnh báo" in found.reason


def test_without_topic_or_flag_the_commune_where_it_happened_answers():
    item = _item("Người dân phản ánh đường làng ngập", places=[
        {"name": "Tỉnh Thái Nguyên", "kind": "province"}, {"name": "Xã Võ Nhai", "kind": "commune"}])
    found = route(PROFILE, item)
    assert found.agency_id == "ubnd-cap-xa" and found.name == "UBND xã Võ Nhai"


def test_the_office_edits_routing_in_its_homes_profile(home):
    # The office's own part of the profile replaces the agency list: copied from the generated file, then edited.
    agencies = yaml.safe_load(profile_path(home.profile.id).read_text(encoding="utf-8"))["agencies"]
    for agency in agencies:
        if agency["id"] == "so-y-te":
            agency["sections"] = []
        if agency["id"] == "so-vhttdl":
            agency["sections"] = [*agency.get("sections", []), "y_te"]
    path = home.path / "profile.yaml"
    office = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    path.write_text(yaml.safe_dump({**office, "agencies": agencies}, allow_unicode=True), encoding="utf-8")
    edited = load_home_profile(home.profile.id, path)
    item = _item("Ổ dịch sốt xuất huyết", _topic("y_te"))
    assert route(edited, item).agency_id == "so-vhttdl"
    assert suggest_agency(edited, [item]) == "so-vhttdl"
    assert route(home.profile, item).agency_id == "so-y-te"  # the home as it was loaded before the edit


def test_the_case_form_suggests_the_routed_agency():
    assert suggest_agency(PROFILE, [_item("Ổ dịch", _topic("y_te"))]) == "so-y-te"
    assert suggest_agency(replace(PROFILE, agencies=[]), [_item("Ổ dịch", _topic("y_te"))]) is None
