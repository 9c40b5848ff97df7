"""ChatBox: history, system prompt, reset, errors."""

from __future__ import annotations

from llm_server import Scripted, completion, error
from widget_helpers import assert_safe

import course
from course.i18n import t
from course.widgets import ChatBox


def test_offline_conversation_and_reset():
    box = ChatBox("Bạn là nhân viên cửa hàng nước mắm Mỹ Thủy.", greeting="Dạ, em chào anh chị!")
    assert box.history == [{"role": "assistant", "content": "Dạ, em chào anh chị!"}]
    box.input.value = "Nước mắm 40 độ đạm giá bao nhiêu?"
    box.send_button.click()
    assert [m["role"] for m in box.history] == ["assistant", "user", "assistant"]
    assert box.history[-1]["content"].startswith(course.SIMULATION_LABEL)
    assert box.input.value == ""
    shown = assert_safe(box.history_view.value)
    assert "Nước mắm 40 độ đạm giá bao nhiêu?" in shown and t("widgets.chat_bot") in shown
    box.reset_button.click()
    assert box.history == [{"role": "assistant", "content": "Dạ, em chào anh chị!"}]
    assert box.system.value.startswith("Bạn là")


def test_messages_sent_include_the_edited_system_prompt(online):
    online.push(Scripted(body=completion("Dạ 120.000 đồng ạ")))
    box = ChatBox("Bạn là nhân viên bán hàng.")
    box.system.value = "Bạn là nhân viên bán gạo hữu cơ Quảng Trị."
    assert box.send("Gạo giá bao nhiêu?") == "Dạ 120.000 đồng ạ"
    sent = online.requests[-1]["body"]["messages"]
    assert sent[0] == {"role": "system", "content": "Bạn là nhân viên bán gạo hữu cơ Quảng Trị."}
    assert sent[1:] == [{"role": "user", "content": "Gạo giá bao nhiêu?"}]
    assert all(m["role"] != "system" for m in box.history)
    box.send("Có giao về Đồng Hới không?")
    assert len(online.requests[-1]["body"]["messages"]) == 4


def test_error_keeps_history_and_typed_text(online):
    box = ChatBox()
    box.send("Chào shop")
    before = list(box.history)
    online.push(error(500, "server_error"))
    box.input.value = "Còn hàng không?"
    box.send_button.click()
    assert box.history == before
    assert box.input.value == "Còn hàng không?"
    assert "#b00020" in box.message.value and "Traceback" not in box.message.value
    assert not box.send_button.disabled and not box.reset_button.disabled


def test_empty_message_is_refused_without_a_call(online):
    box = ChatBox()
    assert box.send("   ") == ""
    assert t("widgets.chat_need_text") in assert_safe(box.message.value)
    assert online.requests == [] and box.history == []


def test_offline_follow_up_uses_the_conversation_in_the_owners_voice():
    """Issue 21: the box sends the whole conversation, so the simulation can work out a
    follow-up from the price it just quoted, and it speaks as the owner asked ("cô", "con")."""
    box = ChatBox("Tôi bán cam Vinh nhà trồng. Cam Vinh 40.000 đồng/kg. Bạn xưng là cô, gọi "
                  "khách là con.")
    first = course.strip_label(box.send("Cô ơi cam bao nhiêu một ký?"))
    assert "40.000 đồng/kg" in first
    second = course.strip_label(box.send("Vậy con lấy 4 ký nha cô"))
    assert "4 kg × 40.000 đồng = 160.000 đồng" in second, second
    third = course.strip_label(box.send("Cam có ngọt không cô?"))
    assert "cô" in third.lower() and "con" in third and " em " not in f" {third.lower()} "
    shown = assert_safe(box.history_view.value)
    assert "160.000 đồng" in shown
    box.reset_button.click()
    assert box.history == []
