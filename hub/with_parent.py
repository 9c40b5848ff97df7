"""`python -m hub.with_parent PARENT_PID MODULE [ARGS...]`: run MODULE as __main__, and make
this process end when its parent (the hub) dies, however it dies.

JupyterHub stops its managed services (the class AI gateway, the idle culler) when it exits
normally, but after a `kill -9` of the hub they used to live on: the orphaned gateway kept its
port and the next hub's gateway failed with "Address already in use". Linux's
PR_SET_PDEATHSIG asks the kernel to send us SIGTERM when the thread that started us exits
(JupyterHub starts services from its main thread); the services already stop cleanly on
SIGTERM. Where prctl is missing (not Linux), a thread watches the parent id instead.
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
GRACE_SECONDS = 10  # after SIGTERM, a service stuck in work is ended for good


def _end(reason: str) -> None:
    print(f"[with_parent] {reason}: stopping", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGTERM)


def _watch(parent: int) -> None:
    """Poll once a second: also the backstop when the service ignores or delays SIGTERM."""
    while os.getppid() == parent:
        time.sleep(1)
    _end(f"parent {parent} is gone")
    time.sleep(GRACE_SECONDS)
    os._exit(1)  # the port must not stay held by an orphan


def guard(parent: int) -> None:
    """Tie this process's life to ``parent`` (the pid that started it)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the watch thread below does the job, a second later
    if os.getppid() != parent:  # the parent died before prctl took effect
        _end(f"parent {parent} is already gone")
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> None:
    if len(argv) < 2 or not argv[0].isdigit():
        sys.exit("usage: python -m hub.with_parent PARENT_PID MODULE [ARGS...]")
    guard(int(argv[0]))
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
