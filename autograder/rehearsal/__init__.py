"""A simulated class of submissions, with the exact score nbgrader must give each one.

    python -m autograder.simulate OUT_DIR --assignment bt3_funnel --n 30 --seed 0

writes, for ONE assignment,

    OUT_DIR/<student_id>/<assignment_id>/<assignment_id>.ipynb   (+ timestamp.txt)
    OUT_DIR/roster.csv      columns id, ho_ten, email, don_vi (Vietnamese names, NFC)
    OUT_DIR/expected.json   {student_id: {"score": float, "reason": tag}}

Per-assignment answer variants live next to the course, in ``assignments/variants/<id>.py``
(instructor-only; never in the participant edition); every assignment with such a file can
be simulated. They are read only when a rehearsal asks for them (``spec.specs()``), never
at import.

Modules: ``spec`` (the scoring model and the helpers the variant files use), ``cases`` (the
scripted submissions and the attack payloads), ``people`` (the fake roster), ``build``
(release notebook, filling, writing the class), ``cli`` (``python -m autograder.simulate``).

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

from typing import Any

from autograder.rehearsal.build import (
    DEFAULT_CANARY_URL,
    RENAMED_NOTEBOOK,
    course_config,
    generate_release,
    simulate,
    solution_code,
    test_points,
)
from autograder.rehearsal.spec import (
    COURSE_ROOT,
    VARIANTS_DIR,
    Spec,
    Variant,
    autograded,
    expected_score,
    load_specs,
    passes,
    specs,
    variant,
)

__all__ = [
    "COURSE_ROOT", "DEFAULT_CANARY_URL", "RENAMED_NOTEBOOK", "VARIANTS_DIR", "Spec", "Variant",
    "autograded", "course_config", "expected_score", "generate_release", "load_specs", "passes",
    "simulate", "solution_code", "specs", "test_points", "variant",
]


def __getattr__(name: str) -> Any:
    # SPECS / AUTOGRADED used to be computed at import; now on first use (PEP 562).
    if name == "SPECS":
        return specs()
    if name == "AUTOGRADED":
        return autograded()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
