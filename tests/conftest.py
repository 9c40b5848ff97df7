"""Shared fixtures: every test starts offline, with its own cache folder and no key.

Skips are honest (tests/honest_skips.py): a printed reason locally, a failure in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course.i18n import set_strict

# pytest rewrites `assert` only in test modules, conftest and plugins; a helper module's own
# checks would be plain asserts, silently gone under `python -O` (`make test PYFLAGS=-O`).
# Every non-test module in tests/ is registered before anything imports it.
HELPER_MODULES = sorted(p.stem for p in Path(__file__).parent.glob("*.py")
                        if not p.stem.startswith("test_") and p.stem != "conftest")
pytest.register_assert_rewrite(*HELPER_MODULES)

from llm_server import FakeLLMServer  # noqa: E402  # tests/ is on the path: pyproject's `pythonpath`

pytest_plugins = ["honest_skips", "leftover_processes"]

FAKE_KEY = "sk-test-SECRETKEY-1234567890abcdefWXYZ"


# Under test a message key missing from the catalogue is an error, not the key shown as text.
set_strict(True)


@pytest.fixture(autouse=True)
def offline_course(monkeypatch, tmp_path_factory):
    """Reset course settings to offline defaults with a private cache for each test."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COURSE_MODEL", "COURSE_PROVIDER",
                "COURSE_BUDGET_VND"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COURSE_BACKEND", "offline")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path_factory.mktemp("course-cache")))
    from course.llm import session

    session.reset()
    yield
    session.reset()


@pytest.fixture(scope="module")
def upstream(request):
    """The provider a gateway test module's hub forwards to, on 127.0.0.1, one per module:
    the module's `UPSTREAM` server class if it has one (slow streams, set usage…), else the
    scripted FakeLLMServer."""
    server = getattr(request.module, "UPSTREAM", FakeLLMServer)().start()
    yield server
    server.stop()


@pytest.fixture
def llm_server():
    server = FakeLLMServer().start()
    yield server
    server.stop()


@pytest.fixture
def online(llm_server):
    """course configured against the local server with a fake key; returns the server."""
    import course

    course.configure(backend="openai", base_url=llm_server.base_url, api_key=FAKE_KEY,
                     model="gpt-4o-mini", max_retries=0, timeout=5)
    return llm_server
