"""scripts/apt-install.sh waits for apt's lock, says so in Vietnamese, and says clearly when an
install finally failed (issue 23, item 7).

The first two tests run the real apt-get against a private dpkg lock (apt takes the lock
next to the status file it is given: -o Dir::State::status=...), held by this test process
the way unattended-upgrades holds the real one. The others put a fake apt-get in front
(APT_GET) to follow the install path: update, install, and the final messages.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "apt-install.sh"
APT_GET = shutil.which("apt-get")


@pytest.fixture
def private_dpkg(tmp_path):
    """A copy of dpkg's status file in a private folder; apt locks <folder>/lock-frontend."""
    dpkg = tmp_path / "dpkg"
    (dpkg / "updates").mkdir(parents=True)
    status = Path("/var/lib/dpkg/status")
    (dpkg / "status").write_bytes(status.read_bytes() if status.exists() else b"")
    return dpkg


def _hold_lock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # dpkg's own kind of lock (fcntl)
    return fd


def _run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=timeout)


needs_apt = pytest.mark.skipif(APT_GET is None or os.geteuid() != 0,
                               reason="real apt-get (Debian/Ubuntu, as root) needed")


@needs_apt
def test_real_apt_waits_for_a_held_lock_and_says_so_in_vietnamese(private_dpkg):
    fd = _hold_lock(private_dpkg / "lock-frontend")
    released = threading.Timer(4, os.close, args=(fd,))  # the other apt finishes after 4 s
    released.start()
    try:
        start = time.monotonic()
        res = _run(["--run", "check"], {
            "APT_LOCK_WAIT": "60", "APT_OPTS": f"-o Dir::State::status={private_dpkg}/status"})
        waited = time.monotonic() - start
    finally:
        released.join()
    assert res.returncode == 0, res.stdout + res.stderr
    assert waited >= 3.5  # it waited for the lock instead of failing at once
    assert "Đang chờ: một chương trình khác đang dùng apt" in res.stdout
    assert f"process {os.getpid()}" in res.stdout  # who holds it, as apt reports it
    assert "Thất bại" not in res.stdout + res.stderr


@needs_apt
def test_real_apt_gives_up_after_the_wait_and_says_it_failed(private_dpkg):
    fd = _hold_lock(private_dpkg / "lock-frontend")
    try:
        res = _run(["--run", "check"], {
            "APT_LOCK_WAIT": "3", "APT_OPTS": f"-o Dir::State::status={private_dpkg}/status"})
    finally:
        os.close(fd)
    assert res.returncode != 0
    assert "Đang chờ" in res.stdout
    assert "Thất bại: apt vẫn bị chương trình khác giữ" in res.stderr
    assert "sau 3 giây" in res.stderr


def _fake_apt(tmp_path: Path, body: str) -> Path:
    """An apt-get stand-in that records its arguments, then runs ``body`` (bash)."""
    fake = tmp_path / "apt-get"
    fake.write_text("#!/usr/bin/env bash\n"
                    f'echo "$*" >> {tmp_path}/calls\n' + body + "\n")
    fake.chmod(0o755)
    return fake


def test_install_passes_the_lock_timeout_and_reports_success(tmp_path):
    fake = _fake_apt(tmp_path, "exit 0")
    res = _run(["--what", "bubblewrap (hộp cách ly khi chấm bài)", "bubblewrap"],
               {"APT_GET": str(fake), "APT_LOCK_WAIT": "77"})
    assert res.returncode == 0, res.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["-o DPkg::Lock::Timeout=77 update -qq",
                     "-o DPkg::Lock::Timeout=77 install -y -qq bubblewrap"]
    assert "Đã cài bubblewrap (hộp cách ly khi chấm bài)." in res.stdout


def test_waiting_then_installing_prints_the_wait_once_per_period(tmp_path):
    # apt prints its wait line, waits, then succeeds: one Vietnamese message, no failure.
    fake = _fake_apt(tmp_path, (
        'if [ "$3" = install ]; then\n'
        '  echo "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. '
        'It is held by process 4242 (unattended-upgr)..."\n  sleep 3\nfi\nexit 0'))
    res = _run(["chromium"], {"APT_GET": str(fake)})
    assert res.returncode == 0
    assert res.stdout.count("Đang chờ") == 1
    assert "process 4242 (unattended-upgr)" in res.stdout
    assert "Đã cài chromium." in res.stdout


def test_a_failed_install_says_so_clearly_with_the_command_to_run_later(tmp_path):
    fake = _fake_apt(tmp_path, (
        'if [ "$3" = install ]; then echo "E: Unable to locate package chromium" >&2; '
        'exit 100; fi\nexit 0'))
    res = _run(["--what", "Chromium", "chromium"], {"APT_GET": str(fake)})
    assert res.returncode == 1
    assert "E: Unable to locate package chromium" in res.stderr  # apt's own reason, shown
    assert "KHÔNG CÀI ĐƯỢC Chromium" in res.stderr
    assert "sudo apt-get install chromium" in res.stderr


def test_ensure_scripts_use_the_waiting_helper():
    for name in ("ensure-browser.sh", "ensure-sandbox.sh"):
        text = (REPO / "scripts" / name).read_text(encoding="utf-8")
        assert "apt-install.sh" in text
        assert "apt-get update" not in text and "apt-get install -y" not in text
