"""Own-business phrasings tried by hand (issue 21): tables of listed things, one post, given
facts, neutral slogans, names typed without diacritics.

Each case asserts the request's structure (rows, counts, limits, the named thing) and runs
the property checker of tests/sim_properties.py on the answer: nothing invented, no sample
leaked, no product-only wording for a service.
"""

from __future__ import annotations

import re

import pytest
from sim_properties import invented, product_only, sample_leaks

import course
from course.text import fold

ITEM = re.compile(r"(?m)^\s*\d+[.)]\s+")


@pytest.fixture(autouse=True)
def _offline():
    course.configure(backend="offline")


def ask(prompt: str, service: bool = False) -> str:
    answer = course.ask(prompt)
    assert course.is_simulated(answer)
    body = course.strip_label(answer)
    assert not invented(body, prompt), (invented(body, prompt), body)
    assert not sample_leaks(body, prompt), body
    if service:
        assert not product_only(body), (product_only(body), body)
    assert "không làm được" not in body, body
    return body


def table_rows(body: str) -> list[list[str]]:
    lines = [x for x in body.splitlines() if x.strip().startswith("|")]
    assert len(lines) >= 3, body
    return [[c.strip() for c in x.strip().strip("|").split("|")] for x in lines[2:]]


def test_plans_compared_in_a_table():
    body = ask("Lập bảng so sánh 3 gói Cơ bản, Tiêu chuẩn, Cao cấp của spa Thu Hà.", True)
    rows = table_rows(body)
    assert [r[0] for r in rows] == ["Cơ bản", "Tiêu chuẩn", "Cao cấp"], body
    assert "[giá" in body and "spa Thu Hà" in body, body


def test_weekday_table_has_one_row_per_day():
    body = ask("Lập bảng lịch đăng bài 5 ngày từ Thứ Hai đến Thứ Sáu cho spa Thu Hà ở Đồng Hới.",
               True)
    rows = table_rows(body)
    assert [r[0] for r in rows] == ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu"], body
    assert "Tuần" not in body


def test_plain_request_names_the_oranges_and_writes_one_post():
    body = ask("toi la giao vien ve huu ban cam vinh trong vuon nha, viet 1 bai dang zalo ngan")
    assert "cam vinh" in fold(body), body
    assert "huu" not in fold(body), body
    assert not ITEM.search(body), body


def test_one_post_with_the_given_price():
    body = ask("Tôi bán cam Vinh trong vườn nhà, 40.000 đồng/kg. Viết 1 bài đăng Zalo ngắn.")
    assert not ITEM.search(body), body
    assert "cam Vinh" in body and "40.000 đồng/kg" in body, body


def test_two_sentences_use_the_given_facts():
    body = ask("Viết 2 câu giới thiệu ngắn, mỗi câu dưới 20 từ, về dịch vụ giặt sấy Hoa Mai ở "
               "Đông Hà (giặt sấy 15.000 đồng/kg, giao nhận tận nhà, mở 7:00–21:00).", True)
    items = [x for x in ITEM.split(body) if x.strip()]
    assert len(items) == 2, body
    for x in items:
        assert len(x.split()) < 20 and x.strip()[0].isupper(), body
    for fact in ("15.000 đồng/kg", "giao nhận tận nhà", "7:00–21:00"):
        assert fact in body.lower(), (fact, body)
    assert "bất cứ điều gì" not in body


@pytest.mark.parametrize("prompt", [
    "viet 3 khau hieu cho tiem giat say hoa mai",
    "Viết 5 khẩu hiệu cho tiệm giặt sấy Hoa Mai.",
    "viết 4 slogan cho studio ảnh Nắng Mai",
])
def test_slogans_make_no_claims_and_keep_one_casing(prompt: str):
    body = ask(prompt, True)
    f = fold(body)
    for claim in ("tu hao", "nho mai", "so 1", "ngon nhat", "tot nhat", "hang dau", "uy tin"):
        assert claim not in f, (claim, body)
    n = int(re.search(r"\d", prompt).group(0))
    assert len(ITEM.findall(body)) == n, body
    spellings = {m for m in re.findall(r"(?i)tiem giat say hoa mai", body)}
    assert len(spellings) <= 1, body


# --------------------------------------------------------------------------- tutor, studio, garage
@pytest.mark.parametrize(("prompt", "rows"), [
    ("Lập bảng so sánh 3 khóa Cơ bản, Nâng cao, Luyện thi của lớp tiếng Anh Sao Mai.",
     ["Cơ bản", "Nâng cao", "Luyện thi"]),
    ("Lập bảng 3 gói chụp ảnh cưới Cơ bản, Tiêu chuẩn, Cao cấp cho studio ảnh Nắng Mai",
     ["Cơ bản", "Tiêu chuẩn", "Cao cấp"]),
    ("lap bang lich dang bai tu thu hai den thu tu cho studio anh nang mai",
     ["Thứ Hai", "Thứ Ba", "Thứ Tư"]),
    ("lap bang so sanh zalo, facebook va tiktok cho gara o to minh phat",
     ["Zalo", "Facebook", "TikTok"]),
])
def test_tables_of_listed_things(prompt: str, rows: list[str]):
    body = ask(prompt, True)
    assert [r[0] for r in table_rows(body)] == rows, body


def test_tutor_named_by_what_they_teach_with_the_price():
    body = ask("Tôi dạy kèm Toán lớp 9 tại nhà ở Vinh, 150.000 đồng/buổi. "
               "Viết 1 bài đăng Facebook ngắn.", True)
    assert "dạy kèm Toán lớp 9" in body and "150.000 đồng/buổi" in body, body
    assert "[tên" not in body and not ITEM.search(body), body


def test_plain_tutor_name_is_kept_whole_and_cased_once():
    body = ask("viet 3 cau chao hoc sinh moi cho lop day kem toan co Lan", True)
    assert len(ITEM.findall(body)) == 3, body
    spellings = set(re.findall(r"(?i)lop day kem toan co lan", body))
    assert len(spellings) == 1, body


@pytest.mark.parametrize("prompt", [
    "Viết 2 câu giới thiệu về gara ô tô Minh Phát (thay dầu 300.000 đồng, mở 8:00–18:00).",
    "viết 2 câu giới thiệu studio ảnh Nắng Mai (chụp ảnh thẻ 50.000 đồng, lấy ngay, mở 8:00–20:00)",
])
def test_given_facts_fill_the_sentences(prompt: str):
    body = ask(prompt, True)
    items = [x for x in ITEM.split(body) if x.strip()]
    assert len(items) == 2 and all(x.strip()[0].isupper() for x in items), body
    facts = re.search(r"\((.+)\)", prompt).group(1).split(", ")
    for fact in facts:
        assert fact.lower() in body.lower(), (fact, body)


@pytest.mark.parametrize("prompt", [
    "Tôi mở gara sửa xe máy ở Đông Hà. Viết 1 tin nhắn nhắc khách bảo dưỡng xe.",
    "viet 5 hashtag cho gara sua xe may tuan",
    "viết 3 khẩu hiệu cho gara ô tô minh phát",
])
def test_garage_requests_keep_the_name_and_invent_nothing(prompt: str):
    body = ask(prompt, True)
    assert "gara" in fold(body), body
    n = re.search(r"(?<!\w)([35])(?!\w)", prompt)
    if n:
        assert len(ITEM.findall(body)) == int(n.group(1)), body
    else:
        assert not ITEM.search(body), body


@pytest.mark.parametrize(("prompt", "target"), [
    ("Viết khẩu hiệu ngắn cho dịch vụ, theo đúng giọng của các ví dụ.\n"
     "Ví dụ 1 – Nước mắm Mỹ Thủy: \"Giọt mắm quê, đậm tình biển Hải Lăng.\"\n"
     "Ví dụ 2 – Gạo hữu cơ Quảng Trị: \"Hạt gạo sạch, bữa cơm an lành.\"\n"
     "Dịch vụ cần viết – Giặt sấy Hoa Mai:", "Giặt sấy Hoa Mai"),
    ("Viet khau hieu theo mau.\nSan pham: Nuoc mam My Thuy\nKhau hieu: Giot mam que.\n"
     "San pham: Gao huu co Quang Tri\nKhau hieu: Hat gao sach.\nSan pham: Spa Huong Sen\n"
     "Khau hieu:", "Spa Huong Sen"),
    ("Viết câu giới thiệu theo mẫu.\nNước mắm Mỹ Thủy → Giọt mắm quê, đậm đà.\n"
     "Gạo hữu cơ Quảng Trị → Hạt gạo sạch, cơm thơm.\nGia sư Toán cô Lan →",
     "Gia sư Toán cô Lan"),
])
def test_few_shot_answers_for_the_last_item_only(prompt: str, target: str):
    # Examples first, the target last: the answer is about the target (issue 21, helper A).
    body = ask(prompt, True)
    assert target in body, body
    for example in ("mắm", "mam", "gạo", "gao", "Mỹ Thủy", "My Thuy", "Quảng Trị"):
        assert example not in body, body
    assert len([x for x in body.splitlines() if x.strip()]) == 1, body
