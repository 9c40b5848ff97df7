"""The feedback pages autograder/feedback.py writes itself (refused page, fall-back page) come
from Jinja2 templates with autoescape: an assignment id or a reason holding markup is shown as
text, never run in the participant's browser."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from autograder import feedback
from autograder.coursectx import Course

HOSTILE_ID = "bai<svg onload=alert(1)>"  # no "/": it is also a folder name
HOSTILE_REASON = 'Lỗi khi chạy: <img src=x onerror="alert(2)"> & <script>x()</script>'


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_fallback_page_escapes_the_assignment_id_and_the_reason(tmp_path):
    course = Course(tmp_path)
    page = feedback._fallback_page(course, HOSTILE_ID, "hv01",
                                   {"score": 0, "max_score": 7.5, "reason": HOSTILE_REASON})
    text = _text(page)
    assert "<script>" not in text and "<img" not in text and "<svg" not in text
    assert html.escape(HOSTILE_ID, quote=False) in text
    assert html.escape(HOSTILE_REASON, quote=False) in text.replace("&#34;", '"')
    assert f"Bài {html.escape(HOSTILE_ID, quote=False)}: 0 / 7.5 điểm" in text
    assert "Nếu bạn nghĩ có nhầm lẫn, hãy gửi lại bài hoặc liên hệ giảng viên." in text
    assert text.startswith("<!DOCTYPE html>") and 'lang="vi"' in text


def test_refused_page_escapes_the_assignment_id(tmp_path):
    page = tmp_path / "page.html"
    feedback._refuse_page(page, HOSTILE_ID)
    text = _text(page)
    assert "<svg" not in text
    assert f"<title>Nhận xét bài {html.escape(HOSTILE_ID, quote=False)}</title>" in text
    assert f"<p>{feedback.REFUSED_PAGE}</p>" in text


def test_missing_template_value_is_an_error_not_an_empty_string(tmp_path):
    """StrictUndefined: a page never goes out with a hole where a value should be."""
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        feedback._write_page(tmp_path / "p.html", "feedback_refused.html.j2",
                             assignment_id="bai-01")
