"""pytest plugin: the session fails if a process it started is still running at its end.

Seen before: a Formgrader JupyterLab (``--LabApp.default_url=/formgrader``) outlived
``make test`` by 70 minutes, re-parented to PID 1 and still serving. Every process a test
starts must be stopped by that test (or its fixture).

How a process is recognised as this session's (several sessions may share the machine and
the repository, so "its command line points into the repo" alone would accuse another
session's processes):

- it did not exist when the session started (pid and start time), and
- it is a descendant of this pytest process now, or was one at the end of some test (an
  orphan re-parented to PID 1 keeps being tracked), or its environment carries this
  session's tag (``COURSE_TEST_SESSION``, set here and inherited by every child whose
  environment is copied from ours), or its command line points into this session's
  temporary folders (pytest's ``basetemp``).

pytest's own helpers that end with the interpreter (multiprocessing's resource tracker and
fork server, execnet/xdist workers) and zombies (finished, not yet reaped) are not counted.
At the end the check waits a short grace period (``LEFTOVER_GRACE_S``, default 5 s) for
processes that are shutting down, then reports each leftover with its command line and the
test that was running when it started, stops it (SIGTERM, then SIGKILL), and fails the
session. Linux only (/proc); on other systems, and inside xdist workers, it does nothing.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

TAG = "COURSE_TEST_SESSION"
PROC = Path("/proc")
_PYTEST_HELPERS = re.compile(
    r"from multiprocessing\.(?:resource_tracker|forkserver|semaphore_tracker) import main"
    r"|multiprocessing\.(?:resource_tracker|forkserver)"
    r"|execnet|xdist|import sys;exec\(eval\(sys\.stdin\.readline\(\)\)\)")

Key = tuple[int, int]  # (pid, start time in clock ticks since boot): a pid may be reused


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int
    state: str

    @property
    def key(self) -> Key:
        return self.pid, self.start


def _stat(pid: int) -> Proc | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name may contain spaces and ")"
    return Proc(pid, int(fields[1]), int(fields[19]), fields[0])


def _pids() -> list[int]:
    return [int(name) for name in os.listdir(PROC) if name.isdigit()]


def _table() -> dict[int, Proc]:
    return {p.pid: p for p in map(_stat, _pids()) if p is not None}


def cmdline(pid: int) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")


def _has_tag(pid: int, tag: bytes) -> bool:
    try:
        return tag in (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    """Direct children, from /proc/<pid>/task/*/children (no scan of every process)."""
    out: list[int] = []
    try:
        tasks = os.listdir(PROC / str(pid) / "task")
    except OSError:
        return out
    for tid in tasks:
        try:
            out += [int(x) for x in (PROC / str(pid) / "task" / tid / "children")
                    .read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def descendants(root: int) -> set[int]:
    found: set[int] = set()
    todo = _children(root)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += _children(pid)
    return found


def _boot_ticks() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK")


def _alive(key: Key) -> bool:
    p = _stat(key[0])
    return p is not None and p.start == key[1] and p.state not in ("Z", "X")


class LeftoverCheck:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.me = os.getpid()
        self.tag_value = uuid.uuid4().hex
        os.environ[TAG] = self.tag_value
        self.before = {p.key for p in _table().values()}
        self.seen: dict[Key, str] = {}  # descendant seen after a test -> that test
        self.windows: list[tuple[float, float, str]] = []  # (start, end ticks, test id)
        self.leftovers: list[tuple[Key, str, str]] = []  # key, cmdline, where it started
        self.grace = float(os.environ.get("LEFTOVER_GRACE_S", "5"))

    # ------------------------------------------------------------------ tracking

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        start = _boot_ticks()
        yield
        self.windows.append((start, _boot_ticks(), item.nodeid))
        for pid in descendants(self.me):
            p = _stat(pid)
            if p is not None and p.key not in self.before:
                self.seen.setdefault(p.key, item.nodeid)

    def _started_during(self, start: int) -> str:
        for begin, end, nodeid in self.windows:
            if begin - 1 <= start <= end + 1:
                return nodeid
        return "outside any test (collection, a session fixture or the end)"

    # ------------------------------------------------------------------ the check

    def _basetemp(self) -> str | None:
        factory = getattr(self.config, "_tmp_path_factory", None)
        base = getattr(factory, "_basetemp", None)
        return str(base) if base else None

    def offenders(self) -> list[Proc]:
        table = _table()
        now_below = descendants(self.me)
        tag = f"{TAG}={self.tag_value}\0".encode()
        base = self._basetemp()
        base_re = re.compile(re.escape(base) + r"(?:/|\s|$)") if base else None
        found = []
        for p in table.values():
            if p.pid == self.me or p.key in self.before or p.state in ("Z", "X"):
                continue
            line = cmdline(p.pid)
            if not line or _PYTEST_HELPERS.search(line):
                continue  # kernel threads have no command line; pytest's helpers end with it
            if (p.pid in now_below or p.key in self.seen or _has_tag(p.pid, tag)
                    or (base_re is not None and base_re.search(line))):
                found.append(p)
        # What an offender started is this session's too (a clean environment loses the tag).
        keys = {p.key for p in found}
        for p in list(found):
            for pid in descendants(p.pid):
                q = table.get(pid)
                if q is not None and q.key not in keys and q.key not in self.before \
                        and q.state not in ("Z", "X"):
                    keys.add(q.key)
                    found.append(q)
        return found

    @pytest.hookimpl(trylast=True)  # after the runner's teardown of session fixtures
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        left = self.offenders()
        deadline = time.monotonic() + self.grace
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = [p for p in left if _alive(p.key)]
        if not left:
            return
        # Look again: a leftover may have started children during the grace period (a shell
        # script found before it forked), and stopping only the parent would orphan them.
        keys = {p.key for p in left}
        left += [p for p in self.offenders() if p.key not in keys]
        self.leftovers = [(p.key, cmdline(p.pid) or "?",
                           self.seen.get(p.key) or self._started_during(p.start)) for p in left]
        _stop([p.key for p in left])
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.leftovers:
            return
        tr = terminalreporter
        tr.write_sep("=", f"{len(self.leftovers)} process(es) started by the tests were still "
                          "running at the end", red=True)
        for (pid, _), line, where in self.leftovers:
            tr.write_line(f"pid {pid}, started during {where}:")
            tr.write_line(f"    {line[:400]}")
        tr.write_line("Each test must stop what it starts (terminate + wait, or kill its "
                      "process group). These were stopped now (SIGTERM, then SIGKILL).")


def _stop(keys: list[Key], wait_s: float = 3.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for key in keys:
            if _alive(key):
                try:
                    os.kill(key[0], sig)
                except (ProcessLookupError, PermissionError):
                    pass
        deadline = time.monotonic() + wait_s
        while any(_alive(k) for k in keys) and time.monotonic() < deadline:
            time.sleep(0.1)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not (PROC / "self" / "stat").exists():
        return  # xdist worker (the controller checks) or no /proc
    config.pluginmanager.register(LeftoverCheck(config), "leftover-processes")
