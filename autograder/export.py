"""Grades to CSV (UTF-8 with BOM, opens correctly in Excel) and to an Excel workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from autograder.coursectx import Course, InstructorError
from autograder.scores import class_table, late_work, question_table, question_titles
from autograder.vnsort import name_key

HEADERS = {"ma_hv": "Mã học viên", "ho_ten": "Họ và tên", "email": "Email",
           "don_vi": "Đơn vị", "tong": "Tổng điểm", "toi_da": "Điểm tối đa", "ty_le": "Tỷ lệ (%)"}


def _sheet_name(text: str) -> str:
    bad = '[]:*?/\\'
    return "".join("-" if c in bad else c for c in text)[:31]


def _per_assignment(course: Course, assignment_id: str, names: dict[str, str]) -> pd.DataFrame:
    q = question_table(course, assignment_id)
    if q.empty:
        return pd.DataFrame(columns=["Mã học viên", "Họ và tên"])
    wide = q.pivot_table(index="ma_hv", columns="cau", values="diem", aggfunc="sum")
    # Task order and readable titles instead of alphabetical cell ids.
    titles = question_titles(course, assignment_id)
    order = [c for c in titles if c in wide.columns] + [c for c in wide.columns
                                                        if c not in titles]
    wide = wide[order].rename(columns=titles)
    wide["Tổng điểm"] = wide.sum(axis=1)
    late = late_work(course, assignment_id)
    wide["Nộp muộn"] = [late.get(sid, {}).get("late_text", "") for sid in wide.index]
    wide = wide.reset_index()
    wide.insert(1, "Họ và tên", wide["ma_hv"].map(names))
    wide = wide.iloc[sorted(range(len(wide)), key=lambda i: name_key(wide.loc[i, "Họ và tên"]))]
    return wide.rename(columns={"ma_hv": "Mã học viên"}).reset_index(drop=True)


def _autofit(ws) -> None:
    for i, col in enumerate(ws.iter_cols(values_only=True), start=1):
        width = max(len(str(v)) if v is not None else 0 for v in col)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 45)


def export_grades(course: Course, out_dir: Path | None = None) -> list[Path]:
    """Write bang-diem.csv, bang-diem-<id>.csv and bang-diem.xlsx; return the paths."""
    table, maxima = class_table(course)
    if table.empty:
        raise InstructorError("Sổ điểm chưa có học viên nào. Hãy nhập danh sách lớp trước "
                          "(python -m autograder roster import TEP).")
    out = Path(out_dir) if out_dir else course.root / "bang-diem"
    out.mkdir(parents=True, exist_ok=True)
    summary = table.rename(columns=HEADERS)
    lates = {a: late_work(course, a) for a in maxima}
    summary["Nộp muộn"] = [
        "; ".join(f"{a}: {lates[a][sid]['late_text']}" for a in maxima if sid in lates[a])
        for sid in table["ma_hv"]]
    paths = [out / "bang-diem.csv"]
    summary.to_csv(paths[0], index=False, encoding="utf-8-sig")
    names = dict(zip(table["ma_hv"], table["ho_ten"], strict=True))
    details = {a: _per_assignment(course, a, names) for a in maxima}
    for a, frame in details.items():
        path = out / f"bang-diem-{a}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        paths.append(path)
    xlsx = out / "bang-diem.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        summary.to_excel(writer, sheet_name="Tổng hợp", index=False)
        for a, frame in details.items():
            frame.to_excel(writer, sheet_name=_sheet_name(a), index=False)
        for ws in writer.book.worksheets:
            _autofit(ws)
            ws.freeze_panes = "C2"
    paths.append(xlsx)
    return paths
