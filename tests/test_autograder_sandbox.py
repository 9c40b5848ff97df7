"""What student code can see and do while being graded (real kernels, real bubblewrap).

The sandbox is an allowlist: a submission walking the whole file system finds no hidden
test and no gradebook, neither of the course being graded (a copy, as the guide recommends
for practice) nor of the original repository on the same machine. When the sandbox cannot
be set up, grading stops with a Vietnamese message; grading unconfined needs a flag and
is marked in every result and in the report.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from procscan import processes_mentioning, processes_running

from autograder.coursectx import Course
from autograder.grading import UID_BASE, UID_SPAN, grade_assignment

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
REPO = Path(__file__).resolve().parents[1]
# Letters only after the prefix: it cannot turn up by chance in a timestamp or an id.
SECRET = "sk-proj-ThuNghiemKhongPhaiKhoaThatChiCoChuCai"
PROBE = '''import os, socket, subprocess
print("UID", os.getuid())
print("SECRET", any("ThuNghiem" in v for v in os.environ.values()))
print("COURSE", os.path.exists({course!r}), "REPO", os.path.exists({repo!r}))
mark, dbs, marks = ("BEGIN " + "HIDDEN TESTS").encode(), [], []
for top, dirs, files in os.walk("/"):
    if top in ("/proc", "/sys", "/dev"):
        dirs[:] = []
        continue
    for name in files:
        path = os.path.join(top, name)
        if name == "gradebook.db":
            dbs.append(path)
        if name.endswith((".ipynb", ".py", ".db", ".json", ".txt", ".md")):
            try:
                if os.path.getsize(path) < 5_000_000 and mark in open(path, "rb").read():
                    marks.append(path)
            except OSError:
                pass
print("DBS", dbs)
print("MARKS", marks)
subprocess.Popen(["sleep", "987"], start_new_session=True)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    print("NET open")
except OSError:
    print("NET blocked")
try:
    block = bytearray(3 * 1024 ** 3)
    print("MEM allowed")
except MemoryError:
    print("MEM blocked")
def tong(a, b):
    return a + b'''


class Hits(BaseHTTPRequestHandler):
    count = 0

    def do_GET(self):  # noqa: N802
        Hits.count += 1
        self.send_response(200)
        self.end_headers()


def _meta(cell_id: str, **flags) -> dict:
    return {"nbgrader": {"schema_version": 3, "grade_id": cell_id, "locked": False, **flags}}


def _course(base: Path) -> Path:
    root = base / "lop-nho"
    (root / "source" / "bt0").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "lop-nho"\n', encoding="utf-8")
    nb = new_notebook(cells=[
        new_code_cell("def tong(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                      "    ### END SOLUTION", metadata=_meta("lam", solution=True, grade=False)),
        new_code_cell("assert tong(2, 3) == 5",
                      metadata=_meta("kiem_tra", grade=True, solution=False, locked=True,
                                     points=4)),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})
    nbformat.write(nb, root / "source" / "bt0" / "bt0.ipynb")
    return root


def _sleepers() -> list[str]:
    return processes_running("sleep", "987")


@pytest.mark.skipif(os.geteuid() != 0, reason="separate uids need root (see instructor guide)")
def test_student_code_is_confined(monkeypatch):
    # World-readable on purpose (like a repo checkout): only the sandbox may hide it.
    base = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    os.chmod(base, 0o755)
    try:
        _run_probe(base, monkeypatch)
    finally:
        shutil.rmtree(base)


def _run_probe(base: Path, monkeypatch) -> None:
    root = _course(base)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    release = nbformat.read(root / "source" / "bt0" / "bt0.ipynb", as_version=4)
    release.cells[0].source = PROBE.format(course=str(root), repo=str(REPO / "assignments"),
                                           port=server.server_address[1])
    (root / "submitted" / "hv01" / "bt0").mkdir(parents=True)
    nbformat.write(release, root / "submitted" / "hv01" / "bt0" / "bt0.ipynb")
    # The probe's positive control: its own working copy is the one place it may read.
    (root / "submitted" / "hv01" / "bt0" / "ghi-chu.txt").write_text("BEGIN HIDDEN TESTS")
    assert list((REPO / "assignments" / "source").glob("*/*.ipynb")), "the original is here"

    # Generous cell time: the probe reads every text file the sandbox shows (a guard
    # against hanging, not a speed assertion).
    summary = grade_assignment(Course(root), "bt0", workers=2, timeout=120, memory_mb=1024,
                               progress=False)
    server.shutdown()
    assert summary.graded == ["hv01"]
    with Course(root).gradebook() as gb:
        assert gb.find_submission("bt0", "hv01").score == 4
    graded = nbformat.read(root / "autograded" / "hv01" / "bt0" / "bt0.ipynb", as_version=4)
    text = "".join(o.get("text", "") for o in graded.cells[0].outputs)
    uid = int(re.search(r"^UID (\d+)$", text, re.M).group(1))
    # This run's own block of sandbox uids (another run on the machine holds another).
    assert UID_BASE <= uid < UID_BASE + UID_SPAN
    assert "SECRET False" in text and SECRET not in text
    assert "COURSE False REPO False" in text, "neither the course nor the repo is visible"
    dbs = ast.literal_eval(re.search(r"^DBS (.*)$", text, re.M).group(1))
    marks = ast.literal_eval(re.search(r"^MARKS (.*)$", text, re.M).group(1))
    assert dbs == [], "a gradebook is visible to student code"
    assert [m for m in marks if not m.endswith("/ghi-chu.txt")] == [], "hidden tests visible"
    assert [m for m in marks if m.endswith("/ghi-chu.txt")], "the probe did not read files"
    assert "NET blocked" in text and Hits.count == 0
    assert "MEM blocked" in text
    assert not _sleepers(), "a background process outlived its submission"
    assert SECRET not in (root / ".autograder" / "ket-qua" / "bt0" / "hv01.json").read_text()


def _tiny_course(base: Path) -> Path:
    root = _course(base)
    sub = root / "submitted" / "hv01" / "bt0"
    sub.mkdir(parents=True)
    shutil.copy(root / "source" / "bt0" / "bt0.ipynb", sub / "bt0.ipynb")
    return root


def test_sandbox_failure_stops_grading_in_vietnamese(tmp_path):
    """bubblewrap refusing to start (as on a locked-down container): nothing is graded."""
    root = _tiny_course(tmp_path)
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely "
                    "because the kernel does not allow non-privileged user namespaces.' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_BWRAP": str(fake), "COURSE_BACKEND": "offline"}
    cmd = [sys.executable, "-m", "autograder", "--course", str(root), "grade", "bt0", "--quiet"]
    run = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert "Không chấm được: không dựng được hộp cách ly" in run.stderr
    assert "No permissions to creating new namespace" in run.stderr
    assert "sudo apt-get install bubblewrap" in run.stderr and "--unsandboxed" in run.stderr
    assert "Traceback" not in run.stderr
    assert not list(root.glob(".autograder/ket-qua/bt0/*.json"))
    assert not (root / "autograded").exists()
    # No bubblewrap at all says so.
    env["AUTOGRADER_BWRAP"] = ""
    env["PATH"] = str(tmp_path / "khong-co")
    run = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "chưa có bubblewrap" in run.stderr, run.stderr


def test_unsandboxed_needs_the_flag_and_is_marked(tmp_path):
    from autograder.report import build_report

    root = _tiny_course(tmp_path)
    summary = grade_assignment(Course(root), "bt0", workers=1, timeout=60, progress=False,
                               unsandboxed=True)
    assert summary.graded == ["hv01"]
    result = (root / ".autograder" / "ket-qua" / "bt0" / "hv01.json").read_text()
    assert '"unsandboxed": true' in result
    page = build_report(Course(root), "bt0", out_dir=tmp_path / "bc").read_text(encoding="utf-8")
    assert "KHÔNG cách ly" in page


# ------------------------------------------------------- the launcher itself, without nbgrader

LIMITS_PROBE = """import json, os, resource
print(json.dumps({"nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
                  "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
                  "as": resource.getrlimit(resource.RLIMIT_AS)[0],
                  "tmp": os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize}))"""


def _launcher(tmp: Path, code: str, uid: int | None = None) -> tuple[list[str], dict]:
    from autograder.bwrap import WRAPPER, sandbox_spec

    home = tmp / "home"
    home.mkdir(exist_ok=True)
    spec = sandbox_spec(uid=uid, memory_mb=512, home=str(home), net=True,
                        status_file=str(tmp / "status.json"), hide=[])
    env = {**os.environ, "AUTOGRADER_SANDBOX": json.dumps(spec)}
    return [sys.executable, "-I", "-S", WRAPPER, "--", sys.executable, "-I", "-c", code], env


def test_launcher_sets_the_limits(tmp_path):
    from autograder.bwrap import FILE_MB, NPROC, TMP_MB

    cmd, env = _launcher(tmp_path, LIMITS_PROBE)
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["fsize"] == FILE_MB * 1024 * 1024 and got["as"] == 512 * 1024 * 1024
    assert got["tmp"] <= TMP_MB * 1024 * 1024
    # As root: the sandbox uid's own count; as a user: room above what the user runs.
    assert NPROC <= got["nproc"] < NPROC + 4096
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["supervised"] and status["nproc"] == NPROC and status["file_mb"] == FILE_MB


WORKER = """import json, os, subprocess, sys, time
env = dict(os.environ)
spec = json.loads(env["AUTOGRADER_SANDBOX"])
spec["parent"] = os.getpid()  # as the kernel manager in a worker says
env["AUTOGRADER_SANDBOX"] = json.dumps(spec)
subprocess.Popen(sys.argv[1:], env=env, start_new_session=True)  # as jupyter_client does
time.sleep(60)"""


def _mentioning(marker: str) -> list[str]:
    return processes_mentioning(marker, width=60)


def test_sandbox_dies_with_its_worker_at_any_moment(tmp_path):
    """A worker SIGKILLed while its kernel's sandbox is still starting (the moment bwrap
    sets itself up) or already running: nothing of the sandbox is left 2 s later."""
    import random

    rng = random.Random(9)
    marker = f"canh-gac-{os.getpid()}"
    code = f"import time; time.sleep(300)  # {marker}"
    left, ran = [], 0
    for round_no in range(8):
        cmd, env = _launcher(tmp_path, code)
        env["CANH_GAC"] = marker
        worker = subprocess.Popen([sys.executable, "-c", WORKER, *cmd], cwd=tmp_path, env=env)
        if round_no % 2:  # while the launcher and bwrap are still starting
            time.sleep(rng.uniform(0.02, 0.5))
        else:  # once the sandboxed program runs
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not [
                    p for p in _mentioning(marker) if "-I\x00-c\x00import time" in p]:
                time.sleep(0.02)
            ran += bool([p for p in _mentioning(marker) if "-I\x00-c\x00import time" in p])
            time.sleep(rng.uniform(0, 0.3))
        worker.kill()
        worker.wait()
        deadline = time.monotonic() + 2
        while _mentioning(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _mentioning(marker):
            left.append((round_no, _mentioning(marker)))
            for pid in _mentioning(marker):  # do not leave them for the next test
                try:
                    os.kill(int(pid.split()[0]), 9)
                except ProcessLookupError:
                    pass
    assert ran == 4, "the sandboxed program must have been running when its worker died"
    assert not left, left
