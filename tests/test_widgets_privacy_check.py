"""PrivacyCheck: personal data highlighted safely, masked copy, summary."""

from __future__ import annotations

import unicodedata

from widget_helpers import assert_safe, parse

import course
from course.privacy import pii_summary
from course.widgets import PrivacyCheck

TEXT = "Chị Lan, SĐT 0912 345 678, CCCD 045095001234, nhờ giao 2 kg tiêu Cùa."


def test_highlights_masks_and_summarises():
    pc = PrivacyCheck(TEXT)
    assert [m.text for m in pc.matches] == ["0912 345 678", "045095001234"]
    assert pc.masked == course.mask_pii(TEXT) and "0912" not in pc.masked
    marks = [a for tag, a in parse(pc.highlight.value).tags if tag == "mark"]
    assert len(marks) == 2
    assert "<mark" in pc.highlight.value and ">0912 345 678</mark>" in pc.highlight.value
    assert assert_safe(pc.highlight.value) == TEXT
    assert assert_safe(pc.masked_view.value) == pc.masked
    assert assert_safe(pc.summary.value) == pii_summary(pc.matches)


def test_typing_updates_live_and_empty_text_is_explained():
    pc = PrivacyCheck()
    assert pc.matches == [] and "dán văn bản" in assert_safe(pc.summary.value).lower()
    pc.input.value = "Không có gì riêng tư ở đây."
    assert pc.matches == [] and "Không thấy" in assert_safe(pc.summary.value)
    pc.input.value = "Gọi +84 912 345 678"
    assert len(pc.matches) == 1 and "<mark" in pc.highlight.value


def test_hostile_text_is_escaped_around_marks():
    text = "<img src=x onerror=alert(1)> 0912.345.678 <script>alert(2)</script>"
    pc = PrivacyCheck(text)
    assert len(pc.matches) == 1
    assert assert_safe(pc.highlight.value) == text
    assert assert_safe(pc.masked_view.value) == pc.masked


def test_decomposed_input_highlights_the_right_span():
    pc = PrivacyCheck(unicodedata.normalize("NFD", TEXT))
    assert ">0912 345 678</mark>" in pc.highlight.value
    assert ">045095001234</mark>" in pc.highlight.value
