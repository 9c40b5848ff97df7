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
