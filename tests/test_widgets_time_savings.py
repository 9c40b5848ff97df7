"""Lesson 04's hours saved, with a team's own numbers typed in fields (the app view has no code)."""

from __future__ import annotations

import pandas as pd
from widget_helpers import assert_safe

from course.i18n import t
from course.widgets import TimeSavings

TASKS = pd.DataFrame({
    "cong_viec": ["Trả lời tin nhắn đặt lịch giặt", "Viết bài đăng Zalo"],
    "so_lan_moi_tuan": [60, 3], "phut_truoc": [4, 40], "phut_sau": [1, 10],
})


def test_own_numbers_typed_in_fields_give_the_hours_and_the_share():
    box = TimeSavings(TASKS, people=2, hours=40)
    shown = assert_safe(box.result.value)
    assert t("widgets.ts_result", hours="4,5", share="6 %", people=2) in shown  # 3 + 1,5 hours
    box.rows[0]["so_lan_moi_tuan"].value = 120  # a busier laundry: 6 hours on messages
    box.people.value = 3
    table = box.compute()
    assert table is not None and table["gio_tiet_kiem"].tolist() == [6.0, 1.5]
    shown = assert_safe(box.result.value)
    assert t("widgets.ts_result", hours="7,5", share="6 %", people=3) in shown
    assert "Trả lời tin nhắn đặt lịch giặt" in shown and "Giờ tiết kiệm mỗi tuần" in shown
    labels = [w.description for row in box.rows for w in row.values()]
    assert all(label and "_" not in label for label in labels), labels  # headings, not names


def test_a_team_of_no_hours_gets_a_sentence_not_a_division_by_zero():
    box = TimeSavings(TASKS)
    box.hours.value = 0
    assert box.compute() is None
    assert t("widgets.ts_need_team") in assert_safe(box.result.value)
