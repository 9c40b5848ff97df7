"""Exec wrapper that confines one grading kernel, then becomes it.

Run as ``python -I -S sandbox_exec.py -- <kernel argv>`` by ``SandboxKernelManager``.
It is a separate, single-threaded process so that namespace and privilege changes are
safe (unlike a ``preexec_fn`` in the multi-threaded grader). Standard library only,
because ``-S`` skips site-packages and this file must start fast.

The settings arrive as JSON in the ``AUTOGRADER_SANDBOX`` environment variable:
``{"uid": int|null, "gid": int|null, "memory_mb": int, "home": str, "hide": [str],
"net": bool, "status_file": str, "expose": [str]}``. What was actually enforced is written to
``status_file`` (in a directory student code cannot write) so the grader can report it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import shutil
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1

# Environment variables that may carry secrets are never passed to student code.
SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _isolate_namespaces(libc: ctypes.CDLL, want_net: bool, hide: list[str]) -> dict:
    """New network + mount namespace; hide the course root behind an empty tmpfs."""
    status = {"network_off": False, "hidden_paths": []}
    flags = CLONE_NEWNS | (CLONE_NEWNET if want_net else 0)
    if os.geteuid() != 0:
        # Unprivileged fallback: a user namespace grants the rights inside it only.
        uid, gid = os.getuid(), os.getgid()
        _check(libc.unshare(flags | CLONE_NEWUSER), "unshare(user)")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    else:
        _check(libc.unshare(flags), "unshare")
    status["network_off"] = want_net
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
    for path in hide:
        if not os.path.isdir(path):
            continue
        ret = libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs",
                         MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=16k,mode=0555")
        if ret == 0:
            status["hidden_paths"].append(path)
    return status


def _blocked_ancestor(path: str) -> str | None:
    """Outermost ancestor that other users cannot traverse (e.g. /root of a pyenv)."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    current = ""
    for part in parts[:-1]:
        current += os.sep + part
        if not os.stat(current).st_mode & 0o001:
            return current
    return None


def _expose(libc: ctypes.CDLL, paths: list[str], stage: str) -> list[str]:
    """Make the interpreter reachable for the sandbox uid without opening the rest.

    A Python installed under a private home (pyenv in /root) is unreadable for another
    uid. Inside the kernel's own mount namespace the private ancestor is replaced by an
    empty tmpfs and only the needed tree is bind-mounted back, so the rest stays hidden.
    """
    plan = [(p, a) for p in dict.fromkeys(paths) if os.path.isdir(p)
            for a in [_blocked_ancestor(p)] if a]
    staged = []
    for i, (path, _) in enumerate(plan):
        spot = os.path.join(stage, f"expose{i}")
        os.makedirs(spot, exist_ok=True)
        _check(libc.mount(os.fsencode(path), os.fsencode(spot), None, MS_BIND | MS_REC, None),
               "bind")
        staged.append((path, spot))
    for blocked in dict.fromkeys(a for _, a in plan):
        _check(libc.mount(b"tmpfs", os.fsencode(blocked), b"tmpfs", MS_NOSUID | MS_NODEV,
                          b"size=64k,mode=0755"), "tmpfs")
    for path, spot in staged:
        os.makedirs(path, exist_ok=True)
        _check(libc.mount(os.fsencode(spot), os.fsencode(path), None, MS_MOVE, None), "move")
    return [p for p, _ in staged]


def _clean_env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k != "AUTOGRADER_SANDBOX" and not any(m in k.upper() for m in SECRET_MARKERS)}
    tmp = os.path.join(home, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env.update({
        "HOME": home, "IPYTHONDIR": os.path.join(home, ".ipython"), "TMPDIR": tmp,
        "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"), "COURSE_BACKEND": "offline",
        # One thread each keeps the reserved address space small under RLIMIT_AS.
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def _give_to(path: str, uid: int, gid: int) -> None:
    for root, _dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in files:
            os.chown(os.path.join(root, name), uid, gid)


def _private_connection_file(argv: list[str], home: str, uid: int, gid: int) -> list[str]:
    """The manager writes the connection file 0600 as root; hand the kernel its own copy."""
    argv = list(argv)
    for i, arg in enumerate(argv[:-1]):
        if arg in ("-f", "--f"):
            copy = os.path.join(home, "kernel-connection.json")
            shutil.copyfile(argv[i + 1], copy)
            os.chown(copy, uid, gid)
            os.chmod(copy, 0o600)
            argv[i + 1] = copy
    return argv


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("sandbox_exec: missing '--' before the kernel command")
    cmd = argv[argv.index("--") + 1:]
    parent = os.getppid()
    spec = json.loads(os.environ.get("AUTOGRADER_SANDBOX", "{}"))
    home = spec.get("home") or os.getcwd()
    uid, gid = spec.get("uid"), spec.get("gid")
    libc = _libc()
    status: dict = {"root": os.geteuid() == 0, "network_off": False, "hidden_paths": [],
                    "memory_mb": None, "uid": None, "errors": []}
    try:
        status.update(_isolate_namespaces(libc, bool(spec.get("net", True)),
                                          list(spec.get("hide", []))))
    except OSError as exc:
        status["errors"].append(str(exc))
    if status["root"] and uid is not None:
        try:
            status["exposed"] = _expose(libc, list(spec.get("expose", [])), home)
        except OSError as exc:
            status["errors"].append(str(exc))
    env = _clean_env(home)
    mem = int(spec.get("memory_mb") or 0)
    if mem > 0:
        limit = mem * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        status["memory_mb"] = mem
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if status["root"] and uid is not None:
        _give_to(home, uid, gid)
        _give_to(os.getcwd(), uid, gid)
        cmd = _private_connection_file(cmd, home, uid, gid)
        # Separate uid per worker slot: a fork bomb hits its own limit only.
        resource.setrlimit(resource.RLIMIT_NPROC, (256, 256))
        status["uid"] = uid
    _write(spec.get("status_file") or os.path.join(home, ".sandbox.json"), json.dumps(status))
    if status["root"] and uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    # Set after the uid change (a credential change clears it): die with the grader.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the worker died before the signal was armed
        sys.exit("sandbox_exec: grader already gone")
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main(sys.argv[1:])
