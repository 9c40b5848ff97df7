"""The workshop's spawner: LocalProcessSpawner with a role-aware environment and limits.

Each participant's server runs as their own OS user (as The Littlest JupyterHub does), from
the shared participant environment, with memory and CPU limits applied through control groups
(see limits.py). Instructors' servers also get Formgrader and the autograder.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import random
import shutil
import socket
import stat
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Float, Integer, List, Tuple, Unicode, default

from hub import limits

COURSE_ID = "ai-kinh-doanh"
# Only these reach a participant's server from the hub's own environment; API keys never do.
PASSED_FROM_HUB = ("OPENAI_BASE_URL", "COURSE_MODEL", "COURSE_PROVIDER", "COURSE_BUDGET_VND",
                   "COURSE_TIMEZONE")


class CourseSpawner(LocalProcessSpawner):
    participant_env = Unicode("/opt/ai-kinh-doanh/env", help="Participants' venv "
                              "(hub/build-participant-env.sh); its current/ release holds the "
                              "course package, the start script and the instructor tools.").tag(
        config=True)
    exchange_root = Unicode("/srv/nbgrader/exchange").tag(config=True)
    edition_repo = Unicode("", help="Git repository of the participant edition.").tag(
        config=True)
    edition_branch = Unicode("main").tag(config=True)
    instructors = List(Unicode(), help="Names whose servers get Formgrader.").tag(config=True)
    memory_limit_mb = Integer(1024, help="Memory for server + kernels (0: no limit).").tag(
        config=True)
    cpu_limit_cores = Float(1.0, help="CPU cores (0: no limit).").tag(config=True)

    kernel_socket_root = Unicode(
        "/run/ai-kinh-doanh/kernels", help="Root-owned folder holding one private folder per "
        "participant (by uid) for their server's runtime files and kernel sockets: a short "
        "path, so kernels can use unix sockets instead of TCP ports ('' : not used).").tag(
        config=True)

    @default("env_keep")
    def _default_env_keep(self):  # nothing of the hub's own environment leaks by default
        return ["LANG", "LC_ALL"]

    @property
    def is_instructor(self) -> bool:
        return self.user.name in self.instructors

    def release(self) -> Path:
        """The current release, resolved now: a server keeps the one it started with."""
        return (Path(self.participant_env) / "current").resolve()

    def get_env(self):
        env = super().get_env()
        prefix = Path(self.participant_env).resolve()
        release = self.release()
        course_config = release / "lib" / "course" / "jupyter_config"
        config_path = [str(release / "hub-files" / "jupyter"), str(course_config)]
        python_path = [str(release / "lib")]
        if self.is_instructor:
            config_path.insert(0, str(release / "hub-files" / "instructor"))
            python_path.insert(0, str(release / "instructor"))
        env.update({
            # hub-files/bin first: its `node` answers JupyterLab's start-up question to yarn
            # without starting Node.js (see that file); everything else is the usual PATH.
            "PATH": os.pathsep.join([str(release / "hub-files" / "bin"), str(prefix / "bin"),
                                     "/usr/local/bin", "/usr/bin", "/bin"]),
            "PYTHONPATH": os.pathsep.join(python_path),
            "COURSE_HUB_ENV_BIN": str(prefix / "bin"),
            "JUPYTER_CONFIG_PATH": os.pathsep.join(config_path),
            # the course's kernel spec (loads course.notebook)
            "JUPYTER_PATH": str(course_config / "data"),
            "TIKTOKEN_CACHE_DIR": str(prefix / "share" / "tiktoken"),
            "COURSE_EXCHANGE_ROOT": self.exchange_root,
            "COURSE_ID": COURSE_ID,
            "COURSE_BACKEND": os.environ.get("COURSE_HUB_BACKEND", "offline"),
            "LANG": env.get("LANG") or "C.UTF-8",
        })
        if env.get("COURSE_GATEWAY_URL") and not os.environ.get("COURSE_HUB_BACKEND"):
            del env["COURSE_BACKEND"]  # the course library finds the class AI gateway itself
        runtime = getattr(self, "_runtime_dir", None)
        if runtime:
            env["JUPYTER_RUNTIME_DIR"] = runtime
        if self.edition_repo:
            env["COURSE_EDITION_REPO"] = self.edition_repo
            env["COURSE_EDITION_BRANCH"] = self.edition_branch
        for name in PASSED_FROM_HUB:
            if os.environ.get(name):
                env[name] = os.environ[name]
                if name == "OPENAI_BASE_URL":
                    env["COURSE_BACKEND"] = "openai"
        return env

    server_ports = Tuple(Integer(), Integer(), default_value=(20000, 29999),
                         help="Port range for servers, outside the kernel's ephemeral ports.").tag(
        config=True)

    def _free_server_port(self) -> int:
        """A free port in ``server_ports``. JupyterHub's own choice is any free port, and on a
        busy hub a kernel (ZeroMQ binds ephemeral ports) could take it before the server
        binds it: seen in the load test as a server that never came up."""
        low, high = self.server_ports
        for _ in range(50):
            port = random.randint(low, high)
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
        return 0  # let JupyterHub choose

    def _private_runtime_dir(self) -> str | None:
        """``<kernel_socket_root>/<uid>``, made now (0700, the participant's), or None.

        Why: a kernel's TCP ports are picked free and bound a moment later, and with a class
        starting together another connection took one in between ("Address already in use",
        the lesson lost its kernel). Unix sockets cannot be taken, but their path must fit in
        107 bytes, which a runtime folder under a long home does not. The root folder is
        root's and 0711, so nobody else can make or swap a participant's folder.
        """
        if not self.kernel_socket_root or os.geteuid() != 0:
            return None
        try:
            user = pwd.getpwnam(self.user.name)
            root = Path(self.kernel_socket_root)
            root.mkdir(parents=True, exist_ok=True, mode=0o711)
            info = os.lstat(root)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0:
                self.log.warning("Not used for kernel sockets (not root's folder): %s", root)
                return None
            os.chmod(root, 0o711)
            mine = root / str(user.pw_uid)
            # Made fresh at every start (the server is not running): nothing left from an
            # earlier server, or from an earlier person with a reused uid, is kept.
            try:
                info = os.lstat(mine)
            except FileNotFoundError:
                info = None
            if info is not None:
                if stat.S_ISDIR(info.st_mode):
                    shutil.rmtree(mine)  # fd-based: links inside are removed, not followed
                else:
                    mine.unlink()
            mine.mkdir(mode=0o700)
            os.chown(mine, user.pw_uid, user.pw_gid, follow_symlinks=False)
            os.chmod(mine, 0o700, follow_symlinks=False)
            return str(mine)
        except (KeyError, OSError) as exc:
            self.log.warning("No private runtime folder for %s: %s", self.user.name, exc)
            return None

    async def start(self):
        self._runtime_dir = self._private_runtime_dir()
        self.port = self._free_server_port()
        self.cmd = [str(self.release() / "hub-files" / "start.sh")]
        ip_port = await super().start()
        applied = limits.apply(self.user.name, self.pid, self.memory_limit_mb,
                               self.cpu_limit_cores)
        if applied.reason:
            self.log.warning("No memory/CPU limit for %s: %s", self.user.name, applied.reason)
        else:
            self.log.info("Limits for %s: %s MB, %s CPU (%s)", self.user.name,
                          self.memory_limit_mb, self.cpu_limit_cores, applied.memory_path)
        return ip_port

    async def stop(self, now=False):
        await super().stop(now=now)
        runtime = getattr(self, "_runtime_dir", None)
        if runtime:  # stale sockets and connection files go; a reused uid starts clean
            shutil.rmtree(runtime, ignore_errors=True)  # fd-based: links inside not followed
        for _ in range(20):  # the server's kernels may take a moment to exit
            if limits.release(self.user.name):
                break
            await asyncio.sleep(0.5)
