"""The session: one cache connection, a versioned cache file, prices taken explicitly."""

from __future__ import annotations

import ast
import sqlite3
import threading
from pathlib import Path

import pytest

import course
from course.llm import session
from course.llm.cache import SCHEMA_VERSION
from course.llm.usage import cost_vnd


def _cache_file() -> str:
    return str(session.current().cache_for(session.get_settings()).path)


def test_one_cache_per_session(online):
    course.ask("Câu một")
    first = session.current().cache_for(session.get_settings())
    course.ask("Câu hai")
    assert session.current().cache_for(session.get_settings()) is first
    with sqlite3.connect(first.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2
    course.configure(cache_dir=first.folder / "khac")
    assert session.current().cache_for(session.get_settings()) is not first


def test_a_cache_file_from_before_versioning_still_answers(online):
    course.ask("Câu cũ")
    path = _cache_file()
    session.current().reset(session.get_settings())  # closes the connection
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")
    assert course.ask("Câu cũ") == "Xin chào từ máy chủ thử nghiệm"
    assert len(online.requests) == 1  # answered from the old file
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_cache_file_is_left_alone(online, caplog):
    course.ask("Câu mới")
    path = _cache_file()
    session.current().reset(session.get_settings())
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    caplog.set_level("WARNING", logger="course")
    course.ask("Câu mới")
    assert len(online.requests) == 2  # not read from a file we don't understand
    assert "newer" in caplog.text
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 1


def test_settings_change_atomically_while_threads_ask(online):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                course.configure(model=f"m-{n}-{i}", budget_vnd=None)
                course.ask(f"Luồng {n} câu {i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert len(course.usage()) == 80
    assert course.status()["model"].startswith("m-")


def test_cost_takes_model_and_rate_explicitly():
    assert cost_vnd(1_000_000, 0, "gpt-4o-mini", usd_to_vnd=26_000) == pytest.approx(3_900)
    assert cost_vnd(1_000_000, 0, "qwen2.5:3b", usd_to_vnd=26_000) == 0
    with pytest.raises(TypeError):
        cost_vnd(1, 1)  # type: ignore[call-arg]  - no hidden session defaults in the price list
    course.configure(usd_to_vnd=25_000, model="gpt-4o-mini", backend="openai")
    assert course.cost_vnd(1_000_000, 0) == pytest.approx(3_750)  # the public one: session's


def _environment_writes(path: Path) -> list[int]:
    """Lines that change os.environ (assignment, del, pop/update/setdefault/clear, putenv)."""
    def is_environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = (node.targets if isinstance(node, ast.Assign | ast.Delete)
                   else [node.target] if isinstance(node, ast.AugAssign) else [])
        if any(isinstance(t, ast.Subscript) and is_environ(t.value) for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                (node.func.attr in ("pop", "update", "setdefault", "clear", "popitem")
                 and is_environ(node.func.value)) or node.func.attr in ("putenv", "unsetenv")):
            lines.append(node.lineno)
    return lines


def test_the_library_never_changes_the_environment():
    """Kernels, graders and servers started later must not inherit what a lesson did."""
    package = Path(course.__file__).parent
    found = {str(p.relative_to(package)): lines for p in package.rglob("*.py")
             if "build" not in p.parts and (lines := _environment_writes(p))}
    assert not found, f"pass env= to subprocesses instead: {found}"
