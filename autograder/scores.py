"""Read scores out of the gradebook into pandas tables (shared by export, report, certificates)."""

from __future__ import annotations

import pandas as pd
from nbgrader.api import MissingEntry

from autograder.coursectx import Course
from autograder.grading import ResultStore, needs_review
from autograder.vnsort import name_key


def class_table(course: Course, assignments: list[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """One row per participant (Vietnamese order); per-assignment scores, total, percent.

    Returns the table and {assignment_id: max score}. A missing submission scores 0.
    """
    sidecar = course.class_list()
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
    """Result files the instructor should look at: a grading incident, tampering ("cần xem
    lại"), hidden-test text in what the submission printed, files refused by the sandbox."""
    return {sid: d for sid, d in ResultStore(course, assignment_id).all().items()
            if needs_review(d)}


def question_titles(course: Course, assignment_id: str) -> dict[str, str]:
    """Graded cell id -> readable title, in task order (from the source notebook).

    The title is the section heading above the cell ("Phần 1 (3 điểm) – Tỉ lệ ..." without
    the points), plus "kiểm tra ẩn" for a hidden-test cell.
    """
    import re

    import nbformat

    path = course.source_notebook(assignment_id)
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    titles: dict[str, str] = {}
    heading = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            heading = cell.source.strip().splitlines()[0].lstrip("#").strip()
            heading = re.sub(r"\s*\(\s*\d+([.,]\d+)?\s*điểm\s*\)", "", heading)
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        title = heading or meta["grade_id"]
        if cell.cell_type == "code" and not meta.get("solution"):
            title += " – kiểm tra ẩn" if "BEGIN HIDDEN TESTS" in cell.source else " – kiểm tra"
        base, n = title, 2
        while title in titles.values():
            title, n = f"{base} ({n})", n + 1
        titles[meta["grade_id"]] = title
    return titles


def late_work(course: Course, assignment_id: str) -> dict[str, dict]:
    """Late submissions: {student: {"late_text", "seconds_late", "late_penalty"}}."""
    return {sid: d for sid, d in ResultStore(course, assignment_id).all().items()
            if d.get("seconds_late")}
