"""Read scores out of the gradebook into pandas tables (shared by export, report, certificates)."""

from __future__ import annotations

import pandas as pd
from nbgrader.api import MissingEntry

from autograder.coursectx import Course
from autograder.grading import CLEAN, ResultStore
from autograder.roster import load_sidecar
from autograder.vnsort import name_key


def class_table(course: Course, assignments: list[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """One row per participant (Vietnamese order); per-assignment scores, total, percent.

    Returns the table and {assignment_id: max score}. A missing submission scores 0.
    """
    sidecar = load_sidecar(course)
    rows = []
    with course.gradebook() as gb:
        known = [a.name for a in gb.assignments]
        ids = [a for a in (assignments or known) if a in known]
        maxima = {a: float(gb.find_assignment(a).max_score) for a in ids}
        for st in gb.students:
            extra = sidecar.get(st.id, {})
            name = extra.get("ho_ten") or " ".join(
                p for p in (st.last_name, st.first_name) if p) or st.id
            row = {"ma_hv": st.id, "ho_ten": name, "email": extra.get("email") or st.email or "",
                   "don_vi": extra.get("don_vi", "")}
            for a in ids:
                try:
                    row[a] = float(gb.find_submission(a, st.id).score)
                except MissingEntry:
                    row[a] = None
            rows.append(row)
    table = pd.DataFrame(rows, columns=["ma_hv", "ho_ten", "email", "don_vi", *ids])
    total_max = sum(maxima.values())
    table["tong"] = table[ids].fillna(0).sum(axis=1) if ids else 0.0
    table["toi_da"] = total_max
    table["ty_le"] = (100 * table["tong"] / total_max).round(1) if total_max else 0.0
    if len(table):
        order = sorted(range(len(table)), key=lambda i: name_key(table.loc[i, "ho_ten"]))
        table = table.iloc[order].reset_index(drop=True)
    return table, maxima


def question_table(course: Course, assignment_id: str) -> pd.DataFrame:
    """One row per (participant, graded cell): score and max, for per-question figures."""
    rows = []
    with course.gradebook() as gb:
        for sub in gb.assignment_submissions(assignment_id):
            for nb in sub.notebooks:
                for g in nb.grades:
                    rows.append({"ma_hv": sub.student.id, "notebook": nb.name, "cau": g.name,
                                 "diem": float(g.score), "toi_da": float(g.max_score)})
    return pd.DataFrame(rows, columns=["ma_hv", "notebook", "cau", "diem", "toi_da"])


def problems(course: Course, assignment_id: str) -> dict[str, dict]:
    """Result files of submissions that did not run cleanly (reason other than ok/tests)."""
    return {sid: d for sid, d in ResultStore(course, assignment_id).all().items()
            if d.get("reason_code") not in CLEAN or d.get("tampered")}
