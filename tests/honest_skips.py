"""pytest plugin: a skip is a printed reason locally and a failure in CI.

Locally `make test` runs pytest with -rs, so every skip prints why. In CI (CI=true) the machine
is ours to prepare: a skip there (no root, no Chromium, a package missing) fails the run
instead of passing quietly. An expected failure (xfail) is left alone.
"""

from __future__ import annotations

import os

import pytest


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _skip_reason(longrepr: object) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped and _in_ci() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (f"skipped in CI: {_skip_reason(report.longrepr)}\n"
                           "CI must provide what this test needs (CI=true: a skip is a failure).")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_in_ci(outcome.get_result())
