"""Checks still run under `python -O` (`make test PYFLAGS=-O`): no `assert` carries a check
outside the tests, and the `assert`s of the helper modules in tests/ are rewritten by pytest.

pytest rewrites asserts only in test modules, conftest files and plugins; tests/conftest.py
registers every other module of tests/ for rewriting. Without that, `make test PYFLAGS=-O`
would pass a widget test whose HTML check (widget_helpers.assert_safe) silently did nothing.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from _pytest.assertion.rewrite import AssertionRewritingHook

TESTS = Path(__file__).parent
REPO = TESTS.parent
# Code that runs outside pytest; assignments/ and notebooks/ hold graded test cells on purpose.
NON_TEST_CODE = ("course", "autograder", "hub", "benchmarks", "scripts", "binder")
HELPERS = sorted(p for p in TESTS.glob("*.py")
                 if not p.stem.startswith("test_") and p.stem != "conftest")


def has_assert(path: Path) -> bool:
    return any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(path.read_text())))


def test_no_assert_outside_the_tests():
    found = [f"{path.relative_to(REPO)}:{node.lineno}"
             for top in NON_TEST_CODE for path in sorted((REPO / top).rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_bytes())) if isinstance(node, ast.Assert)]
    assert not found, ("an assert is gone under python -O; raise an explicit error instead: "
                       + ", ".join(found))


def test_the_helpers_with_asserts_are_found():
    # A rename of the helpers would otherwise leave the test below checking nothing.
    assert {"widget_helpers", "hub_fixtures"} <= {p.stem for p in HELPERS if has_assert(p)}


@pytest.mark.parametrize("path", [p for p in HELPERS if has_assert(p)], ids=lambda p: p.stem)
def test_helper_is_assertion_rewritten(path):
    module = importlib.import_module(path.stem)
    assert isinstance(module.__loader__, AssertionRewritingHook), (
        f"{path.name} is imported without pytest's assert rewriting: under python -O its "
        "asserts are gone (register it in tests/conftest.py before it is imported)")


def test_a_helper_assert_fails_under_any_optimisation():
    from widget_helpers import assert_safe

    with pytest.raises(AssertionError, match="unexpected element <script>"):
        assert_safe("<div>ok</div><script>alert(1)</script>")
