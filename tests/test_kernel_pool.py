"""The grader's pool of pre-started kernels (autograder/sandbox.py KernelPool), with real kernels.

A slot whose kernel died before its submission is never handed out: it is destroyed, the
reason is kept for the result, and the next ready slot (or a kernel started then) is used.
"""

from __future__ import annotations

from pathlib import Path

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
