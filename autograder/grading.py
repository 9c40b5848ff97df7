"""Parallel, resumable autograding on top of nbgrader's own Autograde.

Each worker process grades into a private course copy with a private gradebook; this
process alone writes the main gradebook, one submission at a time. A submission counts as
graded once its result file exists in ``.autograder/ket-qua/<assignment>/``. The order
(copy output -> write result file -> move folder in place -> write gradebook -> mark merged)
means a run stopped at any point loses nothing and never runs a notebook twice: on the
next run pending results are merged again (idempotent) and only the rest is graded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tqdm import tqdm

from autograder import cgroups, safecopy
from autograder.bwrap import SandboxUnavailable, check_sandbox
from autograder.coursectx import Course, InstructorError, ensure_tools_on_path
from autograder.reasons import NOT_FINAL, reason

log = logging.getLogger(__name__)

# Graded normally; nothing for the instructor to check.
CLEAN = ("ok", "tests_failed", "unfinished", "blank")


def needs_review(result: dict) -> bool:
    """Listed for the instructor: an incident, tampering, a leak, refused files."""
    return (result.get("reason_code") not in CLEAN or bool(result.get("tampered"))
            or bool(result.get("review")) or bool(result.get("refused")))
if TYPE_CHECKING:  # heavy imports wait until the workers are already starting
    from nbgrader.api import Gradebook

UID_BASE = 62000  # one unprivileged uid per worker slot (no passwd entry needed)
UID_BLOCK = 16  # uids of one grading run (workers are capped to this)
UID_BLOCKS = 64  # grading runs at once on one machine
UID_SPAN = UID_BLOCK * UID_BLOCKS
UID_LOCKS = "/run/autograder-uids"  # root-only folder of block locks


class UidLease:
    """A block of sandbox uids held by one grading run for its whole life.

    Two runs on one machine (two instructors, two courses) must never share a uid: the
    process limit counts per uid, and a uid's files and processes are that run's alone. The
    lease is an flock on ``<UID_LOCKS>/<block>.lock``; the kernel drops it when the process
    ends however it ends, so a killed run never leaves its block taken.
    """

    def __init__(self, lock_dir: str = UID_LOCKS):
        self.lock_dir, self.fd, self.base = lock_dir, None, None

    def acquire(self) -> int:
        import fcntl

        os.makedirs(self.lock_dir, mode=0o700, exist_ok=True)
        st = os.lstat(self.lock_dir)
        if not os.path.isdir(self.lock_dir) or os.path.islink(self.lock_dir) or \
                st.st_uid != os.geteuid() or st.st_mode & 0o022:
            raise InstructorError(f"Thư mục khóa {self.lock_dir} không an toàn (phải là thư mục "
                              "của root, người khác không ghi được). Hãy xóa nó rồi chấm lại.")
        for block in range(UID_BLOCKS):
            fd = os.open(os.path.join(self.lock_dir, f"{block}.lock"),
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.fd, self.base = fd, UID_BASE + block * UID_BLOCK
            return self.base
        raise InstructorError(f"Đang có {UID_BLOCKS} lượt chấm chạy cùng lúc trên máy này; hãy "
                          "đợi một lượt xong rồi chấm lại.")

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@dataclass
class GradeSummary:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    not_on_roster: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)  # no final result: graded next run
    interrupted: bool = False


NOT_GRADED_YET = ("Đã nộp nhưng chưa chấm xong: lượt chấm dừng giữa chừng hoặc chưa chạy tới bài "
                  "này. Chạy lại lệnh grade để chấm.")


def submission_hash(folder: Path) -> str:
    """What was handed in, for 'already graded': regular files only, never through a link
    (a FIFO or a link to one would block the grader; the worker refuses them anyway)."""
    import stat

    digest = hashlib.sha256()
    files = []
    for top, dirs, names in os.walk(folder):  # does not follow linked folders
        dirs[:] = [d for d in dirs if d != ".ipynb_checkpoints"]
        files += [Path(top) / n for n in names]
    for path in sorted(files):
        if path.name == "timestamp.txt":
            continue
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as fh:
            digest.update(str(path.relative_to(folder)).encode())
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


class ResultStore:
    """Result files: one JSON per submission, the source of truth for 'already graded'."""

    def __init__(self, course: Course, assignment_id: str):
        self.course, self.assignment_id = course, assignment_id
        self.dir = course.state_dir("ket-qua", assignment_id)
        self.staging = course.state_dir("dang-chuyen", assignment_id)

    def path(self, student_id: str) -> Path:
        return self.dir / f"{student_id}.json"

    def load(self, student_id: str) -> dict | None:
        path = self.path(student_id)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def all(self) -> dict[str, dict]:
        return {p.stem: json.loads(p.read_text(encoding="utf-8"))
                for p in sorted(self.dir.glob("*.json"))}

    def save(self, student_id: str, data: dict) -> None:
        _atomic_write(self.path(student_id), data)
        (self.course.state_dir("chua-xong", self.assignment_id) / f"{student_id}.json").unlink(
            missing_ok=True)

    # Handed in, no final result yet: why, for the report ("chưa chấm xong", not "missing").
    def mark_unfinished(self, student_id: str, why: str) -> None:
        _atomic_write(self.course.state_dir("chua-xong", self.assignment_id) /
                      f"{student_id}.json", {"reason": why})

    def unfinished(self) -> dict[str, str]:
        """Submissions handed in whose current version has no result, with the reason."""
        marks = {}
        for p in self.course.state_dir("chua-xong", self.assignment_id).glob("*.json"):
            try:
                marks[p.stem] = json.loads(p.read_text(encoding="utf-8"))["reason"]
            except (OSError, ValueError, KeyError):
                continue
        return {sid: marks.get(sid, NOT_GRADED_YET)
                for sid in pending_submissions(self.course, self.assignment_id, self)}


def ensure_assignment(course: Course, assignment_id: str) -> None:
    """Autograde needs the assignment in the gradebook; create it from source if missing."""
    from nbgrader.api import MissingEntry

    course.check_assignment(assignment_id)
    with course.gradebook() as gb:
        try:
            found = gb.find_assignment(assignment_id)
            # Once something is graded nbgrader cannot add cells; keep what the gradebook has.
            if found.submissions or _gradebook_matches_source(course, found):
                return
        except MissingEntry:
            pass
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    cfg = course.config()
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    out = api.generate_assignment(assignment_id, force=True, create=True)
    if not out.get("success"):
        raise InstructorError(f"Không tạo được bài tập '{assignment_id}' từ bản gốc:\n"
                          f"{out.get('error') or out.get('log')}")


def _gradebook_matches_source(course: Course, assignment) -> bool:
    """Does the gradebook hold every nbgrader cell of every source notebook, and the source
    of each? A grader killed while nbgrader was writing the assignment leaves it half there
    (seen: the solution cell missing; the tests' source cells missing), and every later run
    would then fail each submission's metadata check."""
    import nbformat

    recorded = {nb.name: ({c.name for c in (*nb.grade_cells, *nb.solution_cells,
                                             *nb.task_cells)},
                          {c.name for c in nb.source_cells})
                for nb in assignment.notebooks}
    for path in sorted(course.source_dir(assignment.name).glob("*.ipynb")):
        try:
            cells = nbformat.read(path, as_version=4).cells
        except Exception:  # nbgrader's own generate step reports an unreadable source
            return False
        metas = [c.metadata.get("nbgrader", {}) for c in cells]
        wanted = {m["grade_id"] for m in metas
                  if any(m.get(k) for k in ("grade", "solution", "task"))}
        # nbgrader keeps the source of locked cells as well (to put them back).
        sources = wanted | {m["grade_id"] for m in metas if m.get("locked")}
        if recorded.get(path.stem) != (wanted, sources):
            return False
    return bool(recorded)


def merge_result(gb: Gradebook, course: Course, assignment_id: str, result: dict) -> None:
    """Write one worker result into the main gradebook (idempotent)."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        # nbgrader's own submission creation triggers a harmless SQLAlchemy autoflush warning.
        warnings.simplefilter("ignore", SAWarning)
        _merge(gb, assignment_id, result)


def _merge(gb: Gradebook, assignment_id: str, result: dict) -> None:
    from nbgrader.api import MissingEntry

    sid = result["student_id"]
    try:
        gb.find_student(sid)
    except MissingEntry:
        gb.add_student(sid)
    ts = result.get("timestamp")
    if ts:
        sub = gb.update_or_create_submission(assignment_id, sid,
                                             timestamp=datetime.fromisoformat(ts))
    else:
        sub = gb.update_or_create_submission(assignment_id, sid)
    if result.get("ok"):
        for nb in result["notebooks"]:
            for g in nb["grades"]:
                grade = gb.find_grade(g["name"], nb["name"], assignment_id, sid)
                grade.auto_score = g["auto_score"]
                grade.needs_manual_grade = g["needs_manual_grade"]
            for c in nb["comments"]:
                comment = gb.find_comment(c["name"], nb["name"], assignment_id, sid)
                comment.auto_comment = c["auto_comment"]
            sub_nb = gb.find_submission_notebook(nb["name"], assignment_id, sid)
            sub_nb.late_submission_penalty = nb["late_penalty"]
    else:
        # Nothing could run: every automatic grade is zero, and nothing waits on a human.
        for sub_nb in sub.notebooks:
            for grade in sub_nb.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
    gb.db.commit()


def _finish(course: Course, store: ResultStore, gb: Gradebook, assignment_id: str,
            data: dict) -> None:
    """Steps after the result file exists: folder in place, gradebook, merged flag."""
    sid = data["student_id"]
    staged = store.staging / sid
    final = course.autograded_dir(assignment_id, sid)
    if staged.exists():
        if final.exists():
            shutil.rmtree(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)
    merge_result(gb, course, assignment_id, data)
    from autograder.late import late_text

    sub = gb.find_submission(assignment_id, sid)  # committed above, so read back fresh
    data["score"], data["max_score"] = sub.score, sub.max_score
    data["seconds_late"] = float(sub.total_seconds_late or 0)
    data["late_text"] = late_text(data["seconds_late"])
    data["late_penalty"] = float(sub.late_submission_penalty or 0)
    data["merged"] = True
    store.save(sid, data)


def _reconcile(course: Course, store: ResultStore, gb: Gradebook, assignment_id: str) -> None:
    for data in store.all().values():
        if not data.get("merged"):
            _finish(course, store, gb, assignment_id, data)


def _count_code_cells(course: Course, assignment_id: str) -> int:
    import nbformat

    nb = nbformat.read(course.source_notebook(assignment_id), as_version=4)
    return sum(c.cell_type == "code" for c in nb.cells)


class Worker:
    """A worker subprocess; restarted whenever it dies or overruns its watchdog."""

    def __init__(self, index: int, base_cmd: list[str], run_dir: Path, uid: int,
                 log_path: Path, env: dict[str, str]):
        self.index, self.base_cmd, self.run_dir, self.uid = index, base_cmd, run_dir, uid
        self.log_path, self.env = log_path, env
        self.proc: subprocess.Popen | None = None
        self.ready = False
        self.lock = threading.Lock()  # stop() is called from the main and the worker thread

    def spawn(self) -> None:
        """Start the process without waiting: its imports overlap with other work."""
        wdir = self.run_dir / f"w{self.index}"
        # Worker output (nbgrader's log, tracebacks) outlives the run folder: it goes to the
        # course's log folder, next to the run's own log.
        log = open(self.log_path, "ab")
        cmd = self.base_cmd + ["--workdir", str(wdir), "--uid", str(self.uid)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, start_new_session=True, env=self.env)
        log.close()
        self.ready = False

    def start(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.spawn()
        if not self.ready:
            if not self._read_line(300):
                self.stop()
                raise RuntimeError("worker did not start")
            self.ready = True

    def _process(self) -> tuple[subprocess.Popen, IO[bytes], IO[bytes]]:
        """The running worker and its stdin/stdout; a plain check, not `assert` (gone under -O)."""
        proc = self.proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError(f"internal error: grading worker {self.index} has no process "
                               "with pipes (spawn() was not called)")
        return proc, proc.stdin, proc.stdout

    def _read_line(self, limit: float) -> dict | None:
        _, _, stdout = self._process()
        ready, _, _ = select.select([stdout], [], [], limit)
        if not ready:
            return None
        line = stdout.readline()
        return json.loads(line) if line else None

    def grade(self, student_id: str, limit: float, refill: bool = True) -> dict:
        """``refill``: start the worker's next kernel while this submission runs (False near
        the end of the queue, where that kernel would start and never be used)."""
        self.start()
        proc, stdin, _ = self._process()
        try:
            task = {"student_id": student_id, "refill": refill}
            stdin.write((json.dumps(task) + "\n").encode())
            stdin.flush()
            answer = self._read_line(limit)
        except (BrokenPipeError, ValueError, json.JSONDecodeError):
            answer = None
        if answer is None:
            # A worker that died did not fail the submission: its result is not final.
            code = "watchdog" if proc.poll() is None else "worker_lost"
            self.stop()
            return {"student_id": student_id, "ok": False, **reason(code),
                    "final": code not in NOT_FINAL}
        return answer

    def stop(self) -> None:
        with self.lock:
            proc, self.proc = self.proc, None
        if proc and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def _template_db(course: Course, run_dir: Path) -> Path:
    """A consistent snapshot of the main gradebook for the workers to start from."""
    target = run_dir / "template.db"
    with sqlite3.connect(course.db_path) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    os.chmod(target, 0o600)
    return target


def _next_result(results: queue.Queue) -> dict:
    # A short timeout keeps Ctrl-C responsive while waiting.
    while True:
        try:
            return results.get(timeout=0.5)
        except queue.Empty:
            continue


def pending_submissions(course: Course, assignment_id: str, store: ResultStore,
                        force: bool = False, only: list[str] | None = None) -> list[str]:
    todo = []
    for sid in course.student_ids("submitted", assignment_id):
        if only and sid not in only:
            continue
        folder = course.submitted_dir(assignment_id, sid)
        data = store.load(sid)
        if force or not data or data.get("hash") != submission_hash(folder):
            todo.append(sid)
    return todo


# A run folder short enough for this many submissions is kept without counting the class
# (counting imports nbgrader before the workers start); a deeper one counts it.
MAX_SUBMISSIONS = 99_999


def _deepest_socket(workers: int, submissions: int) -> str:
    """The longest kernel socket path below a run folder (worker.py's layout: worker, slot
    numbered per submission, home, socket)."""
    return f"/w{max(1, min(workers, UID_BLOCK)) - 1}/s{submissions + 2}/h/ipc-5"


def _remove_stale_run_dirs(work_dir: str | None) -> None:
    """A grader killed with SIGKILL cannot clean up; the next run removes its folder."""
    for folder in Path(work_dir or tempfile.gettempdir()).glob("autograder-*"):
        try:
            os.kill(int((folder / "owner.pid").read_text()), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            continue  # not ours, or its owner is alive


def check_submissions(course: Course, assignment_id: str) -> None:
    """Grading needs collected work; say how to get it instead of 'graded 0'."""
    if not course.student_ids("submitted", assignment_id):
        raise InstructorError(
            f"Chưa có bài nộp nào của '{assignment_id}' trong {course.step_root('submitted')}. "
            f"Hãy thu bài trước: python -m autograder collect {assignment_id} (từ thư mục trao "
            f"đổi), hoặc python -m autograder collect {assignment_id} --zip TEP_HOAC_THU_MUC "
            "(bài tải về từ Zalo, e-mail, LMS). Chưa chấm gì, sổ điểm không đổi.")


def grade_assignment(course: Course, assignment_id: str, workers: int = 2, timeout: int = 0,
                     memory_mb: int = 1024, allow_network: bool = False, force: bool = False,
                     only: list[str] | None = None, progress: bool = True,
                     work_dir: str | None = None, unsandboxed: bool = False) -> GradeSummary:
    # The workers start first: their imports and first kernels overlap with this process's
    # own (nbgrader, ~1 s) and with the checks below, which are made before any task.
    ensure_tools_on_path(gradebooks=False)
    _remove_stale_run_dirs(work_dir)
    run_dir = Path(tempfile.mkdtemp(prefix="autograder-", dir=work_dir))
    if len(str(run_dir)) + len(_deepest_socket(workers, MAX_SUBMISSIONS)) > 107 and \
            len(str(run_dir)) + len(_deepest_socket(
                workers, len(course.student_ids("submitted", assignment_id)))) > 107:
        # A kernel's unix sockets live under the run folder; a socket path is at most 107
        # bytes. A deep work or temporary folder gets a short private one instead.
        shutil.rmtree(run_dir)
        _remove_stale_run_dirs("/tmp")
        run_dir = Path(tempfile.mkdtemp(prefix="autograder-", dir="/tmp"))
    os.chmod(run_dir, 0o711)
    (run_dir / "owner.pid").write_text(str(os.getpid()))
    lease = UidLease() if os.geteuid() == 0 else None
    try:
        uid_base = lease.acquire() if lease else None
    except InstructorError:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    try:
        return _run(course, assignment_id, run_dir, uid_base, workers, timeout, memory_mb,
                    allow_network, force, only, progress, unsandboxed)
    finally:
        if lease:
            lease.release()


def _run(course: Course, assignment_id: str, run_dir: Path, uid_base: int | None, workers: int,
         timeout: int, memory_mb: int, allow_network: bool, force: bool,
         only: list[str] | None, progress: bool, unsandboxed: bool) -> GradeSummary:
    template = run_dir / "template.db"  # written below, read by workers at their first task
    base_cmd = [sys.executable, "-m", "autograder.worker", "--course", str(course.root),
                "--assignment", assignment_id, "--run-dir", str(run_dir),
                "--template-db", str(template), "--timeout", str(timeout),
                "--memory-mb", str(memory_mb), "--parent-pid", str(os.getpid())] \
        + (["--allow-network"] if allow_network else []) \
        + (["--unsandboxed"] if unsandboxed else [])
    repo = str(Path(__file__).resolve().parent.parent)
    worker_env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in [repo, os.environ.get("PYTHONPATH", "")] if p)}
    # Workers start now; their imports overlap with this process's own set-up below.
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    logs = course.state_dir("nhat-ky")
    pool = [Worker(i, base_cmd, run_dir, (uid_base + i) if uid_base is not None else -1,
                   logs / f"{stamp}-cham-{assignment_id}-w{i}.log", worker_env)
            for i in range(max(1, min(workers, UID_BLOCK)))]
    for w in pool:
        w.spawn()
    summary = GradeSummary()
    try:
        ensure_tools_on_path()
        course.check_assignment(assignment_id)
        check_submissions(course, assignment_id)
        if unsandboxed:
            log.warning("grading %s WITHOUT a sandbox (--unsandboxed)", assignment_id)
        else:
            try:
                box = check_sandbox(str(run_dir), uid_base)
                log.info("sandbox check passed: %s", box)
            except SandboxUnavailable as exc:
                log.error("sandbox unavailable: %s", exc)
                raise InstructorError(str(exc)) from exc
        _grade(course, assignment_id, pool, run_dir, template, timeout, force, only, progress,
               summary, unsandboxed)
    finally:
        for w in pool:
            w.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
        cgroups.remove_stale(also=os.getpid())  # this run's submission cgroups, and old ones
    return summary


def _grade(course: Course, assignment_id: str, pool: list[Worker], run_dir: Path,
           template: Path, timeout: int, force: bool, only: list[str] | None, progress: bool,
           summary: GradeSummary, unsandboxed: bool = False) -> None:
    ensure_assignment(course, assignment_id)
    store = ResultStore(course, assignment_id)
    with course.gradebook() as gb:
        _reconcile(course, store, gb, assignment_id)
        todo = pending_submissions(course, assignment_id, store, force, only)
        # With a class list (`roster import`, `collect --add-unknown`), only its members are
        # graded: hub usernames differ from participant ids. Gradebook students alone are no
        # class list: grading itself adds each participant it grades.
        class_list = course.class_list()
        roster = {st.id for st in gb.students} | set(class_list) if class_list else set()
        if roster:
            summary.not_on_roster = sorted(sid for sid in todo if sid not in roster)
            todo = [sid for sid in todo if sid in roster]
            if summary.not_on_roster:
                log.warning("not on the roster, not graded: %s", summary.not_on_roster)
            for sid in summary.not_on_roster:
                store.mark_unfinished(sid, "Mã này không có trong danh sách lớp nên chưa chấm. "
                                           "Thêm vào danh sách lớp rồi chấm lại.")
        all_ids = set(course.student_ids("submitted", assignment_id))
        summary.skipped = sorted(all_ids - set(todo) - set(summary.not_on_roster))
        if not todo:
            return
        _template_db(course, run_dir)
        if not template.exists():  # an explicit check: python -O drops asserts
            raise InstructorError(f"Không tạo được sổ điểm mẫu cho lượt chấm ({template}). "
                                  "Hãy xem nhật ký trong .autograder/nhat-ky rồi chấm lại.")
        cell_timeout = timeout or int(course.config().Execute.get("timeout", 30))
        limit = cell_timeout * (_count_code_cells(course, assignment_id) + 3) + 120
        tasks: queue.Queue[str] = queue.Queue()
        results: queue.Queue[dict] = queue.Queue()
        for sid in todo:
            tasks.put(sid)
        stop = threading.Event()

        def run(worker: Worker) -> None:
            while not stop.is_set():
                try:
                    sid = tasks.get_nowait()
                except queue.Empty:
                    break
                # Fewer tasks left than workers: this worker's next kernel would likely go
                # unused, and starting it costs the CPU the last submissions need.
                refill = tasks.qsize() >= len(pool)
                for attempt in (1, 2):  # a result not caused by the submission: once more
                    try:
                        res = worker.grade(sid, limit, refill=refill)
                    except Exception as exc:  # the worker could not even start
                        res = {"student_id": sid, "ok": False, **reason("system_error"),
                               "detail": str(exc)}
                    if res.get("final", True) or stop.is_set():
                        break
                    log.warning("%s: attempt %d not final (%s)", sid, attempt,
                                res.get("reason_code"))
                if not stop.is_set():
                    results.put(res)
            worker.stop()

        threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in pool]
        for t in threads:
            t.start()
        bar = tqdm(total=len(todo), desc=f"Chấm {assignment_id}", unit="bài", disable=not progress)
        try:
            for _ in range(len(todo)):
                res = _next_result(results)
                if unsandboxed:
                    res["unsandboxed"] = True  # shown in feedback, export and report
                if res.get("reason_code") == "system_error":
                    log.error("system error grading %s: %s", res["student_id"],
                              res.get("detail") or res.get("reason"))
                if not res.get("final", True):
                    # Only a kernel that finished on its own gives a result; no file is
                    # written, so the next run grades this submission again.
                    summary.unfinished.append(res["student_id"])
                    summary.problems[res["student_id"]] = res["reason"]
                    store.mark_unfinished(res["student_id"], res["reason"])
                    bar.update(1)
                    continue
                _accept(course, store, gb, assignment_id, res)
                summary.graded.append(res["student_id"])
                if needs_review(res):
                    summary.problems[res["student_id"]] = res["reason"]
                bar.update(1)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            stop.set()
            bar.close()
            for w in pool:
                w.stop()
            for t in threads:
                t.join(timeout=5)


def _accept(course: Course, store: ResultStore, gb: Gradebook, assignment_id: str,
            res: dict) -> None:
    """Make one worker result durable (result file first), then merge it."""
    sid = res["student_id"]
    res["hash"] = submission_hash(course.submitted_dir(assignment_id, sid))
    res["graded_at"] = datetime.now().isoformat(timespec="seconds")
    res["merged"] = False
    res.pop("final", None)
    out = res.pop("output_dir", None)
    staged = store.staging / sid
    shutil.rmtree(staged, ignore_errors=True)
    if out:
        # The worker's folder holds what the sandbox produced: copied without following
        # anything, within caps (the worker already applied them; this is the last gate).
        refused = safecopy.copy_tree(out, staged, safecopy.HANDOFF)
        if refused:
            res.setdefault("refused", []).extend(refused)
        shutil.rmtree(out, ignore_errors=True)
    store.save(sid, res)
    _finish(course, store, gb, assignment_id, res)
