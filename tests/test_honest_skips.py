"""The honest-skips plugin, run in a fresh pytest: CI turns skips into failures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
import pytest

def test_no_browser():
    pytest.skip("Chromium is not installed")

@pytest.mark.skipif(True, reason="needs root")
def test_needs_root():
    pass

@pytest.mark.xfail(reason="known limitation")
def test_known():
    assert False

def test_fine():
    pass
"""


def _run(pytester: pytest.Pytester, monkeypatch, ci: str | None) -> pytest.RunResult:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    pytester.makepyfile(test_sample=SAMPLE)
    return pytester.runpytest_subprocess("-p", "honest_skips", "-rs", "-p", "no:cacheprovider")


def test_locally_a_skip_prints_its_reason(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, None)
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)
    result.stdout.fnmatch_lines(["*SKIPPED*Chromium is not installed*", "*SKIPPED*needs root*"])


def test_in_ci_a_skip_fails(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "true")
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)
    result.stdout.fnmatch_lines(["*skipped in CI: Chromium is not installed*"])
    assert result.ret != 0
