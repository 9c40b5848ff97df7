"""Model output and learner text are always shown as text, never run as HTML/JS."""

from __future__ import annotations

from llm_server import Scripted, completion
from widget_helpers import assert_safe, parse

import course
from course.widgets import ChatBox, CompareSettings, PromptBuilder
from course.widgets._common import error_text
from course.widgets.display import render_highlight, render_markdown, render_text

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "<a href=\"javascript:alert(1)\">bấm</a>",
    "<iframe src='https://example.com'></iframe>",
    "**<svg onload=alert(1)>**",
    "- <style>body{display:none}</style>",
    "# <b onclick='x()'>tiêu đề</b>",
]


def test_render_text_escapes_and_keeps_newlines():
    html = render_text("Dòng 1\n<script>alert(1)</script>\nDòng 3")
    assert html.startswith("<pre") and "white-space:pre-wrap" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert assert_safe(html) == "Dòng 1\n<script>alert(1)</script>\nDòng 3"


def test_every_attack_is_inert_in_all_renderers():
    for attack in ATTACKS:
        for html in (render_text(attack), render_markdown(attack),
                     render_highlight(attack, [(0, 5, "x\" onmouseover=\"y")])):
            assert_safe(html)


def test_markdown_subset_only():
    html = render_markdown("# Tiêu đề\n**Đậm** và thường\n- một\n- hai\n1. thứ nhất\n2. thứ hai")
    tags = [t for t, _ in parse(html).tags]
    assert tags.count("li") == 4 and "ul" in tags and "ol" in tags
    assert "<strong>Đậm</strong>" in html and "<h3>Tiêu đề</h3>" in html
    assert_safe(html)


def test_markdown_tables_and_fenced_text_are_shown_not_their_syntax():
    """Lesson 09's plan summary in the app: no '|---|' or '```text' on a participant's screen."""
    html = render_markdown("## Lịch\n| Ngày | Bài |\n|---|---|\n| 14/12 | giá 15k \\| <b>x</b> |\n"
                           "```text\nBạn là **nhân viên**.\n- Chỉ dùng thông tin thật\n```\nHết")
    shown = assert_safe(html)
    assert "|---|" not in shown and "```" not in shown and "text\n" not in shown
    tags = [t for t, _ in parse(html).tags]
    assert tags.count("th") == 2 and tags.count("td") == 2 and "pre" in tags
    assert "giá 15k | &lt;b&gt;x&lt;/b&gt;</td>" in html  # escaped pipe stays in its cell
    assert "Bạn là **nhân viên**.\n- Chỉ dùng thông tin thật</pre>" in html  # fenced: as is
    for attack in ATTACKS:
        assert_safe(render_markdown(f"| a |\n|---|\n| {attack} |\n```\n{attack}\n```"))


def test_highlight_wraps_only_the_spans():
    text = "Gọi <b>0912 345 678</b> nhé"
    start = text.index("0912")
    html = render_highlight(text, [(start, start + 12, "số điện thoại")])
    assert '<mark title="số điện thoại">0912 345 678</mark>' in html
    assert "&lt;b&gt;" in html
    assert assert_safe(html) == text


def test_prompt_builder_streams_hostile_answer_as_text(online):
    online.push(Scripted(stream=["<script>alert(1)</script>", " <img src=x onerror=alert(2)>"]))
    pb = PromptBuilder(task="Viết lời chào")
    answer = pb.send()
    assert answer == "<script>alert(1)</script> <img src=x onerror=alert(2)>"
    assert assert_safe(pb.answer_view.value) == answer


def test_chat_and_compare_show_hostile_answers_as_text(online):
    online.default = Scripted(body=completion('<img src=x onerror="alert(3)">'))
    box = ChatBox(system_prompt="<script>hệ thống</script>")
    box.send("<b>xin chào</b>")
    text = assert_safe(box.history_view.value)
    assert "<b>xin chào</b>" in text and '<img src=x onerror="alert(3)">' in text
    cmp = CompareSettings("<script>x</script>", temperatures=(0.0, 1.0))
    cmp.run()
    for out in cmp.outputs:
        assert '<img src=x onerror="alert(3)">' in assert_safe(out.value)


def test_error_text_is_vietnamese_and_keyless():
    auth = course.AuthError()
    assert error_text(auth) == str(auth)
    leaked = course.LLMError("Khóa sk-proj-AbCdEf1234567890XYZ bị từ chối (Bearer sk-abc123456)")
    shown = error_text(leaked)
    assert "sk-proj-AbCdEf1234567890XYZ" not in shown and "sk-abc123456" not in shown
    assert shown.startswith("Khóa ") and "bị từ chối" in shown
    odd_key = "mykey-0123456789abcdefghij"  # no known shape: only the configured key gives it away
    course.configure(api_key=odd_key, base_url="http://127.0.0.1:9/v1")
    assert odd_key not in error_text(course.LLMError(f"Máy chủ từ chối khóa {odd_key}"))
    assert error_text(course.CourseError("Hãy nhập một số từ 0 đến 2.")) == (
        "Hãy nhập một số từ 0 đến 2.")
    # Decided by type: a library's ValueError is never shown, even with Vietnamese letters.
    assert "Đồng" not in error_text(ValueError("Đồng hồ hỏng"))
    english = error_text(ValueError("embedded null byte"))
    assert "embedded" not in english and "ValueError" in english and "thử lại" in english
    assert "KeyError" in error_text(KeyError("sk-proj-AbCdEf1234567890XYZ"))
    assert "AbCdEf" not in error_text(KeyError("sk-proj-AbCdEf1234567890XYZ"))


PAYLOADS = [
    "<style>body{display:none}</style>",
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">bấm</a>',
]


def _html_values(root) -> list[str]:
    """Every HTML the widget tree shows (ipywidgets.HTML values), children included."""
    import ipywidgets as widgets

    out, todo = [], [root]
    while todo:
        w = todo.pop()
        if isinstance(w, widgets.HTML | widgets.Label) and w.value:
            out.append(w.value if isinstance(w, widgets.HTML) else "")
        todo.extend(getattr(w, "children", ()))
    return out


def _widgets_showing(payload: str) -> dict[str, object]:
    import pandas as pd

    from course.widgets import BatchRun, FunnelChart, PrivacyCheck, Quiz, TokenCost

    chat = ChatBox(system_prompt=payload, greeting=payload)
    chat.send(payload)
    compare = CompareSettings(payload, temperatures=(0.0, 1.0))
    compare.run()
    builder = PromptBuilder(role=payload, task=payload, constraints=payload)
    builder.send()
    batch = BatchRun(pd.DataFrame({"ten": [payload, "tiêu Cùa 0912 345 678"]}), "Viết về {ten}")
    batch.run()
    quiz = Quiz([{"type": "text", "question": payload, "accept": [payload],
                  "explain": payload},
                 {"question": payload, "options": [payload, "khác"], "answer": 0}],
                title=payload)
    quiz.inputs[0].value = "sai"
    quiz.check_buttons[0].click()
    quiz.inputs[1].value = 0
    quiz.check_buttons[1].click()
    return {
        "ChatBox": chat, "CompareSettings": compare, "PromptBuilder": builder,
        "BatchRun": batch, "Quiz": quiz, "TokenCost": TokenCost(payload, english=payload),
        "FunnelChart": FunnelChart({payload: 10, "Mua": 5}),
        "PrivacyCheck": PrivacyCheck(payload + " gọi 0912 345 678"),
    }


ECHOED = {"ChatBox", "BatchRun", "Quiz", "FunnelChart", "PrivacyCheck"}


def test_every_widget_shows_style_script_onerror_and_javascript_as_text():
    for payload in PAYLOADS:
        for name, widget in _widgets_showing(payload).items():
            shown = _html_values(widget.ui)
            assert shown, name
            for html in shown:
                assert_safe(html)  # no <style>, <script>, <img>, <a>, on… or href anywhere
            if name in ECHOED:  # these show the learner's own text back: as text, unchanged
                visible = "".join("".join(parse(h).text) for h in shown)
                assert payload in visible, (name, payload)


def test_the_safety_check_itself_catches_each_payload():
    import pytest

    for payload in PAYLOADS:
        with pytest.raises(AssertionError):
            assert_safe(f"<div>{payload}</div>")
