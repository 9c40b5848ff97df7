"""PrivacyCheck: personal data highlighted safely, masked copy, summary."""

from __future__ import annotations

import unicodedata

from widget_helpers import assert_safe, parse

import course
from course.i18n import t
from course.privacy import pii_summary
from course.widgets import PrivacyCheck

TEXT = "Chị Lan, SĐT 0912 345 678, CCCD 045095001234, nhờ giao 2 kg tiêu Cùa."


def test_highlights_masks_and_summarises():
    pc = PrivacyCheck(TEXT)
    assert [m.text for m in pc.matches] == ["Lan", "0912 345 678", "045095001234"]
    assert pc.masked == course.mask_pii(TEXT) and "0912" not in pc.masked
    assert pc.masked.startswith("Chị [HỌ TÊN], SĐT [SỐ ĐIỆN THOẠI]")
    marks = [a for tag, a in parse(pc.highlight.value).tags if tag == "mark"]
    assert len(marks) == 3
    assert "<mark" in pc.highlight.value and ">0912 345 678</mark>" in pc.highlight.value
    assert assert_safe(pc.highlight.value) == TEXT
    assert assert_safe(pc.masked_view.value) == pc.masked
    assert assert_safe(pc.summary.value) == pii_summary(pc.matches)


def test_typing_updates_live_and_empty_text_is_explained():
    pc = PrivacyCheck()
    assert pc.matches == [] and t("widgets.pii_empty") in assert_safe(pc.summary.value)
    pc.input.value = "Không có gì riêng tư ở đây."
    assert pc.matches == [] and t("widgets.pii_none") in assert_safe(pc.summary.value)
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


def test_each_kind_has_its_colour_title_and_count():
    text = ("Chị Nguyễn Thị Mai, 0912 345 678, 0987 654 321, giao về số 12 Lê Duẩn, "
            "phường Đông Hà. 2 hộp cà phê Khe Sanh.")
    pc = PrivacyCheck(text)
    assert [m.kind for m in pc.matches] == ["name", "phone", "phone", "address"]
    marks = [a for tag, a in parse(pc.highlight.value).tags if tag == "mark"]
    titles = [a["title"] for a in marks]
    assert titles == [t(f"privacy.kind_{k}") for k in ("name", "phone", "phone", "address")]
    colours = {a["title"]: a["style"] for a in marks}
    assert len(set(colours.values())) == 3  # one colour per kind
    legend = assert_safe(pc.legend.value)
    assert "2 số điện thoại" in legend and "1 họ tên" in legend and "1 địa chỉ nhà" in legend
    assert "Khe Sanh" in pc.masked and "Nguyễn" not in pc.masked and "Lê Duẩn" not in pc.masked
    limits = assert_safe(pc.ui.children[-1].value)
    assert t("widgets.pii_limits") in limits
