"""A memory and process cgroup per submission, when the grader runs as root.

RLIMIT_AS bounds one process; a submission that forks N children gets N times that. A cgroup
bounds the submission as a whole: every process it starts (bwrap, the kernel, its children)
joins the submission's cgroup at launch (``sandbox_exec`` writes itself into
``cgroup.procs`` before it execs bwrap), the memory limit counts them together (tmpfs pages
they write included), and the whole cgroup is killed when the submission is done.

cgroup v2 is used when its root has the memory and pids controllers (a systemd machine);
otherwise cgroup v1's memory and pids hierarchies (hybrid machines, older Docker hosts).
Neither is usable by an ordinary user (an instructor grading inside their hub server): then
``find`` returns None and the sandbox's own watchdog enforces the total instead
(``sandbox_exec``). Standard library only.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from autograder.sandbox_exec import oom_kills

PREFIX = "autograder-"


def _mounts() -> list[tuple[str, str, set[str]]]:
    out = []
    try:
        with open("/proc/self/mounts") as fh:
            for line in fh:
                _dev, path, kind, opts, *_ = line.split()
                if kind in ("cgroup", "cgroup2"):
                    out.append((path.replace("\\040", " "), kind, set(opts.split(","))))
    except OSError:
        pass
    return out


def _own_paths() -> dict[str, str]:
    """This process's cgroup per v1 controller, and "" for v2 (``0::/path``)."""
    own: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _num, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(",") if controllers else [""]:
                    own[name] = path
    except OSError:
        pass
    return own


def _write(path: Path, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


class SubmissionCgroup:
    """One submission's cgroup: one folder (v2) or one per controller (v1)."""

    def __init__(self, dirs: list[Path], version: int):
        self.dirs, self.version = dirs, version

    @property
    def procs(self) -> list[str]:
        """The files a process writes its pid into to join (all of them)."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    @property
    def events(self) -> str:
        """The file whose ``oom_kill`` line counts the OOM kills inside."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        return str(self.dirs[0] / name)

    def oom_kills(self) -> int:
        return oom_kills(self.events)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            try:
                found |= {int(x) for x in (d / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                continue
        return found

    def kill(self, wait: float = 5.0) -> bool:
        """Kill every process inside (children forked meanwhile too); True once empty."""
        if self.version == 2 and (self.dirs[0] / "cgroup.kill").exists():
            try:
                _write(self.dirs[0] / "cgroup.kill", "1")
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while True:
            left = self.pids()
            if not left:
                return True
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def remove(self) -> None:
        self.kill()
        for d in self.dirs:
            _rmdir(d)


def _rmdir(path: Path, wait: float = 3.0) -> None:
    # A cgroup is removable only once its last process is reaped: retry briefly.
    deadline = time.monotonic() + wait
    while True:
        try:
            for child in [p for p in path.iterdir() if p.is_dir()]:
                _rmdir(child, wait)
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


class CgroupParent:
    """The folder(s) under which one grading run makes its submissions' cgroups."""

    def __init__(self, dirs: list[Path], version: int):
        self.dirs, self.version = dirs, version
        self.count = 0

    @property
    def mechanism(self) -> str:
        return f"cgroup-v{self.version}"

    def new(self, name: str, memory_mb: int, pids: int) -> SubmissionCgroup:
        dirs = []
        for parent in self.dirs:
            d = parent / name
            if d.exists():
                SubmissionCgroup([d], self.version).remove()
            d.mkdir()
            dirs.append(d)
        limit = str(memory_mb * 1024 * 1024)
        if self.version == 2:
            d = dirs[0]
            _write(d / "memory.max", limit)
            if (d / "memory.swap.max").exists():
                _write(d / "memory.swap.max", "0")
            if (d / "memory.oom.group").exists():
                _write(d / "memory.oom.group", "1")  # an OOM kill takes the whole submission
            _write(d / "pids.max", str(pids))
        else:
            mem, pid = dirs
            _write(mem / "memory.limit_in_bytes", limit)
            if (mem / "memory.memsw.limit_in_bytes").exists():
                try:  # swap counted too (refused when the host has no swap accounting)
                    _write(mem / "memory.memsw.limit_in_bytes", limit)
                except OSError:
                    pass
            _write(pid / "pids.max", str(pids))
        return SubmissionCgroup(dirs, self.version)

    def remove(self) -> None:
        for d in self.dirs:
            for child in [p for p in d.iterdir() if p.is_dir()] if d.exists() else []:
                SubmissionCgroup([child], self.version).kill()
            _rmdir(d)


def _v2(name: str) -> CgroupParent | None:
    for path, kind, _opts in _mounts():
        if kind != "cgroup2":
            continue
        root = Path(path)
        try:
            controllers = set((root / "cgroup.controllers").read_text().split())
            if not {"memory", "pids"} <= controllers:
                continue
            # The mount's root: exempt from "no processes in a cgroup with controllers on".
            enabled = set((root / "cgroup.subtree_control").read_text().split())
            if not {"memory", "pids"} <= enabled:
                _write(root / "cgroup.subtree_control", "+memory +pids")
            parent = root / name
            parent.mkdir(exist_ok=True)
            _write(parent / "cgroup.subtree_control", "+memory +pids")
            return CgroupParent([parent], 2)
        except OSError:
            continue
    return None


def _v1(name: str) -> CgroupParent | None:
    own = _own_paths()
    found: dict[str, Path] = {}
    for path, kind, opts in _mounts():
        for ctl in ("memory", "pids"):
            if kind == "cgroup" and ctl in opts and ctl not in found:
                # Under this process's own cgroup: the container's limit still applies.
                found[ctl] = Path(path) / own.get(ctl, "/").lstrip("/") / name
    if set(found) != {"memory", "pids"}:
        return None
    made = []
    try:
        for ctl in ("memory", "pids"):
            found[ctl].mkdir(exist_ok=True)
            made.append(found[ctl])
        return CgroupParent([found["memory"], found["pids"]], 1)
    except OSError:
        for d in made:
            _rmdir(d, 0)
        return None


def find(owner_pid: int) -> CgroupParent | None:
    """This run's cgroup parent (``autograder-<pid>``), or None where cgroups are not
    available to this process (not root, read-only ``/sys/fs/cgroup``, no controllers)."""
    if os.geteuid() != 0:
        return None
    name = f"{PREFIX}{owner_pid}"
    return _v2(name) or _v1(name)


def remove_stale(also: int | None = None) -> None:
    """Parents left by grading runs that were killed (their owner pid is gone), and the one
    of ``also`` (a run removing its own at the end)."""
    if os.geteuid() != 0:
        return
    own = _own_paths()
    for path, kind, opts in _mounts():
        if kind == "cgroup2":
            bases = [Path(path)]
            version = 2
        elif "memory" in opts or "pids" in opts:
            ctl = "memory" if "memory" in opts else "pids"
            bases = [Path(path) / own.get(ctl, "/").lstrip("/")]
            version = 1
        else:
            continue
        for base in bases:
            try:
                entries = list(base.glob(PREFIX + "*"))
            except OSError:
                continue
            for d in entries:
                try:
                    if int(d.name[len(PREFIX):]) == also:
                        raise ProcessLookupError
                    os.kill(int(d.name[len(PREFIX):]), 0)
                except ProcessLookupError:
                    CgroupParent([d], version).remove()
                except (OSError, ValueError):
                    continue
