"""The course's own errors are recognised by type, whatever the language of their message."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import course
from course.errors import COURSE_ERRORS, CourseError, CourseTypeError, is_course_error
from course.i18n import set_language
from course.lessons import load
from course.privacy import find_pii


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("vi")


def test_bad_input_is_a_course_error_in_english_too(english):
    with pytest.raises(CourseError) as info:
        load("bang-khong-co")
    assert is_course_error(info.value)
    assert isinstance(info.value, ValueError)  # `except ValueError` callers keep working
    with pytest.raises(CourseTypeError) as info:
        find_pii(123)
    assert is_course_error(info.value) and isinstance(info.value, TypeError)


def test_llm_errors_are_the_course_s_and_python_s_are_not():
    assert is_course_error(course.AuthError())
    assert is_course_error(course.PersonalDataError())
    assert not is_course_error(ValueError("Nhập sai rồi"))  # Vietnamese text alone is no proof
    assert not is_course_error(TypeError("unsupported operand"))
    assert course.CourseError is CourseError and course.is_course_error is is_course_error


def test_kernel_handler_covers_only_course_errors(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import course\nprint(' '.join(e.__name__ for e in get_ipython().custom_exceptions))"),
        nbformat.v4.new_code_cell("course.i18n.set_language('xx')")]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    covered = set(nb.cells[0].outputs[0].text.split())
    assert {e.__name__ for e in COURSE_ERRORS} <= covered
    assert not covered & {"ValueError", "TypeError", "Exception", "BaseException"}
    # A plain ValueError from inside the package is a programming error: full traceback.
    assert len(nb.cells[1].outputs[0].traceback) > 1


def _plain_raises_of_messages(path: Path) -> list[int]:
    """Lines raising ValueError/TypeError(t(...)): a learner message in a non-course type."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        exc = node.exc if isinstance(node, ast.Raise) else None
        if (isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name)
                and exc.func.id in ("ValueError", "TypeError")
                and any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "t"
                        for arg in exc.args for n in ast.walk(arg))):
            lines.append(node.lineno)
    return lines


def test_learner_messages_are_raised_as_course_errors():
    package = Path(course.__file__).parent
    found = {str(p.relative_to(package)): lines for p in package.rglob("*.py")
             if (lines := _plain_raises_of_messages(p))}
    assert not found, f"raise CourseError(t(...)) instead: {found}"
