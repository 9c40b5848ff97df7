"""'Sản phẩm của bạn': the profile file, the form that writes it, and who reads it."""

from __future__ import annotations

import html
import json

import pytest
from catalogue_helpers import said

from course.i18n import t
from course.lessons import capstone, profile
from course.widgets import CapstoneForm, ProductForm

OWN = {"ten_sp": "Bún hến Bà Tư", "ten_co_so": "Quán Bà Tư", "gia_ban_vnd": "25k",
       "don_vi": "tô", "noi_san_xuat": "Cồn Hến, Huế", "diem_noi_bat": "hến tươi mỗi sáng",
       "khach_hang_muc_tieu": "sinh viên và khách du lịch", "kenh_chinh": "TikTok"}


@pytest.mark.parametrize(("text", "value"), [
    ("45.000", 45_000), ("45000", 45_000), ("45k", 45_000), ("45 nghìn", 45_000),
    ("1,2 triệu", 1_200_000), ("450.000 đồng", 450_000), ("1.250.000đ", 1_250_000), (70000, 70_000),
])
def test_prices_are_read_the_way_people_write_them(text: object, value: int) -> None:
    assert profile.parse_price(text) == value


@pytest.mark.parametrize("bad", ["", "rẻ lắm", "45$", "-5"])
def test_a_price_that_cannot_be_read_says_so_in_vietnamese(bad: str) -> None:
    with pytest.raises(ValueError, match="chưa đọc được"):
        profile.parse_price(bad)


def test_no_profile_means_a_labelled_sample(tmp_path) -> None:
    sp = profile.load(tmp_path, default="Hạt tiêu Cùa")
    assert sp["mau"] is True and sp["ten_sp"] == "Hạt tiêu Cùa" and sp["gia_ban_vnd"] == 70_000
    assert said("profile.using_sample", profile.describe(sp), name="Hạt tiêu Cùa")
    assert capstone.answers_from_profile(sp) == capstone.SAMPLE


def test_saved_profile_is_read_back_everywhere(tmp_path) -> None:
    path = profile.save(OWN, tmp_path)
    assert path == tmp_path / profile.PROFILE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["gia_ban_vnd"] == 25_000 and data["ten_sp"] == "Bún hến Bà Tư"
    sp = profile.load(tmp_path)
    assert sp["mau"] is False and "Bún hến Bà Tư" in profile.describe(sp)
    assert "Bún hến Bà Tư" in profile.story(sp, "chuyện mẫu")
    assert "Quán Bà Tư" in profile.brand_voice(sp, "giọng mẫu")
    assert profile.keywords(sp, ["mẫu"])[0] == "Bún hến Bà Tư"
    answers = capstone.answers_from_profile(sp)
    assert answers["ten"] == "Quán Bà Tư" and answers["san_pham"] == "Bún hến Bà Tư"


def test_a_broken_profile_file_falls_back_to_the_sample(tmp_path) -> None:
    profile.profile_path(tmp_path).write_text("{không phải json", encoding="utf-8")
    assert profile.load(tmp_path)["mau"] is True


def test_form_saves_and_reopens_with_the_saved_values(tmp_path) -> None:
    form = ProductForm(tmp_path)
    for key, value in OWN.items():
        form.fields[key].value = value
    form.button.click()
    assert form.path == profile.profile_path(tmp_path) and form.path.exists()
    assert "Bún hến Bà Tư" in form.status.value
    again = ProductForm(tmp_path)
    assert again.fields["ten_sp"].value == "Bún hến Bà Tư"
    assert again.fields["gia_ban_vnd"].value == "25.000"
    assert again.fields["kenh_chinh"].value == "TikTok"


def test_form_bad_input_keeps_fields_and_explains(tmp_path) -> None:
    form = ProductForm(tmp_path)
    form.fields["ten_sp"].value = "Gốm <b>Thanh Hà</b>"
    form.fields["gia_ban_vnd"].value = "rẻ lắm"
    form.button.click()
    assert form.path is None and not list(tmp_path.iterdir())
    assert html.escape(t("profile.need_customers")) in form.status.value
    assert said("profile.bad_price", html.unescape(form.status.value), value="rẻ lắm")
    assert "<b>Thanh" not in form.status.value
    assert form.fields["ten_sp"].value == "Gốm <b>Thanh Hà</b>"


def test_sample_dropdown_fills_a_ready_example(tmp_path) -> None:
    form = ProductForm(tmp_path)
    assert len(form.sample.options) == 13  # "my product" + the 12 samples
    form.sample.value = "Gà Cùa"
    assert form.fields["ten_sp"].value == "Gà Cùa" and form.fields["gia_ban_vnd"].value
    assert form.save() is not None and profile.load(tmp_path)["ten_sp"] == "Gà Cùa"


def test_capstone_form_opens_with_the_participants_business(tmp_path) -> None:
    profile.save(OWN, tmp_path)
    form = CapstoneForm(folder=tmp_path)
    assert form.ten.value == "Quán Bà Tư" and form.san_pham.value == "Bún hến Bà Tư"
    assert [c for c, box in form.kenh.items() if box.value] == ["TikTok"]
    plan = capstone.build_plan(form.current())
    text = plan.to_markdown()
    assert "Quán Bà Tư" in text and "Cam Lộ" not in text and "Khe Sanh" not in text


def test_empty_capstone_form_uses_the_example(tmp_path) -> None:
    form = CapstoneForm(folder=tmp_path)
    assert form.ten.value == ""
    assert form.current().ten == capstone.SAMPLE["ten"]


@pytest.mark.parametrize("domain", ["profile", "offline"])
def test_catalogues_match_in_both_languages(domain: str) -> None:
    import string
    import unicodedata
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "course" / "data" / "messages"
    vi = json.loads((root / "vi" / f"{domain}.json").read_text(encoding="utf-8"))
    en = json.loads((root / "en" / f"{domain}.json").read_text(encoding="utf-8"))
    assert set(vi) == set(en)
    for key, text in vi.items():
        assert unicodedata.is_normalized("NFC", text), key
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}, key


LAUNDRY = {"ten_sp": "tiệm giặt sấy Hoa Mai", "gia_ban_vnd": "15.000", "don_vi": "kg",
           "noi_san_xuat": "Đông Hà", "diem_noi_bat": "giặt sấy riêng từng khách",
           "khach_hang_muc_tieu": "sinh viên", "kenh_chinh": "Zalo",
           "gio_mo_cua": "7:00–21:00", "giao_nhan": "giao nhận tận nhà trong Đông Hà",
           "dieu_khoan": "đồ hỏng được đền theo giá trị"}


def test_form_has_kind_hours_delivery_and_terms_and_saves_them(tmp_path) -> None:
    form = ProductForm(tmp_path)
    for key in ("loai_hinh", "gio_mo_cua", "giao_nhan", "dieu_khoan"):
        assert key in form.fields
    form.fill(LAUNDRY)
    form.fields["loai_hinh"].value = [c for c in form.fields["loai_hinh"].options
                                      if c.startswith("Dịch vụ")][0]
    assert form.save() is not None
    sp = profile.load(tmp_path)
    assert sp["gio_mo_cua"] == "7:00–21:00" and sp["giao_nhan"].startswith("giao nhận")
    assert profile.is_service(sp) and profile.kind_of(sp).main == "service"
    reopened = ProductForm(tmp_path)
    assert reopened.fields["dieu_khoan"].value == "đồ hỏng được đền theo giá trị"


def test_kind_unclear_in_the_form_is_read_from_the_name(tmp_path) -> None:
    profile.save({**LAUNDRY, "loai_hinh": "Chưa rõ"}, tmp_path)
    sp = profile.load(tmp_path)
    assert sp["loai_hinh"] == "" and profile.kind_of(sp).main == "service"
    assert profile.kind_of(profile.from_sample("Măng muối")).main == "product"


def test_every_fact_given_is_used_and_nothing_else(tmp_path) -> None:
    sp = profile.clean(LAUNDRY)
    text = profile.story(sp, "chuyện mẫu") + profile.brand_voice(sp, "giọng mẫu") + \
        profile.post_prompt(sp)
    for key in ("noi_san_xuat", "diem_noi_bat", "gio_mo_cua", "giao_nhan", "dieu_khoan"):
        assert LAUNDRY[key] in text, key
    assert "15.000" in text and "người làm ra" not in text
    assert not said("profile.contact_product", text)  # no channel given, no line about it
    assert "Đặt lịch qua Zalo" in profile.brand_voice(sp, "")
    gaps = profile.gap_values(sp)
    assert gaps["[giờ mở cửa]"] == "7:00–21:00" and gaps["[giá]"] == "15.000"
    bare = profile.clean({k: v for k, v in LAUNDRY.items() if k not in ("giao_nhan",)})
    assert "[giao nhận]" not in profile.gap_values(bare)  # not given: stays a visible gap


def test_the_story_does_not_start_with_a_bare_name_sentence() -> None:
    """Lesson 06's story opens with a statement about the business, not "Tên. Giá …"."""
    sp = profile.clean(LAUNDRY)
    text = profile.story(sp, "chuyện mẫu")
    first = text.split(". ")[0]
    assert first.strip().lower() != str(sp["ten_sp"]).lower()
    assert text.startswith(str(sp["ten_sp"])) and "15.000" in first


def test_lesson05_chat_answers_from_the_saved_profile() -> None:
    """Lesson 05's own-business chat: the saved facts, a fallback, arithmetic, a hand-over."""
    import course
    from course.widgets import ChatBox

    course.configure(backend="offline", cache=False)
    oranges = {**OWN, "ten_sp": "cam Vinh vườn nhà cô Lan", "ten_co_so": "", "gia_ban_vnd": "40k",
               "don_vi": "kg", "noi_san_xuat": "Nghi Lộc, Nghệ An", "kenh_chinh": "Zalo",
               "giao_nhan": "nhận cam tại vườn hoặc gửi xe khách"}
    for data, price, total in ((LAUNDRY, "15.000", "45.000"), (oranges, "40.000", "120.000")):
        sp = profile.clean(data)
        prompt = profile.chat_prompt(sp)
        assert str(sp["ten_sp"]) in prompt
        for key in ("gio_mo_cua", "giao_nhan", "dieu_khoan"):
            assert str(data.get(key) or "") in prompt, key
        questions = profile.chat_questions(sp)
        chat = ChatBox(system_prompt=prompt)
        answers = [course.strip_label(chat.send(q)) for q in questions]
        assert price in answers[0]
        assert total in answers[1] and "×" in answers[1]  # a calculation on the given price
        assert "hỏi" in answers[2] and price not in answers[2]  # not in the facts: fallback
        assert "chuyển" in answers[3]  # a complaint goes to a person
        if data.get("giao_nhan"):
            assert data["giao_nhan"] in " ".join(answers)
        if data.get("gio_mo_cua"):  # "7:00–21:00" alone, with no "mỗi ngày" after it
            assert f"Dạ, giờ mở cửa: {data['gio_mo_cua']}" in " ".join(answers)
