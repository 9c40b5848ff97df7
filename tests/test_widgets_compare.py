"""CompareSettings: several temperatures or models side by side."""

from __future__ import annotations

import pytest
from llm_server import Scripted, completion, error
from widget_helpers import assert_safe

import course
from course.i18n import t
from course.widgets import CompareSettings


def test_three_temperatures_offline():
    cmp = CompareSettings("Đặt 3 tên thương hiệu cho hạt tiêu Cùa Cam Lộ")
    cmp.run_button.click()
    labels = [label for label, _ in cmp.results]
    assert labels == [t("widgets.cmp_label_temperature", value=v)  # Vietnamese decimals
                      for v in ("0,0", "0,7", "1,2")]
    for (_, answer), out in zip(cmp.results, cmp.outputs, strict=True):
        assert answer.startswith(course.SIMULATION_LABEL)
        assert assert_safe(out.value) == answer
    assert not cmp.run_button.disabled


def test_temperatures_reach_the_server_and_one_failure_stays_in_its_column(online):
    online.push(Scripted(body=completion("Câu trả lời ổn định")), error(500, "server_error"))
    online.default = Scripted(body=completion("Câu trả lời sáng tạo"))
    cmp = CompareSettings("Viết khẩu hiệu", temperatures=(0.0, 0.7, 1.5))
    results = cmp.run()
    assert [r[1] for r in results][0] == "Câu trả lời ổn định"
    assert "#b00020" in cmp.outputs[1].value and results[1][1]
    assert results[2][1] == "Câu trả lời sáng tạo"
    temps = [r["body"]["temperature"] for r in online.requests]
    assert temps[0] == 0.0 and temps[-1] == 1.5


def test_models_mode_sends_each_model(online):
    cmp = CompareSettings("Chào khách", models=["mo-hinh-a", "mo-hinh-b"])
    results = cmp.run()
    assert [label for label, _ in results] == [t("widgets.cmp_label_model", model=m)
                                              for m in ("mo-hinh-a", "mo-hinh-b")]
    assert [r["body"]["model"] for r in online.requests] == ["mo-hinh-a", "mo-hinh-b"]


def test_bad_input_has_vietnamese_messages():
    with pytest.raises(ValueError, match="từ 0 đến 2"):
        CompareSettings("x", temperatures=(0.0, 3.0))
    with pytest.raises(ValueError, match="từ 1 đến 4"):
        CompareSettings("x", temperatures=())
    cmp = CompareSettings("")
    assert cmp.run() == []
    assert t("widgets.cmp_need_prompt") in assert_safe(cmp.message.value)
