"""A simulated class of submissions, with the exact score nbgrader must give each one.

    python -m autograder.simulate OUT_DIR --assignment bt3_funnel --n 30 --seed 0

writes, for ONE assignment,

    OUT_DIR/<student_id>/<assignment_id>/<assignment_id>.ipynb   (+ timestamp.txt)
    OUT_DIR/roster.csv      columns id, ho_ten, email, don_vi (Vietnamese names, NFC)
    OUT_DIR/expected.json   {student_id: {"score": float, "reason": tag}}

Per-assignment answer variants live next to the course, in ``assignments/variants/<id>.py``
(instructor-only; never in the participant edition); every assignment with such a file can
be simulated.

OUT_DIR has the layout of nbgrader's ``submitted/`` folder, so it can be copied to
``<course>/submitted`` and graded. Submissions start from the RELEASE notebook (made by
``nbgrader generate_assignment`` in a temporary copy of the course) and only the solution
cells are filled, exactly as a learner would.

Scoring model. Each test cell exercises one or more solution cells (``Spec.needs``); each
solution cell is filled with a *variant*: ``correct`` (the instructor's solution, read
from the source notebook), ``blank`` (the release stub left alone) or a named variant that
passes a known set of test cells (``Variant.passes``). A test cell earns its points iff
every solution cell it needs is filled with a variant that passes it. The expected total is
the sum of those points. Variants are written so their outcome does not depend on timing.

Reason tags and their expected score (N = the computed score of the filled cells):

================== ========================================================================
``correct``        every cell correct: full marks (10).
``blank``          release notebook untouched: 0.
``partial``        some cells correct, the rest blank: N.
``naive``          answers that pass the visible tests only (fail the hidden ones): N.
``wrong``          plausible wrong answers: N (usually 0).
``wrong_type``     right idea, wrong type (number instead of text, list instead of str): N.
``mixed``          seeded random mix of the variants above: N.
``infinite_loop``  ``while True: pass`` before the correct code of the FIRST solution cell.
                   nbgrader interrupts the cell after the per-cell timeout (30 s) and goes on;
                   that cell defines nothing. N = all correct except that cell counted blank.
``sys_exit``       ``sys.exit()`` before the correct code of the SECOND solution cell (first
                   if only one). IPython turns SystemExit into a cell error; the kernel lives.
                   N = all correct except that cell counted blank.
``os_exit``        all correct, then ``os._exit(1)`` at the end of the LAST solution cell:
                   the kernel dies, nbgrader aborts the notebook and saves no autograde
                   scores: 0.
``kernel_crash``   same with ``ctypes.string_at(0)`` (segmentation fault): 0.
``memory_10gb``    ``bytearray(10 GiB)`` in the first solution cell, every other cell blank:
                   0 whatever happens (MemoryError, OOM kill or success). The grader must
                   survive it and grade the next students normally.
``print_50mb``     all correct; the first solution cell also prints 50 lines of 1 MB: 10.
``deleted_test_cell`` all correct, the first visible and the first hidden test cells
                   deleted. The course config sets ``OverwriteCells.add_missing_cells``,
                   so nbgrader puts them back and runs them: 10.
``edited_test_cell`` first half of the solution cells correct, the rest blank; every test
                   cell's code replaced by ``pass``. nbgrader restores locked cells from the
                   gradebook, so only the honest work counts: N.
``changed_cell_type`` same honest work; every test cell that would fail turned into a
                   Markdown cell, and the first (correct) solution cell too. nbgrader restores
                   the cell types, runs them: N.
``renamed_notebook`` all correct, but saved as ``bai_lam_cua_em.ipynb``. nbgrader skips
                   unknown notebooks and finds none to grade: 0.
``corrupt_json``   all correct, file cut in the middle of its JSON: 0.
``empty_file``     a zero-byte notebook file: 0.
``read_gradebook`` cells blank; the first solution cell looks for ``gradebook.db`` in its
                   folder and up to four parents, reads it and sets ``manual_score`` to the
                   maximum on its own grades. A sandboxed grader gives 0 (plain nbgrader
                   running in the course folder would give 10).
``copy_other``     every solution cell, instead of an answer, looks for the other students'
                   notebooks (``submitted/*/<id>/<id>.ipynb``, then ``autograded/...``, in the
                   four folders above its own, sorted) and runs the same cell of the first
                   one that is not blank: 0 when sandboxed (plain nbgrader: the copied score).
``read_source``    same, reading the instructor's ``source/<id>/<id>.ipynb``: 0 when
                   sandboxed (plain nbgrader: 10).
``network``        all correct; the first solution cell also sends a request to
                   ``canary_url`` (default a closed loopback port) inside
                   try/except, 5 s timeout: 10. Tests may pass a 127.0.0.1 URL and count hits.
``write_outside``  all correct; the first solution cell tries to create
                   ``DA_GHI_NGOAI_<student>.txt`` in its parent, grand-parent and
                   great-grand-parent folders inside try/except: 10. A sandboxed grader
                   leaves no such file in the course folder.
================== ========================================================================

Attacks on the grading machine itself, only made when asked for by name (``reasons=``), so
a class of ``n`` stays as above; every one is all correct, expected 10 (the grader must
refuse what it does and grade the work):

================== ========================================================================
``links_out``      the first solution cell makes ``link_shadow -> /etc/shadow``, a loop
                   ``loop -> .`` and a FIFO in its working folder. Nothing is copied out.
``big_file``       it writes a 300 MB file (stopped by the file-size limit, not copied out).
``fork_bomb``      it forks 1,500 sleeping children (stopped by the process limit).
``own_notebook``   it prints every notebook file in its working folder (which holds no
                   hidden test).
================== ========================================================================

"Legitimate partial credit" therefore means: points for the student's own correct cells as
nbgrader 0.9.6 computes them after restoring locked/deleted/retyped cells; nothing gained
by reading or writing outside the submission; 0 when nbgrader cannot finish the notebook.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import shutil
import sys
import tempfile
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat

from autograder.coursectx import ensure_tools_on_path

COURSE_ROOT = Path(__file__).resolve().parents[1] / "assignments"
DEFAULT_CANARY_URL = "http://127.0.0.1:9/dap-an"  # loopback port nothing listens on
WRITE_MARKER = "DA_GHI_NGOAI"
RENAMED_NOTEBOOK = "bai_lam_cua_em.ipynb"


@dataclass(frozen=True)
class Variant:
    """A way of filling one solution cell, and the test cells it is known to pass."""

    code: str
    passes: frozenset[str] = frozenset()


def variant(code: str, *passes: str) -> Variant:
    return Variant(textwrap.dedent(code).strip("\n"), frozenset(passes))


@dataclass(frozen=True)
class Spec:
    needs: dict[str, tuple[str, ...]]  # test cell -> solution cells it exercises
    variants: dict[str, dict[str, Variant]] = field(default_factory=dict)


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
    shutil.copytree(course_root / "source" / assignment, work_dir / "source" / assignment,
                    dirs_exist_ok=True)
    api = NbGraderAPI(config=course_config(work_dir))
    result = api.generate_assignment(assignment, force=True)
    if not result["success"]:
        raise RuntimeError(f"generate_assignment {assignment} failed:\n{result['log']}")
    return work_dir / "release" / assignment / f"{assignment}.ipynb"


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_code(source_nb: Any) -> dict[str, str]:
    """The instructor's code of each autograded solution cell, without the markers."""
    out = {}
    for cell in source_nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            lines = [ln for ln in cell.source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[meta["grade_id"]] = "\n".join(lines)
    return out


def test_points(release_nb: Any) -> dict[str, float]:
    """Points of each autograded test cell, in notebook order."""
    return {
        _nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"])
        for c in release_nb.cells
        if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")
    }


# ---------------------------------------------------------------- scoring


def passes(spec: Spec, solution_id: str, variant: str, test_id: str) -> bool:
    if variant == "correct":
        return True
    if variant == "blank":
        return False
    return test_id in spec.variants[solution_id][variant].passes


def expected_score(spec: Spec, points: dict[str, float], choice: dict[str, str]) -> float:
    """Sum of the points of every test cell whose needed cells all pass it."""
    total = 0.0
    for test_id, pts in points.items():
        if all(passes(spec, sid, choice[sid], test_id) for sid in spec.needs[test_id]):
            total += pts
    return total


# ---------------------------------------------------------------- attacks (student code)


LOOP = "while True:  # never ends: only the per-cell timeout stops it\n    pass\n"
SYS_EXIT = "import sys\n\nsys.exit()\n"
OS_EXIT = "\nimport os\n\nos._exit(1)\n"
CRASH = "\nimport ctypes\n\nctypes.string_at(0)\n"
MEMORY = "ballast = bytearray(10 * 1024**3)\n"
PRINT = "\nfor _ in range(50):\n    print('x' * 1_000_000)\n"

GRADEBOOK = """\
import pathlib
import sqlite3

for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents][:5]:
    if (folder / "gradebook.db").exists():
        con = sqlite3.connect(folder / "gradebook.db", timeout=5)
        print("students:", con.execute("select count(*) from student").fetchone())
        con.execute(
            "update grade set manual_score = (select max_score from grade_cells"
            " where grade_cells.id = grade.cell_id) where notebook_id in (select sn.id"
            " from submitted_notebook sn join submitted_assignment sa"
            " on sn.assignment_id = sa.id where sa.student_id = ?)",
            (pathlib.Path.cwd().parent.name,),
        )
        con.commit()
"""

LINKS_OUT = """
import os

for name, target in (("link_shadow", "/etc/shadow"), ("loop", ".")):
    try:
        os.symlink(target, name)
    except OSError as err:
        print("link:", type(err).__name__)
try:
    os.mkfifo("ong")
except OSError as err:
    print("fifo:", type(err).__name__)
"""
BIG_FILE = """
try:
    with open("to.bin", "wb") as fh:
        for _ in range(300):
            fh.write(b"x" * 1024 * 1024)
except OSError as err:
    print("file:", type(err).__name__)
"""
FORK_BOMB = """
import os
import time

for _ in range(1500):
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except OSError as err:
        print("fork:", type(err).__name__)
        break
"""
OWN_NOTEBOOK = """
import glob

for name in sorted(glob.glob("*.ipynb")):
    print(open(name, encoding="utf-8").read())
"""

_COPY = """\
import json
import pathlib

here = pathlib.Path.cwd().resolve()
for pattern in PATTERNS:
    found = [p for folder in here.parents[:4] for p in sorted(folder.glob(pattern))
             if p.resolve().parent != here]
    for path in found:
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError):
            continue
        codes = ["".join(c["source"]) for c in cells
                 if c["metadata"].get("nbgrader", {}).get("grade_id") == GRADE_ID]
        if codes and "NotImplementedError" not in codes[0]:
            exec(codes[0], globals())
            break
    else:
        continue
    break
"""


def _copy_code(assignment: str, patterns: list[str], grade_id: str) -> str:
    """Code that runs, in place of a learner's answer, the same cell taken from elsewhere."""
    pats = [p.format(a=assignment) for p in patterns]
    return _COPY.replace("PATTERNS", repr(pats)).replace("GRADE_ID", repr(grade_id))


def _network_code(url: str) -> str:
    return (
        "\nimport urllib.request\n\ntry:\n"
        f"    urllib.request.urlopen({url!r}, timeout=5).read()\n"
        "except Exception as err:\n    print('network:', type(err).__name__)\n"
    )


def _write_code(student: str) -> str:
    return (
        "\nimport pathlib\n\nfor folder in pathlib.Path.cwd().parents[:3]:\n    try:\n"
        f"        (folder / '{WRITE_MARKER}_{student}.txt').write_text('x')\n"
        "    except OSError as err:\n        print('write:', type(err).__name__)\n"
    )


# ---------------------------------------------------------------- cases


@dataclass
class Case:
    reason: str
    code_choice: dict[str, str]  # variant written into each solution cell
    score_choice: dict[str, str] | None = None  # variants as they count (default code_choice)
    literal: dict[str, str] = field(default_factory=dict)  # code written as is (attacks)
    prefix: dict[str, str] = field(default_factory=dict)
    suffix: dict[str, str] = field(default_factory=dict)
    edit: Callable[[Any, dict[str, str]], None] | None = None  # (notebook, choice) -> None
    file_edit: str | None = None  # "rename" | "corrupt" | "empty"
    zero: bool = False  # nbgrader cannot finish this notebook: 0 whatever the cells say


def _all(sols: list[str], variant: str, spec: Spec | None = None) -> dict[str, str]:
    if spec is None:
        return {s: variant for s in sols}
    return {s: variant if variant in spec.variants.get(s, {}) else "blank" for s in sols}


def _scripted_cases(spec: Spec, sols: list[str], assignment: str,
                    canary_url: str) -> list[Case]:
    first, last = sols[0], sols[-1]
    second = sols[1] if len(sols) > 1 else sols[0]
    half = len(sols) - len(sols) // 2
    honest = {s: ("correct" if i < half else "blank") for i, s in enumerate(sols)}
    naive = {s: ("naive" if "naive" in spec.variants.get(s, {}) else "correct") for s in sols}
    correct = _all(sols, "correct")
    blank = _all(sols, "blank")

    def delete_tests(nb: Any, _choice: dict[str, str]) -> None:
        tests = [c for c in nb.cells if _nbgrader(c).get("grade")]
        visible = next(c for c in tests if not _is_hidden_only(c))
        hidden = next((c for c in tests if _is_hidden_only(c)), None)
        nb.cells = [c for c in nb.cells if c is not visible and c is not hidden]

    def edit_tests(nb: Any, _choice: dict[str, str]) -> None:
        for c in nb.cells:
            if _nbgrader(c).get("grade"):
                c.source = "pass"

    def retype(nb: Any, choice: dict[str, str]) -> None:
        for i, c in enumerate(nb.cells):
            meta = _nbgrader(c)
            test_id = meta.get("grade_id")
            fails = meta.get("grade") and not all(
                passes(spec, s, choice[s], test_id) for s in spec.needs[test_id])
            if fails or test_id == first:
                nb.cells[i] = nbformat.v4.new_markdown_cell(c.source, metadata=c.metadata)
                nb.cells[i].id = c.get("id")

    return [
        Case("correct", correct),
        Case("blank", blank),
        Case("partial", honest),
        Case("partial", {s: ("blank" if i < half else "correct") for i, s in enumerate(sols)}),
        Case("partial", {s: ("correct" if i % 2 == 0 else "blank") for i, s in enumerate(sols)}),
        Case("partial", {s: ("correct" if s == last else "blank") for s in sols}),
        Case("partial", {s: ("blank" if s == first else "correct") for s in sols}),
        Case("naive", naive),
        Case("wrong", _all(sols, "wrong", spec)),
        Case("wrong_type", _all(sols, "wrong_type", spec)),
        Case("infinite_loop", correct, {**correct, first: "blank"}, prefix={first: LOOP}),
        Case("correct", correct),
        Case("sys_exit", correct, {**correct, second: "blank"}, prefix={second: SYS_EXIT}),
        Case("os_exit", correct, suffix={last: OS_EXIT}, zero=True),
        Case("kernel_crash", correct, suffix={last: CRASH}, zero=True),
        Case("correct", correct),
        Case("memory_10gb", blank, prefix={first: MEMORY}),
        Case("print_50mb", correct, suffix={first: PRINT}),
        Case("deleted_test_cell", correct, edit=delete_tests),
        Case("edited_test_cell", honest, edit=edit_tests),
        Case("changed_cell_type", honest, edit=retype),
        Case("renamed_notebook", correct, file_edit="rename", zero=True),
        Case("corrupt_json", correct, file_edit="corrupt", zero=True),
        Case("empty_file", correct, file_edit="empty", zero=True),
        Case("read_gradebook", blank, prefix={first: GRADEBOOK}),
        Case("copy_other", blank, literal={s: _copy_code(
            assignment, ["submitted/*/{a}/{a}.ipynb", "autograded/*/{a}/{a}.ipynb"], s)
            for s in sols}),
        Case("read_source", blank, literal={s: _copy_code(
            assignment, ["source/{a}/{a}.ipynb"], s) for s in sols}),
        Case("network", correct, suffix={first: _network_code(canary_url)}),
        Case("write_outside", correct, suffix={first: "__WRITE__"}),
        Case("correct", correct),
    ]


def _attack_cases(sols: list[str]) -> list[Case]:
    """Attacks on the grading machine (see the second table of the module docstring)."""
    correct = _all(sols, "correct")
    first = sols[0]
    return [Case("links_out", correct, suffix={first: LINKS_OUT}),
            Case("big_file", correct, suffix={first: BIG_FILE}),
            Case("fork_bomb", correct, suffix={first: FORK_BOMB}),
            Case("own_notebook", correct, suffix={first: OWN_NOTEBOOK})]


def _is_hidden_only(cell: Any) -> bool:
    # In the release a hidden-only test cell keeps no visible assert.
    return not any(ln.strip().startswith("assert") for ln in cell.source.splitlines())


def _random_case(spec: Spec, sols: list[str], rng: random.Random) -> Case:
    choice = {s: rng.choice(["correct", "blank", *sorted(spec.variants.get(s, {}))])
              for s in sols}
    return Case("mixed", choice)


# ---------------------------------------------------------------- roster

_SPECIAL_NAMES = [
    "Đặng Thị Ánh", "Đỗ Văn Ấn", "Nguyễn Thị Ánh", "Ngô Văn An", "Nguyễn Văn An",
    "Đinh Thị Ân", "Âu Văn Ẩn", "Ông Thị Ơn", "Bùi Thị Ước", "Võ Minh Ý",
    "Dương Văn Bình", "Trần Thị Ngọc Hà", "Lê Hữu Đức", "Phạm Thị Út", "Hồ Văn Ổn",
    "Huỳnh Thị Hương", "Trương Công Đạt", "Phan Thị Ảnh", "Lý Văn Ân", "Ngô Thị Ánh Dương",
]
_HO = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô", "Hồ", "Dương"]
_DEM = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thị Thu"]
_TEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hải", "Khánh", "Lan", "Mai", "Nam", "Oanh",
        "Phúc", "Quỳnh", "Sơn", "Tâm", "Uyên", "Vân", "Xuân", "Yến", "Ánh", "Ấn", "Đông"]
_DON_VI = [
    "HTX Hồ tiêu Cùa Cam Lộ", "HTX Nông nghiệp hữu cơ Hải Lăng", "Cơ sở nước mắm Mỹ Thủy",
    "Công ty TNHH Cà phê Khe Sanh", "Hộ kinh doanh mắm ruốc Gio Linh",
    "HTX Dược liệu Triệu Phong", "Cơ sở mật ong Tuyên Hóa", "HTX Măng rừng Hướng Hóa",
    "Hộ kinh doanh dầu lạc Vĩnh Linh", "Tổ hợp tác gà Cùa Cam Lộ",
]


def roster(n: int, rng: random.Random) -> list[dict[str, str]]:
    """n learners hv001.. with NFC Vietnamese names chosen to exercise Vietnamese sorting."""
    names = list(_SPECIAL_NAMES)
    while len(names) < n:
        name = f"{rng.choice(_HO)} {rng.choice(_DEM)} {rng.choice(_TEN)}"
        if name not in names:
            names.append(name)
    rows = []
    for i in range(n):
        sid = f"hv{i + 1:03d}"
        rows.append({
            "id": sid,
            "ho_ten": unicodedata.normalize("NFC", names[i]),
            "email": f"{sid}@example.com",
            "don_vi": _DON_VI[i % len(_DON_VI)],
        })
    return rows


# ---------------------------------------------------------------- writing


def _fill(release_nb: Any, case: Case, codes: dict[str, str], spec: Spec, student: str) -> Any:
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in nb.cells:
        meta = _nbgrader(cell)
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
        if suffix == "__WRITE__":
            suffix = _write_code(student)
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
    if assignment not in SPECS:
        raise ValueError(f"unknown autograded assignment {assignment!r}; one of {AUTOGRADED}")
    out_dir, course_root = Path(out_dir), Path(course_root)
    rng = random.Random(seed)
    spec = SPECS[assignment]
    if release is not None:
        release_nb = nbformat.read(release, as_version=4)
    else:
        with tempfile.TemporaryDirectory(prefix="sim-release-") as tmp:
            release_path = generate_release(course_root, assignment, Path(tmp))
            release_nb = nbformat.read(release_path, as_version=4)
    source_nb = nbformat.read(course_root / "source" / assignment / f"{assignment}.ipynb",
                              as_version=4)
    codes = solution_code(source_nb)
    points = test_points(release_nb)
    sols = list(codes)
    missing = set(points) - set(spec.needs)
    if missing or set(spec.variants) - set(sols):
        raise ValueError(f"spec of {assignment} does not match its notebook: {sorted(missing)}")

    cases = _scripted_cases(spec, sols, assignment, canary_url)
    if reasons is not None:
        first = {}
        for c in cases + _attack_cases(sols):
            if c.reason in reasons:
                first.setdefault(c.reason, c)
        cases = list(first.values())
    else:
        cases = cases[:n]
        while len(cases) < n:
            cases.append(_random_case(spec, sols, rng))

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


def main(argv: list[str] | None = None) -> int:
    from autograder.cli import Parser  # Vietnamese help and errors, as the main tool

    parser = Parser(prog="python -m autograder.simulate",
                    description="Tạo một lớp học mô phỏng (nhiều kiểu bài nộp giả: đúng, sai, "
                                "bỏ trống...) để tập chấm bài mà không cần học viên thật.")
    parser.add_argument("out_dir", type=Path, metavar="THU_MUC",
                        help="Nơi tạo khóa học mô phỏng (ví dụ /tmp/khoa-tap).")
    parser.add_argument("--assignment", required=True, choices=AUTOGRADED, metavar="ID",
                        help="Bài tập: " + ", ".join(AUTOGRADED) + ".")
    parser.add_argument("--n", type=int, default=30, metavar="SO",
                        help="Số học viên mô phỏng (mặc định 30).")
    parser.add_argument("--seed", type=int, default=0, metavar="SO",
                        help="Hạt giống ngẫu nhiên: cùng số thì cùng lớp (mặc định 0).")
    parser.add_argument("--course-root", type=Path, default=COURSE_ROOT, metavar="THU_MUC",
                        help="Thư mục khóa học nguồn (mặc định assignments/ của kho).")
    parser.add_argument("--canary-url", default=DEFAULT_CANARY_URL, metavar="URL",
                        help="Địa chỉ bài nộp 'gọi mạng' thử gọi, để kiểm tra hộp cách ly cắt "
                             "mạng (mặc định một cổng đóng trên máy này).")
    args = parser.parse_args(argv)
    expected = simulate(args.out_dir, args.assignment, args.n, args.seed,
                        course_root=args.course_root, canary_url=args.canary_url)
    print(f"Đã tạo {len(expected)} bài nộp mô phỏng cho {args.assignment} trong {args.out_dir}")
    return 0


# ---------------------------------------------------------------- per-assignment specs
# Helpers for the variant files in assignments/variants/<id>.py (one per auto-graded
# assignment, next to the course and never in the participant edition).

def prompt_variants(name: str, naive: str) -> dict[str, Variant]:
    return {
        "naive": variant(f'{name} = """\n{naive}\n"""', f"kt_{name}"),
        "wrong": variant(f'{name} = """\nViết bài quảng cáo\n"""'),
        "wrong_type": variant(
            f'{name} = ["Bạn là nhân viên bán hàng.", "Viết tin nhắn Zalo 50 từ."]'),
    }


def choice_variants(name: str, wrong: str) -> dict[str, Variant]:
    return {"wrong": variant(f'{name} = """\n{wrong}\n"""'), "wrong_type": variant(f"{name} = 3")}


def choices(questions: dict[str, str]) -> dict[str, dict[str, Variant]]:
    return {f"sol_{q}": choice_variants(q, w) for q, w in questions.items()}


def needs_choices(questions: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {f"kt_{q}": (f"sol_{q}",) for q in questions}



VARIANTS_DIR = COURSE_ROOT / "variants"


def load_specs(folder: Path = VARIANTS_DIR) -> dict[str, Spec]:
    """Every assignment with a variant file: {assignment id: SPEC}."""
    specs = {}
    for path in sorted(Path(folder).glob("*.py")):
        module_spec = importlib.util.spec_from_file_location(f"_variants_{path.stem}", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        specs[path.stem] = module.SPEC
    return specs


SPECS: dict[str, Spec] = load_specs()
AUTOGRADED = tuple(SPECS)


if __name__ == "__main__":
    sys.exit(main())
