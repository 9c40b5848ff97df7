"""Kernel manager and nbgrader Execute preprocessor that start kernels inside the sandbox.

nbgrader's ``Execute`` always passes its own ``kernel_manager_class``, so the sandbox is
plugged in by replacing ``Execute`` in ``Autograde.autograde_preprocessors`` with
``SandboxExecute`` (a supported nbgrader configuration point).
"""

from __future__ import annotations

import json
import os
import sys

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, List, Unicode

from autograder.bwrap import WRAPPER, sandbox_spec


class SandboxKernelManager(AsyncKernelManager):
    """Launches the kernel through ``sandbox_exec.py`` (bubblewrap) and talks to it over
    unix sockets, which keep working after the kernel leaves the network namespace."""

    sandbox_enabled = Bool(True, help="False only with --unsandboxed: no confinement.").tag(
        config=True)
    sandbox_home = Unicode("", help="Per-submission writable home of the kernel.").tag(config=True)
    sandbox_uid = Integer(None, allow_none=True, help="Run the kernel as this uid.").tag(
        config=True)
    sandbox_memory_mb = Integer(1024, help="RLIMIT_AS for the kernel, in MB.").tag(config=True)
    sandbox_hide = List(Unicode(), help="Folders hidden even inside a visible one.").tag(
        config=True)
    sandbox_network_off = Bool(True, help="Cut the kernel off the network.").tag(config=True)
    sandbox_status_file = Unicode("", help="Where the wrapper records what it enforced.").tag(
        config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.sandbox_home:
            self.transport = "ipc"
            self.ip = os.path.join(self.sandbox_home, "ipc")
            self.connection_file = os.path.join(self.sandbox_home, "connection.json")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.sandbox_enabled:
            return cmd
        return [sys.executable, "-I", "-S", WRAPPER, "--", *cmd]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        env = dict(kw.get("env") or os.environ)
        if self.sandbox_enabled:
            env["AUTOGRADER_SANDBOX"] = json.dumps(sandbox_spec(
                uid=self.sandbox_uid, memory_mb=self.sandbox_memory_mb, home=self.sandbox_home,
                net=self.sandbox_network_off, status_file=self.sandbox_status_file,
                hide=list(self.sandbox_hide)))
        elif self.sandbox_status_file:
            with open(self.sandbox_status_file, "w") as fh:
                json.dump({"mode": "none", "errors": [], "network_off": False, "uid": None,
                           "memory_mb": None}, fh)
        kw["env"] = env
        await super()._async_launch_kernel(kernel_cmd, **kw)


class SandboxExecute(Execute):
    """nbgrader's Execute, with every kernel started by ``SandboxKernelManager``."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)


class LimitOutputSize(NbGraderPreprocessor):
    """Cap the characters kept per output; nbgrader's LimitOutput only counts lines.

    A few huge lines (50 MB of text) would otherwise land in the graded notebook, the
    feedback page and the instructor's disk. Scores are not affected: tests already ran.
    """

    max_chars = Integer(100_000, help="Characters kept per output.").tag(config=True)
    marker = "... [Đã cắt bớt: ô này in ra quá nhiều nội dung] ..."

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.get("text", "")) > \
                    self.max_chars:
                output["text"] = output["text"][: self.max_chars] + "\n" + self.marker + "\n"
            for key, value in list(output.get("data", {}).items()):
                if isinstance(value, str) and len(value) > self.max_chars:
                    output["data"][key] = value[: self.max_chars] + "\n" + self.marker
        return cell, resources
