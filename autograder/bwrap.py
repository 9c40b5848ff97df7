"""bubblewrap settings shared by the kernel manager and the grader's start-up check.

Standard library only: the grader imports this before its workers are ready.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WRAPPER = str(Path(__file__).with_name("sandbox_exec.py"))


def bwrap_path() -> str | None:
    """bubblewrap to use (``AUTOGRADER_BWRAP`` overrides, e.g. a site-specific build)."""
    return os.environ.get("AUTOGRADER_BWRAP") or shutil.which("bwrap")


def _package_dir(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec and spec.origin:
        return os.path.dirname(os.path.realpath(spec.origin))
    return None


def visible_paths() -> list[str]:
    """Read-only folders the kernel needs: interpreter, venv, the course library."""
    # tiktoken's offline encodings (same rule as course.llm.tokens, without importing it).
    tiktoken = (os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
                or os.path.join(tempfile.gettempdir(), "data-gym-cache"))
    paths = [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable)),
             _package_dir("course"), tiktoken]
    return [os.path.realpath(p) for p in dict.fromkeys(paths) if p and os.path.isdir(p)]


def hidden_paths(course_root: str, exchange: str | None) -> list[str]:
    """Folders inside a visible one that student code must still not see."""
    return [p for p in (course_root, exchange, _package_dir("nbgrader")) if p]


# Per-submission limits (rlimits, see sandbox_exec.set_limits). A kernel with numpy and
# pandas runs about 10 threads, which count as processes.
NPROC = 128
FILE_MB = 64
TMP_MB = 256
# Per-submission totals, whatever the number of processes: memory of all of them together
# (a cgroup as root, the sandbox's watchdog otherwise; default: the --memory-mb value) and
# the working folder plus home (a tmpfs of this size as root, the watchdog otherwise). The
# folder also holds what was handed in (up to safecopy.HANDED_IN's 200 MB).
DISK_MB = 256


def sandbox_spec(*, uid: int | None, memory_mb: int, home: str, net: bool, status_file: str,
                 hide: list[str], nproc: int = NPROC, file_mb: int = FILE_MB,
                 tmp_mb: int = TMP_MB, memory_total_mb: int | None = None,
                 disk_mb: int = DISK_MB, disk_tmpfs: bool = False,
                 cgroup: dict | None = None) -> dict:
    """The settings ``sandbox_exec.py`` reads (one definition for kernels and the check).

    ``cgroup``: ``{"procs": [...], "events": str, "version": int}`` of the submission's
    cgroup (``autograder.cgroups``), or None: the watchdog enforces ``memory_total_mb``.
    """
    cgroup = cgroup or {}
    return {"uid": uid, "memory_mb": memory_mb, "home": home, "net": net,
            "status_file": status_file, "ro": visible_paths(), "hide": hide,
            "bwrap": bwrap_path(), "nproc": nproc, "file_mb": file_mb, "tmp_mb": tmp_mb,
            "memory_total_mb": memory_mb if memory_total_mb is None else memory_total_mb,
            "disk_mb": disk_mb, "disk_tmpfs": disk_tmpfs,
            "cgroup_procs": cgroup.get("procs", []), "oom_events": cgroup.get("events", ""),
            "cgroup_version": cgroup.get("version", 0), "parent": os.getpid()}


class SandboxUnavailable(Exception):
    """The sandbox cannot be set up here; the message (Vietnamese) says why and what to do."""


HOW_TO_FIX = (
    "Cách sửa: (1) cài bubblewrap: sudo apt-get install bubblewrap (hoặc chạy make install); "
    "(2) nếu đã cài mà vẫn lỗi, máy đang chặn user namespace: trên Ubuntu 24.04 chạy "
    "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, trên máy khác "
    "sudo sysctl -w user.max_user_namespaces=10000; trong container (Docker, Kubernetes, "
    "JupyterHub trên cloud) thường không được phép: hãy chấm trên máy của giảng viên "
    "(tải bài về rồi dùng --course). Chỉ khi hiểu rủi ro (bài làm đọc được đáp án, sổ điểm và "
    "bài của người khác) mới chấm không cách ly: thêm --unsandboxed."
)


def check_sandbox(scratch: str, uid: int | None) -> dict:
    """Start a tiny program exactly as kernels are started; raise if it cannot run."""
    if not bwrap_path():
        raise SandboxUnavailable("Không chấm được: máy này chưa có bubblewrap (lệnh bwrap), "
                                 "công cụ cách ly bài làm khi chấm. " + HOW_TO_FIX)
    home = os.path.join(scratch, "kiem-tra-hop")
    os.makedirs(home, exist_ok=True)
    status = os.path.join(scratch, "kiem-tra-hop.json")
    spec = sandbox_spec(uid=uid, memory_mb=512, home=home, net=True, status_file=status,
                        hide=[])
    env = {**os.environ, "AUTOGRADER_SANDBOX": json.dumps(spec)}
    probe = "import os; print('hop-cach-ly-ok', os.getuid(), sorted(os.listdir('/')))"
    cmd = [sys.executable, "-I", "-S", WRAPPER, "--", sys.executable, "-I", "-c", probe]
    try:
        out = subprocess.run(cmd, cwd=home, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        out = None
    if out is None or out.returncode != 0 or "hop-cach-ly-ok" not in out.stdout:
        why = "quá 60 giây không trả lời" if out is None else (
            (out.stderr or out.stdout).strip().splitlines() or ["(không có thông báo)"])[-1]
        raise SandboxUnavailable(f"Không chấm được: không dựng được hộp cách ly cho bài làm "
                                 f"(bubblewrap báo: {why}). " + HOW_TO_FIX)
    with open(status) as fh:
        return json.load(fh)
