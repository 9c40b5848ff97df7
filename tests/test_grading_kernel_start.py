"""How the grader starts the kernels it grades in (real nbgrader, bubblewrap, pre-started kernels).

A kernel started ahead of its submission must behave as nbgrader's own would for that
notebook: ``NBGRADER_EXECUTION`` is set (assignments use it to stay offline), the
submission's folder is an import path as in any IPython kernel (a helper module handed in
next to the notebook can be imported), and no debugger is loaded (a grading kernel never
serves one, and debugpy costs CPU at every kernel start). Near the end of the queue a worker
starts no kernel that nobody would use.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict

import nbformat
import pytest
from test_grading_attacks import AID, CORRECT, make_course, submit

from autograder.coursectx import Course
from autograder.grading import grade_assignment

pytestmark = [pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
              pytest.mark.skipif(os.geteuid() != 0, reason="the grading sandbox needs root "
                                 "(see instructor guide)")]

# What the kernel looks like from inside, printed on one line the test reads back.
LOOK = CORRECT + '''import json, os, sys
print("KERNEL " + json.dumps({
    "nbgrader_execution": os.environ.get("NBGRADER_EXECUTION"),
    "debugpy": "debugpy" in sys.modules and sys.modules["debugpy"] is not None,
    "cwd_on_path": any(p in ("", ".", os.getcwd()) for p in sys.path),
}))
'''
CLASS = [f"hv{i:02d}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("khoi-dong")
    os.chmod(base, 0o755)
    root = make_course(base)
    for sid in CLASS:
        submit(root, sid, LOOK)
    summary = grade_assignment(Course(root), AID, workers=2, timeout=60, progress=False,
                               work_dir=str(base))
    results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (root / ".autograder" / "ket-qua" / AID).glob("*.json")}
    return {"root": root, "summary": summary, "results": results}


def _look(root, sid: str) -> dict:
    nb = nbformat.read(root / "autograded" / sid / AID / f"{AID}.ipynb", as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            for line in out.get("text", "").splitlines():
                if line.startswith("KERNEL "):
                    return json.loads(line[len("KERNEL "):])
    raise AssertionError(f"{sid}: the kernel's self-description is not in the graded notebook")


def test_every_submission_graded_exactly_in_a_prestarted_kernel(graded):
    assert sorted(graded["summary"].graded) == CLASS
    for sid, data in graded["results"].items():
        assert data["score"] == 5.0, (sid, data.get("reason"))
        assert data["kernel"]["prestarted"], data["kernel"]


def test_prestarted_kernel_is_set_up_as_nbgraders_own(graded):
    for sid in CLASS:
        assert _look(graded["root"], sid) == {
            "nbgrader_execution": "autograde", "debugpy": False, "cwd_on_path": True}, sid


def test_at_most_one_kernel_is_started_that_no_submission_uses(graded):
    # Per worker (its folder w0, w1 in the kernel's connection file), the kernels it started
    # by the end against the submissions it graded. Before, each worker started one more
    # while its last submission ran: two kernels for nothing with two workers. Now a worker
    # starts its next kernel only while at least as many tasks wait as there are workers, so
    # a kernel goes unused only if the other worker took all the rest: at most one.
    graded_by: dict[str, int] = defaultdict(int)
    started_by: dict[str, int] = defaultdict(int)
    for data in graded["results"].values():
        kernel = data["kernel"]
        worker = re.search(r"/(w\d+)/", kernel["connection_file"]).group(1)
        graded_by[worker] += 1
        started_by[worker] = max(started_by[worker], kernel["started_by_worker"])
    assert sum(graded_by.values()) == len(CLASS)
    assert len(graded_by) == 2, graded_by
    unused = sum(started_by.values()) - sum(graded_by.values())
    assert 0 <= unused <= 1, (started_by, graded_by)
