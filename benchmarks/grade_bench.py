"""Grading speed: plain serial `nbgrader autograde` versus `python -m autograder grade`.

    python benchmarks/grade_bench.py [--n 30] [--workers 2] [--timeout 5] [--pool 1]

Both grade the same simulated class (autograder.simulate, all adversarial kinds included)
in fresh copies of the course, with the same per-cell timeout. The wall clock of each
command is measured, process start-up included. Both runs skip the same slow optional
import (see autograder/__init__.py) so the comparison is only about grading.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "bt3_funnel"
NBGRADER = ("import sys; sys.modules['rfc3987_syntax'] = None; "
            "from nbgrader.apps.nbgraderapp import main; sys.exit(main())")


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next((int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                if x.startswith("MemTotal")), 0)
    return (f"nproc={os.cpu_count()}, CPU={cpu}, RAM={mem / 1024 / 1024:.1f} GiB, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


POOL = "1"  # kernels each worker starts ahead of need (AUTOGRADER_POOL; 0: none)


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    out["AUTOGRADER_POOL"] = POOL
    out["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO), out.get("PYTHONPATH", "")] if p)
    out["COURSE_BACKEND"] = "offline"
    out["PATH"] = str(Path(sys.executable).parent) + os.pathsep + out.get("PATH", "")
    return out


def course_copy(base: Path, name: str, sim: Path) -> Path:
    root = base / name
    (root / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", root)
    shutil.copytree(REPO / "assignments" / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copytree(sim, root / "submitted",
                    ignore=shutil.ignore_patterns("roster.csv", "expected.json"))
    run([sys.executable, "-c", NBGRADER, "generate_assignment", ASSIGNMENT], root)
    return root


def run(cmd: list[str], cwd: Path, check: bool = True) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system, all child processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check and done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1,
                        help="pairs of runs, alternating which goes first (ABBA...)")
    parser.add_argument("--pool", type=int, default=1,
                        help="pre-started sandboxed kernels per worker (0: start on demand)")
    args = parser.parse_args()
    global POOL
    POOL = str(args.pool)
    from autograder.simulate import simulate

    print(f"machine: {machine()}")
    print(f"class: {args.n} simulated submissions of {ASSIGNMENT}, per-cell timeout "
          f"{args.timeout} s")
    totals = {"serial": [0.0, 0.0], "parallel": [0.0, 0.0]}
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        base = Path(tmp)
        simulate(base / "sim", ASSIGNMENT, n=args.n, seed=0,
                 course_root=REPO / "assignments")
        for r in range(args.rounds):
            order = ["serial", "parallel"] if r % 2 == 0 else ["parallel", "serial"]
            for kind in order:
                root = course_copy(base, f"{kind}{r}", base / "sim")
                load = os.getloadavg()[0]
                if kind == "serial":
                    wall, cpu = run([sys.executable, "-c", NBGRADER, "autograde", ASSIGNMENT,
                                     f"--Execute.timeout={args.timeout}"], root, check=False)
                    done = len(list((root / "autograded").glob(f"*/{ASSIGNMENT}")))
                    note = f"{done} notebooks graded, the rest failed in nbgrader"
                else:
                    wall, cpu = run([sys.executable, "-m", "autograder", "--course", str(root),
                                     "grade", ASSIGNMENT, "--workers", str(args.workers),
                                     "--timeout", str(args.timeout), "--quiet"], REPO)
                    done = len(list((root / ".autograder" / "ket-qua" / ASSIGNMENT).glob(
                        "*.json")))
                    note = (f"{done} results, sandboxed, {args.workers} workers, "
                            f"{args.pool} pre-started kernel(s) each")
                totals[kind][0] += wall
                totals[kind][1] += cpu
                print(f"round {r + 1} {kind:8s}: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                      f"{60 * args.n / wall:5.1f} submissions/min  (load before "
                      f"{load:.1f}; {note})")
    (sw, sc), (pw, pc) = totals["serial"], totals["parallel"]
    n = args.n * args.rounds
    print(f"serial nbgrader autograde: {60 * n / sw:6.1f} submissions/min, "
          f"{sc / n:.2f} CPU s per submission")
    print(f"load average at the end: {os.getloadavg()}")
    print(f"autograder grade -w {args.workers}:    {60 * n / pw:6.1f} submissions/min, "
          f"{pc / n:.2f} CPU s per submission")
    print(f"speed-up (wall clock): {sw / pw:.2f}x")


if __name__ == "__main__":
    main()
