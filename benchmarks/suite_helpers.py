"""The tests' own helpers (tests/: the fake provider, the test hub, the lessons' checks) for
the benchmarks that measure what the tests check.

tests/ is not a package: pytest finds those helpers through pyproject's
`pythonpath = ["tests"]`. A benchmark is a program of its own, so it puts tests/ on
PYTHONPATH, the interpreter's documented way, by starting itself once more with it: no
`sys.path` edits, and `.venv/bin/python benchmarks/<script>.py` still works as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent.parent / "tests")


def use_tests_helpers() -> None:
    """Make tests/ importable: run this same command again with tests/ on PYTHONPATH (once;
    call it before importing anything from tests/)."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if TESTS in paths:
        return
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TESTS, *paths]))
    sys.stdout.flush()
    os.execve(sys.executable, sys.orig_argv, env)
