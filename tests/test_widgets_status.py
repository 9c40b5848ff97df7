"""course.show_status(): the connection as a small Vietnamese table; status() stays a dict."""

from __future__ import annotations

from widget_helpers import assert_safe

import course

KEY = "sk-proj-" + "Zq" * 20 + "wxyz"


def test_offline_status_is_a_vietnamese_table_not_a_dict():
    table = course.show_status()
    text = repr(table)
    assert "{" not in text and "'backend'" not in text and "None" not in text
    assert "Chế độ" in text and "Ngoại tuyến (mô phỏng)" in text and "0 đồng" in text
    shown = assert_safe(table._repr_html_())
    assert "Kết nối hiện tại" in shown and "Khóa API" in shown
    assert isinstance(course.status(), dict)  # the API code and tests use is unchanged


def test_online_status_masks_the_key_and_writes_money_the_vietnamese_way():
    course.configure(provider="openai", api_key=KEY, budget_vnd=1_250_000)
    text = repr(course.show_status())
    assert KEY not in text and "…wxyz" in text
    assert "1.250.000 đồng" in text and "OpenAI" in text
    assert "https://api.openai.com/v1" in text
    html = course.show_status()._repr_html_()
    assert KEY not in html and "1.250.000 đồng" in assert_safe(html)
