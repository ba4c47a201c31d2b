"""Province relevance on news-like Vietnamese text: what counts as a mention of the province, what does not,
and whether the evidence (name, form, offsets) points at the words in the text."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from pipeline.bench.relevance import benchmark
from pipeline.core.profiles import load_profile
from pipeline.core.relevance import RelevanceMatcher
from pipeline.core.text import normalize


@pytest.fixture(scope="module")
def matchers():
    return {pid: RelevanceMatcher(load_profile(pid)) for pid in ("thai-nguyen", "tuyen-quang", "bac-ninh", "cao-bang")}


def check(matcher, title, text, **kwargs):
    """Match, and check every reported span is the alias, in the normalised field it names."""
    result = matcher.match(title, text, **kwargs)
    fields = {"title": normalize(title), "text": normalize(text)}
    for hit in result.places + result.rejected:
        assert fields[hit["field"]][hit["start"] : hit["end"]] == hit["alias"], hit
    return result


def aliases(result):
    return [(p["alias"], p["name"], p["kind"]) for p in result.places]


def test_former_district_and_former_province_are_relevant(matchers):
    title = "Mưa lũ gây thiệt hại nặng ở huyện Ba Bể, Bắc Kạn"
    text = ("Do ảnh hưởng của hoàn lưu bão số 3, từ đêm 7/9 tại huyện Ba Bể (tỉnh Bắc Kạn cũ) mưa lớn kéo dài khiến "
            "nước hồ Ba Bể dâng cao, nhiều hộ dân ở thị trấn Chợ Rã phải sơ tán khẩn cấp.")
    result = check(matchers["thai-nguyen"], title, text)
    assert result.relevant
    found = aliases(result)
    assert ("Ba Bể", "Huyện Ba Bể", "former_district") in found
    assert ("Bắc Kạn", "Tỉnh Bắc Kạn", "former_province") in found
    assert ("Bắc Kạn cũ", "Tỉnh Bắc Kạn", "former_province") in found
    assert ("hồ Ba Bể", "Hồ Ba Bể", "landmark") in found
    assert ("Chợ Rã", "Thị trấn Chợ Rã", "former_commune") in found
    assert result.places[0]["field"] == "title" and result.places[0]["start"] == title.index("Ba Bể")
    assert result.reason.startswith("Liên quan đến tỉnh Thái Nguyên") and "Huyện Ba Bể (cũ)" in result.reason
    assert not check(matchers["cao-bang"], title, text).relevant


def test_thanh_cong_ward_of_hanoi_is_not_relevant(matchers):
    text = ("Sáng 15/8, UBND phường Thành Công, quận Ba Đình, Hà Nội tổ chức lễ ra quân làm sạch đường phố. "
            "Hàng trăm người dân khu tập thể Thành Công đã tham gia dọn vệ sinh.")
    for pid in ("thai-nguyen", "cao-bang"):  # both have a "Xã Thành Công"
        result = check(matchers[pid], "Hà Nội ra quân làm sạch đường phố", text)
        assert not result.relevant, pid
        assert result.rejected and "Không liên quan" in result.reason


def test_thanh_cong_commune_with_its_province_is_relevant(matchers):
    text = "Đoàn công tác của Ban Dân tộc đã về thăm bà con xã Thành Công, tỉnh Thái Nguyên trong dịp Tết."
    result = check(matchers["thai-nguyen"], "", text)
    assert result.relevant
    assert ("Thành Công", "Xã Thành Công", "commune") in aliases(result)


def test_cao_bang_in_lower_case_is_a_comparison_not_the_province(matchers):
    text = ("Tòa tháp mới ở Hà Nội cao bằng một tòa nhà 70 tầng, trong khi giá căn hộ đã tăng gần bằng năm ngoái. "
            "Theo các chuyên gia, chi phí xây dựng cũng cao bằng mức của các đô thị lớn trong khu vực.")
    result = check(matchers["cao-bang"], "Tòa tháp cao nhất Thủ đô cất nóc", text)
    assert not result.relevant
    assert all(r["why"].startswith("viết thường") for r in result.rejected)
    assert result.reason == "Không nhắc đến địa danh nào của tỉnh Cao Bằng."
    headline = check(matchers["cao-bang"], "Cao Bằng: mưa lớn gây sạt lở trên quốc lộ 3", "")
    assert headline.relevant and aliases(headline)[0] == ("Cao Bằng", "Tỉnh Cao Bằng", "province")


@pytest.mark.parametrize("pid, text", [
    ("thai-nguyen", "lũ lớn ở thái nguyên, dân khổ quá mọi người ơi"),
    ("tuyen-quang", "lừa đảo ở tuyên quang đấy, cả nhà cẩn thận"),
    ("bac-ninh", "công nhân bắc ninh mất việc hàng loạt"),
    ("thai-nguyen", "ai ở bắc kạn cũ cho hỏi đường lên ba bể"),
    ("cao-bang", "tỉnh cao bằng mưa lớn cả đêm"),  # a name that is also words, after "tỉnh"
    ("thai-nguyen", "dân xã la hiên phản ánh đường hỏng"),  # a commune of two syllables after "xã"
    ("tuyen-quang", "Sở Xây dựng tỉnh tuyên quang thông báo"),  # "quang thông" is a word, but "thông báo" wins
    ("cao-bang", "ai ở cao bằng biết chỗ sửa điện thoại không"),  # after "ở"
    ("cao-bang", "cao bằng: phát hiện hang động cổ"),  # heading a title
    ("thai-nguyen", "Nhiều hộ dân phường #QuangVinh phản ánh nước máy đục"),  # "phường" before a hashtag
])
def test_names_written_in_small_letters_in_social_posts_count(matchers, pid, text):
    result = check(matchers[pid], "", text)
    assert result.relevant, result.rejected


@pytest.mark.parametrize("pid, text", [
    ("thai-nguyen", "Tôi cho nó về trạng thái nguyên thủy, giữ trạng thái nguyên vẹn như cũ."),  # words, not a name
    ("cao-bang", "nước dâng lên cao bằng mái nhà"),  # a name that is also words, with no "tỉnh"
    ("bac-ninh", "làm giấy tờ lên xã chờ cả ngày mệt lắm"),  # one syllable after "xã": a wait
])
def test_small_letters_that_are_words_do_not_count(matchers, pid, text):
    result = check(matchers[pid], "", text)
    assert not result.relevant


def test_quang_trung_the_emperor_and_the_street_are_not_relevant(matchers):
    text = ("Lễ hội Đống Đa tưởng nhớ vua Quang Trung diễn ra tại Hà Nội. Trên đường Quang Trung, "
            "dòng người đổ về gò Đống Đa dâng hương. Hoàng đế Quang Trung được nhân dân tôn vinh là anh hùng áo vải.")
    for pid in ("cao-bang", "bac-ninh", "tuyen-quang", "thai-nguyen"):
        result = check(matchers[pid], "Tưng bừng lễ hội Đống Đa", text)
        assert not result.relevant, pid
    rejected = check(matchers["cao-bang"], "", text).rejected
    assert {r["why"] for r in rejected} >= {"đứng sau “vua”, không phải đơn vị hành chính",
                                            "đứng sau “đường”, không phải đơn vị hành chính"}


def test_person_named_like_a_commune_does_not_count(matchers):
    text = "Ông Lê Quang Trung, Giám đốc một công ty xây dựng ở Hà Nội, cho biết dự án sẽ khởi công vào tháng tới."
    result = check(matchers["cao-bang"], "", text)
    assert not result.relevant
    assert result.rejected[0]["why"] == "là một phần của tên người (“Lê Quang Trung”)"
    # Xã Văn Hán (Thái Nguyên) is unique in the country, but not in a person's name.
    person = "Phát biểu tại hội nghị, ông Nguyễn Văn Hán đề nghị tăng cường kiểm tra an toàn thực phẩm."
    result = check(matchers["thai-nguyen"], "", person)
    assert not result.relevant and result.rejected[0]["why"] == "là một phần của tên người (“Nguyễn Văn Hán”)"
    shop = "Trao đổi với phóng viên, chị Ngân Sơn, chủ một cửa hàng thời trang ở Hà Nội, cho biết sức mua giảm."
    result = check(matchers["thai-nguyen"], "", shop)
    assert not result.relevant and result.rejected[0]["why"] == "là tên người (đứng sau “chị”)"
    assert check(matchers["thai-nguyen"], "", "Văn Hán là xã vùng cao, đời sống còn khó khăn.").relevant
    byline = "Giá rau xanh tại các chợ Hà Nội tăng mạnh sau mưa bão.\nMinh Tâm"
    assert not check(matchers["cao-bang"], "", byline).relevant
    other_name = "Trao đổi với phóng viên, ông Khánh Tân Tiến cho biết hợp tác xã đã có lãi."
    assert "tên riêng dài hơn" in check(matchers["tuyen-quang"], "", other_name).rejected[0]["why"]


def test_tan_tien_commune_of_another_province_is_not_relevant(matchers):
    text = ("Chiều 3/10, tại xã Tân Tiến, huyện Văn Giang, tỉnh Hưng Yên, lực lượng chức năng đã phát hiện một cơ sở "
            "sản xuất phân bón giả. Người dân xã Tân Tiến (Hưng Yên) cho biết cơ sở này hoạt động từ đầu năm.")
    for pid in ("tuyen-quang", "bac-ninh"):  # Xã Tân Tiến in Tuyên Quang, Phường Tân Tiến in Bắc Ninh
        result = check(matchers[pid], "Phát hiện cơ sở sản xuất phân bón giả", text)
        assert not result.relevant, pid
    rejected = check(matchers["tuyen-quang"], "", text).rejected
    assert [r["why"] for r in rejected] == ["thuộc địa phương khác (huyện Văn Giang)", "thuộc địa phương khác (Hưng Yên)"]
    other = check(matchers["thai-nguyen"], "", "Người dân xã Tân Thành, tỉnh Thanh Hóa đang thu hoạch lúa chiêm.")
    assert not other.relevant and "Thanh Hóa" in other.rejected[0]["why"]


def test_prefixed_ambiguous_commune_of_the_province_is_relevant(matchers):
    text = ("Năm nay, bà con xã Tân Tiến, huyện Hoàng Su Phì đã trồng mới 50 ha chè Shan tuyết, "
            "góp phần nâng cao thu nhập cho đồng bào dân tộc thiểu số.")
    result = check(matchers["tuyen-quang"], "Chè Shan tuyết trên núi cao", text)
    assert result.relevant
    found = aliases(result)
    assert ("Tân Tiến", "Xã Tân Tiến", "commune") in found
    assert ("Hoàng Su Phì", "Huyện Hoàng Su Phì", "former_district") in found


def test_a_former_ward_in_national_news_about_another_province_is_not_relevant(matchers):
    # "Phường Quang Trung" was a ward of Thái Nguyên city until 2025; the name repeats across the country.
    title = "Vụ cố ý gây thương tích gây xôn xao Bình Định"
    text = ("Nghi phạm và nạn nhân cùng trú ở phường Quang Trung. Chiều 9/4, hàng xóm phát hiện nạn nhân nằm bất "
            "tỉnh trước cửa nhà và đưa đi cấp cứu.")
    result = check(matchers["thai-nguyen"], title, text)
    assert not result.relevant
    assert "Bình Định" in result.rejected[0]["why"]
    # The same sentence with no other province named stays the province's: its old ward names still count.
    assert check(matchers["thai-nguyen"], "Vụ cố ý gây thương tích", text).relevant
    # A capitalised word that folds to another district's name is not that district ("Hai cháu" / Hải Châu).
    assert check(matchers["thai-nguyen"], "", "Hai cháu nhỏ ở phường Quang Trung được đưa về nhà an toàn.").relevant


def test_a_current_commune_stays_relevant_when_another_province_is_mentioned_in_passing(matchers):
    # The province's own press names today's communes without the province, and other provinces in passing.
    text = ("Chiều 14/3, tại đường ngang dân sinh thuộc xã Lạng Giang, tàu hỏa đã tông trúng một xe máy khiến "
            "người điều khiển tử vong. Đoàn tàu SP3 chạy tuyến Hà Nội - Lạng Sơn dừng lại 30 phút.")
    assert check(matchers["bac-ninh"], "Tàu hỏa tông xe máy tại đường ngang", text).relevant


def test_bare_ambiguous_commune_is_not_relevant(matchers):
    text = "Hợp tác xã Tân Tiến vừa ra mắt sản phẩm mật ong đạt chuẩn OCOP 3 sao, được thị trường đón nhận."
    assert not check(matchers["tuyen-quang"], "Mật ong đạt chuẩn OCOP", text).relevant
    bare = "Mô hình trồng cam của nông dân Tân Tiến cho thu nhập cao, nhiều hộ đã thoát nghèo."
    result = check(matchers["tuyen-quang"], "", bare)
    assert not result.relevant and "không có địa danh chắc chắn" in result.rejected[0]["why"]


def test_bare_ambiguous_commune_counts_next_to_a_place_of_the_province(matchers):
    text = ("Mô hình trồng cam của nông dân Tân Tiến cho thu nhập cao. Đây là vùng cam lớn nhất Hà Giang, "
            "nhiều hộ đã thoát nghèo.")
    result = check(matchers["tuyen-quang"], "", text)
    assert result.relevant
    assert ("Tân Tiến", "Xã Tân Tiến", "commune") in aliases(result)


def test_context_window_setting_bounds_the_support(matchers):
    profile = load_profile("tuyen-quang")
    filler = "Các ngành chức năng tiếp tục hướng dẫn người dân chăm sóc cây trồng trong mùa khô. " * 4
    text = f"Mô hình trồng cam của nông dân Tân Tiến cho thu nhập cao. {filler}Hà Giang có nhiều vùng cam."
    near = RelevanceMatcher(profile, context_window=1000).match("", text)
    far = RelevanceMatcher(profile, context_window=50).match("", text)
    assert ("Tân Tiến", "Xã Tân Tiến", "commune") in aliases(near)
    assert ("Tân Tiến", "Xã Tân Tiến", "commune") not in aliases(far)
    assert far.relevant  # Hà Giang itself still counts


def test_district_of_another_province_before_or_after_the_name_rules_it_out(matchers):
    before = "Mưa lớn làm sạt lở núi ở huyện Bình Liêu, sập 2 nhà tại thôn Ngàn Vàng, xã Đồng Tâm."
    after = "Hai tổ tự quản được lập tại phường Phúc Tân, Hoàn Kiếm để chống đổ rác ra sông Hồng."
    longer = "Công ty đóng tại xã Phú Hòa Đông, Củ Chi; người dân xã Xuân Giang 2 bị cô lập vì lũ."
    for pid, text in (("tuyen-quang", before), ("thai-nguyen", after), ("bac-ninh", longer)):
        result = check(matchers[pid], "", text)
        assert not result.relevant, (pid, result.places)
    assert check(matchers["thai-nguyen"], "", after).rejected[0]["why"] == "thuộc địa phương khác (Hoàn Kiếm)"
    whys = [r["why"] for r in check(matchers["bac-ninh"], "", longer).rejected]
    assert "là một phần của tên dài hơn (“Phú Hòa Đông”)" in whys


def test_same_name_in_another_focus_province_needs_a_fitting_prefix(matchers):
    text = "Samsung Electronics Việt Nam đặt nhà máy tại huyện Yên Phong, tỉnh Bắc Ninh từ năm 2008."
    assert check(matchers["bac-ninh"], "", text).relevant
    # Thái Nguyên has a Xã Yên Phong but no district of that name.
    result = check(matchers["thai-nguyen"], "", text)
    assert not result.relevant and "“huyện”" in result.rejected[0]["why"]
    assert check(matchers["bac-ninh"], "Công nhân KCN Yên Phong được tăng lương", "").relevant


def test_unmarked_word_in_text_with_diacritics_is_no_prefix(matchers):
    # "quan" (as in "tham quan") folds like "quận", "xa" like "xã": only text without diacritics reads them so.
    result = check(matchers["thai-nguyen"], "", "Hàng nghìn du khách đến tham quan Ba Bể dịp nghỉ lễ.")
    assert result.relevant and result.places[0]["alias"] == "Ba Bể"
    assert not check(matchers["thai-nguyen"], "", "Nhà máy nằm ở quận Ba Bể của thành phố.").relevant


def test_text_without_diacritics_matches(matchers):
    text = "Mua lu keo dai o Bac Kan, nhieu ho dan o huyen Ba Be phai di doi. Ho Ba Be nuoc dang cao."
    result = check(matchers["thai-nguyen"], "", text)
    assert result.relevant
    found = aliases(result)
    assert ("Bac Kan", "Tỉnh Bắc Kạn", "former_province") in found
    assert ("Ba Be", "Huyện Ba Bể", "former_district") in found
    assert ("Ho Ba Be", "Hồ Ba Bể", "landmark") in found
    lower = check(matchers["thai-nguyen"], "", "du lich bac kan mua thu dep nhu tranh")
    assert lower.relevant and lower.places[0]["alias"] == "bac kan"


def test_ambiguous_name_without_diacritics_in_lower_case_does_not_count(matchers):
    result = check(matchers["tuyen-quang"], "", "nong dan tan tien thu hoach cam sanh, gia ban tang cao")
    assert not result.relevant
    result = check(matchers["cao-bang"], "", "ngon nui nay cao bang hai toa nha")
    assert not result.relevant


def test_nfd_input_matches_with_offsets_into_the_normalised_text(matchers):
    raw = "Du khách đổ về thác Bản Giốc dịp nghỉ lễ 2/9, tỉnh Cao Bằng đón hơn 50.000 lượt khách."
    nfd = unicodedata.normalize("NFD", raw)
    assert nfd != raw
    result = check(matchers["cao-bang"], "", nfd)
    assert result.relevant
    assert ("thác Bản Giốc", "Thác Bản Giốc", "landmark") in aliases(result)
    first = result.places[0]
    assert raw[first["start"] : first["end"]] == "thác Bản Giốc"


def test_tone_mark_conventions_and_i_y_spellings_match(matchers):
    new_style = "Nông dân huyện Hoà An thu hoạch thuốc lá, năng suất đạt cao nhất từ trước đến nay."
    result = check(matchers["cao-bang"], "", new_style)
    assert result.relevant and aliases(result)[0] == ("Hòa An", "Huyện Hòa An", "former_district")
    i_spelling = check(matchers["thai-nguyen"], "", "Chè Đồng Hỉ được người tiêu dùng ưa chuộng.")
    assert i_spelling.relevant and i_spelling.places[0]["name"] == "Xã Đồng Hỷ"


def test_former_province_spelling_variant(matchers):
    result = check(matchers["thai-nguyen"], "Bắc Cạn xưa và nay", "")
    assert result.relevant and result.places[0]["name"] == "Tỉnh Bắc Kạn"


def test_english_text_naming_the_province(matchers):
    text = ("Samsung has invested more than 7.5 billion USD in its factories in Thai Nguyen province, "
            "north of Hanoi, making it one of the largest exporters in Vietnam.")
    result = check(matchers["thai-nguyen"], "Samsung expands in northern Vietnam", text)
    assert result.relevant and result.places[0]["alias"] == "Thai Nguyen"
    loop = check(matchers["tuyen-quang"], "Riding the Ha Giang Loop", "The Dong Van Karst Plateau is a geopark.")
    assert loop.relevant
    assert {p["name"] for p in loop.places} >= {"Ha Giang Loop", "Cao nguyên đá Đồng Văn"}


def test_foreign_place_with_a_commune_name_is_not_relevant(matchers):
    text = ("Trung Quốc tăng cường kiểm soát tại Tân Cương, trong khi các nhà máy ở Trùng Khánh và Côn Minh "
            "được yêu cầu cắt giảm sản lượng điện.")
    for pid in ("thai-nguyen", "cao-bang"):  # Xã Tân Cương, Xã Côn Minh; Xã Trùng Khánh
        assert not check(matchers[pid], "Trung Quốc siết kiểm soát", text).relevant, pid
    assert check(matchers["thai-nguyen"], "", "Chè Tân Cương, Thái Nguyên được mùa, được giá.").relevant


def test_other_provinces_only_are_not_relevant(matchers):
    text = ("Giá vàng trong nước hôm nay tăng mạnh. Tại Hà Nội và TP.HCM, nhiều người xếp hàng mua vàng, "
            "trong khi ở Đà Nẵng giao dịch trầm lắng hơn.")
    for pid, matcher in matchers.items():
        result = check(matcher, "Giá vàng tăng mạnh", text)
        assert not result.relevant and not result.places, pid
        assert result.reason.startswith("Không nhắc đến địa danh nào")


def test_ambiguous_title_name_supported_by_the_lead(matchers):
    title = "Xã Đồng Tâm đón nhận danh hiệu nông thôn mới"
    text = "Tuyên Quang: chiều 20/11, huyện Bắc Quang tổ chức lễ đón nhận danh hiệu."
    result = check(matchers["tuyen-quang"], title, text)
    assert ("Đồng Tâm", "Xã Đồng Tâm", "commune") in aliases(result)
    bare_title = check(matchers["tuyen-quang"], "Đồng Tâm đón nhận danh hiệu", text)
    assert ("Đồng Tâm", "Xã Đồng Tâm", "commune") in aliases(bare_title)
    assert not check(matchers["tuyen-quang"], "Đồng Tâm đón nhận danh hiệu", "Người dân phấn khởi.").relevant


def test_prenormalised_input_gives_the_same_answer(matchers):
    text = unicodedata.normalize("NFD", "Khách du lịch đến Cao nguyên đá Đồng Văn, Hà Giang ngày càng đông.")
    matcher = matchers["tuyen-quang"]
    plain = matcher.match("", text)
    prepared = matcher.match("", normalize(text), normalized=True)
    assert plain == prepared and plain.relevant


def test_benchmark_reports_throughput():
    figures = benchmark(load_profile("bac-ninh"), n=200)
    assert figures["items"] == 200 and figures["items_per_s"] > 0
    # synthetic_items makes about 70% of items about the province, naming unambiguous places
    assert 0.5 < figures["relevant"] / figures["items"] < 0.9


SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the users' plans (../shared/seeds) are not on this machine")
def test_provincial_plans_are_relevant_to_their_own_province_only(matchers):
    # The real plans of the users: Bắc Kạn (2025, 2021), Bắc Giang (2025), Tuyên Quang (2025).
    expected = {"000_": "thai-nguyen", "001_": "thai-nguyen", "002_": "bac-ninh", "004_": "tuyen-quang"}
    for prefix, owner in expected.items():
        (path,) = SEEDS.glob(f"{prefix}*.txt")
        text = path.read_text(encoding="utf-8")
        for pid, matcher in matchers.items():
            result = check(matcher, "", text)
            assert result.relevant is (pid == owner), (path.name, pid, result.reason)
