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
