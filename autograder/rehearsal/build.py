"""Building a rehearsal class: the release notebook, the filled submissions, the files.

Submissions start from the RELEASE notebook (made by ``nbgrader generate_assignment`` in a
temporary copy of the course, never in the course itself) and only the solution cells are
filled, exactly as a learner would.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat

from autograder.coursectx import ensure_tools_on_path
from autograder.rehearsal.cases import (
    DEFAULT_CANARY_URL,
    WRITE_HERE,
    Case,
    attack_cases,
    nbgrader_meta,
    random_case,
    scripted_cases,
    write_code,
)
from autograder.rehearsal.people import roster
from autograder.rehearsal.spec import COURSE_ROOT, Spec, expected_score, specs

RENAMED_NOTEBOOK = "bai_lam_cua_em.ipynb"


# ---------------------------------------------------------------- notebooks from the course


def course_config(root: Path) -> Any:
    """Load <root>/nbgrader_config.py as a traitlets Config (its paths follow the file)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def generate_release(course_root: Path, assignment: str, work_dir: Path) -> Path:
    """Copy config + source of one assignment into work_dir and run generate_assignment there.

    Returns the release notebook path. Never writes into course_root.
    """
    from nbgrader.apps import NbGraderAPI

    ensure_tools_on_path()
    work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course_root / "nbgrader_config.py", work_dir / "nbgrader_config.py")
    shutil.copytree(notebook_path(course_root, "source", assignment).parent,
                    notebook_path(work_dir, "source", assignment).parent, dirs_exist_ok=True)
    api = NbGraderAPI(config=course_config(work_dir))
    result = api.generate_assignment(assignment, force=True)
    if not result["success"]:
        raise RuntimeError(f"generate_assignment {assignment} failed:\n{result['log']}")
    return notebook_path(work_dir, "release", assignment)


def notebook_path(root: Path, step: str, assignment: str) -> Path:
    """<root>/<step>/<id>/<id>.ipynb where nbgrader's CourseDirectory of that course puts it
    (``source_directory``, ``release_directory`` as its nbgrader_config.py sets them)."""
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=course_config(root))
    folder = cd.format_path(getattr(cd, f"{step}_directory"), ".", assignment)
    return Path(folder, f"{assignment}.ipynb")


def solution_code(source_nb: Any) -> dict[str, str]:
    """The instructor's code of each autograded solution cell, without the markers."""
    out = {}
    for cell in source_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            lines = [ln for ln in cell.source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[meta["grade_id"]] = "\n".join(lines)
    return out


def test_points(release_nb: Any) -> dict[str, float]:
    """Points of each autograded test cell, in notebook order."""
    return {
        nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
        for c in release_nb.cells
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }


# ---------------------------------------------------------------- writing


def _fill(release_nb: Any, case: Case, codes: dict[str, str], spec: Spec, student: str) -> Any:
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        sid = meta.get("grade_id")
        if sid not in case.code_choice:
            continue
        variant = case.code_choice[sid]
        if sid in case.literal:
            code = case.literal[sid]
        elif variant == "correct":
            code = codes[sid]
        elif variant == "blank":
            code = cell.source
        else:
            code = spec.variants[sid][variant].code
        suffix = case.suffix.get(sid, "")
        if suffix == WRITE_HERE:
            suffix = write_code(student)
        cell.source = case.prefix.get(sid, "") + code + suffix
    if case.edit is not None:
        case.edit(nb, case.code_choice)
    return nb


def simulate(out_dir: Path | str, assignment: str, n: int = 30, seed: int = 0, *,
             course_root: Path | str = COURSE_ROOT,
             canary_url: str = DEFAULT_CANARY_URL,
             reasons: list[str] | None = None,
             release: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """Write n simulated submissions + roster.csv + expected.json; return the expectations.

    The 30 scripted cases come first, in a fixed order (see the module docstring): n=30 gives
    exactly them, n>30 adds seeded random mixes, n<30 keeps the first n.
    `reasons` keeps only the first scripted case of each of those tags (n is then ignored),
    which makes small, fast test classes.
    """
    known = specs()
    if assignment not in known:
        raise ValueError(f"unknown autograded assignment {assignment!r}; one of {tuple(known)}")
    out_dir, course_root = Path(out_dir), Path(course_root)
    rng = random.Random(seed)
    spec = known[assignment]
    if release is not None:
        release_nb = nbformat.read(release, as_version=4)
    else:
        with tempfile.TemporaryDirectory(prefix="sim-release-") as tmp:
            release_path = generate_release(course_root, assignment, Path(tmp))
            release_nb = nbformat.read(release_path, as_version=4)
    source_nb = nbformat.read(notebook_path(course_root, "source", assignment), as_version=4)
    codes = solution_code(source_nb)
    points = test_points(release_nb)
    sols = list(codes)
    missing = set(points) - set(spec.needs)
    if missing or set(spec.variants) - set(sols):
        raise ValueError(f"spec of {assignment} does not match its notebook: {sorted(missing)}")

    cases = scripted_cases(spec, sols, assignment, canary_url)
    if reasons is not None:
        first = {}
        for c in cases + attack_cases(sols):
            if c.reason in reasons:
                first.setdefault(c.reason, c)
        cases = list(first.values())
    else:
        cases = cases[:n]
        while len(cases) < n:
            cases.append(random_case(spec, sols, rng))

    out_dir.mkdir(parents=True, exist_ok=True)
    people = roster(len(cases), random.Random(seed))
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    expected: dict[str, dict[str, Any]] = {}
    for person, case in zip(people, cases, strict=True):
        sid = person["id"]
        folder = out_dir / sid / assignment
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        stamp = start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
        (folder / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        nb = _fill(release_nb, case, codes, spec, sid)
        text = nbformat.writes(nb)
        target = folder / f"{assignment}.ipynb"
        if case.file_edit == "rename":
            target = folder / RENAMED_NOTEBOOK
        elif case.file_edit == "corrupt":
            text = text[: len(text) // 2]
        elif case.file_edit == "empty":
            text = ""
        target.write_text(text, encoding="utf-8")
        score = 0.0 if case.zero else expected_score(
            spec, points, case.score_choice or case.code_choice)
        expected[sid] = {"score": score, "reason": case.reason}

    with open(out_dir / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "ho_ten", "email", "don_vi"])
        writer.writeheader()
        writer.writerows(people)
    (out_dir / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")
    return expected
