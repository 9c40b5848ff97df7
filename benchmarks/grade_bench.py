"""Grading speed: plain serial `nbgrader autograde` versus `python -m autograder grade`.

    python benchmarks/grade_bench.py [--n 30] [--workers 2] [--timeout 5]

Both grade the same simulated class (autograder.simulate, all adversarial kinds included)
in fresh copies of the course, with the same per-cell timeout. The wall clock of each
command is measured, process start-up included. Both runs skip the same slow optional
import (see autograder/__init__.py) so the comparison is only about grading.
"""

from __future__ import annotations

import argparse
import os
import platform
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


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
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


def run(cmd: list[str], cwd: Path, check: bool = True) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if check and done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from autograder.simulate import simulate

    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        base = Path(tmp)
        simulate(base / "sim", ASSIGNMENT, n=args.n, seed=0,
                 course_root=REPO / "assignments")
        serial_root = course_copy(base, "serial", base / "sim")
        parallel_root = course_copy(base, "parallel", base / "sim")
        # nbgrader exits non-zero when some submissions cannot be graded (the broken ones
        # of the class); it still grades all the others.
        serial = run([sys.executable, "-c", NBGRADER, "autograde", ASSIGNMENT,
                      f"--Execute.timeout={args.timeout}"], serial_root, check=False)
        serial_done = len(list((serial_root / "autograded").glob(f"*/{ASSIGNMENT}")))
        parallel = run([sys.executable, "-m", "autograder", "--course", str(parallel_root),
                        "grade", ASSIGNMENT, "--workers", str(args.workers),
                        "--timeout", str(args.timeout), "--quiet"], REPO)
        results = parallel_root / ".autograder" / "ket-qua" / ASSIGNMENT
        parallel_done = len(list(results.glob("*.json")))
    rate_s, rate_p = 60 * args.n / serial, 60 * args.n / parallel
    print(f"machine: {machine()}")
    print(f"class: {args.n} simulated submissions of {ASSIGNMENT}, per-cell timeout "
          f"{args.timeout} s")
    print(f"serial nbgrader autograde: {serial:7.1f} s  {rate_s:6.1f} submissions/min "
          f"({serial_done} notebooks graded; the rest could not be run by nbgrader)")
    print(f"autograder grade -w {args.workers}:    {parallel:7.1f} s  {rate_p:6.1f} "
          f"submissions/min (sandboxed; {parallel_done} results, each with a score)")
    print(f"speed-up: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
