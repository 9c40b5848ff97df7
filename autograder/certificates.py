"""One PDF certificate of completion per participant at or above the mark (fpdf2).

The font is DejaVu Sans shipped inside matplotlib (full Vietnamese coverage), so no
system font package is needed; Debian's fonts-dejavu-core is the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import matplotlib
from fpdf import FPDF

from autograder.coursectx import Course, InstructorError
from autograder.roster import plain
from autograder.scores import class_table
from course import timezone

COURSE_TITLE = "Ứng dụng AI – ChatGPT trong sản xuất, kinh doanh"
FONT_DIRS = [Path(matplotlib.get_data_path()) / "fonts" / "ttf",
             Path("/usr/share/fonts/truetype/dejavu")]


def font_file(name: str = "DejaVuSans.ttf") -> Path:
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return folder / name
    raise InstructorError(
        f"Không tìm thấy phông chữ {name} (cần matplotlib hoặc fonts-dejavu-core).")


def _file_name(student_id: str, name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", plain(name)).strip("-")
    return f"{student_id}-{slug or 'hoc-vien'}.pdf"


def certificate(path: Path, name: str, unit: str, percent: float, issued: date,
                organiser: str) -> Path:
    name = unicodedata.normalize("NFC", name)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Giấy chứng nhận – {name}")
    pdf.set_author(organiser)
    pdf.add_font("DejaVu", "", str(font_file("DejaVuSans.ttf")))
    pdf.add_font("DejaVu", "B", str(font_file("DejaVuSans-Bold.ttf")))
    pdf.add_page()
    pdf.set_draw_color(30, 90, 160)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)
    pdf.set_y(32)
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_text_color(30, 90, 160)
    pdf.cell(0, 14, "GIẤY CHỨNG NHẬN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 16)
    pdf.set_text_color(40, 40, 40)
    pdf.cell(0, 10, "Hoàn thành khóa học", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(0, 12, COURSE_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(0, 8, "Chứng nhận học viên", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 28)
    pdf.set_text_color(150, 30, 30)
    pdf.cell(0, 16, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(40, 40, 40)
    pdf.set_font("DejaVu", "", 14)
    if unit:
        pdf.cell(0, 9, f"Đơn vị: {unit}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 9, f"đã hoàn thành các bài tập thực hành với kết quả {percent:g}% tổng điểm.",
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 7, f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, organiser, align="C", new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_certificates(course: Course, min_score: float, out_dir: Path | None = None,
                      organiser: str = "Ban tổ chức khóa học", issued: date | None = None
                      ) -> list[Path]:
    """Certificates for everyone whose total is at least ``min_score`` percent."""
    table, maxima = class_table(course)
    if table.empty or not maxima:
        raise InstructorError("Chưa có điểm nào trong sổ điểm, nên chưa cấp được giấy chứng nhận.")
    out = Path(out_dir) if out_dir else course.root / "chung-nhan"
    chosen = table[table["ty_le"] >= min_score]
    return [certificate(out / _file_name(r.ma_hv, r.ho_ten), r.ho_ten, r.don_vi, r.ty_le,
                        issued or timezone.today(), organiser)
            for r in chosen.itertuples()]
