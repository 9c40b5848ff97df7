"""Totals per submission, whatever the number of processes (real nbgrader, bubblewrap).

RLIMIT_AS bounds one process; a submission that spreads its memory over several children
must still be stopped at the per-submission total, with a Vietnamese reason, and the rest of
the class graded exactly. The same for disk: many files each under the per-file cap whose
total passes the working folder's cap.
"""

from __future__ import annotations

import json
import os
import re

import nbformat
import pytest
from procscan import processes_mentioning
from test_grading_attacks import AID, CORRECT, make_course, submit

from autograder.coursectx import Course
from autograder.grading import grade_assignment

pytestmark = [pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
              pytest.mark.skipif(os.geteuid() != 0, reason="cgroups and a tmpfs per "
                                 "submission need root (see instructor guide)")]

MEMORY_MB = 700
# Five children of 220 MB each: every process stays far under RLIMIT_AS (700 MB), together
# they pass the 700 MB total. Each child touches its pages (b"x" * n), so they are real.
SPREAD = CORRECT + '''import os, time
kids = []
for _ in range(5):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (220 * 1024 * 1024)
        time.sleep(60)
        os._exit(0)
    kids.append(pid)
time.sleep(30)
print("SPREAD survived")
'''
# Forty files of 8 MB: each far under the 64 MB per-file cap, 320 MB together.
MANY_FILES = CORRECT + '''import os
os.makedirs("du-lieu", exist_ok=True)
written = 0
try:
    for i in range(40):
        with open(f"du-lieu/{i:02d}.bin", "wb") as fh:
            fh.write(b"y" * (8 * 1024 * 1024))
        written += 1
    print("DISK written", written)
except OSError as err:
    print("DISK stopped", written, type(err).__name__)
'''
CLASS = {"hv01": (CORRECT, 5.0), "hv02": (SPREAD, 0.0), "hv03": (MANY_FILES, 5.0),
         "hv04": ("def tong(a, b):\n    return 5\n", 2.0)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("gioi-han")
    os.chmod(base, 0o755)
    root = make_course(base)
    for sid, (answer, _score) in CLASS.items():
        submit(root, sid, answer)
    summary = grade_assignment(Course(root), AID, workers=2, timeout=60, progress=False,
                               memory_mb=MEMORY_MB, work_dir=str(base))
    results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (root / ".autograder" / "ket-qua" / AID).glob("*.json")}
    return {"root": root, "base": base, "summary": summary, "results": results}


def test_class_graded_exactly(graded):
    assert sorted(graded["summary"].graded) == sorted(CLASS), graded["summary"]
    with Course(graded["root"]).gradebook() as gb:
        got = {sid: gb.find_submission(AID, sid).score for sid in CLASS}
    assert got == {sid: score for sid, (_a, score) in CLASS.items()}, graded["results"]


def test_limits_hold_in_prestarted_kernels(graded):
    kernels = [d["kernel"] for d in graded["results"].values()]
    assert all(k["prestarted"] for k in kernels)
    assert len({k["connection_file"] for k in kernels}) == len(kernels) == len(CLASS)


def test_memory_spread_over_processes_is_stopped(graded):
    data = graded["results"]["hv02"]
    assert data["reason_code"] == "memory_total", data["reason"]
    assert f"{MEMORY_MB} MB bộ nhớ, tính chung mọi tiến trình" in data["reason"]
    assert "hv02" in graded["summary"].problems
    box = data["sandbox"]
    assert box["memory_mechanism"] in ("cgroup-v1", "cgroup-v2")
    assert box["memory_total_mb"] == MEMORY_MB and box["memory_mb"] == MEMORY_MB
    # Honest neighbours were bounded the same way and were not disturbed.
    assert graded["results"]["hv01"]["sandbox"]["memory_mechanism"] == box["memory_mechanism"]
    assert not processes_mentioning(graded["base"]), "a child of the submission outlived it"


def test_many_small_files_past_the_folder_total_are_refused(graded):
    from autograder.bwrap import DISK_MB

    data = graded["results"]["hv03"]
    assert data["sandbox"]["disk_mechanism"] == "tmpfs"
    assert data["sandbox"]["disk_mb"] == DISK_MB
    refused = [r for r in data["refused"] if r["path"] == "thư mục làm bài"]
    assert refused and f"quá {DISK_MB} MB" in refused[0]["why"], data["refused"]
    assert "giới hạn cả bài" in data["reason"]
    out = graded["root"] / "autograded" / "hv03" / AID
    nb = nbformat.read(out / f"{AID}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    stopped = re.search(r"DISK stopped (\d+) OSError", printed)
    assert stopped and 20 <= int(stopped.group(1)) < 40, printed
    kept = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert not (out / "du-lieu").exists() and kept < 1024 * 1024, kept


def test_report_lists_handed_in_but_not_graded(graded, tmp_path):
    """A submission a run never reached (stopped mid-way) is "chưa chấm xong", not missing."""
    from autograder.grading import NOT_GRADED_YET
    from autograder.report import build_report

    submit(graded["root"], "hv09", CORRECT)
    try:
        page = build_report(Course(graded["root"]), AID, out_dir=tmp_path).read_text("utf-8")
    finally:
        import shutil

        shutil.rmtree(graded["root"] / "submitted" / "hv09")
    pending = page.split("<h3>Chưa chấm xong (1)</h3>", 1)[1].split("<h3>", 1)[0]
    assert "hv09" in pending and NOT_GRADED_YET.split(":")[0] in pending
    assert "hv09" not in page.split("<h3>Chưa nộp", 1)[1]


def test_report_escapes_what_participants_wrote(graded, tmp_path):
    """Ids, file names and reasons in the report can come from a participant (a refused
    hand-in records them as found): they are text on the page, never markup."""
    from autograder.exchange import Refusal, refusals_path, save_refusals
    from autograder.report import build_report

    hostile = "<script>alert('hv')</script>"
    save_refusals(graded["root"], AID, [Refusal(hostile, f"{AID}<b>", "<img src=x>",
                                                f"lý do {hostile}", "")])
    try:
        page = build_report(Course(graded["root"]), AID, out_dir=tmp_path).read_text("utf-8")
    finally:
        refusals_path(graded["root"], AID).unlink()
    assert "<script>" not in page and "<img src=x>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#39;hv&#39;)&lt;/script&gt;" in page
    assert "lý do &lt;script&gt;" in page and f"{AID}&lt;b&gt;/&lt;img src=x&gt;" in page


def test_course_with_renamed_nbgrader_folders_grades(tmp_path):
    """Folder names come from the course's nbgrader config, as nbgrader reads them: a course
    that renames submitted/autograded is collected from and graded into those folders."""
    os.chmod(tmp_path, 0o755)
    root = make_course(tmp_path)
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as f:
        f.write('c.CourseDirectory.submitted_directory = "bai-nop"\n'
                'c.CourseDirectory.autograded_directory = "da-cham"\n')
    submit(root, "hv01", CORRECT)
    (root / "submitted").rename(root / "bai-nop")
    course = Course(root)
    assert course.student_ids("submitted", AID) == ["hv01"]
    summary = grade_assignment(course, AID, workers=1, timeout=60, progress=False)
    assert summary.graded == ["hv01"], summary
    assert (root / "da-cham" / "hv01" / AID / f"{AID}.ipynb").is_file()
    assert not (root / "autograded").exists() and not (root / "submitted").exists()
    with course.gradebook() as gb:
        assert gb.find_submission(AID, "hv01").score == 5.0


def test_deep_work_folder_still_grades(tmp_path):
    """Kernel sockets live under the run folder and a socket path is at most 107 bytes: a
    deep work folder must not turn every submission into a system error."""
    os.chmod(tmp_path, 0o755)
    deep = tmp_path / ("thu-muc-rat-sau-" * 4) / ("cua-giang-vien-" * 3)
    deep.mkdir(parents=True)
    for part in [deep, *deep.parents]:
        if part == tmp_path:
            break
        os.chmod(part, 0o755)
    root = make_course(tmp_path)
    submit(root, "hv01", CORRECT)
    summary = grade_assignment(Course(root), AID, workers=1, timeout=60, progress=False,
                               work_dir=str(deep))
    assert summary.graded == ["hv01"], summary
    with Course(root).gradebook() as gb:
        assert gb.find_submission(AID, "hv01").score == 5.0


def test_optimize_flag_of_the_grader_does_not_reach_the_tests(tmp_path, monkeypatch):
    """PYTHONOPTIMIZE in the instructor's environment would strip every assert of the tests
    and give full marks to any answer; the sandboxed kernel never inherits it."""
    monkeypatch.setenv("PYTHONOPTIMIZE", "1")
    os.chmod(tmp_path, 0o755)
    root = make_course(tmp_path)
    submit(root, "hv01", CORRECT)
    submit(root, "hv02", "def tong(a, b):\n    return 5\n")
    summary = grade_assignment(Course(root), AID, workers=1, timeout=60, progress=False)
    assert sorted(summary.graded) == ["hv01", "hv02"], summary
    with Course(root).gradebook() as gb:
        assert gb.find_submission(AID, "hv01").score == 5.0
        assert gb.find_submission(AID, "hv02").score == 2.0


def _without_solution_cell(gb, nb) -> None:
    solution = nb.solution_cells[0]
    for comment in list(solution.comments):
        gb.db.delete(comment)
    gb.db.delete(solution)


def _without_test_sources(gb, nb) -> None:
    graded_ids = {c.name for c in nb.grade_cells}
    for cell in list(nb.source_cells):
        if cell.name in graded_ids:
            gb.db.delete(cell)


@pytest.mark.parametrize("damage", [_without_solution_cell, _without_test_sources],
                         ids=["solution-cell", "test-sources"])
def test_assignment_half_written_by_a_killed_grader_is_completed(tmp_path, damage):
    """A grader killed while nbgrader wrote the assignment into the gradebook left it half
    there: without its solution cell, or, killed a little later, without the tests' source
    cells (both seen in the killed-grader test). Every later run then failed each submission
    as 'corrupt'."""
    os.chmod(tmp_path, 0o755)
    root = make_course(tmp_path)
    submit(root, "hv01", CORRECT)
    course = Course(root)
    from autograder.grading import ensure_assignment

    ensure_assignment(course, AID)
    with course.gradebook() as gb:
        damage(gb, gb.find_notebook(AID, AID))
        gb.db.commit()
    summary = grade_assignment(course, AID, workers=1, timeout=60, progress=False)
    assert summary.graded == ["hv01"], summary
    with course.gradebook() as gb:
        assert gb.find_submission(AID, "hv01").score == 5.0


def test_students_added_by_grading_are_not_a_class_list(tmp_path):
    """Without an imported class list everyone who handed in is graded, also on a later run.
    Grading puts each participant into the gradebook; those entries were then taken for a
    class list and the rest of the class was refused as 'not on the list' (seen when the
    killed-grader test's grader died right after its first merge; the same after grading one
    participant first with --student)."""
    os.chmod(tmp_path, 0o755)
    root = make_course(tmp_path)
    for sid in ("hv01", "hv02", "hv03"):
        submit(root, sid, CORRECT)
    course = Course(root)
    first = grade_assignment(course, AID, workers=1, timeout=60, progress=False, only=["hv01"])
    assert first.graded == ["hv01"], first
    rest = grade_assignment(course, AID, workers=2, timeout=60, progress=False)
    assert rest.not_on_roster == [], rest
    assert sorted(rest.graded) == ["hv02", "hv03"], rest
    with course.gradebook() as gb:
        assert {s: gb.find_submission(AID, s).score for s in ("hv01", "hv02", "hv03")} == \
            {"hv01": 5.0, "hv02": 5.0, "hv03": 5.0}


def test_an_imported_class_list_still_decides_who_is_graded(tmp_path):
    from autograder.roster import import_roster

    os.chmod(tmp_path, 0o755)
    root = make_course(tmp_path)
    for sid in ("hv01", "nguyenvana"):
        submit(root, sid, CORRECT)
    roster = tmp_path / "danh-sach.csv"
    roster.write_text("Mã học viên,Họ và tên,Email,Đơn vị\nhv01,Nguyễn Văn A,,\n",
                      encoding="utf-8")
    course = Course(root)
    import_roster(course, roster)
    summary = grade_assignment(course, AID, workers=1, timeout=60, progress=False)
    assert summary.graded == ["hv01"], summary
    assert summary.not_on_roster == ["nguyenvana"], summary
