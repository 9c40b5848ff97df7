"""The grading rehearsal (autograder.rehearsal) is loaded lazily and has no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANTS = REPO / "assignments" / "variants"

_PROBE = """
import importlib.util as u
seen = []
real = u.spec_from_file_location
def spy(name, path, *a, **k):
    seen.append(str(path))
    return real(name, path, *a, **k)
u.spec_from_file_location = spy
import autograder.simulate, autograder.rehearsal, autograder.rehearsal.cli
print(len(seen))
ids = autograder.simulate.AUTOGRADED
print(len(seen), len(ids))
autograder.rehearsal.SPECS
print(len(seen))
"""


def test_importing_the_rehearsal_runs_no_variant_file():
    run = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    at_import, after_use, cached = run.stdout.split("\n")[:3]
    n_files = len(list(VARIANTS.glob("*.py")))
    assert at_import == "0"
    assert after_use == f"{n_files} {n_files}"  # read once, on first use
    assert cached == str(n_files)  # and not again


def test_variant_files_import_only_the_spec_module():
    for path in sorted(VARIANTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert modules <= {"autograder.rehearsal.spec"}, (path.name, modules)


def test_a_variant_file_elsewhere_loads_with_the_spec_helpers(tmp_path):
    from autograder.rehearsal.spec import Spec, expected_score, load_specs

    (tmp_path / "bt9_thu.py").write_text(
        "from autograder.rehearsal.spec import Spec, variant\n"
        "SPEC = Spec(needs={'kt_a': ('sol_a',)},\n"
        "            variants={'sol_a': {'naive': variant('a = 1', 'kt_a')}})\n",
        encoding="utf-8")
    spec = load_specs(tmp_path)["bt9_thu"]
    assert isinstance(spec, Spec)
    assert expected_score(spec, {"kt_a": 2.0}, {"sol_a": "naive"}) == 2.0
    assert expected_score(spec, {"kt_a": 2.0}, {"sol_a": "blank"}) == 0.0
