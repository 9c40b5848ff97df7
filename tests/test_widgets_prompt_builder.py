"""PromptBuilder: fields, assembled prompt, score, streamed answer, errors."""

from __future__ import annotations

from llm_server import Scripted, error
from widget_helpers import assert_safe

import course
from course.i18n import t
from course.widgets import PromptBuilder
from course.widgets.prompt_builder import PARTS


def test_fields_have_vietnamese_labels_and_examples():
    pb = PromptBuilder()
    assert list(pb.fields) == list(PARTS)
    labels = [f.description for f in pb.fields.values()]
    assert labels == [t(f"widgets.pb_label_{part}") for part in
                      ("role", "context", "task", "format", "tone", "constraints")]
    assert all(f.placeholder.startswith("Ví dụ:") for f in pb.fields.values())
    assert pb.prompt == ""
    assert t("widgets.pb_empty_preview") in assert_safe(pb.preview.value)


def test_prompt_is_assembled_and_preview_follows_the_fields():
    pb = PromptBuilder(role="nhân viên bán hàng của HTX cà phê Khe Sanh",
                       task="Viết bài đăng Facebook giới thiệu cà phê rang mộc")
    assert pb.prompt == (
        "Bạn là nhân viên bán hàng của HTX cà phê Khe Sanh.\n"
        "Nhiệm vụ: Viết bài đăng Facebook giới thiệu cà phê rang mộc"
    )
    pb.fields["tone"].value = "thân thiện <b>gần gũi</b>"
    assert pb.prompt.endswith("Giọng văn: thân thiện <b>gần gũi</b>")
    assert assert_safe(pb.preview.value) == pb.prompt
    pb.fields["role"].value = "Bạn là chủ cửa hàng"
    assert pb.prompt.startswith("Bạn là chủ cửa hàng.\n")


def test_score_and_tips_follow_review_prompt():
    pb = PromptBuilder(task="Viết bài đăng giới thiệu nước mắm Mỹ Thủy")
    low = pb.score_bar.value
    review = course.review_prompt(pb.prompt)
    assert low == round(review.score)
    assert f"{low}/100" in pb.score_label.value
    for part in (p for p, ok in review.parts.items() if not ok):
        assert review.tips[part] in assert_safe(pb.tips.value)
    pb.fields["role"].value = "chuyên viên marketing của cơ sở nước mắm"
    pb.fields["format"].value = "3 gạch đầu dòng"
    pb.fields["tone"].value = "thân thiện"
    pb.fields["constraints"].value = "dưới 100 chữ"
    pb.fields["context"].value = "Khách hàng là các bà nội trợ ở Đồng Hới, mua qua Zalo."
    assert pb.score_bar.value > low


def test_send_streams_offline_answer_chunk_by_chunk():
    pb = PromptBuilder(task="Viết 3 khẩu hiệu cho hạt tiêu Cùa")
    seen = []
    pb.answer_view.observe(lambda ch: seen.append(ch.new), names="value")
    pb.send_button.click()
    assert pb.answer.startswith(course.SIMULATION_LABEL)
    assert len([v for v in seen if v]) > 2  # many updates: the answer arrived in pieces
    assert assert_safe(pb.answer_view.value) == pb.answer
    assert pb.message.value == "" and not pb.send_button.disabled


def test_send_passes_system_prompt_and_streams_from_server(online):
    online.push(Scripted(stream=["Xin ", "chào ", "bà con!"]))
    pb = PromptBuilder(task="Chào khách", system="Trả lời bằng tiếng Việt")
    assert pb.send() == "Xin chào bà con!"
    body = online.requests[-1]["body"]
    assert body["stream"] is True
    assert body["messages"][0] == {"role": "system", "content": "Trả lời bằng tiếng Việt"}
    assert body["messages"][-1]["content"] == pb.prompt


def test_empty_prompt_and_server_error_are_red_text(online):
    pb = PromptBuilder()
    assert pb.send() == ""
    assert t("widgets.pb_need_prompt") in assert_safe(pb.message.value)
    assert "#b00020" in pb.message.value
    assert not online.requests
    online.push(error(429, "insufficient_quota", "You exceeded your current quota"))
    pb.fields["task"].value = "Viết lời chào"
    assert pb.send() == ""
    shown = assert_safe(pb.message.value)
    assert pb.error and pb.error in shown and "Traceback" not in shown
    assert not pb.send_button.disabled
    assert pb.fields["task"].value == "Viết lời chào"  # nothing typed is lost
