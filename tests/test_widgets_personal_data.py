"""Personal-data warnings from the LLM layer are shown inside the widgets, not lost in a log."""

from __future__ import annotations

import warnings

import pandas as pd
from catalogue_helpers import said
from widget_helpers import assert_safe

import course
from course.i18n import t
from course.widgets import BatchRun, ChatBox, PromptBuilder, run_batch

WARN = "#8a4b00"  # the orange warning style


def test_warning_is_shown_and_the_answer_still_arrives():
    pb = PromptBuilder(task="Viết lời cảm ơn chị Lan, SĐT 0912 345 678")
    assert pb.send().startswith(course.SIMULATION_LABEL)
    assert t("widgets.chat_pii_notice") in assert_safe(pb.message.value)
    assert WARN in pb.message.value
    pb.fields["task"].value = "Viết lời cảm ơn khách hàng"
    pb.send()
    assert pb.message.value == ""
    box = ChatBox()
    box.send("Số CCCD của tôi là 045095001234")
    assert t("widgets.chat_pii_notice") in assert_safe(box.message.value)
    assert len(box.history) == 2


def test_batch_shows_the_warning_once():
    data = pd.DataFrame({"sdt": ["0912 345 678", "0987 654 321"], "ten": ["Lan", "Hùng"]})
    br = BatchRun(data, "Nhắn {ten} ở số {sdt}")
    br.run()
    shown = assert_safe(br.message.value)
    assert shown.count("dữ liệu cá nhân") == 1  # once, not once per row
    assert t("widgets.batch_pii_rows", rows="1, 2") in shown
    assert t("widgets.batch_done", done=2, total=2) in shown


def test_other_warnings_still_reach_python():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from course.widgets._common import personal_data_warnings

        with personal_data_warnings() as notes:
            warnings.warn("một cảnh báo khác", UserWarning, stacklevel=1)
    assert notes == [] and [str(w.message) for w in caught] == ["một cảnh báo khác"]


def test_refuse_policy_blocks_with_a_red_message():
    course.configure(pii_policy="refuse")
    pb = PromptBuilder(task="Gọi lại cho 0912 345 678")
    assert pb.send() == "" and "#b00020" in pb.message.value
    assert said("llm.error_pii", assert_safe(pb.message.value))
    out = run_batch(pd.DataFrame({"sdt": ["0912 345 678"]}), "Gọi {sdt}", progress=False)
    assert said("widgets.batch_row_error", out["ket_qua"].iloc[0])
    assert said("llm.error_pii", out["ket_qua"].iloc[0])
