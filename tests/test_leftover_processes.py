"""The session-end check (tests/leftover_processes.py) run on small pytest sessions of its own.

Each case is a real pytest run in a subprocess with only this plugin; the processes it
starts are real (`sleep`, `sh`, multiprocessing helpers).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

if not Path("/proc/self/stat").exists():
    pytest.skip("the check reads /proc (Linux)", allow_module_level=True)


def _session(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(body), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "COURSE_TEST_SESSION"}
    env.update(PYTHONPATH=os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]),
               LEFTOVER_GRACE_S="3")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "leftover_processes", "-p", "no:cacheprovider",
         "-q", "--rootdir", str(tmp_path), "-c", os.devnull,
         "--basetemp", str(tmp_path / "base"), str(tmp_path / "test_inner.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def _running(marker: str) -> list[str]:
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in line and state != "Z":
            out.append(line)
    return out


def test_a_child_left_running_fails_the_session_and_is_stopped(tmp_path):
    run = _session(tmp_path, """
        import subprocess

        def test_forgets_its_server():
            subprocess.Popen(["sleep", "311"])
    """)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "still running at the end" in run.stdout
    assert "sleep 311" in run.stdout and "test_forgets_its_server" in run.stdout
    assert not _running("sleep 311")  # stopped by the check


def test_an_orphan_re_parented_to_init_is_found_by_its_environment(tmp_path):
    run = _session(tmp_path, """
        import subprocess

        def test_parent_exits_child_lives():
            subprocess.run(["sh", "-c", "sleep 312 >/dev/null 2>&1 &"], check=True)
    """)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "sleep 312" in run.stdout and "test_parent_exits_child_lives" in run.stdout
    assert not _running("sleep 312")


def test_an_orphan_with_a_clean_environment_is_found_by_its_temporary_folder(tmp_path):
    run = _session(tmp_path, """
        import subprocess

        def test_clean_env(tmp_path):
            script = tmp_path / "linger.sh"
            script.write_text("sleep 313\\n")
            subprocess.run(["sh", "-c", f"sh {script} >/dev/null 2>&1 &"], check=True,
                           env={"PATH": "/usr/bin:/bin"})
    """)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "linger.sh" in run.stdout and "sleep 313" in run.stdout  # and what it started
    assert not _running("sleep 313") and not _running("linger.sh")


def test_a_clean_session_passes_with_pytests_own_helpers_alive(tmp_path):
    run = _session(tmp_path, """
        import multiprocessing
        import subprocess

        def test_stops_what_it_starts():
            proc = subprocess.Popen(["sleep", "314"])
            proc.terminate()
            proc.wait()

        def test_multiprocessing_helpers_live_until_the_interpreter_ends():
            ctx = multiprocessing.get_context("forkserver")
            with ctx.Pool(1) as pool:
                assert pool.map(abs, [-1]) == [1]
            ctx.Lock()

        def test_a_child_that_ends_within_the_grace_period():
            subprocess.Popen(["sleep", "1"])  # never waited for: a zombie, then reaped
    """)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout and "still running" not in run.stdout


def test_processes_of_other_sessions_are_not_accused(tmp_path):
    """A process another session starts meanwhile (another helper's server, say) is not
    ours, even when its command line points at this repository."""
    (tmp_path / "started").unlink(missing_ok=True)
    inner = tmp_path / "inner"
    inner.mkdir()
    body = f"""
        import pathlib
        import time

        def test_waits_for_the_other_session():
            deadline = time.monotonic() + 60
            while not pathlib.Path({str(tmp_path / "started")!r}).exists():
                assert time.monotonic() < deadline
                time.sleep(0.1)
    """
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(316)",
                           str(TESTS)], start_new_session=True) as before:
        result: list[subprocess.CompletedProcess] = []
        thread = threading.Thread(target=lambda: result.append(_session(inner, body)))
        thread.start()
        time.sleep(1)
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(315)",
                                  str(TESTS)], start_new_session=True)
        try:
            (tmp_path / "started").write_text("x")
            thread.join(timeout=300)
            run = result[0]
            assert run.returncode == 0, run.stdout + run.stderr
            assert "still running" not in run.stdout
            assert other.poll() is None and before.poll() is None  # left alone
        finally:
            other.kill()
            other.wait()
            before.kill()
