"""hub/password_service.py's pages come from Jinja2 templates (hub/password_templates/) with
autoescape: the participant id an instructor typed is shown back as text, never as markup.
The service end to end (hub OAuth, the hub's API, the password file) is tested on a real hub
in tests/test_instructor_day.py (test_instructor_resets_a_password_from_the_hub)."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import escape

from hub import password_service
from hub.password_service import render_error, render_page

HOSTILE = '<script>alert("x")</script>'


def _shown_as_text(page: str, value: str) -> None:
    assert value not in page, page
    assert str(escape(value)) in page, page


@pytest.mark.parametrize("outcome", ["unknown", "removed", "none_set"])
def test_a_typed_id_is_shown_as_text(outcome):
    page = render_page("tok", "/hub/home", outcome, HOSTILE)
    _shown_as_text(page, HOSTILE)
    assert "<script" not in page


def test_xsrf_and_home_link_are_attribute_safe():
    page = render_page('a"><script>x</script>', '/x"onmouseover="y')
    assert '"><script>' not in page and 'x"onmouseover' not in page
    assert 'value="a&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in page


def test_the_check_fails_without_autoescape(monkeypatch):
    """The same template with autoescape off lets the markup through, and the check says so."""
    loose = jinja2.Environment(loader=password_service.PAGES.loader, autoescape=False,
                               trim_blocks=True, lstrip_blocks=True)
    monkeypatch.setattr(password_service, "PAGES", loose)
    page = render_page("tok", "/hub/home", "unknown", HOSTILE)
    with pytest.raises(AssertionError):
        _shown_as_text(page, HOSTILE)


def test_learner_facing_text_is_unchanged():
    """The Vietnamese wording the instructors know (and tests/test_instructor_day.py reads)."""
    form = render_page("tok", "/hub/home")
    assert "<title>Đặt lại mật khẩu học viên</title>" in form
    assert '<input type="hidden" name="_xsrf" value="tok">' in form
    assert '<a href="/hub/home">← Về trang chủ</a>' in form
    assert 'class="loi"' not in form and 'class="ok"' not in form
    assert ("<p class=\"loi\">Không có học viên mã «hv9» trong lớp. Kiểm tra lại mã (giống "
            "trong danh sách lớp).</p>") in render_page("t", "/", "unknown", "hv9")
    assert ("<p class=\"ok\">Đã xóa mật khẩu của <b>hv1</b>. Lần đăng nhập tới, học viên tự đặt "
            "mật khẩu mới.</p>") in render_page("t", "/", "removed", "hv1")
    assert ("<p class=\"ok\"><b>hv2</b> chưa đặt mật khẩu (chưa đăng nhập lần nào): học viên "
            "chỉ cần đăng nhập và đặt mật khẩu.</p>") in render_page("t", "/", "none_set", "hv2")
    assert "<h2>Trang này chỉ dành cho giảng viên.</h2>" in render_error(403)
    assert "<h2>Có lỗi (500). Hãy thử lại.</h2>" in render_error(500)
