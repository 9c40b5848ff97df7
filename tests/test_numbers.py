"""course.numbers: the one Vietnamese number formatter (Babel's `vi` locale)."""

from __future__ import annotations

import math

from course import numbers
from course.lessons.factcheck import format_number
from course.widgets._common import vn_number, vnd


def test_lesson_07_revenue_in_dong():
    assert numbers.money(1_983_915_000) == "1.983.915.000 đồng"
    assert numbers.number(1_983_915_000) == "1.983.915.000"


def test_percent_and_decimal_comma():
    assert numbers.percent(37.6) == "37,6 %"
    assert numbers.ratio_percent(0.376) == "37,6 %"
    assert numbers.number(0.7, 1) == "0,7"
    assert numbers.number(12.90, 2) == "12,9"
    assert numbers.number(12.9, 2, keep_zeros=True) == "12,90"


def test_rounding_and_negative_numbers():
    assert numbers.number(1234.5678, 2) == "1.234,57"
    assert numbers.number(-2_500_000) == "-2.500.000"
    assert numbers.number(999.5) == "1.000"


def test_tiny_amounts_do_not_read_as_zero():
    assert numbers.money(0.35) == "0,35 đồng"
    assert numbers.money(0) == "0 đồng"
    assert numbers.money(150.4) == "150 đồng"


def test_missing_values_are_a_dash():
    assert numbers.number(None) == "—"
    assert numbers.money(math.nan) == "—"
    assert numbers.percent(float("nan")) == "—"


def test_every_older_formatter_now_goes_through_course_numbers():
    assert format_number(281_930_000.0) == "281.930.000"
    assert format_number(12.9) == "12,9"
    assert format_number(None) == ""
    assert vn_number(1_234_567.5, 1) == "1.234.567,5"
    assert vnd(1_983_915_000) == "1.983.915.000 đồng"


def test_table_has_vietnamese_headers_numbers_and_no_dtype_line():
    import re

    import pandas as pd

    sales = pd.DataFrame({"thang": ["2025-01", "2025-01", "2025-02"],
                          "doanh_thu": [1_000_000_000, 983_915_000, 375_500.5]})
    by_month = sales.groupby("thang")["doanh_thu"].sum() / 1e6
    html = numbers.table(by_month, value_name="Doanh thu (triệu đồng)").to_html()
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert headers == ["Tháng", "Doanh thu (triệu đồng)"]
    assert cells == ["2025-01", "1.983,9", "2025-02", "0,4"]
    assert "dtype" not in html and "float64" not in html
    raw = numbers.table(sales).to_html()
    assert "Doanh thu (đồng)" in raw and "1.000.000.000" in raw and "375.500,5" in raw
    assert by_month.iloc[0] == 1983.915  # the data itself is unchanged
