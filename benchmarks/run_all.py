"""Run every benchmark script in this folder, one after another (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    status = 0
    for script in sorted(HERE.glob("*_bench.py")) + sorted(HERE.glob("session_*.py")):
        print(f"\n=== {script.name}")
        status |= subprocess.call([sys.executable, str(script)])
    sys.exit(status)
