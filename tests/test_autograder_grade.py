"""End to end: a simulated class of 30 (every adversarial kind) graded by the real tool.

Real nbgrader, real kernels, real sandbox: the grade command runs as a subprocess with two
workers (per-cell timeout 15 s: short for the infinite loop, long enough for a busy
machine), is killed part-way, and run again; every score must equal the simulator's
expectation, nothing may be graded twice and the gradebook must stay intact. Feedback,
export, report and certificates are then produced from the same class.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "bt3_funnel"
SOURCE = REPO / "assignments" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
# Nothing of a submission may outlive a SIGKILLed grader by more than this (issue 17).
DIE_WITHIN = 2.0


class Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server naming)
        Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"dap-an")

    def log_message(self, *args):
        pass


# The graders' working folders (TMPDIR): a kernel or bubblewrap of this test mentions it in
# its environment or command line, those of another grading run on the machine do not.
RUNS = Path(tempfile.mkdtemp(prefix="cham-lop-30-"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["TMPDIR"] = str(RUNS)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO), env.get("PYTHONPATH", "")] if p)
    env["COURSE_BACKEND"] = "offline"
    return env


def _grade_cmd(course: Path) -> list[str]:
    return [sys.executable, "-m", "autograder", "--course", str(course), "grade", ASSIGNMENT,
            "--workers", "2", "--timeout", "15", "--quiet"]


def _workers_alive(course: Path) -> list[str]:
    alive = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "autograder.worker" in cmd and str(course) in cmd:
            alive.append(cmd)
    return alive


def _sandbox_processes() -> list[str]:
    """Processes of a submission of this test: anything running as a sandbox uid (kernels
    or what they started), the bubblewrap processes holding their namespaces and the
    supervisor above them, all with this test's working folder in their environment."""
    from autograder.grading import UID_BASE, UID_SPAN

    found = []
    key = str(RUNS).encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                status = (proc / "status").read_text()
                cmd = (proc / "cmdline").read_bytes()
                env = (proc / "environ").read_bytes()
            except OSError:
                continue
            uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
            if "State:\tZ" in status or key not in cmd + env:
                continue
            if UID_BASE <= uid < UID_BASE + UID_SPAN:
                found.append(f"{proc.name} uid={uid}")
            elif cmd.split(b"\0")[0].endswith(b"bwrap") or b"sandbox_exec.py" in cmd:
                program = cmd.split(b"\0")[0].decode(errors="replace")
                found.append(f"{proc.name} {program}")
    return found


def _wait_until(condition, limit: float) -> bool:
    """Poll ``condition`` until it holds or ``limit`` seconds have passed."""
    deadline = time.monotonic() + limit
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _other_grades(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(
            "SELECT g.id, g.auto_score, g.manual_score, g.needs_manual_grade FROM grade g "
            "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
            "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
            "JOIN assignment a ON sa.assignment_id = a.id WHERE a.name != ? ORDER BY g.id",
            (ASSIGNMENT,)).fetchall()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Simulate, import the roster, grade (killed part-way, then resumed)."""
    from autograder.coursectx import Course
    from autograder.simulate import simulate

    base = tmp_path_factory.mktemp("lop")
    course = base / "khoa-hoc"
    (course / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(SOURCE.parent, course / "source" / ASSIGNMENT)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    canary = f"http://127.0.0.1:{server.server_address[1]}/dap-an"
    sim = base / "mo-phong"
    expected = simulate(sim, ASSIGNMENT, n=30, seed=0, course_root=course, canary_url=canary)
    shutil.copytree(sim, course / "submitted",
                    ignore=shutil.ignore_patterns("roster.csv", "expected.json"))

    from autograder.cli import main

    assert main(["--course", str(course), "roster", "import", str(sim / "roster.csv")]) == 0
    # A grade that belongs to another assignment: grading bt3 must leave it alone.
    c = Course(course)
    with c.gradebook() as gb:
        gb.add_assignment("bt0_khac")
        gb.add_notebook("bt0_khac", "bt0_khac")
        gb.add_grade_cell("cau_1", "bt0_khac", "bt0_khac", max_score=4, cell_type="code")
        gb.add_submission("bt0_khac", "hv001")
        grade = gb.find_grade("cau_1", "bt0_khac", "bt0_khac", "hv001")
        grade.auto_score, grade.manual_score = 1.5, 3.0
        gb.db.commit()
    before_other = _other_grades(c.db_path)

    results = course / ".autograder" / "ket-qua" / ASSIGNMENT
    first = subprocess.Popen(_grade_cmd(course), cwd=REPO, env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600  # a guard against hanging, not a speed assertion
    while time.monotonic() < deadline and first.poll() is None:
        if results.exists() and len(list(results.glob("*.json"))) >= 8 and \
                _sandbox_processes():
            break
        time.sleep(0.05)
    assert first.poll() is None, "the first run must still be working when it is killed"
    assert _sandbox_processes(), "a kernel must be running when the grader is killed"
    first.send_signal(signal.SIGKILL)
    first.wait()
    # Measured from the kill: workers, bubblewrap and kernels must all be gone in 2 s.
    _wait_until(lambda: not _workers_alive(course) and not _sandbox_processes(), DIE_WITHIN)
    orphans = _workers_alive(course)
    orphan_kernels = _sandbox_processes()
    after_kill = {p.stem: p.read_text(encoding="utf-8") for p in results.glob("*.json")}

    second = subprocess.run(_grade_cmd(course), cwd=REPO, env=_env(), capture_output=True,
                            text=True)
    # The killed run could not remove its working folder; the next run must have.
    left_behind = [d for d in RUNS.glob("autograder-*")
                   if (d / "owner.pid").exists()
                   and (d / "owner.pid").read_text() == str(first.pid)]
    third = subprocess.run(_grade_cmd(course), cwd=REPO, env=_env(), capture_output=True,
                           text=True)
    server.shutdown()
    yield {"course": course, "expected": expected, "after_kill": after_kill,
           "orphans": orphans, "orphan_kernels": orphan_kernels, "second": second,
           "left_behind": left_behind, "third": third,
           "before_other": before_other, "hits": list(Canary.hits), "results": results}
    shutil.rmtree(RUNS, ignore_errors=True)


def test_every_score_is_exact(graded):
    from autograder.coursectx import Course

    assert len(graded["expected"]) == 30
    kinds = {e["reason"] for e in graded["expected"].values()}
    assert {"infinite_loop", "os_exit", "kernel_crash", "memory_10gb", "print_50mb",
            "corrupt_json", "empty_file", "edited_test_cell", "deleted_test_cell"} <= kinds
    with Course(graded["course"]).gradebook() as gb:
        got = {sid: gb.find_submission(ASSIGNMENT, sid).score for sid in graded["expected"]}
    wrong = {sid: (e["reason"], e["score"], got[sid]) for sid, e in graded["expected"].items()
             if abs(got[sid] - e["score"]) > 1e-9}
    assert not wrong


def test_killed_run_resumes_without_regrading(graded):
    assert graded["second"].returncode == 0, graded["second"].stdout + graded["second"].stderr
    assert not graded["orphans"], "workers must die with the killed grader"
    assert not graded["orphan_kernels"], "student kernels must die with the killed grader"
    assert not _sandbox_processes()
    assert not graded["left_behind"], "the killed run's working folder was not cleaned up"
    done_before = len(graded["after_kill"])
    assert 8 <= done_before < 30
    assert (f"Đã chấm {30 - done_before} bài; {done_before} bài đã chấm từ trước"
            in graded["second"].stdout)
    results = graded["results"]
    for sid, text in graded["after_kill"].items():
        before, after = json.loads(text), json.loads((results / f"{sid}.json").read_text())
        assert after["graded_at"] == before["graded_at"], f"{sid} was graded twice"
    assert "Đã chấm 0 bài; 30 bài đã chấm từ trước" in graded["third"].stdout
    final = [json.loads(p.read_text()) for p in results.glob("*.json")]
    assert len(final) == 30 and all(d["merged"] for d in final)


def test_gradebook_intact_and_other_grades_untouched(graded):
    from autograder.coursectx import Course

    db = Course(graded["course"]).db_path
    assert _other_grades(db) == graded["before_other"]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        subs = con.execute("SELECT COUNT(*) FROM submitted_assignment sa JOIN assignment a "
                           "ON sa.assignment_id = a.id WHERE a.name = ?", (ASSIGNMENT,)).fetchone()
        cells = con.execute("SELECT COUNT(*) FROM grade_cells gc JOIN base_cell bc ON "
                            "gc.id = bc.id JOIN notebook n ON bc.notebook_id = n.id JOIN "
                            "assignment a ON n.assignment_id = a.id WHERE a.name = ?",
                            (ASSIGNMENT,)).fetchone()[0]
        grades = con.execute("SELECT COUNT(*), COUNT(DISTINCT g.notebook_id || '-' || g.cell_id) "
                             "FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id "
                             "JOIN submitted_assignment sa ON sn.assignment_id = sa.id JOIN "
                             "assignment a ON sa.assignment_id = a.id WHERE a.name = ?",
                             (ASSIGNMENT,)).fetchone()
        students = con.execute("SELECT COUNT(*) FROM student").fetchone()[0]
    assert subs[0] == 30 and students == 30
    assert grades[0] == grades[1] == 30 * cells


def test_sandbox_held(graded):
    course = graded["course"]
    assert graded["hits"] == [], "student code reached the network"
    assert not list(course.parent.rglob("DA_GHI_NGOAI*"))
    ran = [json.loads(p.read_text()) for p in graded["results"].glob("*.json")]
    ran = [d for d in ran if "sandbox" in d]
    assert len(ran) >= 25
    if os.geteuid() == 0:
        for d in ran:
            box = d["sandbox"]
            assert box["mode"] == "bwrap" and box["network_off"] and box["uid"] is not None
            assert not box["errors"] and box["memory_mb"] == 1024
            assert not [v for v in box["visible"] if v == str(REPO) or
                        v.startswith((str(course), str(REPO / "assignments")))]
    reasons = {json.loads(p.read_text())["reason_code"] for p in graded["results"].glob("*.json")}
    assert {"timeout_cell", "kernel_died", "corrupt", "empty", "missing"} <= reasons


def test_no_false_tamper_flags(graded):
    """None of the 30 kinds tampers with the kernel: none may be flagged "cần xem lại"
    (the course's own setup cell changes the kernel's error display, legitimately)."""
    flagged = {p.stem: json.loads(p.read_text())["review_reasons"]
               for p in graded["results"].glob("*.json")
               if json.loads(p.read_text()).get("review")}
    assert not flagged


def test_feedback_hides_hidden_tests(graded):
    from autograder.coursectx import Course
    from autograder.feedback import generate_feedback

    course = Course(graded["course"])
    pages = generate_feedback(course, ASSIGNMENT)
    assert len(pages) == 30
    src = nbformat.read(SOURCE, as_version=4)
    hidden = []
    for cell in src.cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source,
                                re.S):
            hidden += ["".join(x.split()) for x in block.splitlines() if x.strip()]
    assert hidden
    verdicts = 0
    for sid, page in pages.items():
        raw = page.read_text(encoding="utf-8")
        text = "".join(html.unescape(re.sub(r"<[^>]+>", "", raw)).split())
        assert "HIDDENTESTS" not in text, sid
        assert not [h for h in hidden if h in text], sid
        verdicts += raw.count("Bài kiểm tra ẩn: đạt") + raw.count("Bài kiểm tra ẩn: không đạt")
    assert verdicts >= 20
    correct = next(s for s, e in graded["expected"].items() if e["reason"] == "correct")
    assert "Bài kiểm tra ẩn: đạt" in pages[correct].read_text(encoding="utf-8")
    empty = next(s for s, e in graded["expected"].items() if e["reason"] == "empty_file")
    assert "rỗng" in pages[empty].read_text(encoding="utf-8")


def test_export_report_certificates_from_the_class(graded, tmp_path):
    import pandas as pd

    from autograder.certificates import make_certificates
    from autograder.coursectx import Course
    from autograder.export import export_grades
    from autograder.report import build_report
    from autograder.vnsort import name_key

    course = Course(graded["course"])
    paths = export_grades(course, tmp_path / "diem")
    csv = pd.read_csv(paths[0], encoding="utf-8-sig")
    assert list(csv["Họ và tên"]) == sorted(csv["Họ và tên"], key=name_key)
    by_id = dict(zip(csv["Mã học viên"], csv[ASSIGNMENT], strict=True))
    assert by_id == {s: e["score"] for s, e in graded["expected"].items()}
    report = build_report(course, ASSIGNMENT, out_dir=tmp_path / "bc")
    page = report.read_text(encoding="utf-8")
    assert "Học viên cần hỗ trợ" in page and "data:image/png;base64," in page
    assert (tmp_path / "bc" / f"ty-le-dat-{ASSIGNMENT}.png").stat().st_size > 1000
    weak = [s for s, e in graded["expected"].items() if e["score"] < 5]
    assert all(s in page for s in weak)
    pdfs = make_certificates(course, 70, tmp_path / "cn")
    # Totals span both assignments: bt3 (10 points) and bt0_khac (4, hv001 holds 3 of them).
    passed = sorted(s for s, e in graded["expected"].items()
                    if (e["score"] + (3.0 if s == "hv001" else 0.0)) / 14 * 100 >= 70)
    assert passed and sorted(p.name.split("-")[0] for p in pdfs) == passed
