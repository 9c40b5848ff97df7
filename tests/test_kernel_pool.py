"""The grader's pool of pre-started kernels (autograder/sandbox.py KernelPool), with real kernels.

A slot whose kernel died before its submission is never handed out: it is destroyed, the
reason is kept for the result, and the next ready slot (or a kernel started then) is used.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from autograder.sandbox import KernelPool, Slot


def _slot(number: int, tmp: Path) -> Slot:
    km = AsyncKernelManager(kernel_name="python3",
                       connection_file=str(tmp / f"kernel-{number}.json"))
    run_sync(km.start_kernel)()
    return Slot(number=number, km=km, box=tmp, run=tmp, status_file=str(tmp / "s.json"))


def _discard(slot: Slot) -> None:
    if slot.km.has_kernel:
        run_sync(slot.km.shutdown_kernel)(now=True)


def test_a_dead_slot_is_dropped_with_its_reason_and_never_handed_out(tmp_path):
    discarded: list[int] = []
    pool = KernelPool(lambda n: _slot(n, tmp_path),
                      lambda s: (discarded.append(s.number), _discard(s)), size=2)
    try:
        pool.fill()
        first, second = pool.ready
        first.km.provisioner.process.kill()
        first.km.provisioner.process.wait()
        taken = pool.take("python3")
        assert taken is second
        assert discarded == [1]
        assert pool.dropped == [{"slot": 1, "why": "kernel process ended before use (exit -9)"}]
        assert taken.km.connection_file in pool.handed
        pool.used.append(taken)
    finally:
        pool.close()
    assert sorted(discarded) == [1, 2]  # the used slot is destroyed at the end too


def _sandbox_manager(tmp: Path):
    from autograder.sandbox import SandboxKernelManager

    return SandboxKernelManager(kernel_name="python3", sandbox_enabled=False,
                                connection_file=str(tmp / "kernel-q.json"))


def test_quick_ready_client_loses_no_output_of_the_first_cell(tmp_path):
    # The handshake no longer waits for 0.2 s of IOPub silence; the first cell's output
    # must still arrive (the IOPub subscription is live when wait_for_ready returns).
    from autograder.sandbox import QuickReadyClient

    km = _sandbox_manager(tmp_path)
    run_sync(km.start_kernel)()
    kc = km.client()
    try:
        assert isinstance(kc, QuickReadyClient)
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        msg_id = kc.execute("print('ô đầu tiên')")
        texts, state = [], None
        while state != "idle":
            msg = run_sync(kc.get_iopub_msg)(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue  # the handshake's own status messages
            if msg["msg_type"] == "stream":
                texts.append(msg["content"]["text"])
            if msg["msg_type"] == "status":
                state = msg["content"]["execution_state"]
        assert "".join(texts) == "ô đầu tiên\n"
    finally:
        kc.stop_channels()
        run_sync(km.shutdown_kernel)(now=True)


def test_quick_ready_client_reports_a_kernel_that_died_before_answering(tmp_path):
    km = _sandbox_manager(tmp_path)
    run_sync(km.start_kernel)()
    km.provisioner.process.kill()
    km.provisioner.process.wait()
    kc = km.client()
    try:
        kc.start_channels()
        with pytest.raises(RuntimeError, match="died before replying"):
            run_sync(kc.wait_for_ready)(timeout=30)
    finally:
        kc.stop_channels()
        run_sync(km.shutdown_kernel)(now=True)
