"""The other autograded assignments: a small simulated class each, graded for real.

The full class of 30 (every adversarial kind) runs for bt3_funnel in
test_autograder_grade.py; here each remaining assignment gets a correct, a blank, a
"naive" (visible tests only) and a crashing submission, all scored exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.coursectx import Course
from autograder.grading import grade_assignment

REPO = Path(__file__).resolve().parents[1]
OTHERS = ["bt1_prompt", "bt2_marketing", "bt4_cskh", "bt5_privacy"]
KINDS = ["correct", "blank", "naive", "os_exit"]

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ca-lop") / "khoa-hoc"
    (root / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", root)
    return root


@pytest.mark.parametrize("assignment", OTHERS)
def test_small_class_scores_exactly(course, assignment, tmp_path):
    from autograder.simulate import simulate

    source = REPO / "assignments" / "source" / assignment
    if not source.exists():
        pytest.skip(f"{assignment} not present")
    shutil.copytree(source, course / "source" / assignment)
    expected = simulate(tmp_path / "sim", assignment, seed=0, course_root=course, reasons=KINDS)
    assert {e["reason"] for e in expected.values()} == set(KINDS)
    for sid in expected:
        shutil.copytree(tmp_path / "sim" / sid / assignment,
                        course / "submitted" / sid / assignment)
    # The course's own per-cell timeout (30 s): nothing here loops, and a busy machine
    # must not turn a slow import into a lost point.
    summary = grade_assignment(Course(course), assignment, workers=2, progress=False)
    assert sorted(summary.graded) == sorted(expected)
    with Course(course).gradebook() as gb:
        got = {sid: gb.find_submission(assignment, sid).score for sid in expected}
    assert got == {sid: e["score"] for sid, e in expected.items()}, summary.problems
    full = max(e["score"] for e in expected.values())
    assert full > 0 and min(got.values()) == 0
