"""autograder.coursectx follows nbgrader's CourseDirectory (folder names from the config)."""

from __future__ import annotations

import pytest
from nbgrader.coursedir import CourseDirectory

import course as course_pkg
from autograder import coursectx
from autograder.coursectx import Course, InstructorError

RENAMED = """c = get_config()
c.CourseDirectory.course_id = "lop-doi-ten"
c.CourseDirectory.source_directory = "nguon"
c.CourseDirectory.submitted_directory = "bai-nop"
c.CourseDirectory.feedback_directory = "nhan-xet"
"""


@pytest.fixture
def renamed(tmp_path):
    root = tmp_path / "khoa"
    (root / "nguon" / "bt1").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(RENAMED, encoding="utf-8")
    for sid in ("hv002", "hv001"):
        (root / "bai-nop" / sid / "bt1").mkdir(parents=True)
    (root / "bai-nop" / "hv003" / "bt2").mkdir(parents=True)  # another assignment
    (root / "submitted" / "hv009" / "bt1").mkdir(parents=True)  # the default name: not used
    return root


def test_folders_come_from_the_configured_course_directory(renamed):
    c = Course(renamed)
    nbg = CourseDirectory(config=c.config())
    assert c.submitted_dir("bt1", "hv001") == renamed / "bai-nop" / "hv001" / "bt1"
    assert str(c.submitted_dir("bt1", "hv001")) == nbg.format_path(
        nbg.submitted_directory, "hv001", "bt1")
    assert c.feedback_dir("bt1", "hv001") == renamed / "nhan-xet" / "hv001" / "bt1"
    assert c.autograded_dir("bt1", "hv001") == renamed / "autograded" / "hv001" / "bt1"
    assert c.source_notebook("bt1") == renamed / "nguon" / "bt1" / "bt1.ipynb"
    assert c.release_dir("bt1") == renamed / "release" / "bt1"
    assert c.step_root("submitted") == renamed / "bai-nop"
    assert c.assignment_ids() == ["bt1"]
    assert c.student_ids("submitted", "bt1") == ["hv001", "hv002"]
    assert c.student_ids("feedback", "bt1") == []
    c.check_assignment("bt1")
    with pytest.raises(InstructorError, match="bt2"):
        c.check_assignment("bt2")
    with pytest.raises(ValueError):
        c.step_folder("khong-co")


def test_course_id_reads_the_config_once(renamed, monkeypatch):
    calls = []
    real = coursectx.Course.config

    def counting(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(coursectx.Course, "config", counting)
    c = Course(renamed)
    assert [c.course_id for _ in range(5)] == ["lop-doi-ten"] * 5
    c.submitted_dir("bt1", "hv001")
    assert len(calls) == 1


def test_a_course_without_an_id_gets_the_default(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    assert Course(tmp_path).course_id == "khoa-hoc"


def test_a_missing_course_folder_is_an_instructor_error(tmp_path):
    with pytest.raises(InstructorError, match="Không tìm thấy thư mục khóa học"):
        Course(tmp_path / "khong-co")


def test_the_two_error_types_are_distinct():
    assert InstructorError.__name__ != course_pkg.CourseError.__name__
    assert not issubclass(InstructorError, course_pkg.CourseError)
    assert not issubclass(course_pkg.CourseError, InstructorError)
    assert not hasattr(coursectx, "CourseError")  # one name per package, no alias


def test_a_course_survives_pickling(renamed):
    import pickle

    c = Course(renamed)
    assert c.course_id == "lop-doi-ten"
    again = pickle.loads(pickle.dumps(c))
    assert again.root == c.root and again.course_id == "lop-doi-ten"
