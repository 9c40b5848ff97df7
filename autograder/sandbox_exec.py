"""Exec wrapper that starts one grading kernel inside bubblewrap (``bwrap``).

Run as ``python -I -S sandbox_exec.py -- <kernel argv>`` by ``SandboxKernelManager``. It is a
separate, single-threaded process so that privilege changes are safe (unlike a
``preexec_fn`` in the multi-threaded grader). Standard library only, because ``-S`` skips
site-packages and this file must start fast.

The confinement itself is bubblewrap's (the tool Flatpak uses), by allowlist: a new mount
namespace whose root holds only read-only system, Python and course-library folders, the
submission's own working copy and a private home, all at their usual paths. Also a new
PID namespace (``--unshare-pid``: when the sandbox's init dies, the kernel and everything
it started die with it), no network, and ``--die-with-parent`` so that a killed worker
takes the whole sandbox with it. As root, this wrapper hands the writable folders to an
unprivileged uid and sets the rlimits; bwrap (privileged, so it can bind a Python under a
private ``/root``) then drops to that uid as the very last step before the kernel starts.
As an ordinary user, bwrap runs in its own user namespace with the user's own uid.

Nothing falls back to running unconfined: if bwrap is missing or fails, the kernel does not
start. The settings arrive as JSON in ``AUTOGRADER_SANDBOX``: ``{"uid": int|null,
"memory_mb": int, "home": str, "net": bool, "status_file": str, "ro": [str], "hide": [str],
"bwrap": str}``. What was enforced is written to ``status_file`` (in a directory student code
cannot see) so the grader can report it.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sys

# Environment variables that may carry secrets are never passed to student code.
SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
# Read-only system folders; /bin, /lib... are recreated as symlinks when they are (usr-merge).
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
ETC = ("/etc/localtime", "/etc/alternatives", "/etc/fonts", "/etc/ssl", "/etc/mime.types",
       "/etc/ld.so.cache")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _clean_env(home: str) -> dict[str, str]:
    # JPY_PARENT_PID: in its own PID namespace the kernel cannot see the worker and would
    # think it had died; bwrap's --die-with-parent does that job instead.
    env = {k: v for k, v in os.environ.items()
           if k not in ("AUTOGRADER_SANDBOX", "JPY_PARENT_PID")
           and not any(m in k.upper() for m in SECRET_MARKERS)}
    tmp = os.path.join(home, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env.update({
        "HOME": home, "IPYTHONDIR": os.path.join(home, ".ipython"), "TMPDIR": tmp,
        "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"), "COURSE_BACKEND": "offline",
        "USER": "hocvien", "LOGNAME": "hocvien",
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


def _inside(path: str, parents: list[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parents)


# Last step inside the sandbox when the grader is root: become the unprivileged uid, then
# the kernel. bubblewrap sets no_new_privs, so no setuid program can climb back.
DROP = ("import os, sys; u = int(sys.argv[1]); os.setgroups([]); os.setgid(u); os.setuid(u); "
        "os.execvp(sys.argv[2], sys.argv[2:])")


def bwrap_args(spec: dict, cwd: str, privileged: bool) -> tuple[list[str], list[str]]:
    """bwrap's options and the folders made visible.

    As root, bwrap runs privileged (no user namespace, which would map the sandbox uid back
    to root) and only keeps CAP_SETUID/CAP_SETGID for the final drop to the sandbox uid; as
    an ordinary user it runs in its own user namespace.
    """
    if privileged:
        args = ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args = ["--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
                "--unshare-cgroup-try"]
    if spec.get("net", True):
        args.append("--unshare-net")
    args += ["--die-with-parent", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    seen: list[str] = []
    made: set[str] = set()

    def bind(path: str, writable: bool = False) -> None:
        real = os.path.realpath(path)
        if not os.path.exists(real) or (not writable and _inside(real, seen)):
            return
        # Folders bwrap creates on the way are 0700 as root; the sandbox uid must pass.
        parts = real.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:i])
            if parent not in made and not _inside(parent, seen):
                args.extend(["--perms", "0755", "--dir", parent])
                made.add(parent)
        args.extend(["--bind" if writable else "--ro-bind", real, real])
        seen.append(real)

    for path in SYSTEM:
        if os.path.islink(path):
            args.extend(["--symlink", os.readlink(path), path])
        elif os.path.isdir(path):
            bind(path)
    for path in ETC:
        if os.path.islink(path):  # e.g. /etc/localtime -> /usr/share/zoneinfo/...
            args.extend(["--symlink", os.readlink(path), path])
        else:
            bind(path)
    for path in spec.get("ro", []):
        bind(path)
    for path in spec.get("hide", []):
        # Hidden inside a visible folder (the exchange under /usr/local, nbgrader's files).
        if os.path.isdir(path) and _inside(os.path.realpath(path), seen):
            args.extend(["--tmpfs", os.path.realpath(path)])
    for path in (spec["home"], cwd):
        bind(path, writable=True)
    args.extend(["--chdir", os.path.realpath(cwd)])
    return args, seen


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("sandbox_exec: missing '--' before the kernel command")
    cmd = argv[argv.index("--") + 1:]
    parent = os.getppid()
    spec = json.loads(os.environ.get("AUTOGRADER_SANDBOX", "{}"))
    home = spec.get("home") or os.getcwd()
    cwd = os.getcwd()
    bwrap = spec.get("bwrap") or shutil.which("bwrap") or "bwrap"
    as_root = os.geteuid() == 0
    uid = spec.get("uid") if as_root else None
    status: dict = {"mode": "bwrap", "root": as_root, "network_off": bool(spec.get("net", True)),
                    "memory_mb": None, "uid": None, "errors": [], "bwrap": bwrap}
    env = _clean_env(home)
    if uid is not None:
        _give_to(home, uid, uid)
        _give_to(cwd, uid, uid)
        cmd = _private_connection_file(cmd, home, uid, uid)
        cmd = [sys.executable, "-I", "-S", "-c", DROP, str(uid), *cmd]
    args, visible = bwrap_args(spec, cwd, privileged=uid is not None)
    status["visible"] = visible
    mem = int(spec.get("memory_mb") or 0)
    if mem > 0:
        limit = mem * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        status["memory_mb"] = mem
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if uid is not None:
        # Separate uid per worker slot: a fork bomb hits its own limit only.
        resource.setrlimit(resource.RLIMIT_NPROC, (256, 256))
        status["uid"] = uid
    _write(spec.get("status_file") or os.path.join(home, ".sandbox.json"), json.dumps(status))
    # The kernel manager interrupts a cell with SIGINT to the whole process group; bwrap
    # would die of it. Ignored here, inherited through exec; ipykernel sets its own handler
    # while a cell runs, so the interrupt still reaches the student's code.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:  # the worker died while we were setting up
        sys.exit("sandbox_exec: grader already gone")
    try:
        os.execvpe(bwrap, [bwrap, *args, "--", *cmd], env)
    except OSError as exc:
        sys.exit(f"sandbox_exec: cannot start bubblewrap ({bwrap}): {exc.strerror}")


if __name__ == "__main__":
    main(sys.argv[1:])
