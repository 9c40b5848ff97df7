"""A class of hostile submissions graded by the real tool (real nbgrader, kernels, bubblewrap).

Each submission attacks the grader from inside its own code: links out of its working
folder (to ``/etc/shadow``) and a link loop, a FIFO, a 300 MB file, a fork bomb of 1,500,
an input transformer and a patched ``kernel.do_execute`` that turn the tests into passes,
``sys.settrace``, a redefined test helper, reading its own notebook file for the hidden
tests, and recording the test cells as they run to print them afterwards. Asserted: the
class is graded (every honest score exact), tampering is flagged "cần xem lại" with its
reason, nothing outside the submission is copied out, and no feedback page or graded output
holds hidden-test text. Then the same fork and file bombs inside a non-root instructor's
grading run (a real OS user), and a grader SIGKILLed ten times under two CPU hogs.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from procscan import processes_mentioning

from autograder.coursectx import Course
from autograder.grading import UID_BASE, UID_BLOCK, UID_SPAN, UidLease, grade_assignment
from autograder.hidden import Secrets, strip

pytestmark = [pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
              pytest.mark.skipif(os.geteuid() != 0, reason="grading as root with sandbox uids "
                                 "and real OS users needs root (see instructor guide)")]
REPO = Path(__file__).resolve().parents[1]
AID = "bt0"
# The hidden test's distinctive text: it must never reach a participant.
HIDDEN = ('assert tong(40, 2) == 42, "bi-mat-an-" + chuan_hoa("Dap An Kin")\n'
          'assert chuan_hoa("  Xin Chao  ") == "xin chao"')
CORRECT = "def tong(a, b):\n    return a + b\n"


def _meta(cell_id: str, **flags) -> dict:
    return {"nbgrader": {"schema_version": 3, "grade_id": cell_id, "locked": False, **flags}}


def make_course(base: Path) -> Path:
    """A small course: a setup helper, one answer cell, a visible and a hidden test (5 pts)."""
    root = base / "khoa"
    (root / "source" / AID).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "khoa-thu"\n'
        'c.ClearSolutions.code_stub = {"python": "# LÀM BÀI Ở ĐÂY\\n'
        'raise NotImplementedError()"}\n', encoding="utf-8")
    nb = new_notebook(cells=[
        new_markdown_cell("# Bài 0"),
        new_code_cell("def chuan_hoa(x):\n    return str(x).strip().lower()",
                      metadata=_meta("chuan_bi", grade=False, solution=False, locked=True)),
        new_code_cell("def tong(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                      "    ### END SOLUTION", metadata=_meta("lam", solution=True, grade=False)),
        new_code_cell("assert tong(2, 3) == 5",
                      metadata=_meta("kiem_tra", grade=True, solution=False, locked=True,
                                     points=2)),
        new_code_cell("# Ô này có bài kiểm tra ẩn.\n### BEGIN HIDDEN TESTS\n" + HIDDEN +
                      "\n### END HIDDEN TESTS",
                      metadata=_meta("kiem_tra_an", grade=True, solution=False, locked=True,
                                     points=3)),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})
    nbformat.write(nb, root / "source" / AID / f"{AID}.ipynb")
    return root


def submit(root: Path, sid: str, answer: str, extra_cells: list[str] = (),
           edit_tests: bool = False) -> None:
    """What a participant hands in: the release (no hidden test) with their answer."""
    src = nbformat.read(root / "source" / AID / f"{AID}.ipynb", as_version=4)
    nb = strip(src)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answer
        elif meta.get("grade") and edit_tests:
            cell.source = "pass"
    nb.cells += [new_code_cell(code) for code in extra_cells]
    folder = root / "submitted" / sid / AID
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{AID}.ipynb")


BLANK = "def tong(a, b):\n    # LÀM BÀI Ở ĐÂY\n    raise NotImplementedError()\n"
LINKS = CORRECT + '''import os
os.symlink("/etc/shadow", "link_shadow")
os.symlink(".", "loop")
os.symlink("/", "goc")
os.mkfifo("ong")
os.makedirs("sau/sau")
os.symlink("/etc", "sau/sau/etc")
open("ket-qua.csv", "w").write("a,b\\n1,2\\n")
'''
BIG_FILE = CORRECT + '''try:
    with open("to.bin", "wb") as fh:
        for _ in range(300):
            fh.write(b"x" * 1024 * 1024)
    print("BIG written")
except OSError as err:
    print("BIG stopped", type(err).__name__)
'''
FORK_BOMB = CORRECT + '''import os, time
kids = 0
for _ in range(1500):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    kids += 1
print("FORKED", kids)
'''
TRANSFORMER = BLANK + '''
def _lam_dep(lines):
    return ["pass\\n"] if any("assert" in ln for ln in lines) else lines
get_ipython().input_transformers_cleanup.append(_lam_dep)
'''
DO_EXECUTE = BLANK + '''
_k = get_ipython().kernel
_goc = _k.do_execute
async def _gia(code, silent, store_history=True, user_expressions=None, allow_stdin=False,
               **kw):
    if "assert" in code:
        return {"status": "ok", "execution_count": _k.execution_count, "payload": [],
                "user_expressions": {}}
    return await _goc(code, silent, store_history, user_expressions, allow_stdin, **kw)
_k.do_execute = _gia
'''
# Every later cell "runs fine" and prints nothing, the grader's own checks included.
SILENT_KERNEL = BLANK + '''
_k = get_ipython().kernel
async def _im_lang(code, silent, store_history=True, user_expressions=None,
                   allow_stdin=False, **kw):
    return {"status": "ok", "execution_count": _k.execution_count, "payload": [],
            "user_expressions": {}}
_k.do_execute = _im_lang
'''
SETTRACE = CORRECT + '''import sys
sys.settrace(lambda *a: None)
'''
HELPER = CORRECT + 'chuan_hoa = lambda x: "xin chao"\n'
OWN_NOTEBOOK = CORRECT + '''import glob, os
for name in sorted(glob.glob("**", recursive=True)):
    print("FILE", name)
    if os.path.isfile(name):
        print(open(name, encoding="utf-8", errors="replace").read())
'''
# Records each cell's code as the kernel receives it (obfuscated: no tell-tale name in the
# text), then prints it and writes it to a file after the tests have run.
RECORDER = CORRECT + '''_seen = []
_ip = get_ipython()
_name = "input_" + "trans" + "formers_cleanup"
def _ghi(lines):
    _seen.append("".join(lines))
    return lines
getattr(_ip, _name).append(_ghi)
'''
RECORDER_LEAK = ('print("\\n".join(_seen))\n'
                 'open("ghi-lai.txt", "w").write("\\n".join(_seen))')

CLASS = {
    # sid: (answer, extra cells, expected score, flagged)
    "hv01": (CORRECT, [], 5.0, False),
    "hv02": (LINKS, [], 5.0, False),
    "hv03": (BIG_FILE, [], 5.0, False),
    "hv04": (FORK_BOMB, [], 5.0, False),
    "hv05": (TRANSFORMER, [], None, True),
    "hv06": (DO_EXECUTE, [], None, True),
    "hv07": (SETTRACE, [], None, True),
    "hv08": (HELPER, [], None, True),
    "hv09": (OWN_NOTEBOOK, [], 5.0, False),
    "hv10": (RECORDER, [RECORDER_LEAK], None, True),
    "hv11": (BLANK, [], 0.0, False),
    "hv13": (SILENT_KERNEL, [], None, True),
}


def _page_text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _secret_lines(root: Path) -> list[str]:
    return Secrets.from_notebooks([nbformat.read(root / "source" / AID / f"{AID}.ipynb",
                                                 as_version=4)]).lines


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    base = tmp_path_factory.mktemp("tan-cong")
    os.chmod(base, 0o755)
    root = make_course(base)
    for sid, (answer, extra, _score, _flag) in CLASS.items():
        submit(root, sid, answer, extra)
    # Handed in with links and a FIFO (as if collect had let them through).
    handed = root / "submitted" / "hv02" / AID
    os.symlink("/etc/shadow", handed / "loi_giai.json")
    os.symlink(".", handed / "vong")
    os.mkfifo(handed / "ong-nop")
    # The notebook handed in is a link to the instructor's source (with the solutions).
    (root / "submitted" / "hv14" / AID).mkdir(parents=True)
    os.symlink(root / "source" / AID / f"{AID}.ipynb",
               root / "submitted" / "hv14" / AID / f"{AID}.ipynb")
    # Kills its own kernel with SIGKILL: as if killed from outside, so never a final result.
    submit(root, "hv12", CORRECT + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    # Another grading run on this machine holds a uid block: this run must take another.
    other = UidLease()
    held = other.acquire()
    try:
        started = time.monotonic()
        summary = grade_assignment(Course(root), AID, workers=2, timeout=60, progress=False,
                                   work_dir=str(base))
        seconds = time.monotonic() - started
    finally:
        other.release()
    from autograder.feedback import generate_feedback

    pages = generate_feedback(Course(root), AID)
    results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (root / ".autograder" / "ket-qua" / AID).glob("*.json")}
    return {"root": root, "summary": summary, "pages": pages, "results": results,
            "held": held, "seconds": seconds}


def test_class_is_graded_and_honest_scores_exact(attacked):
    summary, results = attacked["summary"], attacked["results"]
    assert sorted(summary.graded) == sorted([*CLASS, "hv14"]), summary
    linked = results["hv14"]
    assert linked["reason_code"] == "refused_notebook" and linked["score"] == 0
    assert "liên kết" in linked["reason"]
    assert not (attacked["root"] / "autograded" / "hv14").exists()
    # A kernel ended by SIGKILL gave no result (tried twice): the next run tries again.
    assert summary.unfinished == ["hv12"] and "hv12" not in results
    assert "bị dừng hẳn từ bên ngoài" in summary.problems["hv12"]
    with Course(attacked["root"]).gradebook() as gb:
        got = {sid: gb.find_submission(AID, sid).score for sid in CLASS}
    for sid, (_a, _e, score, _f) in CLASS.items():
        if score is not None:
            assert got[sid] == score, (sid, got[sid], results[sid]["reason"])


def test_tampering_is_flagged_for_review(attacked):
    results = attacked["results"]
    for sid, (_a, _e, _score, flagged) in CLASS.items():
        data = results[sid]
        assert bool(data.get("review")) == flagged, (sid, data.get("reason"))
        if flagged:
            assert "Cần xem lại" in data["reason"], sid
            assert sid in attacked["summary"].problems
    reasons = {sid: " ".join(results[sid]["review_reasons"]) for sid in CLASS
               if CLASS[sid][3]}
    assert "input_transformers" in reasons["hv05"]
    assert "do_execute" in reasons["hv06"]
    assert "settrace" in reasons["hv07"]
    assert "chuan_hoa" in reasons["hv08"]
    # The recorder hid its names from a text search: the run-time probe still saw it.
    assert "input_transformers" in reasons["hv10"]
    # Silenced: the probe's own deliberate error never came back.
    assert "không còn báo lỗi đúng" in reasons["hv13"]
    # Without review, a patched kernel would have passed every test with no answer at all.
    with Course(attacked["root"]).gradebook() as gb:
        assert gb.find_submission(AID, "hv06").score == 5.0


def test_report_lists_them(attacked, tmp_path):
    from autograder.report import build_report

    page = build_report(Course(attacked["root"]), AID, out_dir=tmp_path).read_text("utf-8")
    section = page.split("Bài cần giảng viên xem lại", 1)[1].split("<h3>", 1)[0]
    for sid in ("hv02", "hv03", "hv05", "hv06", "hv07", "hv08", "hv10"):
        assert sid in section, sid
    assert "Cần xem lại" in section and "liên kết tượng trưng" in section
    # hv12's kernel was killed from outside twice: handed in, not graded, not "chưa nộp".
    pending = page.split("<h3>Chưa chấm xong (1)</h3>", 1)[1].split("<h3>", 1)[0]
    assert "hv12" in pending and "bị dừng hẳn từ bên ngoài" in pending
    assert "hv12" not in page.split("<h3>Chưa nộp", 1)[1]
    assert "Đã nộp nhưng chưa chấm xong: 1." in page


def test_nothing_outside_is_copied_out(attacked):
    root = attacked["root"]
    out = root / "autograded" / "hv02" / AID
    names = {str(p.relative_to(out)) for p in out.rglob("*")}
    assert "ket-qua.csv" in names, "an ordinary file the code wrote is kept"
    assert not [p for p in out.rglob("*") if p.is_symlink() or not (p.is_file() or p.is_dir())]
    assert not {"link_shadow", "loop", "goc", "ong", "sau/sau/etc", "loi_giai.json", "vong",
                "ong-nop"} & names
    shadow = Path("/etc/shadow").read_bytes() if Path("/etc/shadow").exists() else b"root:"
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 5_000_000:
            assert shadow[:40] not in path.read_bytes(), path
    refused = {r["path"]: r["why"] for r in attacked["results"]["hv02"]["refused"]}
    assert {"link_shadow", "loop", "goc", "ong", "sau/sau/etc"} <= set(refused)
    assert {"loi_giai.json", "vong", "ong-nop"} <= set(refused), "handed in, never copied"
    assert "symlink" in refused["loop"] and "FIFO" in refused["ong"]
    # The 300 MB file: stopped by the sandbox's file-size limit, then refused by the copy.
    big = attacked["results"]["hv03"]
    assert [r for r in big["refused"] if r["path"] == "to.bin" and "quá lớn" in r["why"]]
    assert not (root / "autograded" / "hv03" / AID / "to.bin").exists()
    graded = nbformat.read(root / "autograded" / "hv03" / AID / f"{AID}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    assert "BIG stopped" in printed and "BIG written" not in printed


def test_fork_bomb_is_bounded_and_gone(attacked):
    from autograder.bwrap import NPROC

    graded = nbformat.read(attacked["root"] / "autograded" / "hv04" / AID / f"{AID}.ipynb",
                           as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
    kids = int(re.search(r"FORKED (\d+)", printed).group(1))
    assert 0 < kids < NPROC, kids
    assert attacked["results"]["hv04"]["sandbox"]["nproc"] == NPROC
    assert not _processes_of(attacked["root"].parent), "the bomb outlived its submission"


def test_each_prestarted_kernel_is_used_once(attacked):
    """Every submission ran in a kernel started ahead of need in a sandbox of its own: no
    kernel process, connection file or slot served two submissions."""
    everyone = {sid: d.get("kernel") for sid, d in attacked["results"].items() if "sandbox" in d}
    assert len(everyone) >= len(CLASS) - 1, everyone
    # A slot found dead when taken (seen once under heavy load) is dropped with its reason and
    # the submission gets a kernel started then, in a fresh sandbox: allowed once, explained.
    fallback = {sid: k for sid, k in everyone.items() if k and not k["prestarted"]}
    assert len(fallback) <= 1 and all(k["dropped"][0]["why"] for k in fallback.values()), fallback
    kernels = {sid: k for sid, k in everyone.items() if k and k["prestarted"]}
    assert sorted(kernels) == sorted(set(everyone) - set(fallback)), everyone
    for key in ("pid", "connection_file"):
        values = [k[key] for k in kernels.values()]
        assert len(set(values)) == len(values), (key, values)
    slots = [(k["connection_file"].rsplit("/", 3)[0], k["slot"]) for k in kernels.values()]
    assert len(set(slots)) == len(slots), slots


def test_runs_do_not_share_uids(attacked):
    held = range(attacked["held"], attacked["held"] + UID_BLOCK)
    uids = {d["sandbox"]["uid"] for d in attacked["results"].values() if "sandbox" in d}
    assert uids and not uids & set(held), (uids, attacked["held"])
    assert all(UID_BASE <= u < UID_BASE + UID_SPAN for u in uids)


def test_no_hidden_test_in_any_feedback_or_output(attacked):
    root, pages = attacked["root"], attacked["pages"]
    secret = _secret_lines(root)
    assert len(secret) == 2
    assert len(pages) == len(CLASS) + 1
    for sid, page in pages.items():
        text = "".join(_page_text(page).split())
        assert not [s for s in secret if s in text], sid
        assert "HIDDENTESTS" not in text, sid
    # Its own notebook file, as the kernel saw it, had no hidden test in it.
    graded = nbformat.read(root / "autograded" / "hv09" / AID / f"{AID}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in graded.cells[:3] for o in c.get("outputs", []))
    assert "FILE bt0.ipynb" in printed and "kiem_tra_an" in printed
    assert "bi-mat-an" not in printed and "HIDDEN TESTS" not in printed
    # The recorder printed the hidden test after it ran: removed from the graded output.
    rec = nbformat.read(root / "autograded" / "hv10" / AID / f"{AID}.ipynb", as_version=4)
    last = "".join(o.get("text", "") for o in rec.cells[-1].get("outputs", []))
    assert "bi-mat-an" not in last and "Đã ẩn" in last
    assert not (root / "autograded" / "hv10" / AID / "ghi-lai.txt").exists()
    assert any("ghi-lai.txt" in r for r in attacked["results"]["hv10"]["review_reasons"])
    # Nothing the grader keeps for participants holds it either: autograded output of
    # non-test cells, and every file besides the graded notebooks.
    for path in (root / "autograded").rglob("*"):
        if path.is_file() and path.suffix != ".ipynb":
            assert not [s for s in secret if s in "".join(path.read_text("utf-8", "replace")
                                                          .split())], path


def test_feedback_refused_when_a_page_still_leaks(attacked, tmp_path):
    """The last gate: a page that would still quote a hidden test is not sent."""
    from autograder import feedback

    root = attacked["root"]
    result = root / ".autograder" / "ket-qua" / AID / "hv01.json"
    saved = result.read_text(encoding="utf-8")
    graded = root / "autograded" / "hv01" / AID / f"{AID}.ipynb"
    original = graded.read_text(encoding="utf-8")
    nb = nbformat.read(graded, as_version=4)
    # As if a leak slipped into a place the output scan does not look: a markdown cell.
    nb.cells.append(new_markdown_cell(HIDDEN))
    nbformat.write(nb, graded)
    try:
        page = feedback.generate_feedback(Course(root), AID, ["hv01"])["hv01"]
        text = _page_text(page)
        assert feedback.REFUSED_PAGE in text and "bi-mat-an" not in text
        data = json.loads(result.read_text(encoding="utf-8"))
        assert data["review"] and "trang nhận xét bị giữ lại" in data["reason"]
    finally:
        graded.write_text(original, encoding="utf-8")
        result.write_text(saved, encoding="utf-8")


def _processes_of(marker: Path) -> list[str]:
    """Live processes mentioning ``marker`` (a test's own folder: other helpers' grading
    runs on this machine are not ours)."""
    return processes_mentioning(marker)


# --------------------------------------------------------------- an instructor's own server

# Five children of 220 MB: each under RLIMIT_AS (1024 MB), together past the 1024 MB total.
SPREAD = CORRECT + '''import os, time
for _ in range(5):
    if os.fork() == 0:
        block = b"x" * (220 * 1024 * 1024)
        time.sleep(60)
        os._exit(0)
time.sleep(30)
print("SPREAD survived")
'''
# Forty files of 8 MB: each under the per-file cap, 320 MB together.
MANY_FILES = CORRECT + '''import os
os.makedirs("du-lieu", exist_ok=True)
for i in range(40):
    with open(f"du-lieu/{i:02d}.bin", "wb") as fh:
        fh.write(b"y" * (8 * 1024 * 1024))
print("DISK written")
'''

SERVER = '''import subprocess, sys, time
from pathlib import Path
stop, report = Path(sys.argv[1]), Path(sys.argv[2])
ok = failed = 0
while not stop.exists():
    try:
        subprocess.run(["true"], check=True)
        ok += 1
    except (OSError, subprocess.CalledProcessError):
        failed += 1
    time.sleep(0.05)
report.write_text(f"{ok} {failed}")
'''


def test_bombs_inside_a_non_root_instructors_grading():
    """Grading as an ordinary OS user (as inside their hub server): bubblewrap in a user
    namespace, rlimits from the launcher. The fork bomb and the 300 MB file stay inside the
    submission; a process of the same user that keeps starting programs never fails."""
    from autograder.bwrap import NPROC
    from hub.testing import HubUsers, participant_env, shared_dir

    # The hub's own environment (a Python every OS user can run), with this checkout's code.
    python = str(participant_env() / "bin" / "python")
    with HubUsers([], instructors=["gvcham"], base=shared_dir("cham-gv-")) as users:
        name = users.instructors[0]
        home = users.home(name)
        work = home / "cham"
        root = make_course(work)
        submit(root, "hv02", FORK_BOMB.replace("time.sleep(120)", "time.sleep(8)"))
        submit(root, "hv03", BIG_FILE)
        # No cgroup, no tmpfs as an ordinary user: the sandbox's watchdog holds the totals.
        submit(root, "hv04", SPREAD)
        submit(root, "hv05", MANY_FILES)
        (home / "tmp").mkdir()
        subprocess.run(["chown", "-R", f"{name}:", str(work), str(home / "tmp")], check=True)
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "TMPDIR": str(home / "tmp"),
               "PYTHONPATH": str(REPO), "COURSE_BACKEND": "offline", "LANG": "C.UTF-8"}
        stop, report = home / "tmp" / "dung", home / "tmp" / "may-chu.txt"
        server = subprocess.Popen(["runuser", "-u", name, "--", python, "-c", SERVER,
                                   str(stop), str(report)], env=env)
        try:
            run = subprocess.run(["runuser", "-u", name, "--", python, "-m",
                                  "autograder", "--course", str(root), "grade", AID,
                                  "--workers", "2", "--timeout", "60", "--quiet"],
                                 cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        finally:
            subprocess.run(["runuser", "-u", name, "--", "touch", str(stop)], check=False)
            server.wait(timeout=30)
        assert run.returncode == 0, run.stdout + run.stderr
        ok, failed = map(int, report.read_text().split())
        assert ok > 10 and failed == 0, "the instructor's own processes were starved"
        results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                   for p in (root / ".autograder" / "ket-qua" / AID).glob("*.json")}
        assert {sid: d["score"] for sid, d in results.items()} == \
            {"hv02": 5.0, "hv03": 5.0, "hv04": 0.0, "hv05": 0.0}, results
        box = results["hv02"]["sandbox"]
        assert box["mode"] == "bwrap" and not box["root"] and box["nproc"] == NPROC
        assert box["memory_mechanism"] == "watchdog" and box["disk_mechanism"] == "watchdog"
        assert results["hv04"]["reason_code"] == "memory_total", results["hv04"]["reason"]
        assert results["hv04"]["sandbox"]["memory_used_mb"] > 1024
        assert results["hv05"]["reason_code"] == "disk_total", results["hv05"]["reason"]
        assert "tính chung mọi tệp" in results["hv05"]["reason"]
        assert not (root / "autograded" / "hv05").exists()
        graded = nbformat.read(root / "autograded" / "hv02" / AID / f"{AID}.ipynb",
                               as_version=4)
        printed = "".join(o.get("text", "") for c in graded.cells
                          for o in c.get("outputs", []))
        kids = int(re.search(r"FORKED (\d+)", printed).group(1))
        assert 0 < kids < NPROC + 100, kids  # room above what the user already ran
        assert [r for r in results["hv03"]["refused"] if r["path"] == "to.bin"]
        assert not (root / "autograded" / "hv03" / AID / "to.bin").exists()
        # A PID namespace's processes are reaped just after its init: 2 s at most.
        deadline, left = time.monotonic() + 2, "?"
        while left.strip() and time.monotonic() < deadline:
            left = subprocess.run(["pgrep", "-a", "-u", name], capture_output=True,
                                  text=True).stdout
            time.sleep(0.1)
        assert not left.strip(), f"processes of the submission outlived grading: {left}"


# --------------------------------------------------------------- a grader killed ten times

SLOW = CORRECT + "import time\ntime.sleep(2)\n"
KILL_CLASS = {
    "hv01": (CORRECT, False, 5.0),
    "hv02": (SLOW, True, 5.0),  # test cells edited: nbgrader restores them
    "hv03": (CORRECT + "import os\nos._exit(1)\n", False, 0.0),  # the kernel really dies
    "hv04": (BLANK, True, 0.0),
    "hv05": ("def tong(a, b):\n    return 5\n", False, 2.0),
}


def _hog() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _scores_so_far(root: Path) -> dict[str, tuple]:
    out = {}
    for path in (root / ".autograder" / "ket-qua" / AID).glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("merged"):
            out[path.stem] = (data["score"], data["reason_code"])
    return out


def test_killed_grader_under_load_never_records_a_kill(tmp_path):
    base = tmp_path / "giet"
    base.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(base, 0o755)
    root = make_course(base)
    for sid, (answer, edit, _score) in KILL_CLASS.items():
        submit(root, sid, answer, edit_tests=edit)
    runs = base / "tmp"
    runs.mkdir()
    env = {**os.environ, "TMPDIR": str(runs), "COURSE_BACKEND": "offline",
           "PYTHONPATH": str(REPO)}
    env.pop("OPENAI_API_KEY", None)
    cmd = [sys.executable, "-m", "autograder", "--course", str(root), "grade", AID,
           "--workers", "2", "--timeout", "30", "--quiet"]
    rng = random.Random(22)
    hogs = [_hog(), _hog()]
    kills, left, wrong = 0, [], []
    started = time.monotonic()
    try:
        for round_no in range(10):
            force = ["--force"] if len(_scores_so_far(root)) == len(KILL_CLASS) else []
            grader = subprocess.Popen(cmd + force, cwd=REPO, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if round_no % 2:
                # Any moment of start-up: workers importing, kernels being launched. A run
                # of this class takes about 3 s on 2 cores: kill within the first 2.
                deadline = time.monotonic() + rng.uniform(0.3, 2.0)
                while grader.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
            else:
                # Student code running.
                deadline = time.monotonic() + 120
                while grader.poll() is None and not _kernels(runs) and \
                        time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(rng.uniform(0, 0.5))
            if grader.poll() is None:
                grader.send_signal(signal.SIGKILL)
                kills += 1
            grader.wait()
            killed_at = time.monotonic()
            while _processes_of(runs) and time.monotonic() - killed_at < 2.0:
                time.sleep(0.05)
            if _processes_of(runs):
                left.append((round_no, _processes_of(runs)))
            for sid, (score, code) in _scores_so_far(root).items():
                if score != KILL_CLASS[sid][2]:
                    wrong.append((round_no, sid, score, code))
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert kills >= 8, "the grader must be killed mid-run in (nearly) every round"
    print(f"{kills} kills, {time.monotonic() - started:.0f} s")
    assert not left, f"sandbox processes outlived the killed grader by 2 s: {left}"
    assert not wrong, f"a kill was recorded as a result: {wrong}"
    final = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=600)
    assert final.returncode == 0, final.stdout + final.stderr
    got = _scores_so_far(root)
    assert {sid: s for sid, (s, _c) in got.items()} == \
        {sid: v[2] for sid, v in KILL_CLASS.items()}, got
    assert got["hv03"][1] == "kernel_died"
    assert not [c for _s, c in got.values() if c in ("kernel_killed", "worker_lost")]
    assert not _processes_of(runs)


def _kernels(marker: Path) -> list[str]:
    """Kernels of this test's runs (a sandbox uid, environment under ``marker``)."""
    key = str(marker).encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
            if UID_BASE <= uid < UID_BASE + UID_SPAN and key in (proc / "environ").read_bytes():
                found.append(proc.name)
        except (OSError, AttributeError):
            continue
    return found


# --------------------------------------------------------------- the simulator's attacks

# big_file and fork_bomb run in the small class above (same payloads): two keep this short.
ATTACKS = ["links_out", "own_notebook"]


def test_simulated_attacks_on_a_real_assignment(tmp_path):
    """The simulator's attacks on the grading machine, on a course assignment: scores
    exact, nothing flagged that is not tampering, no feedback page with hidden-test text."""
    from autograder.feedback import generate_feedback
    from autograder.simulate import simulate

    aid = "bt3_funnel"
    os.chmod(tmp_path, 0o755)
    course = tmp_path / "khoa"
    (course / "source").mkdir(parents=True)
    source = REPO / "assignments" / "source" / aid
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(source, course / "source" / aid)
    expected = simulate(tmp_path / "sim", aid, seed=0, course_root=course, reasons=ATTACKS)
    assert sorted(e["reason"] for e in expected.values()) == sorted(ATTACKS)
    for sid in expected:
        shutil.copytree(tmp_path / "sim" / sid, course / "submitted" / sid)
    summary = grade_assignment(Course(course), aid, workers=2, timeout=60, progress=False,
                               work_dir=str(tmp_path))
    assert sorted(summary.graded) == sorted(expected)
    results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (course / ".autograder" / "ket-qua" / aid).glob("*.json")}
    assert {s: d["score"] for s, d in results.items()} == \
        {s: e["score"] for s, e in expected.items()}
    assert not [s for s, d in results.items() if d.get("review")], "a false tamper flag"
    by_kind = {e["reason"]: s for s, e in expected.items()}
    refused = {r["path"] for r in results[by_kind["links_out"]]["refused"]}
    assert {"link_shadow", "loop", "ong"} <= refused
    secret = Secrets.from_notebooks([nbformat.read(source / f"{aid}.ipynb", as_version=4)])
    assert secret.lines
    pages = generate_feedback(Course(course), aid)
    for sid, page in pages.items():
        assert not secret.find(page.read_text(encoding="utf-8")), sid
    printed = nbformat.read(course / "autograded" / by_kind["own_notebook"] / aid /
                            f"{aid}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in printed.cells for o in c.get("outputs", []))
    assert '"nbgrader"' in text, "the notebook file was printed"
    assert "BEGIN HIDDEN TESTS" not in text and not secret.find(text)


def test_copy_out_bounds_entries_depth_and_growth(tmp_path):
    """What a submission can write that is neither a link nor a big file: a million tiny
    files, folders nested without end. The copy stops at its bounds and says so."""
    from autograder import safecopy

    src = tmp_path / "lam-bai"
    (src / "nhieu").mkdir(parents=True)
    for i in range(safecopy.MAX_ENTRIES + 50):
        (src / "nhieu" / f"{i:05d}.txt").write_text("x")
    deep = tmp_path / "sau"
    for i in range(safecopy.MAX_DEPTH + 4):
        deep = deep / f"t{i}"
    deep.mkdir(parents=True)
    (deep / "day.txt").write_text("x")
    refused = safecopy.copy_tree(src, tmp_path / "ra")
    assert [r["why"] for r in refused] == [
        f"quá {safecopy.MAX_ENTRIES} tệp và thư mục; phần còn lại không được chép"]
    assert sum(1 for _ in (tmp_path / "ra").rglob("*")) == safecopy.MAX_ENTRIES
    refused = safecopy.copy_tree(tmp_path / "sau", tmp_path / "ra-sau")
    assert len(refused) == 1 and f"lồng quá {safecopy.MAX_DEPTH} tầng" in refused[0]["why"]
    assert refused[0]["path"].count("/") == safecopy.MAX_DEPTH
    # Within the caps per submission: the rest is refused, not truncated silently.
    small = safecopy.Limits(file_cap=1000, total_cap=2500)
    many = tmp_path / "vua"
    many.mkdir()
    for i in range(4):
        (many / f"{i}.bin").write_bytes(b"y" * 900)
    refused = safecopy.copy_tree(many, tmp_path / "ra2", small)
    assert len(refused) == 2 and all("cả bài vượt" in r["why"] for r in refused)
    assert sorted(p.name for p in (tmp_path / "ra2").iterdir()) == ["0.bin", "1.bin"]
