"""FunnelChart: conversion table, biggest drop, notes for odd data, what-if sliders."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from widget_helpers import assert_safe

from course.i18n import t
from course.widgets import FunnelChart, funnel_table

STAGES = {"Xem bài đăng": 2000, "Nhắn tin Zalo": 300, "Hỏi giá": 150, "Đặt hàng": 45}


def test_table_rates():
    table = funnel_table(STAGES)
    assert list(table.columns) == ["giai_doan", "so_luong", "ty_le_chuyen_doi", "ty_le_tu_dau",
                                   "roi_rung"]
    assert list(table["so_luong"]) == [2000, 300, 150, 45]
    assert list(table["ty_le_chuyen_doi"]) == [100.0, 15.0, 50.0, 30.0]
    assert list(table["ty_le_tu_dau"]) == [100.0, 15.0, 7.5, 2.2]
    assert list(table["roi_rung"]) == [0.0, 85.0, 50.0, 70.0]
    assert FunnelChart(STAGES).biggest_drop() == "Nhắn tin Zalo"


def test_dataframe_inputs_in_both_languages():
    vi = pd.DataFrame({"giai_doan": list(STAGES), "so_luong": list(STAGES.values())})
    en = pd.DataFrame({"stage": list(STAGES), "count": list(STAGES.values())})
    assert funnel_table(vi).equals(funnel_table(STAGES))
    assert funnel_table(en).equals(funnel_table(STAGES))
    with pytest.raises(ValueError, match="giai_doan và so_luong"):
        funnel_table(pd.DataFrame({"buoc": ["a"], "n": [1]}))


def test_bad_values_have_vietnamese_messages():
    with pytest.raises(ValueError, match="không hợp lệ"):
        funnel_table({"Xem": 100, "Mua": -1})
    with pytest.raises(ValueError, match="không hợp lệ"):
        funnel_table({"Xem": "một trăm"})
    with pytest.raises(ValueError, match="chưa có giai đoạn"):
        funnel_table({})
    with pytest.raises(ValueError, match="bị lặp"):
        funnel_table(pd.DataFrame({"giai_doan": ["Xem", "Xem"], "so_luong": [2, 1]}))
    with pytest.raises(ValueError, match="từ điển"):
        funnel_table([("Xem", 1)])


def test_zero_and_increasing_counts_do_not_crash():
    chart = FunnelChart({"Xem": 0, "Nhắn tin": 0, "Mua": 0})
    table = chart.table()
    assert math.isnan(table["ty_le_chuyen_doi"].iloc[1])
    assert math.isnan(table["ty_le_tu_dau"].iloc[2])
    assert chart.biggest_drop() == ""
    assert t("widgets.funnel_note_zero", name="Xem") in chart.notes
    assert bytes(chart.image.value).startswith(b"\x89PNG")
    up = FunnelChart({"Xem": 100, "Nhắn tin": 120, "Mua": 10})
    assert up.table()["ty_le_chuyen_doi"].iloc[1] == 120.0
    assert t("widgets.funnel_note_increase", name="Nhắn tin", prev="Xem") in up.notes
    assert up.biggest_drop() == "Mua"
    assert up.sliders["Nhắn tin"].value == 120.0  # the slider keeps the real (odd) rate
    assert list(up.what_if()["du_kien"]) == [100, 120, 10]
    single = FunnelChart({"Xem": 10})
    assert single.sliders == {} and single.biggest_drop() == ""


def test_what_if_sliders_update_projection_and_chart():
    chart = FunnelChart(STAGES)
    assert list(chart.what_if()["du_kien"]) == [2000, 300, 150, 45]
    before_png, before_text = bytes(chart.image.value), assert_safe(chart.summary.value)
    assert t("widgets.funnel_what_if_result", name="Đặt hàng", projected="45", actual="45") in (
        before_text) and "Nhắn tin Zalo" in before_text
    chart.sliders["Nhắn tin Zalo"].value = 30.0
    assert list(chart.what_if()["du_kien"]) == [2000, 600, 300, 90]
    assert t("widgets.funnel_what_if_result", name="Đặt hàng", projected="90", actual="45") in (
        assert_safe(chart.summary.value))
    assert bytes(chart.image.value) != before_png
    # explicit rates override; stages not named keep their actual rate
    assert list(chart.what_if({"Hỏi giá": 100})["du_kien"]) == [2000, 300, 300, 90]
    chart.reset_button.click()
    assert chart.sliders["Nhắn tin Zalo"].value == 15.0
    assert assert_safe(chart.summary.value) == before_text


def test_table_view_is_vietnamese_and_escaped():
    chart = FunnelChart({"<script>x</script>": 10, "Mua": 5})
    shown = assert_safe(chart.table_view.value)
    assert "<script>x</script>" in shown and t("widgets.funnel_col_roi_rung") in shown
    assert "50,0 %" in shown
