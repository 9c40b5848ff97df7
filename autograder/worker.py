"""One grading worker: a separate process with its own nbgrader course copy and gradebook.

Started by ``autograder.grading``; reads one JSON task per line on stdin and answers one
JSON line per task. Only this process's private directory is written, so parallel
workers never touch the main gradebook (the parent merges their results, one at a time).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path


def _die_with_parent() -> None:
    """If the grader is killed, this worker (and through it, its kernel) goes too."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _parent_gone(argv: list[str]) -> bool:
    """The grader died before PR_SET_PDEATHSIG took effect (we were re-parented)."""
    if "--parent-pid" not in argv[:-1]:
        return False
    return os.getppid() != int(argv[argv.index("--parent-pid") + 1])


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE, MNT_DETACH, CLONE_NEWNS = 2, 4, 16384, 1 << 18, 2, \
    0x20000


def _private_mounts() -> bool:
    """A mount namespace of this worker's own (root only): the per-submission tmpfs it
    mounts is seen by its sandboxes only, and vanishes with the worker however it ends.
    Called while the process is still single-threaded (unshare affects the caller only)."""
    if os.geteuid() != 0 or _libc.unshare(CLONE_NEWNS) != 0:
        return False
    return _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0


PRIVATE_MOUNTS = False
if __name__ == "__main__":  # before the slow imports below (seconds on a loaded machine)
    _die_with_parent()
    if _parent_gone(sys.argv):
        sys.exit("autograder.worker: grader already gone")
    PRIVATE_MOUNTS = "--unsandboxed" not in sys.argv and _private_mounts()

import nbformat  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader import preprocessors as nbp  # noqa: E402
from nbgrader.api import Gradebook, MissingEntry  # noqa: E402
from nbgrader.apps import NbGraderAPI  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402

from autograder import cgroups, hidden, nbconfig, safecopy, sandbox, tamper  # noqa: E402
from autograder.bwrap import DISK_MB, NPROC, hidden_paths  # noqa: E402
from autograder.coursectx import Course, ensure_tools_on_path  # noqa: E402
from autograder.reasons import (  # noqa: E402
    add_review,
    classify_failure,
    classify_notebook,
    precheck,
    reason,
)
from autograder.sandbox import (  # noqa: E402
    KernelPool,
    LimitOutputSize,
    SandboxExecute,
    SandboxKernelManager,
    Slot,
)


def _config(course: Course, wdir: Path, args: argparse.Namespace):
    cfg = course.config()
    cfg.CourseDirectory.root = str(wdir)
    # nbgrader's own autograde pipeline, with Execute swapped for the sandboxed one.
    cfg.Autograde.autograde_preprocessors = [
        SandboxExecute, nbp.IgnorePattern, ClearMetadataPreprocessor, nbp.LimitOutput,
        LimitOutputSize, nbp.SaveAutoGrades, nbp.AssignLatePenalties, nbp.CheckCellMetadata,
    ]
    if args.timeout:
        cfg.Execute.timeout = args.timeout
    # The kernel and its folder are thrown away after each submission: no graceful wait.
    cfg.Execute.shutdown_kernel = "immediate"
    skm = cfg.SandboxKernelManager
    skm.sandbox_uid = args.uid if os.geteuid() == 0 and args.uid >= 0 else None
    skm.sandbox_memory_mb = args.memory_mb
    skm.sandbox_enabled = not args.unsandboxed
    skm.sandbox_hide = hidden_paths(str(course.root), nbconfig.exchange_root(cfg))
    skm.sandbox_network_off = not args.allow_network
    skm.sandbox_status_file = str(wdir / "private" / "sandbox.json")
    skm.sandbox_disk_tmpfs = cfg.SandboxExecute.disk_tmpfs = BOX_TMPFS
    cfg.SandboxExecute.disk_cap_mb = DISK_MB if not args.unsandboxed else 0
    # Home and working folder share one bounded box: a tmpfs of DISK_MB as root, a folder
    # the sandbox's watchdog measures otherwise.
    # Short names: the kernel's unix sockets live in its home, and a socket path longer than
    # 107 bytes cannot be bound (a deep TMPDIR or work folder is enough to reach that).
    skm.sandbox_home = str(wdir / "b" / HOME)
    cfg.SandboxExecute.run_root = str(wdir / "b")
    cfg.SandboxExecute.report_file = str(wdir / "private" / "execute.json")
    return cfg


def _in_run(course: Course, wdir: Path, step: str, student_id: str, assignment_id: str) -> Path:
    """The course's own nbgrader path of a step (configured folder names and layout),
    moved under the worker's private copy ``wdir`` (the worker's nbgrader has root wdir)."""
    return wdir / course.path(step, student_id, assignment_id).relative_to(course.root)


def _prepare_dirs(course: Course, wdir: Path, assignment_id: str) -> None:
    wdir.mkdir(parents=True, exist_ok=True)
    os.chmod(wdir, 0o711)
    for name in (course.step_folder("source"), course.step_folder("submitted"), "private"):
        (wdir / name).mkdir(exist_ok=True)
        os.chmod(wdir / name, 0o700)
    # Parent of the kernel's working folder: the sandbox uid only passes through it.
    (wdir / "b").mkdir(exist_ok=True)
    os.chmod(wdir / "b", 0o711)
    shutil.copytree(course.source_dir(assignment_id),
                    _in_run(course, wdir, "source", ".", assignment_id), dirs_exist_ok=True)


HOME = "h"  # the kernel's home inside a box
BOX_TMPFS = False  # set in main(): each submission's box is a fresh tmpfs of DISK_MB


def _fresh_box(box: Path) -> None:
    """An empty box for the next submission: a new tmpfs (the old one and all it held go
    at once), or an emptied folder where mounting is not possible."""
    if BOX_TMPFS:
        while os.path.ismount(box):
            _libc.umount2(str(box).encode(), MNT_DETACH)
        opts = f"size={DISK_MB}m,mode=0711,nr_inodes={safecopy.MAX_ENTRIES * 8}".encode()
        if _libc.mount(b"tmpfs", str(box).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts):
            raise OSError(ctypes.get_errno(), f"mount tmpfs on {box}")
    else:
        for name in (HOME, "lam-bai"):
            shutil.rmtree(box / name, ignore_errors=True)


def _reset(course: Course, wdir: Path, template_db: Path, uid: int | None) -> None:
    submitted = course.step_folder("submitted")
    for name in (submitted, course.step_folder("autograded")):
        shutil.rmtree(wdir / name, ignore_errors=True)
    _fresh_box(wdir / "b")
    (wdir / submitted).mkdir(mode=0o700)
    (wdir / "b" / HOME).mkdir(mode=0o700)
    if uid is not None:
        os.chown(wdir / "b" / HOME, uid, uid)
    db = wdir / "gradebook.db"
    shutil.copyfile(template_db, db)
    os.chmod(db, 0o600)
    for name in ("sandbox.json", "sandbox.json.exit", "execute.json"):
        (wdir / "private" / name).unlink(missing_ok=True)


def _one_engine_per_database() -> None:
    """Let nbgrader's gradebooks in this worker share one SQLAlchemy engine per database URL.

    nbgrader's ``Gradebook`` makes a new engine each time it is opened (several times per
    submission), and SQLAlchemy keeps compiled queries per engine, so every submission
    compiled nbgrader's queries again: about a quarter of the worker's CPU. A worker's
    gradebook is one path for the whole run (a fresh copy of the template per submission);
    ``Gradebook.close()`` still disposes of its connections, and the engine opens new ones to
    whatever file is at that path.
    """
    import nbgrader.api as api

    if getattr(api.create_engine, "engines", None) is not None:
        return
    real = api.create_engine
    engines: dict = {}

    def create_engine(url, **kw):
        key = (str(url), tuple(sorted(kw.items())))
        if key not in engines:
            engines[key] = real(url, **kw)
        return engines[key]

    create_engine.engines = engines  # type: ignore[attr-defined]
    api.create_engine = create_engine


def _read_grades(db_url: str, course_id: str, assignment_id: str, student_id: str) -> dict:
    with Gradebook(db_url, course_id=course_id) as gb:
        sub = gb.find_submission(assignment_id, student_id)
        notebooks = []
        for nb in sub.notebooks:
            notebooks.append({
                "name": nb.name,
                "late_penalty": nb.late_submission_penalty,
                "grades": [{"name": g.name, "auto_score": g.auto_score,
                            "max_score": g.max_score, "needs_manual_grade": g.needs_manual_grade}
                           for g in nb.grades],
                "comments": [{"name": c.name, "auto_comment": c.auto_comment}
                             for c in nb.comments],
            })
        return {"timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
                "notebooks": notebooks, "score": sub.score, "max_score": sub.max_score}


HIDDEN_CELLS: set[str] = set()
NOTEBOOKS: list[str] = []
STUBS: dict[str, str] = {}
SOURCES: dict[str, nbformat.NotebookNode] = {}
SECRETS: list[hidden.Secrets] = []


def _release_stubs(course: Course, assignment_id: str) -> dict[str, str]:
    """Each solution cell as participants received it (nbgrader's own ClearSolutions), so
    a part left untouched reads "chưa làm" even when its stub raises nothing."""
    stubs = {}
    for path in sorted(course.source_dir(assignment_id).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb, _ = nbp.ClearSolutions(config=course.config()).preprocess(nb, {})
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and meta.get("grade_id"):
                stubs[meta["grade_id"]] = cell.source
    return stubs


def _assignment_facts(db_url: str, course_id: str, assignment_id: str) -> None:
    """Notebook names, and test cells whose released copy lacks the hidden part (their
    checksum always differs from the submitted one, which is not tampering)."""
    with Gradebook(db_url, course_id=course_id) as gb:
        for nb in gb.find_assignment(assignment_id).notebooks:
            NOTEBOOKS.append(nb.name)
            for cell in nb.source_cells:
                if "BEGIN HIDDEN TESTS" in (cell.source or ""):
                    HIDDEN_CELLS.add(cell.name)


def _load_sources(api: NbGraderAPI, course: Course, aid: str) -> None:
    for path in sorted(course.source_dir(aid).glob("*.ipynb")):
        SOURCES[path.stem] = nbformat.read(path, as_version=4)
    SECRETS.append(hidden.Secrets.from_notebooks(SOURCES.values()))
    exprs = sorted({e for nb in SOURCES.values() for e in tamper.helpers(nb)})
    api.config.SandboxExecute.helpers = exprs
    api.config.SandboxExecute.setup_cells = sorted(
        {i for nb in SOURCES.values() for i in tamper.setup_ids(nb)})


def _static_review(dst: Path) -> list[str]:
    found: list[str] = []
    for name, source in SOURCES.items():
        try:
            submitted = nbformat.read(dst / f"{name}.ipynb", as_version=4)
        except Exception:
            continue
        found += tamper.static_findings(submitted, source)
    return list(dict.fromkeys(found))


def _own_text(dst: Path) -> list[str]:
    """What the participant wrote themselves (their submitted notebooks' cells)."""
    texts = []
    for path in dst.glob("*.ipynb"):
        try:
            texts += [c.get("source", "") for c in nbformat.read(path, as_version=4).cells]
        except Exception:
            continue
    return texts


def _scan_outputs(out: Path, secrets: hidden.Secrets) -> list[str]:
    """Hidden-test text in what student code printed or wrote: removed before it is kept."""
    found: list[str] = []
    note = "[Đã ẩn: đầu ra này chứa nội dung bài kiểm tra ẩn]"
    for name in NOTEBOOKS:
        path = out / f"{name}.ipynb"
        if not path.exists():
            continue
        nb = nbformat.read(path, as_version=4)
        changed = False
        for cell in nb.cells:
            if cell.cell_type != "code" or hidden.HIDDEN_BLOCK.search(cell.source):
                continue  # a hidden-test cell's own traceback is for the instructor only
            for i, output in enumerate(cell.get("outputs", [])):
                if secrets.find(hidden.output_text(output)):
                    cell.outputs[i] = nbformat.v4.new_output("stream", name="stderr",
                                                             text=note + "\n")
                    changed = True
        if changed:
            nbformat.write(nb, path)
            found.append(f"{name}.ipynb: một ô in ra nội dung bài kiểm tra ẩn (đã xóa khỏi "
                         "kết quả)")
    notebooks = {f"{n}.ipynb" for n in NOTEBOOKS}
    for path in sorted(p for p in out.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = str(path.relative_to(out))
        if rel in notebooks:
            continue
        with open(path, "rb") as fh:
            text = fh.read(safecopy.FILE_CAP + 1).decode("utf-8", "replace")
        if secrets.find(text):
            path.unlink()
            found.append(f"{rel}: tệp bài làm tạo ra chứa nội dung bài kiểm tra ẩn (đã xóa)")
    return found


def _with_refused(result: dict, more: list[dict]) -> dict:
    """What was not let into or out of the sandbox, in the result and its reason."""
    refused = result.pop("refused_in", []) + more
    if refused:
        result["refused"] = refused
        result["reason"] += " " + safecopy.describe(refused)
    return result


def _kernel_exit(status_file: Path) -> int | None:
    path = Path(str(status_file) + ".exit")
    try:
        return json.loads(path.read_text())["returncode"]
    except (OSError, ValueError, KeyError):
        return None


CGROUPS: list = []  # [CgroupParent | None], found at the first submission
SUBMISSIONS = [0]


def _new_cgroup(api: NbGraderAPI, wdir: Path, args: argparse.Namespace):
    """A fresh cgroup for this submission (root, sandboxed, cgroups writable) or None."""
    skm = api.config.SandboxKernelManager
    if not CGROUPS:
        CGROUPS.append(cgroups.find(args.parent_pid or os.getppid())
                       if skm.sandbox_enabled and os.geteuid() == 0 else None)
    parent = CGROUPS[0]
    if parent is None:
        skm.sandbox_cgroup = {}
        return None
    SUBMISSIONS[0] += 1
    group = parent.new(f"{wdir.name}-{SUBMISSIONS[0]}", args.memory_mb, NPROC)
    skm.sandbox_cgroup = {"procs": group.procs, "events": group.events,
                          "version": group.version}
    return group


def _make_slot(api: NbGraderAPI, wdir: Path, args: argparse.Namespace, number: int) -> Slot:
    """A fresh sandbox with a kernel starting in it (not waited for): own box (a tmpfs as
    root), own cgroup, the worker's uid, an empty working folder bound at start."""
    from jupyter_core.utils import run_sync

    skm = api.config.SandboxKernelManager
    box = wdir / f"s{number}"
    box.mkdir(parents=True, mode=0o711)
    if BOX_TMPFS:
        _fresh_box(box)
    home, run = box / HOME, box / "lam-bai"
    home.mkdir(mode=0o700)
    run.mkdir(mode=0o755)
    uid = skm.sandbox_uid
    if uid is not None:
        os.chown(home, uid, uid)
        os.chown(run, uid, uid)
    if not CGROUPS:
        CGROUPS.append(cgroups.find(args.parent_pid or os.getppid())
                       if os.geteuid() == 0 else None)
    group = CGROUPS[0].new(f"{wdir.name}-s{number}", args.memory_mb, NPROC) \
        if CGROUPS[0] else None
    status = wdir / "private" / f"sandbox-s{number}.json"
    km = SandboxKernelManager(
        config=api.config, kernel_name="python3", sandbox_home=str(home),
        sandbox_status_file=str(status),
        sandbox_cgroup={"procs": group.procs, "events": group.events,
                        "version": group.version} if group else {})
    slot = Slot(number, km, box, run, str(status), uid, group)
    try:
        # As in nbgrader's own Autograde, which sets it only while it runs a notebook: a
        # kernel started ahead of that moment would not have it.
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                  cwd=str(run),
                                  env={**os.environ, "NBGRADER_EXECUTION": "autograde"})
    except Exception:
        _discard_slot(slot)
        raise
    slot.pid = km.provisioner.pid if km.provisioner else None
    return slot


def _discard_slot(slot: Slot) -> None:
    """Kernel, cgroup and box of a slot, all gone: a slot is never used twice."""
    from jupyter_core.utils import run_sync

    try:
        if slot.km.has_kernel:
            run_sync(slot.km.shutdown_kernel)(now=True)
    except Exception:
        pass
    if slot.group is not None:
        slot.group.remove()
    if BOX_TMPFS:
        while os.path.ismount(slot.box):
            if _libc.umount2(str(slot.box).encode(), MNT_DETACH):
                break
    shutil.rmtree(slot.box, ignore_errors=True)


def grade_one(api: NbGraderAPI, course: Course, wdir: Path, args: argparse.Namespace,
              student_id: str) -> dict:
    aid = args.assignment
    if not NOTEBOOKS:  # the template gradebook exists once the first task arrives
        _assignment_facts(f"sqlite:///{args.template_db}", course.course_id, aid)
        STUBS.update(_release_stubs(course, aid))
        _load_sources(api, course, aid)
    uid = api.config.SandboxKernelManager.sandbox_uid
    _reset(course, wdir, Path(args.template_db), uid)
    src = course.submitted_dir(aid, student_id)
    dst = _in_run(course, wdir, "submitted", student_id, aid)
    # Only folders and regular files reach nbgrader: nothing here is followed or unbounded.
    refused = safecopy.copy_tree(src, dst, safecopy.HANDED_IN)
    result: dict = {"student_id": student_id, "ok": False}
    if refused:
        result["refused_in"] = refused
    for item in refused:
        if item["path"] in {f"{n}.ipynb" for n in NOTEBOOKS}:  # the notebook itself
            result.update(reason("refused_notebook", name=item["path"], why=item["why"]))
            result["refused"] = result.pop("refused_in")
            return result
    # Unreadable files are reported precisely; a missing notebook only when none is there
    # (nbgrader itself gives 0 to a missing one among several).
    checks = [precheck(dst / f"{name}.ipynb") for name in NOTEBOOKS]
    broken = [c for c in checks if c and c["reason_code"] != "missing"]
    if broken or all(checks):
        result.update(broken[0] if broken else checks[0])
        return _with_refused(result, [])
    started = time.monotonic()
    # Anything the submission started (even a background process in its own session) lives
    # in the kernel's bubblewrap PID namespace and ends with the kernel: no uid-wide kill,
    # which would also hit another grading run on the same machine. With a cgroup, the
    # submission's processes are also bounded and killed together.
    group = _new_cgroup(api, wdir, args)
    status_file = wdir / "private" / "sandbox.json"
    try:
        outcome = api.autograde(aid, student_id, force=True, create=True)
    finally:
        ooms = group.oom_kills() if group else 0
        if group:
            group.remove()
        used = sandbox.POOL.used[:] if sandbox.POOL else []
        if sandbox.POOL and sandbox.POOL.dropped:
            result["kernel"] = {"prestarted": False, "dropped": sandbox.POOL.dropped[:]}
            sandbox.POOL.dropped.clear()
        if used:
            sandbox.POOL.used.clear()
            ooms += sum(s.group.oom_kills() for s in used if s.group is not None)
            status_file = Path(used[0].status_file)
            result["kernel"] = {"prestarted": True, "slot": used[0].number,
                                "pid": used[0].pid, "connection_file": used[0].km.connection_file,
                                "started_by_worker": sandbox.POOL.count}
            for slot in used:
                _discard_slot(slot)
    result["seconds"] = round(time.monotonic() - started, 3)
    box: dict = {}
    if status_file.exists():
        box = result["sandbox"] = json.loads(status_file.read_text())
    report_file = wdir / "private" / "execute.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    # Without a tmpfs, past the disk total is "stopped" even when the watchdog was outrun.
    stopped = "memory" if ooms else box.get("stopped") or (
        "disk" if report.get("disk_full") == "over" else None)
    if stopped:
        # The submission as a whole passed a total: stopped by the grader, a final result.
        total = box.get("memory_total_mb") if stopped == "memory" else box.get("disk_mb")
        result.update(reason(f"{stopped}_total", mb=total or args.memory_mb))
        result["stopped"] = stopped
        add_review(result, _static_review(dst))
        return _with_refused(result, [])
    log = outcome.get("log", "") or ""
    review = _static_review(dst)
    if not outcome.get("success"):
        result.update(classify_failure(log + "\n" + (outcome.get("error") or ""),
                                       timeout=args.timeout or 30, memory_mb=args.memory_mb))
        code = _kernel_exit(status_file)
        result["kernel_exit"] = code
        if result["reason_code"] == "kernel_died" and code in (-9, 137):
            # SIGKILL came from outside the submission's control as far as we can tell (the
            # OOM killer, a dying grader): not a result, graded again.
            result.update(reason("kernel_killed"))
            result["final"] = False
        add_review(result, review)
        return _with_refused(result, report.get("refused", []))
    try:
        result.update(_read_grades(f"sqlite:///{wdir / 'gradebook.db'}", course.course_id,
                                   aid, student_id))
    except MissingEntry:
        result.update(classify_failure(log, timeout=args.timeout, memory_mb=args.memory_mb))
        return result
    out = _in_run(course, wdir, "autograded", student_id, aid)
    graded_nb = nbformat.read(out / f"{aid}.ipynb", as_version=4)
    expected = {g["name"] for nb in result["notebooks"] for g in nb["grades"]}
    result.update(classify_notebook(graded_nb, log, timeout=args.timeout or 30,
                                    memory_mb=args.memory_mb, hidden_cells=HIDDEN_CELLS,
                                    expected_cells=expected, stubs=STUBS))
    result["ok"] = True
    secrets = SECRETS[0].without(_own_text(dst)) if SECRETS else hidden.Secrets([])
    leaks = _scan_outputs(out, secrets)
    _with_refused(result, report.get("refused", []))
    add_review(result, review + report.get("tamper", []) + leaks)
    # Hand the graded folder to the parent under a unique name; it copies and deletes it.
    handoff = Path(args.run_dir) / "out" / f"{student_id}"
    shutil.rmtree(handoff, ignore_errors=True)
    handoff.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(out), handoff)
    result["output_dir"] = str(handoff)
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="autograder.worker")
    p.add_argument("--course", required=True)
    p.add_argument("--assignment", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--template-db", required=True)
    p.add_argument("--timeout", type=int, default=0)
    p.add_argument("--memory-mb", type=int, default=1024)
    p.add_argument("--uid", type=int, default=-1)
    p.add_argument("--allow-network", action="store_true")
    p.add_argument("--unsandboxed", action="store_true")
    p.add_argument("--parent-pid", type=int, default=0)
    args = p.parse_args(argv)
    _die_with_parent()
    if args.parent_pid and os.getppid() != args.parent_pid:
        sys.exit("autograder.worker: grader already gone")
    ensure_tools_on_path()
    _one_engine_per_database()
    # The protocol owns the real stdout; anything printed by libraries goes to stderr.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    global BOX_TMPFS
    BOX_TMPFS = PRIVATE_MOUNTS and not args.unsandboxed
    course = Course(Path(args.course))
    wdir = Path(args.workdir)
    _prepare_dirs(course, wdir, args.assignment)
    cfg = _config(course, wdir, args)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    pool_size = int(os.environ.get("AUTOGRADER_POOL", "1") or 0)
    if pool_size > 0 and not args.unsandboxed:
        # Kernels started ahead of need, each in a fresh sandbox, each used once.
        sandbox.POOL = KernelPool(lambda n: _make_slot(api, wdir, args, n), _discard_slot,
                                  size=pool_size)
        # The first kernel boots while the grader prepares its gradebook and the tasks.
        try:
            sandbox.POOL.fill()
        except Exception:  # tried again at the first submission, where it is reported
            traceback.print_exc(file=sys.stderr)
    proto.write(json.dumps({"ready": True}) + "\n")
    proto.flush()
    for line in sys.stdin:
        task = json.loads(line)
        if sandbox.POOL is not None:
            sandbox.POOL.refill = bool(task.get("refill", True))
        try:
            result = grade_one(api, course, wdir, args, task["student_id"])
        except Exception as exc:  # one broken submission must not end the worker
            # The traceback goes to this worker's log in the course's nhat-ky/ folder.
            print(f"grading {task['student_id']} failed:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            result = {"student_id": task["student_id"], "ok": False, "reason_code": "loi_he_thong",
                      "reason": f"Trình chấm gặp lỗi với bài này: {type(exc).__name__}: {exc}"}
        proto.write(json.dumps(result, ensure_ascii=False) + "\n")
        proto.flush()
    if sandbox.POOL is not None:
        sandbox.POOL.close()


if __name__ == "__main__":
    main()
