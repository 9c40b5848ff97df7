"""Per-participant memory and CPU limits through Linux control groups.

LocalProcessSpawner starts plain processes, which no limit reaches; SystemdSpawner needs
systemd as PID 1, which containers and many small servers do not have. The hub runs as root,
so it puts each participant's server (and with it every kernel the server starts later) into
a control group of its own, below the hub's own group: cgroup v2 (memory.max, cpu.max) or
cgroup v1 (memory.limit_in_bytes, cpu.cfs_quota_us), whichever the machine has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP = "ai-kinh-doanh-hub"
CFS_PERIOD_US = 100_000


@dataclass
class Applied:
    """What was enforced for one server (empty paths: nothing could be enforced)."""

    memory_path: Path | None = None
    cpu_path: Path | None = None
    reason: str = ""


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path (v2 under the key "")."""
    found: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for ctl in controllers.split(",") if controllers else [""]:
            found[ctl] = path
    return found


def _v1_dir(controller: str) -> Path | None:
    mount = CGROUP_ROOT / controller
    if not (mount / "cgroup.procs").exists():
        return None
    return mount / _own_cgroups().get(controller, "/").lstrip("/") / GROUP


def _v2_dir() -> Path | None:
    own = _own_cgroups()
    if "" not in own or len(own) > 1 or not (CGROUP_ROOT / "cgroup.controllers").exists():
        return None
    return CGROUP_ROOT / own[""].lstrip("/") / GROUP


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def apply(name: str, pid: int, memory_mb: int, cpus: float) -> Applied:
    """Put ``pid`` into the group ``<hub's group>/ai-kinh-doanh-hub/<name>`` with the limits."""
    applied = Applied()
    try:
        v2 = _v2_dir()
        if v2 is not None:
            v2.mkdir(exist_ok=True)
            _write(v2 / "cgroup.subtree_control", "+memory +cpu")
            group = v2 / name
            group.mkdir(exist_ok=True)
            if memory_mb:
                _write(group / "memory.max", str(memory_mb * 1024 * 1024))
                applied.memory_path = group
            if cpus:
                _write(group / "cpu.max", f"{int(cpus * CFS_PERIOD_US)} {CFS_PERIOD_US}")
                applied.cpu_path = group
            _write(group / "cgroup.procs", str(pid))
            return applied
        mem, cpu = _v1_dir("memory"), _v1_dir("cpu")
        if memory_mb and mem is not None:
            (mem / name).mkdir(parents=True, exist_ok=True)
            _write(mem / name / "memory.limit_in_bytes", str(memory_mb * 1024 * 1024))
            _write(mem / name / "cgroup.procs", str(pid))
            applied.memory_path = mem / name
        if cpus and cpu is not None:
            (cpu / name).mkdir(parents=True, exist_ok=True)
            _write(cpu / name / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(cpu / name / "cpu.cfs_quota_us", str(int(cpus * CFS_PERIOD_US)))
            _write(cpu / name / "cgroup.procs", str(pid))
            applied.cpu_path = cpu / name
        if applied.memory_path is None and applied.cpu_path is None:
            applied.reason = "no writable cgroup (v1 or v2) on this machine"
    except OSError as exc:
        applied.reason = f"cgroup not writable: {exc}"
    return applied


def release(name: str) -> bool:
    """Remove the server's groups; False while processes are still in them (try again)."""
    done = True
    for base in (_v2_dir(), _v1_dir("memory"), _v1_dir("cpu")):
        if base is not None and (base / name).is_dir():
            try:
                os.rmdir(base / name)
            except OSError:
                done = False
    return done


def group_of(pid: int, controller: str = "memory") -> str:
    """The cgroup path of ``pid`` for a v1 controller (or the v2 path)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (not controllers and controller == ""):
            return path
    return ""
