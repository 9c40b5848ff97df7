"""In a real kernel: course errors show their Vietnamese sentence; the common Python mistakes get
Vietnamese help then the original line; other errors keep tracebacks; course warnings are one
clean notice without a file path."""

from __future__ import annotations

import nbformat
import pytest
from catalogue_helpers import said
from nbclient import NotebookClient

from course.i18n import t


def _run(tmp_path, sources: list[str]) -> list:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb.cells


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kernel")
    (tmp / "co_that.txt").write_text("x", encoding="utf-8")
    return _run(tmp, [
        "import course\ncourse.ask('   ')",                       # 0 course error
        "course.configure(backend='khong-co')",                    # 1 course error
        "int('abc')",                                              # 2 not ours, not common
        "print(khach)",                                            # 3 NameError: cell skipped
        "a = 1\nb = 2\nten = \"Hạt tiêu Cùa\nprint(ten)",          # 4 missing quote
        "print((1 + 2)",                                           # 5 bracket never closed
        "x = [1, 2]]",                                             # 6 unmatched bracket
        "if True:\nprint('x')",                                    # 7 indentation
        "import khong_co_goi_nay",                                 # 8 module
        "open('khong_co_tep.csv')",                                # 9 file
        "import course.llm.client as c, warnings\n"
        "warnings.warn('Yêu cầu rất dài', c.LongPromptWarning)\nprint('tiếp')",  # 10 warning
        "x = (1 +",                                                # 11 unfinished bracket
        "1 +* 2",                                                  # 12 other SyntaxError
        "course.hoi('Viết 3 khẩu hiệu')",                          # 13 unknown course name
        "vong_1 = 5\nprint(vong1)",                                # 14 typo of a defined name
        "course.xyzzy",                                            # 15 nothing near
        "print(hasattr(course, 'hoi'))\nfrom course import review\nprint(review.__name__)",
        "def che_sdt(van_ban):\n    # LÀM BÀI Ở ĐÂY: xóa hai dòng này\n"
        "    raise NotImplementedError('Bạn chưa làm phần này')",           # 17 released stub
        "che_sdt('0912 345 678')",                                         # 18 ...called
        "x = 3\nassert x == 4, 'Điểm prompt chưa đủ 70'",                 # 19 check, message
        "y = [1]\n\nassert len(y) == 2",                                   # 20 check, no message
        "code = compile('def f():\\n    assert False', 'lib.py', 'exec')\nlib = {}\n"
        "exec(code, lib)\nlib['f']()",                                    # 21 a library's
    ])


def _error(cell):
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors, cell.outputs
    return errors[0]


def test_course_errors_are_one_vietnamese_line(cells):
    first, second = _error(cells[0]), _error(cells[1])
    assert first.ename == "LLMError" and len(first.traceback) == 1
    assert t("llm.error_empty_prompt") in first.traceback[0]
    assert len(second.traceback) == 1 and said("config.unknown_backend", second.traceback[0])


def test_other_errors_keep_their_traceback(cells):
    assert len(_error(cells[2]).traceback) > 2  # ValueError from int(): Python's, not ours
    assert "SyntaxError" in "".join(_error(cells[12]).traceback)


@pytest.mark.parametrize(("index", "key", "original"), [
    (3, "notebook.name", "NameError: name 'khach' is not defined"),
    (4, "notebook.quote", "SyntaxError: unterminated string literal"),
    (5, "notebook.bracket", "SyntaxError: incomplete input"),
    (6, "notebook.bracket", "SyntaxError: unmatched ']'"),
    (7, "notebook.indentation", "IndentationError: expected an indented block"),
    (8, "notebook.module", "ModuleNotFoundError: No module named 'khong_co_goi_nay'"),
    (9, "notebook.file", "FileNotFoundError: [Errno 2] No such file or directory"),
    (11, "notebook.bracket", "SyntaxError:"),
])
def test_common_mistakes_get_vietnamese_help_then_the_original_line(cells, index, key, original):
    out = _error(cells[index])
    assert len(out.traceback) == 2, out.traceback
    help_line, last = out.traceback
    first_words = t(key, name="X", line=1).split()[:3]
    assert all(w.strip('"') in help_line for w in first_words if "X" not in w), help_line
    assert original in last and t("notebook.original") in last


def test_help_names_the_line_and_the_menu(cells):
    assert said("notebook.quote", _error(cells[4]).traceback[0], line=3)
    assert t("notebook.name", name="khach") in _error(cells[3]).traceback[0]


def test_course_warning_is_one_clean_vietnamese_notice(cells):
    text = "".join(o.get("text", "") for o in cells[10].outputs if o.output_type == "stream")
    assert "Yêu cầu rất dài" in text and "tiếp" in text
    assert "LongPromptWarning" not in text and ".py:" not in text and "warnings.warn" not in text


def test_unknown_course_name_suggests_the_real_one_in_vietnamese(cells):
    out = _error(cells[13])
    assert out.ename == "CourseAttributeError" and len(out.traceback) == 1, out.traceback
    line = out.traceback[0]
    assert said("notebook.course_did_you_mean", line, name="hoi") and "course.ask" in line
    assert "AttributeError" not in line and "__init__.py" not in line and "Traceback" not in line


def test_unknown_course_name_with_nothing_near_lists_the_common_ones(cells):
    line = _error(cells[15]).traceback[0]
    assert "\"xyzzy\"" in line and "course.ask" in line and "course.setup" in line


def test_unknown_course_name_is_still_an_attribute_error_for_code(cells):
    text = "".join(o.get("text", "") for o in cells[16].outputs if o.output_type == "stream")
    assert text.split() == ["False", "course.review"]  # hasattr and submodule import still work


def test_a_typo_of_a_defined_name_says_so_first(cells):
    help_line, last = _error(cells[14]).traceback
    assert help_line.index("\"vong_1\"") < help_line.index("Cách chữa")
    assert t("notebook.name_typo", name="vong1", near="vong_1") in help_line
    assert t("notebook.name", name="vong1") not in help_line
    assert "NameError: name 'vong1' is not defined" in last


def test_help_is_coloured_but_not_bold(cells):
    for index in (0, 3, 13):
        first = _error(cells[index]).traceback[0]
        assert first.startswith("\x1b[38;2;176;0;32m") and "\x1b[1;" not in first


def test_an_unfinished_part_says_chua_lam_in_vietnamese(cells):
    help_line, last = _error(cells[18]).traceback
    assert help_line.startswith(f"\x1b[38;2;176;0;32m{t('notebook.unfinished')[:30]}")
    assert t("notebook.unfinished") in help_line and "NotImplementedError: Bạn chưa làm" in last


def test_a_failed_check_is_vietnamese_first(cells):
    help_line, last = _error(cells[19]).traceback
    assert t("notebook.check_failed", line=2, message="Điểm prompt chưa đủ 70") in help_line
    assert "AssertionError: Điểm prompt chưa đủ 70" in last
    help_line, _ = _error(cells[20]).traceback
    assert said("notebook.check_failed_line", help_line, line=3)
    assert "assert len(y) == 2" in help_line


def test_an_assert_inside_a_library_keeps_its_traceback(cells):
    assert len(_error(cells[21]).traceback) > 2


@pytest.mark.parametrize("aid", ["bt1_prompt", "bt3_funnel"])
def test_an_untouched_assignment_speaks_vietnamese_at_every_error(tmp_path, aid, monkeypatch):
    """'Run all' on an assignment as released (nbgrader's own ClearSolutions with the course's
    stub): every error a participant meets starts with a Vietnamese sentence."""
    from pathlib import Path

    from nbgrader import preprocessors as nbp

    from autograder import nbconfig

    root = Path(__file__).resolve().parents[1]

    monkeypatch.setenv("COURSE_BACKEND", "offline")
    cfg = nbconfig.load(root / "assignments")
    nb = nbformat.read(root / "assignments" / "source" / aid / f"{aid}.ipynb", as_version=4)
    for step in (nbp.ClearSolutions, nbp.ClearHiddenTests):
        nb, _ = step(config=cfg).preprocess(nb, {})
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) >= 4, "each unfinished part should stop its check"
    for out in errors:
        first = out.traceback[0]
        assert "chưa" in first.lower() or "Chưa đạt" in first, out.traceback
        assert len(out.traceback) == 2 and "Traceback" not in "".join(out.traceback)
    stubs = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert all("LÀM BÀI Ở ĐÂY" in s and "NotImplementedError" in s for s in stubs)
