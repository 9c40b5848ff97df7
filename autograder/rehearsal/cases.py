"""The submissions of a rehearsal: scripted cases, seeded random mixes, attack payloads.

Each ``Case`` says which variant goes into each solution cell, what is written around it
(``prefix``/``suffix``/``literal``: the attacks), how the notebook or its file is damaged
afterwards, and how the cells count (``score_choice``, ``zero``). The tables of reason tags
are in the docstring of ``autograder.rehearsal``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nbformat

from autograder.rehearsal.spec import Spec, passes

DEFAULT_CANARY_URL = "http://127.0.0.1:9/dap-an"  # loopback port nothing listens on
WRITE_MARKER = "DA_GHI_NGOAI"
WRITE_HERE = "__WRITE__"  # suffix placeholder: the write-outside code, per student


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


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


def write_code(student: str) -> str:
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


def scripted_cases(spec: Spec, sols: list[str], assignment: str,
                    canary_url: str) -> list[Case]:
    first, last = sols[0], sols[-1]
    second = sols[1] if len(sols) > 1 else sols[0]
    half = len(sols) - len(sols) // 2
    honest = {s: ("correct" if i < half else "blank") for i, s in enumerate(sols)}
    naive = {s: ("naive" if "naive" in spec.variants.get(s, {}) else "correct") for s in sols}
    correct = _all(sols, "correct")
    blank = _all(sols, "blank")

    def delete_tests(nb: Any, _choice: dict[str, str]) -> None:
        tests = [c for c in nb.cells if nbgrader_meta(c).get("grade")]
        visible = next(c for c in tests if not _is_hidden_only(c))
        hidden = next((c for c in tests if _is_hidden_only(c)), None)
        nb.cells = [c for c in nb.cells if c is not visible and c is not hidden]

    def edit_tests(nb: Any, _choice: dict[str, str]) -> None:
        for c in nb.cells:
            if nbgrader_meta(c).get("grade"):
                c.source = "pass"

    def retype(nb: Any, choice: dict[str, str]) -> None:
        for i, c in enumerate(nb.cells):
            meta = nbgrader_meta(c)
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
        Case("write_outside", correct, suffix={first: WRITE_HERE}),
        Case("correct", correct),
    ]


def attack_cases(sols: list[str]) -> list[Case]:
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


def random_case(spec: Spec, sols: list[str], rng: random.Random) -> Case:
    choice = {s: rng.choice(["correct", "blank", *sorted(spec.variants.get(s, {}))])
              for s in sols}
    return Case("mixed", choice)
