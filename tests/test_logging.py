"""What the library swallows or falls back from is logged for developers, silently for learners."""

from __future__ import annotations

import logging

import nbformat
import pytest
from conftest import FAKE_KEY
from llm_server import error
from nbclient import NotebookClient

import course
from course import keyguard


def test_provider_failure_is_logged_without_the_key(online, caplog):
    caplog.set_level(logging.WARNING, logger="course")
    online.push(error(401, "invalid_api_key", f"bad key {FAKE_KEY}"))
    with pytest.raises(course.AuthError):
        course.ask("Xin chào")
    record = next(r for r in caplog.records if r.name == "course.llm.online")
    assert "AuthError" in record.getMessage() and "127.0.0.1" in record.getMessage()
    assert FAKE_KEY not in caplog.text and FAKE_KEY[-12:] not in caplog.text


def test_unwritable_key_store_is_logged(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setattr(keyguard, "_store_path", lambda: blocker / "keys.json")
    caplog.set_level(logging.WARNING, logger="course")
    key = "gateway-" + "Lg9Qw3Zt7Y" * 3
    try:
        keyguard.remember_key(key)
        assert keyguard.scrub(key) == keyguard.REDACTED  # still scrubbed in this process
    finally:
        keyguard.forget_keys()
    assert "key store" in caplog.text and key not in caplog.text


def test_notebooks_show_no_log_lines(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import course\n"
        "course.configure(base_url='http://127.0.0.1:9/v1', max_retries=0, timeout=2)\n"
        "ok, message = course.test_connection()\n"
        "print(ok)")]
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    assert [o.get("name") for o in outputs] == ["stdout"]  # nothing on stderr
    assert outputs[0].text.strip() == "False"
