"""Personal data written the way people really type it (issue 23): phones with "(0)" after
+84 and phones spelled out in words, e-mails dressed up against scrapers, lower-case names
without diacritics after a title or label; and the shipping codes that are not phones."""

from __future__ import annotations

import pytest

from course.i18n import t
from course.privacy import find_pii, mask_pii

PHONE = t("privacy.placeholder_phone")


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in find_pii(text)]


@pytest.mark.parametrize(("text", "phone"), [
    ("Gọi +84 (0) 912 345 678 nhé", "+84 (0) 912 345 678"),
    ("SĐT: 84 (0) 912.345.678", "84 (0) 912.345.678"),
    ("sđt không chín một hai ba bốn năm sáu bảy tám", "không chín một hai ba bốn năm sáu bảy tám"),
    ("so dt khong chin mot hai ba bon nam sau bay tam nhe",
     "khong chin mot hai ba bon nam sau bay tam"),
    ("Zalo 0912 ba bốn năm sáu bảy tám giúp em", "0912 ba bốn năm sáu bảy tám"),
    ("gọi Không-Chín-Tám, bảy sáu năm, bốn ba hai một",
     "Không-Chín-Tám, bảy sáu năm, bốn ba hai một"),
])
def test_phones_in_the_forms_people_type(text, phone):
    assert ("phone", phone) in _kinds(text)
    assert phone not in mask_pii(text) and PHONE in mask_pii(text)


def test_two_spelled_phones_in_a_row_are_both_found():
    text = ("gọi không chín một hai ba bốn năm sáu bảy tám, "
            "hoặc không chín tám bảy sáu năm bốn ba hai một")
    assert [k for k, _ in _kinds(text)] == ["phone", "phone"]


@pytest.mark.parametrize("text", [
    "Sau ba năm, shop bán hai nghìn hộp mỗi tháng.",
    "Combo một hai ba: mua ba tặng một.",
    "Năm 2025 bán được năm trăm hộp, tháng chín tăng bốn phần trăm.",
])
def test_number_words_in_ordinary_sentences_are_not_phones(text):
    assert _kinds(text) == []


@pytest.mark.parametrize("text", [
    "Mã vận đơn GHN 840912345678 đã giao.",
    "Tra cứu GHTK: 0912345678",
    "Đơn J&T 0987654321 đang trên đường.",
    "VTP 0912345678, SPX 0987654321",
    "vận đơn ghn 0912 345 678",
])
def test_shipping_codes_after_a_carrier_are_not_phones(text):
    assert [m for m in find_pii(text) if m.text[-1].isdigit()] == []


def test_a_phone_after_a_carrier_word_elsewhere_is_still_a_phone():
    text = "Đơn GHN 840912345678 — shipper gọi 0987654321 nhé"
    assert _kinds(text) == [("phone", "0987654321")]


@pytest.mark.parametrize(("text", "email"), [
    ("mail an_nguyen92 @ yahoo.com nhé", "an_nguyen92 @ yahoo.com"),
    ("Gửi về lan[at]htx-camlo.vn giúp chị", "lan[at]htx-camlo.vn"),
    ("liên hệ lan (at) htx-camlo.vn", "lan (at) htx-camlo.vn"),
    ("email: lan a còng htx-camlo.vn.", "lan a còng htx-camlo.vn"),
    ("email lan a cong gmail cham com", "lan a cong gmail cham com"),
    ("thu.ha {@} gmail [dot] com", "thu.ha {@} gmail [dot] com"),
    ("an_nguyen92@yahoo.com.vn", "an_nguyen92@yahoo.com.vn"),
])
def test_obfuscated_emails(text, email):
    assert ("email", email) in _kinds(text)
    assert "[EMAIL]" in mask_pii(text) and email not in mask_pii(text)


@pytest.mark.parametrize("text", [
    "Hẹn gặp lúc 8 at 9 pm",
    "look at example.com",
    "Giá @ 50k mỗi hộp",
    "Shop @ Đông Hà",
])
def test_at_signs_that_are_not_emails(text):
    assert [k for k, _ in _kinds(text) if k == "email"] == []


@pytest.mark.parametrize(("text", "masked"), [
    ("chị tran thi be ở Đông Hà đặt 2 hộp", "chị [HỌ TÊN] ở Đông Hà đặt 2 hộp"),
    ("chủ TK Tran Thi Be", "chủ TK [HỌ TÊN]"),
    ("chủ TK tran thi be, STK 0123456789 Vietcombank",
     "chủ TK [HỌ TÊN], STK [SỐ TÀI KHOẢN] Vietcombank"),
    ("Người nhận: tran thi be", "Người nhận: [HỌ TÊN]"),
    ("anh nguyen van an gọi lại nhé", "anh [HỌ TÊN] gọi lại nhé"),
    ("chi le thi hoa o dong ha", "chi [HỌ TÊN] o dong ha"),
    ("Chủ tài khoản: pham minh tuan", "Chủ tài khoản: [HỌ TÊN]"),
])
def test_lower_case_names_without_diacritics_after_a_cue(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "Viet mo ta ngan cho tra sen Tay Ho",  # "viết mô tả ngắn", not "mợ Tạ Ngân"
    "anh ho tro em voi",  # "anh hỗ trợ em với"
    "em bé ngủ ngon",
    "tran thi be",  # no title or label before it: left to the other rules
])
def test_ordinary_lower_case_words_are_not_names(text):
    assert [k for k, _ in _kinds(text) if k == "name"] == []


def test_masking_the_new_forms_twice_is_masking_once():
    text = ("chị tran thi be, sđt không chín một hai ba bốn năm sáu bảy tám, mail "
            "be[at]htx-camlo.vn, đơn GHN 840912345678, +84 (0) 987 654 321")
    once = mask_pii(text)
    assert mask_pii(once) == once
    assert "GHN 840912345678" in once
    assert once.count(PHONE) == 2 and t("privacy.placeholder_email") in once
    assert t("privacy.placeholder_name") in once
