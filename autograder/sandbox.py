"""Kernel manager and nbgrader Execute preprocessor that start kernels inside the sandbox.

nbgrader's ``Execute`` always passes its own ``kernel_manager_class``, so the sandbox is
plugged in by replacing ``Execute`` in ``Autograde.autograde_preprocessors`` with
``SandboxExecute`` (a supported nbgrader configuration point).

``SandboxExecute`` also decides what the kernel's working folder holds. nbgrader runs the
kernel in the autograded folder, whose notebook already has the hidden tests put back; here
the kernel runs in a fresh folder instead, with the submission's other files and its
notebooks stripped of hidden tests. The full notebook stays on the grader's side and its
cells reach the kernel one by one through the kernel client. Afterwards only folders and
regular files within size caps are copied back (``safecopy``), and a probe cell after every
cell looks for tampering with the kernel (``tamper``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Dict, DottedObjectName, Integer, List, Type, Unicode

from autograder import hidden, safecopy, tamper
from autograder.bwrap import DISK_MB, FILE_MB, NPROC, TMP_MB, WRAPPER, sandbox_spec

DISK_FULL = ("bài làm ghi quá {mb} MB (giới hạn cả bài): phần ghi thêm bị chặn, các tệp bài "
             "làm tạo ra không được giữ")
DISK_PATH = "thư mục làm bài"
DISK_SLACK = 1024 * 1024  # less free than this on the tmpfs: the submission filled it


# A grading kernel never serves a debugger: ipykernel then skips debugpy (~0.12 s of CPU at
# each kernel start, one kernel per submission). Otherwise what ipykernel_launcher does: the
# '' Python puts first goes (IPython then adds the working folder, as in any kernel).
KERNEL_BOOT = ("import sys; sys.modules['debugpy'] = None; "
               "sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
               "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()")


class QuickReadyClient(AsyncKernelClient):
    """jupyter_client's handshake, without its closing wait for 0.2 s of IOPub silence.

    The kernel_info handshake is the same: a reply on shell, then a message on IOPub to show
    the subscription is live (ZeroMQ drops what is published before it). jupyter_client then
    waits until IOPub has been quiet for 0.2 s, at every submission; here what is already
    queued is dropped at once. Anything arriving later belongs to the handshake, and nbclient
    keeps only messages whose parent is its own request.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass  # not subscribed yet: ask again
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


class SandboxKernelManager(AsyncKernelManager):
    """Launches the kernel through ``sandbox_exec.py`` (bubblewrap) and talks to it over
    unix sockets, which keep working after the kernel leaves the network namespace."""

    sandbox_enabled = Bool(True, help="False only with --unsandboxed: no confinement.").tag(
        config=True)
    sandbox_home = Unicode("", help="Per-submission writable home of the kernel.").tag(config=True)
    sandbox_uid = Integer(None, allow_none=True, help="Run the kernel as this uid.").tag(
        config=True)
    sandbox_memory_mb = Integer(1024, help="RLIMIT_AS for the kernel, in MB.").tag(config=True)
    sandbox_nproc = Integer(NPROC, help="RLIMIT_NPROC: processes of one submission.").tag(
        config=True)
    sandbox_file_mb = Integer(FILE_MB, help="RLIMIT_FSIZE: largest file written, MB.").tag(
        config=True)
    sandbox_hide = List(Unicode(), help="Folders hidden even inside a visible one.").tag(
        config=True)
    sandbox_network_off = Bool(True, help="Cut the kernel off the network.").tag(config=True)
    sandbox_status_file = Unicode("", help="Where the wrapper records what it enforced.").tag(
        config=True)
    sandbox_disk_mb = Integer(DISK_MB, help="Working folder and home together, MB.").tag(
        config=True)
    sandbox_disk_tmpfs = Bool(False, help="The folders are a tmpfs of that size already "
                                          "(the worker mounted it).").tag(config=True)
    sandbox_cgroup = Dict(help="The submission's cgroup (procs, events, version); empty: "
                               "the wrapper's watchdog bounds the total.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._stopping = False
        if self.sandbox_home:
            self.transport = "ipc"
            self.ip = os.path.join(self.sandbox_home, "ipc")
            self.connection_file = os.path.join(self.sandbox_home, "connection.json")

    client_class = DottedObjectName("autograder.sandbox.QuickReadyClient", config=True)
    client_factory = Type(klass=QuickReadyClient, config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            cmd[1:3] = ["-c", KERNEL_BOOT]
        if not self.sandbox_enabled:
            return cmd
        return [sys.executable, "-I", "-S", WRAPPER, "--", *cmd]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        env = dict(kw.get("env") or os.environ)
        if self.sandbox_enabled:
            env["AUTOGRADER_SANDBOX"] = json.dumps(sandbox_spec(
                uid=self.sandbox_uid, memory_mb=self.sandbox_memory_mb, home=self.sandbox_home,
                net=self.sandbox_network_off, status_file=self.sandbox_status_file,
                hide=list(self.sandbox_hide), nproc=self.sandbox_nproc,
                file_mb=self.sandbox_file_mb, tmp_mb=TMP_MB, disk_mb=self.sandbox_disk_mb,
                disk_tmpfs=self.sandbox_disk_tmpfs, cgroup=dict(self.sandbox_cgroup) or None))
        elif self.sandbox_status_file:
            with open(self.sandbox_status_file, "w") as fh:
                json.dump({"mode": "none", "errors": [], "network_off": False, "uid": None,
                           "memory_mb": None}, fh)
        kw["env"] = env
        self._stopping = False
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self._stopping = True  # a kernel ended by us is not a kernel that died
        await super().shutdown_kernel(now=now, restart=restart)

    async def _async_is_alive(self) -> bool:
        alive = await super()._async_is_alive()
        if not alive and not self._stopping and self.sandbox_status_file:
            # How the kernel ended decides whether the result may be final: a kernel killed
            # from outside (SIGKILL: the OOM killer, a dying grader) says nothing about the
            # submission.
            process = getattr(self.provisioner, "process", None)
            code = process.poll() if process is not None else None
            path = self.sandbox_status_file + ".exit"
            if code is not None and not os.path.exists(path):
                with open(path, "w") as fh:
                    json.dump({"returncode": code}, fh)
        return alive


class SandboxExecute(Execute):
    """nbgrader's Execute, with every kernel started by ``SandboxKernelManager`` in a
    working folder that holds no hidden test, and a tamper probe after every cell."""

    run_root = Unicode("", help="Folder in which the kernel's working folder is made; empty: "
                                "nbgrader's own (the autograded folder).").tag(config=True)
    report_file = Unicode("", help="JSON written for the worker: refused files, tamper "
                                   "findings.").tag(config=True)
    probes = Bool(True, help="Run a tamper probe after every cell.").tag(config=True)
    helpers = List(Unicode(), help="Expressions the tests rely on (tamper.helpers).").tag(
        config=True)
    setup_cells = List(Unicode(), help="grade_ids of the instructor's setup cells "
                                       "(tamper.setup_ids).").tag(config=True)
    disk_cap_mb = Integer(0, help="The submission's disk total (run_root: working folder "
                                  "and home); 0: not bounded here.").tag(config=True)
    disk_tmpfs = Bool(False, help="run_root is a tmpfs of disk_cap_mb (writes past it fail); "
                                  "otherwise it is measured afterwards.").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        report: dict = {"refused": [], "tamper": [], "probes": 0}
        meta = resources.setdefault("metadata", {})
        graded_dir = meta.get("path") or os.getcwd()
        run = Path(self.run_root) / "lam-bai" if self.run_root else None
        box = Path(self.run_root) if self.run_root else None
        slot = None
        if run is not None and POOL is not None and km is None:
            # A kernel already started in a fresh sandbox whose working folder is bound and
            # empty: the submission is copied into it now, just before its first cell.
            slot = POOL.take(nb.metadata.get("kernelspec", {}).get("name") or "python3")
            if POOL.refill:
                POOL.fill()  # the next submission's kernel starts while this one runs
        if slot is not None:
            run, box, km = slot.run, slot.box, slot.km
        elif run is not None:
            shutil.rmtree(run, ignore_errors=True)
        if run is not None:
            # The kernel's folder: the submission's files, its notebooks without hidden tests.
            report["refused"] += safecopy.copy_tree(
                graded_dir, run, skip=lambda rel: rel.endswith(".ipynb") and "/" not in rel)
            for path in sorted(Path(graded_dir).glob("*.ipynb")):
                try:
                    nbformat.write(hidden.strip(nbformat.read(path, as_version=4)),
                                   run / path.name)
                except Exception:  # not a notebook: the kernel just does not get it
                    continue
            meta["path"] = str(run)
            if slot is not None and slot.uid is not None:
                _give_to(run, slot.uid)  # as sandbox_exec does for a kernel started now
        tag = tamper.nonce()
        self._probes_off = False
        followed: list = [None]
        if self.probes:
            cells = [tamper.probe_cell(tag, list(self.helpers))]
            for cell in nb.cells:
                cells.append(cell)
                if cell.cell_type == "code":
                    cells.append(tamper.probe_cell(tag, list(self.helpers)))
                    followed.append(cell)
            nb.cells = cells
        finished = False
        try:
            nb, out = super().preprocess(nb, resources, km)
            finished = True
        finally:
            if slot is not None:
                # Not ours to keep: nbclient leaves a kernel it was handed running.
                POOL.used.append(slot)
                try:
                    self._cleanup_kernel()
                except Exception:  # already dead: the supervisor's status says why
                    pass
            probes = [c for c in nb.cells if tamper.PROBE_KEY in c.metadata]
            nb.cells = [c for c in nb.cells if tamper.PROBE_KEY not in c.metadata]
            if run is not None:
                meta["path"] = graded_dir
                full = self._disk_full(box)
                if full:
                    # Past the total (writes failed with ENOSPC on the tmpfs, or the watchdog
                    # was outrun): what the submission wrote is not kept.
                    report["disk_full"] = full
                    report["refused"].append({"path": DISK_PATH, "why": DISK_FULL.format(
                        mb=self.disk_cap_mb)})
                else:
                    # Back to the autograded folder: folders and regular files within caps.
                    report["refused"] += safecopy.copy_tree(
                        run, graded_dir,
                        skip=lambda rel: rel.endswith(".ipynb") and "/" not in rel)
                if slot is None:
                    shutil.rmtree(run, ignore_errors=True)  # a slot goes whole (KernelPool)
            if finished and self.probes:
                report["probes"] = len(probes)
                report["tamper"] = tamper.analyse(list(zip(probes, followed, strict=False)),
                                                  tag, set(self.setup_cells))
            if self.report_file:
                with open(self.report_file, "w", encoding="utf-8") as fh:
                    json.dump(report, fh, ensure_ascii=False)
        return nb, out

    def _disk_full(self, box: Path) -> str:
        """"tmpfs" (filled), "over" (measured past the total, no tmpfs) or ""."""
        if not self.disk_cap_mb:
            return ""
        if self.disk_tmpfs:
            st = os.statvfs(box)
            return "tmpfs" if st.f_bavail * st.f_frsize < DISK_SLACK else ""
        used = 0
        for top, dirs, files in os.walk(box):  # never follows a linked folder
            for name in dirs + files:
                try:
                    used += max(os.lstat(os.path.join(top, name)).st_blocks * 512, 512)
                except OSError:
                    continue
            if used > self.disk_cap_mb * 1024 * 1024:
                return "over"
        return ""

    # A probe waits at most this long: a kernel stuck in C code after a timed-out cell would
    # otherwise double the time the rest of the notebook takes to time out.
    probe_timeout = 15

    def preprocess_cell(self, cell, resources, index):
        if tamper.PROBE_KEY in cell.metadata:  # not part of the notebook's history
            self._check_assign_resources(resources)
            if getattr(self, "_probes_off", False):
                cell.metadata[tamper.SKIPPED_KEY] = True
                return cell, self.resources
            timeout, self.timeout = self.timeout, min(self.timeout or 30, self.probe_timeout)
            try:
                cell = self.execute_cell(cell, index, store_history=False)
            finally:
                self.timeout = timeout
            if tamper.timed_out(cell):
                self._probes_off = True  # the kernel no longer answers: no more probes
            return cell, self.resources
        return super().preprocess_cell(cell, resources, index)


def _give_to(path: Path, uid: int) -> None:
    for top, _dirs, files in os.walk(path):  # fresh copies of ours: no link inside
        os.chown(top, uid, uid, follow_symlinks=False)
        for name in files:
            os.chown(os.path.join(top, name), uid, uid, follow_symlinks=False)


@dataclass
class Slot:
    """One kernel started ahead of need in its own fresh sandbox; used for one submission."""

    number: int
    km: SandboxKernelManager
    box: Path  # home and working folder (a tmpfs of its own as root)
    run: Path  # the kernel's working folder, bound (empty) when the sandbox started
    status_file: str
    uid: int | None = None
    group: object = None  # its cgroups.SubmissionCgroup, or None
    pid: int | None = None


class KernelPool:
    """Each worker keeps ``size`` kernels started in fresh sandboxes before they are needed,
    so a submission's wall time is its own cells, not a kernel start.

    A slot is handed out once and never again (``handed`` keeps every connection file it
    gave out); after its submission the worker destroys it whole (kernel, cgroup, tmpfs).
    ``make(number)`` builds and starts one slot; ``discard(slot)`` destroys one.
    """

    def __init__(self, make, discard, size: int = 1):
        self.make, self.discard, self.size = make, discard, size
        self.ready: list[Slot] = []
        self.used: list[Slot] = []
        self.handed: set[str] = set()
        self.dropped: list[dict] = []  # slots found unusable when taken, and why
        self.count = 0
        self.refill = True  # the worker turns it off for the last tasks of a run

    def fill(self) -> None:
        while len(self.ready) < self.size:
            self.count += 1
            self.ready.append(self.make(self.count))

    def take(self, kernel_name: str) -> Slot | None:
        if not self.ready:
            self.fill()
        while self.ready:
            slot = self.ready.pop(0)
            alive = slot.km.has_kernel and slot.km.provisioner is not None and \
                slot.km.provisioner.process is not None and \
                slot.km.provisioner.process.poll() is None
            if slot.km.kernel_name != kernel_name or not alive or \
                    slot.km.connection_file in self.handed:
                # Recorded: the submission then runs in a kernel started now, in a fresh
                # sandbox of its own (safe, only slower), and the result says why.
                self.dropped.append({"slot": slot.number, "why": _unusable(slot, kernel_name,
                                                                           alive, self.handed)})
                self.discard(slot)
                continue
            self.handed.add(slot.km.connection_file)
            return slot
        return None

    def close(self) -> None:
        for slot in self.ready + self.used:
            self.discard(slot)
        self.ready, self.used = [], []


def _unusable(slot: Slot, kernel_name: str, alive: bool, handed: set[str]) -> str:
    if slot.km.kernel_name != kernel_name:
        return f"kernel {slot.km.kernel_name}, not {kernel_name}"
    if not alive:
        process = slot.km.provisioner.process if slot.km.provisioner is not None else None
        code = process.poll() if process is not None else None
        return f"kernel process ended before use (exit {code})"
    return "handed out before"


POOL: KernelPool | None = None  # set by the worker when it grades with pre-started kernels


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
