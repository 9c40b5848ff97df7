"""Live processes that mention a marker: what tests use to prove nothing was left running.

A test's own folder (or a unique string it put into a command line or environment) is the
marker, so grading runs and servers of other tests on the same machine are never counted.
"""

from __future__ import annotations

import os
from pathlib import Path


def processes_mentioning(marker: str | os.PathLike, width: int = 80) -> list[str]:
    """``"<pid> <start of command line>"`` of every live, non-zombie process (this one
    excepted) whose command line or environment holds ``marker``."""
    key = os.fsencode(marker)
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or proc.name == str(os.getpid()):
            continue
        try:
            if "State:\tZ" in (proc / "status").read_text():
                continue
            cmdline = (proc / "cmdline").read_bytes()
            blob = cmdline + (proc / "environ").read_bytes()
        except OSError:
            continue
        if key in blob:
            found.append(proc.name + " " + cmdline[:width].decode(errors="replace"))
    return found


def processes_running(*argv: str) -> list[str]:
    """Pids of live, non-zombie processes whose command line is exactly ``argv``."""
    want = b"".join(os.fsencode(a) + b"\0" for a in argv)
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes() == want and \
                    "State:\tZ" not in (proc / "status").read_text():
                found.append(proc.name)
        except OSError:
            continue
    return found
