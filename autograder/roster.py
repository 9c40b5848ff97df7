"""Class list import: CSV or Excel with Vietnamese or English headers, into the gradebook.

Good rows are imported; bad rows are reported with their line number and written to
``.autograder/danh-sach-loi.csv`` (with the reason) so nothing typed is lost.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from autograder.coursectx import CLASS_LIST, Course, InstructorError
from autograder.vnsort import split_name
from course.text import fold

FIELDS = ("id", "ho_ten", "email", "don_vi")
ALIASES = {
    "id": {"id", "ma", "ma hv", "mahv", "ma hoc vien", "ma so", "ma so hoc vien", "mssv",
           "student id", "studentid", "username", "tai khoan"},
    "ho_ten": {"ho ten", "hoten", "ho va ten", "ten", "ho ten hoc vien", "full name", "fullname",
               "name", "student name"},
    "email": {"email", "e mail", "thu dien tu", "mail", "dia chi email"},
    "don_vi": {"don vi", "donvi", "doanh nghiep", "co so", "hop tac xa", "htx", "cong ty",
               "noi lam viec", "co quan", "business", "unit", "organization", "organisation",
               "company"},
}
ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EMAIL_OK = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def plain(text: str) -> str:
    """Lower case, no diacritics (đ -> d), single spaces; for matching headers and names."""
    return fold(re.sub(r"[_\-–./]+", " ", str(text)))


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    bad_rows: list[tuple[int, str, dict]] = field(default_factory=list)  # line, reason, row
    error_file: Path | None = None


HOW = ("Tệp cần một dòng tiêu đề cột ở dòng 1 (ví dụ: id, ho_ten, email, don_vi; hoặc "
       "Mã học viên, Họ và tên, Email, Đơn vị) và mỗi học viên một dòng bên dưới.")


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InstructorError(f"Không tìm thấy tệp danh sách: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if path.suffix.lower() != ".xls" and not zipfile.is_zipfile(path):
            raise InstructorError(
                f"{path.name} có đuôi {path.suffix} nhưng không phải tệp Excel (có thể là tệp "
                "văn bản hay CSV bị đổi tên). Hãy mở bằng Excel rồi chọn Lưu thành → Excel "
                "Workbook (.xlsx), hoặc đổi đuôi tệp thành .csv nếu đó là CSV.")
        try:
            table = pd.read_excel(path, dtype=str, keep_default_na=False)
        except Exception as exc:
            raise InstructorError(f"Không đọc được tệp Excel {path.name} ({type(exc).__name__}). "
                                  "Hãy mở bằng Excel, kiểm tra trang đầu tiên có danh sách, rồi "
                                  "lưu lại dạng .xlsx hoặc .csv.") from exc
    else:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "utf-16", "cp1258"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InstructorError(f"Không đọc được bảng mã của {path.name}; hãy lưu lại dạng CSV "
                                  "UTF-8.")
        if not text.strip():
            raise InstructorError(f"Tệp {path.name} rỗng, chưa có học viên nào. " + HOW)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        try:
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                sep=delimiter)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InstructorError(f"Không đọc được {path.name} như một bảng CSV. " + HOW) from exc
    if table.empty and not len(table.columns):
        raise InstructorError(f"Tệp {path.name} rỗng, chưa có học viên nào. " + HOW)
    return table


def _header_row(table: pd.DataFrame) -> int | None:
    """1-based line of a row further down that looks like the real header row."""
    for i, row in enumerate(table.head(10).itertuples(index=False)):
        keys = {plain(v) for v in row if str(v).strip()}
        if keys & ALIASES["id"] and keys & ALIASES["ho_ten"]:
            return i + 2
    return None


def _map_headers(table: pd.DataFrame) -> dict[str, str]:
    columns = list(table.columns)
    found: dict[str, str] = {}
    unknown = []
    for col in columns:
        key = plain(col)
        target = next((t for t, names in ALIASES.items() if key in names), None)
        if target and target not in found:
            found[target] = col
        elif str(col).strip() and not str(col).startswith("Unnamed:"):
            unknown.append(str(col))
    missing = [f for f in ("id", "ho_ten") if f not in found]
    if missing:
        line = _header_row(table)
        if line:
            raise InstructorError(
                f"Dòng tiêu đề cột đang ở dòng {line}, phía trên còn dòng khác (ví dụ tên lớp "
                f"'{columns[0]}'). Hãy xóa các dòng phía trên dòng tiêu đề cột rồi nhập lại.")
        labels = {"id": "mã học viên (id)", "ho_ten": "họ tên (ho_ten)"}
        raise InstructorError(
            "Tệp danh sách thiếu cột " + ", ".join(labels[m] for m in missing)
            + ". Các cột đang có: " + ", ".join(map(str, columns)) + ". " + HOW
        )
    if unknown:
        raise InstructorError(
            "Không biết dùng cột " + ", ".join(f"'{c}'" for c in unknown) + " vào đâu. Cột "
            "dùng được: mã học viên (id), họ tên (ho_ten), email, đơn vị (don_vi). Hãy xóa "
            "hoặc đổi tên cột đó rồi nhập lại (chưa nhập gì vào sổ điểm).")
    return found


def read_roster(path: Path) -> tuple[list[dict], list[tuple[int, str, dict]]]:
    """Rows as dicts with FIELDS, plus bad rows (line number, Vietnamese reason, raw row)."""
    table = _read_table(Path(path))
    cols = _map_headers(table)
    good, bad, seen = [], [], set()
    for i, raw in enumerate(table.to_dict("records")):
        line = i + 2  # line 1 holds the headers
        row = {f: unicodedata.normalize("NFC", " ".join(str(raw.get(cols[f], "")).split()))
               if f in cols else "" for f in FIELDS}
        if not any(row.values()):
            continue
        problem = None
        if not row["id"]:
            problem = "thiếu mã học viên"
        elif not ID_OK.match(row["id"]):
            problem = (f"mã học viên '{row['id']}' chỉ được có chữ không dấu, số, '-', '_' "
                       "hoặc '.' (không dấu cách)")
        elif row["id"].lower() in seen:
            problem = f"mã học viên '{row['id']}' bị trùng với một dòng phía trên"
        elif not row["ho_ten"]:
            problem = "thiếu họ tên"
        elif row["email"] and not EMAIL_OK.match(row["email"]):
            problem = f"email '{row['email']}' không hợp lệ"
        if problem:
            bad.append((line, problem, {str(k): str(v) for k, v in raw.items()}))
            continue
        seen.add(row["id"].lower())
        good.append(row)
    return good, bad


def import_roster(course: Course, path: Path) -> ImportReport:
    rows, bad = read_roster(path)
    report = ImportReport(bad_rows=bad)
    sidecar = course.class_list()
    with course.gradebook() as gb:
        for row in rows:
            family, middle, given = split_name(row["ho_ten"])
            gb.update_or_create_student(
                row["id"], first_name=given, last_name=" ".join(p for p in (family, middle) if p),
                email=row["email"] or None)
            sidecar[row["id"]] = row
            report.imported.append(row["id"])
    (course.state_dir() / CLASS_LIST).write_text(
        json.dumps(sidecar, ensure_ascii=False, indent=1), encoding="utf-8")
    if bad:
        report.error_file = course.state_dir() / "danh-sach-loi.csv"
        with open(report.error_file, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["dong", "ly_do", *bad[0][2].keys()])
            for line, why, raw in bad:
                writer.writerow([line, why, *raw.values()])
    return report


def roster_ids(course: Course) -> set[str]:
    """Everyone on the class list (imported list and gradebook students)."""
    ids = set(course.class_list())
    with course.gradebook() as gb:
        ids |= {st.id for st in gb.students}
    return ids


def add_students(course: Course, ids: list[str]) -> None:
    """Put submitters who were not on the list onto it (name = id until corrected)."""
    sidecar = course.class_list()
    with course.gradebook() as gb:
        for sid in ids:
            gb.update_or_create_student(sid)
            sidecar.setdefault(sid, {"id": sid, "ho_ten": sid, "email": "", "don_vi": ""})
    (course.state_dir() / CLASS_LIST).write_text(
        json.dumps(sidecar, ensure_ascii=False, indent=1), encoding="utf-8")


def full_name(course: Course, student_id: str, gb_student=None) -> str:
    """The participant's full name as typed in the class list, else from the gradebook."""
    row = course.class_list().get(student_id)
    if row and row.get("ho_ten"):
        return row["ho_ten"]
    if gb_student is not None:
        name = " ".join(p for p in (gb_student.last_name, gb_student.first_name) if p)
        if name:
            return name
    return student_id
