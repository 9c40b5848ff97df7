"""Wrapper that starts one grading kernel inside bubblewrap (``bwrap``) and supervises it.

Run as ``python -I -S sandbox_exec.py -- <kernel argv>`` by ``SandboxKernelManager``. It is a
separate, single-threaded process so that privilege changes are safe (unlike a
``preexec_fn`` in the multi-threaded grader). Standard library only, because ``-S`` skips
site-packages and this file must start fast.

The confinement itself is bubblewrap's (the tool Flatpak uses), by allowlist: a new mount
namespace whose root holds only read-only system, Python and course-library folders, the
submission's own working copy and a private home, all at their usual paths. Also a new
PID namespace (``--unshare-pid``: when the sandbox's init dies, the kernel and everything
it started die with it), no network. Nothing of a submission outlives its worker, whatever
kills the worker: this wrapper stays the parent of bwrap (``supervise``) with a parent-death
signal of its own, and kills its whole process group (bwrap, the kernel and this process)
when the worker goes; ``--die-with-parent`` and the PID namespace do the rest. As root,
this wrapper hands the writable folders to an unprivileged uid; bwrap (privileged, so it
can bind a Python under a private ``/root``) then drops to that uid as the very last step
before the kernel starts. As an ordinary user (an instructor grading inside their own hub
server), bwrap runs in its own user namespace with the user's own uid.

Limits are rlimits set here, inherited by bwrap and the kernel, in both modes: address space
per process (``memory_mb``), number of processes (``nproc``: a fork bomb gets EAGAIN, not
the grader's server), size of any one file written (``file_mb``: the write fails with
EFBIG), open files, no core dumps; the kernel's ``/tmp`` is a tmpfs of bounded size.
Totals for the submission as a whole: with a cgroup made by the worker (root), bwrap starts
inside it (``cgroup_procs``) and the kernel bounds memory and processes; this process then
only watches its OOM count (``oom_events``) and stops the whole submission after an OOM
kill. Without one, ``Watch`` sums the memory (PSS) of every process of the sandbox and the
size of its writable folders, and stops the submission past ``memory_total_mb`` or
``disk_mb``, noting ``"stopped"`` in the status file first.

Nothing falls back to running unconfined: if bwrap is missing or fails, the kernel does not
start. The settings arrive as JSON in ``AUTOGRADER_SANDBOX``: ``{"uid": int|null,
"memory_mb": int, "nproc": int, "file_mb": int, "tmp_mb": int, "home": str, "net": bool,
"status_file": str, "ro": [str], "hide": [str], "bwrap": str, "memory_total_mb": int,
"disk_mb": int, "disk_tmpfs": bool, "cgroup_procs": [str], "oom_events": str,
"cgroup_version": int}``. What was enforced is
written to ``status_file`` (in a directory student code cannot see) so the grader can
report it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import shutil
import signal
import sys

# Environment variables that may carry secrets are never passed to student code.
SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
# Interpreter settings that change what a test cell does, never passed to the kernel.
PYTHON_UNSAFE = ("PYTHONOPTIMIZE", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONBREAKPOINT")
# Read-only system folders; /bin, /lib... are recreated as symlinks when they are (usr-merge).
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
ETC = ("/etc/localtime", "/etc/alternatives", "/etc/fonts", "/etc/ssl", "/etc/mime.types",
       "/etc/ld.so.cache")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _clean_env(home: str) -> dict[str, str]:
    # JPY_PARENT_PID: in its own PID namespace the kernel cannot see the worker and would
    # think it had died; bwrap's --die-with-parent does that job instead.
    # PYTHONOPTIMIZE in the grader's own environment would strip every `assert` of the tests
    # (full marks for any answer); a startup or inspect file would run before the tests.
    env = {k: v for k, v in os.environ.items()
           if k not in ("AUTOGRADER_SANDBOX", "JPY_PARENT_PID") + PYTHON_UNSAFE
           and not any(m in k.upper() for m in SECRET_MARKERS)}
    tmp = os.path.join(home, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env.update({
        "HOME": home, "IPYTHONDIR": os.path.join(home, ".ipython"), "TMPDIR": tmp,
        "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"), "COURSE_BACKEND": "offline",
        "USER": "hocvien", "LOGNAME": "hocvien",
        # One thread each keeps the reserved address space small under RLIMIT_AS.
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def _give_to(path: str, uid: int, gid: int) -> None:
    # Never through a link: the folders are fresh, but a chown must not be redirected.
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid, follow_symlinks=False)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def _die_with_parent(sig: int) -> bool:
    """PR_SET_PDEATHSIG: ``sig`` when the parent (thread) that started us ends."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc.prctl(1, sig, 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _own_processes() -> int:
    """Processes (threads count too) of this real uid, for RLIMIT_NPROC as a non-root user:
    on kernels before 5.14 the limit counts every process of the instructor's uid."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def set_limits(spec: dict, as_root: bool) -> dict:
    """The rlimits every process of the submission inherits; returns what was set."""
    done: dict = {}
    mem = int(spec.get("memory_mb") or 0)
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem * 1024 * 1024,) * 2)
        done["memory_mb"] = mem
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    file_mb = int(spec.get("file_mb") or 0)
    if file_mb > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 1024 * 1024,) * 2)
        done["file_mb"] = file_mb
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = 1024 if hard == resource.RLIM_INFINITY else min(1024, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    nproc = int(spec.get("nproc") or 0)
    if nproc > 0:
        # As root the sandbox uid is this run's own; as a user, room above what already runs.
        limit = nproc if as_root else _own_processes() + nproc
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
        done["nproc"] = nproc
    return done


def _private_connection_file(argv: list[str], home: str, uid: int, gid: int) -> list[str]:
    """The manager writes the connection file 0600 as root; hand the kernel its own copy."""
    argv = list(argv)
    for i, arg in enumerate(argv[:-1]):
        if arg in ("-f", "--f"):
            copy = os.path.join(home, "kernel-connection.json")
            shutil.copyfile(argv[i + 1], copy)
            os.chown(copy, uid, gid)
            os.chmod(copy, 0o600)
            argv[i + 1] = copy
    return argv


def _inside(path: str, parents: list[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parents)


# Last step inside the sandbox when the grader is root: become the unprivileged uid, then
# the kernel. bubblewrap sets no_new_privs, so no setuid program can climb back.
DROP = ("import os, sys; u = int(sys.argv[1]); os.setgroups([]); os.setgid(u); os.setuid(u); "
        "os.execvp(sys.argv[2], sys.argv[2:])")


def bwrap_args(spec: dict, cwd: str, privileged: bool) -> tuple[list[str], list[str]]:
    """bwrap's options and the folders made visible.

    As root, bwrap runs privileged (no user namespace, which would map the sandbox uid back
    to root) and only keeps CAP_SETUID/CAP_SETGID for the final drop to the sandbox uid; as
    an ordinary user it runs in its own user namespace.
    """
    if privileged:
        args = ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args = ["--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
                "--unshare-cgroup-try"]
    if spec.get("net", True):
        args.append("--unshare-net")
    args += ["--die-with-parent", "--proc", "/proc", "--dev", "/dev"]
    if int(spec.get("tmp_mb") or 0) > 0:  # RAM-backed: bounded, or a submission fills memory
        args += ["--size", str(int(spec["tmp_mb"]) * 1024 * 1024)]
    args += ["--tmpfs", "/tmp"]
    seen: list[str] = []
    made: set[str] = set()

    def bind(path: str, writable: bool = False) -> None:
        real = os.path.realpath(path)
        if not os.path.exists(real) or (not writable and _inside(real, seen)):
            return
        # Folders bwrap creates on the way are 0700 as root; the sandbox uid must pass.
        parts = real.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:i])
            if parent not in made and not _inside(parent, seen):
                args.extend(["--perms", "0755", "--dir", parent])
                made.add(parent)
        args.extend(["--bind" if writable else "--ro-bind", real, real])
        seen.append(real)

    for path in SYSTEM:
        if os.path.islink(path):
            args.extend(["--symlink", os.readlink(path), path])
        elif os.path.isdir(path):
            bind(path)
    for path in ETC:
        if os.path.islink(path):  # e.g. /etc/localtime -> /usr/share/zoneinfo/...
            args.extend(["--symlink", os.readlink(path), path])
        else:
            bind(path)
    for path in spec.get("ro", []):
        bind(path)
    for path in spec.get("hide", []):
        # Hidden inside a visible folder (the exchange under /usr/local, nbgrader's files).
        if os.path.isdir(path) and _inside(os.path.realpath(path), seen):
            args.extend(["--tmpfs", os.path.realpath(path)])
    for path in (spec["home"], cwd):
        bind(path, writable=True)
    args.extend(["--chdir", os.path.realpath(cwd)])
    return args, seen


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("sandbox_exec: missing '--' before the kernel command")
    cmd = argv[argv.index("--") + 1:]
    spec = json.loads(os.environ.get("AUTOGRADER_SANDBOX", "{}"))
    # Who started us, as that process said: our parent could already be gone (and we
    # re-parented) before this line runs.
    parent = int(spec.get("parent") or os.getppid())
    home = spec.get("home") or os.getcwd()
    cwd = os.getcwd()
    bwrap = spec.get("bwrap") or shutil.which("bwrap") or "bwrap"
    as_root = os.geteuid() == 0
    uid = spec.get("uid") if as_root else None
    status: dict = {"mode": "bwrap", "root": as_root, "network_off": bool(spec.get("net", True)),
                    "memory_mb": None, "uid": None, "errors": [], "bwrap": bwrap}
    env = _clean_env(home)
    if uid is not None:
        _give_to(home, uid, uid)
        _give_to(cwd, uid, uid)
        cmd = _private_connection_file(cmd, home, uid, uid)
        cmd = [sys.executable, "-I", "-S", "-c", DROP, str(uid), *cmd]
    args, visible = bwrap_args(spec, cwd, privileged=uid is not None)
    status["visible"] = visible
    status.update(set_limits(spec, as_root))
    if uid is not None:
        status["uid"] = uid  # one uid per worker slot of this run only: its own NPROC count
    status.update(_totals(spec, home, cwd))
    status["supervised"] = True
    status_file = spec.get("status_file") or os.path.join(home, ".sandbox.json")
    _write(status_file, json.dumps(status))
    # The kernel manager interrupts a cell with SIGINT to the whole process group; bwrap
    # would die of it. Ignored here, inherited by bwrap; ipykernel sets its own handler
    # while a cell runs, so the interrupt still reaches the student's code.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch = Watch(spec, status, status_file, [home, cwd])
    supervise([bwrap, *args, "--", *cmd], env, parent, watch, spec.get("cgroup_procs") or [])


def _totals(spec: dict, home: str, cwd: str) -> dict:
    """What bounds the submission as a whole, as recorded for the report."""
    total = int(spec.get("memory_total_mb") or 0)
    mechanism = f"cgroup-v{spec['cgroup_version']}" if spec.get("cgroup_procs") else (
        "watchdog" if total else "none")
    disk = int(spec.get("disk_mb") or 0)
    return {"memory_total_mb": total or None, "memory_mechanism": mechanism,
            "disk_mb": disk or None,
            "disk_mechanism": ("tmpfs" if spec.get("disk_tmpfs") else "watchdog") if disk
            else "none"}


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and brackets: parse after its last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(entry.name))
    return kids


def _memory_of(pid: int) -> int:
    """Proportional set size in bytes (a forked child's shared pages count once overall)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _disk_of(paths: list[str], stop_at: int) -> int:
    """Bytes used under ``paths`` (never through a link), counting stops past ``stop_at``."""
    total, todo = 0, list(paths)
    while todo and total <= stop_at:
        try:
            with os.scandir(todo.pop()) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += max(st.st_blocks * 512, 512)
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
        except OSError:
            continue
    return total


class Watch:
    """Per-submission totals the rlimits cannot express, checked while the sandbox runs.

    With a cgroup, the kernel enforces the memory total; this only notices an OOM kill
    inside and then stops the whole submission (cgroup v1 kills one process only). Without
    one (an ordinary user), it sums the memory of every process of the sandbox and the size
    of its writable folders, and stops the submission past either total.
    """

    MEMORY_EVERY, DISK_EVERY = 0.25, 1.0

    def __init__(self, spec: dict, status: dict, status_file: str, folders: list[str]):
        self.status, self.status_file = status, status_file
        self.events = spec.get("oom_events") or ""
        self.memory = 0 if spec.get("cgroup_procs") else \
            int(spec.get("memory_total_mb") or 0) * 1024 * 1024
        self.disk = 0 if spec.get("disk_tmpfs") else int(spec.get("disk_mb") or 0) * 1024 * 1024
        self.folders = [os.path.realpath(f) for f in folders]
        self.oom_before = oom_kills(self.events) if self.events else 0
        self.next_disk = 0.0

    @property
    def active(self) -> bool:
        return bool(self.events or self.memory or self.disk)

    def check(self, root: int) -> str | None:
        """``"memory"`` or ``"disk"`` when the submission must be stopped."""
        import time

        if self.events and oom_kills(self.events) > self.oom_before:
            self.status["memory_used_mb"] = None
            return "memory"
        if self.memory:
            kids, todo, used = _children_map(), [root], 0
            while todo:
                pid = todo.pop()
                used += _memory_of(pid)
                todo += kids.get(pid, [])
            if used > self.memory:
                self.status["memory_used_mb"] = used // (1024 * 1024)
                return "memory"
        if self.disk and time.monotonic() >= self.next_disk:
            self.next_disk = time.monotonic() + self.DISK_EVERY
            used = _disk_of(self.folders, self.disk)
            if used > self.disk:
                self.status["disk_used_mb"] = used // (1024 * 1024)
                return "disk"
        return None

    def stop(self, what: str) -> None:
        self.status["stopped"] = what
        _write(self.status_file, json.dumps(self.status))


def _counter(path: str, key: str | None) -> int:
    try:
        with open(path) as fh:
            for line in fh:
                name, _, value = line.partition(" ")
                if key is None:
                    return int(name)
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def oom_kills(events: str) -> int:
    """OOM kills inside the cgroup caused by its own limit. A machine-wide OOM kill of a
    submission under its limit is not the submission's doing: not counted (graded again).
    Lives here because this file runs with the standard library only; autograder.cgroups
    imports it."""
    if os.path.basename(events) == "memory.events":  # v2: "oom" counts limit hits
        hit = _counter(events, "oom")
    else:  # v1: the peak reached the limit (failcnt is not kept for memsw on new kernels)
        at = os.path.dirname(events)
        limit = _counter(os.path.join(at, "memory.limit_in_bytes"), None)
        peak = max(_counter(os.path.join(at, name), None)
                   for name in ("memory.max_usage_in_bytes", "memory.memsw.max_usage_in_bytes"))
        hit = _counter(os.path.join(at, "memory.failcnt"), None) or peak >= 0.95 * limit
    return _counter(events, "oom_kill") if hit else 0


def _kill_group(*_args) -> None:
    """Everything of this submission shares this process group: bwrap, the inner bwrap,
    the kernel (whatever PID namespace it is in), and this process, killed last."""
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _join(procs: list[str]) -> None:
    """Enter the submission's cgroup(s): bwrap and all it starts are counted there."""
    for path in procs:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)


def supervise(argv: list[str], env: dict[str, str], parent: int,
              watch: Watch | None = None, procs: list[str] | None = None) -> None:
    """Run bwrap as a child and stay its parent until it ends; exit with its status.

    bwrap's ``--die-with-parent`` ties the sandbox to bwrap, and bwrap's start-up can drop a
    parent-death signal set before exec; a worker killed at that moment left bwrap and the
    kernel running under PID 1. This process never changes its credentials, so its own
    PR_SET_PDEATHSIG (SIGTERM, caught) always fires: it then kills its whole process group.
    """
    if os.getpgid(0) != os.getpid():
        os.setpgid(0, 0)  # a group of our own (the manager already makes a new session)
    signal.signal(signal.SIGTERM, _kill_group)
    signal.signal(signal.SIGHUP, _kill_group)
    _die_with_parent(signal.SIGTERM)
    # Checked after PR_SET_PDEATHSIG: a worker that died before it was set is seen here.
    if os.getppid() != parent:
        sys.exit("sandbox_exec: grader already gone")
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            _die_with_parent(signal.SIGKILL)  # bwrap dies with this supervisor
            try:
                _join(procs or [])
            except OSError as exc:  # never unbounded: no cgroup, no kernel
                sys.stderr.write(f"sandbox_exec: cannot join the submission's cgroup: "
                                 f"{exc.strerror}\n")
                os._exit(126)
            os.execvpe(argv[0], argv, env)
        except OSError as exc:
            sys.stderr.write(f"sandbox_exec: cannot start bubblewrap ({argv[0]}): "
                             f"{exc.strerror}\n")
        os._exit(127)
    import time

    while True:
        try:
            if watch is None or not watch.active:
                _, status = os.waitpid(pid, 0)
                break
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            what = watch.check(pid)
            if what:
                watch.stop(what)  # recorded first: the worker reads why it ended
                _kill_group()
            time.sleep(watch.MEMORY_EVERY)
        except ChildProcessError:
            os._exit(1)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)  # bwrap's own convention for signals


if __name__ == "__main__":
    main(sys.argv[1:])
