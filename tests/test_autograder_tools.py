"""Roster import, collecting loose files, Vietnamese sorting, export and certificates.

Every test drives the real code against a real nbgrader gradebook in a temp course.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from autograder.cli import main
from autograder.coursectx import Course

# nbgrader's own submission creation emits a harmless SQLAlchemy autoflush warning.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

NAMES = ["Đặng Thị Đào", "Vũ Đức Dũng", "Nguyễn Văn An", "Trần Thị Ân", "Đỗ Văn Bình",
         "Phạm Thị Ánh", "Hoàng Văn Dung", "Lê Văn Anh", "Dương Thị Bình", "Bùi Văn Dao",
         "Nguyễn Văn Hoa", "Nguyễn Thị Hoa"]
# Given name first (a < ă < â, d < đ, tones: none < huyền < hỏi < ngã < sắc < nặng),
# then family name, then middle names.
EXPECTED_ORDER = ["Nguyễn Văn An", "Lê Văn Anh", "Phạm Thị Ánh", "Trần Thị Ân",
                  "Dương Thị Bình", "Đỗ Văn Bình", "Bùi Văn Dao", "Hoàng Văn Dung",
                  "Vũ Đức Dũng", "Đặng Thị Đào", "Nguyễn Thị Hoa", "Nguyễn Văn Hoa"]


CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "thu-nghiem"\n'
_EMPTY_DB: list[Path] = []


def _empty_gradebook(tmp_path: Path) -> Path:
    """nbgrader creates a gradebook by running the alembic program (slow); do it once."""
    if not _EMPTY_DB:
        first = tmp_path.parent / "so-diem-trong"
        first.mkdir(exist_ok=True)
        (first / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
        with Course(first).gradebook():
            pass
        _EMPTY_DB.append(first / "gradebook.db")
    return _EMPTY_DB[0]


def _course(tmp_path: Path, *assignments: str) -> Path:
    root = tmp_path / "khoa-hoc"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    shutil.copyfile(_empty_gradebook(tmp_path), root / "gradebook.db")
    for aid in assignments:
        (root / "source" / aid).mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), root / "source" / aid / f"{aid}.ipynb")
    return root


def test_vietnamese_name_order():
    from autograder.vnsort import sort_names, split_name

    assert sort_names(NAMES) == EXPECTED_ORDER
    assert sorted(NAMES) != EXPECTED_ORDER  # plain code-point order gets it wrong
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị Minh Khai ")
    assert split_name(decomposed) == ("Nguyễn", "Thị Minh", "Khai")
    assert sort_names(["Ông Ơn", "Ông On", "Ông Ôn"]) == ["Ông On", "Ông Ôn", "Ông Ơn"]


def test_roster_csv_with_bom_vietnamese_headers_and_bad_rows(tmp_path, capsys):
    root = _course(tmp_path)
    text = (" Mã học viên ; Họ và tên ;Thư điện tử; Đơn vị \n"
            "hv001; Nguyễn   Văn An ;an@example.com;HTX Hồ tiêu Cùa\n"
            ";Trần Thị Bé;be@example.com;Cơ sở nước mắm Mỹ Thủy\n"
            "hv002;Lê Thị Cúc;khong-phai-email;Cà phê Khe Sanh\n"
            "hv 003;Phạm Văn Dũng;dung@example.com;\n"
            "hv001;Trùng Mã;trung@example.com;\n"
            ";;;\n"
            "hv004;Đỗ Thị Én;;Gạo hữu cơ Triệu Phong\n")
    path = tmp_path / "danh_sach.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    code = main(["--course", str(root), "roster", "import", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Đã nhập 2 học viên" in out
    assert "Dòng 3: thiếu mã học viên" in out
    assert "Dòng 4: email 'khong-phai-email' không hợp lệ" in out
    assert "Dòng 5: mã học viên 'hv 003'" in out
    assert "Dòng 6: mã học viên 'hv001' bị trùng" in out
    saved = pd.read_csv(root / ".autograder" / "danh-sach-loi.csv", encoding="utf-8-sig")
    assert list(saved["dong"]) == [3, 4, 5, 6]
    assert "Cơ sở nước mắm Mỹ Thủy" in saved.to_csv()
    with Course(root).gradebook() as gb:
        st = gb.find_student("hv001")
        assert (st.last_name, st.first_name, st.email) == ("Nguyễn Văn", "An", "an@example.com")
        assert gb.find_student("hv004").first_name == "Én"
        assert len(gb.students) == 2
    sidecar = json.loads((root / ".autograder" / "danh-sach.json").read_text(encoding="utf-8"))
    assert sidecar["hv004"]["don_vi"] == "Gạo hữu cơ Triệu Phong"


def test_roster_excel_english_headers(tmp_path, capsys):
    root = _course(tmp_path)
    frame = pd.DataFrame({"Student ID": ["hv010", "hv011"],
                          "Full name": ["Võ Thị Hạnh", "Ngô Quang Định"],
                          "E-mail": ["hanh@example.com", ""],
                          "Organisation": ["HTX Mắm ruốc Gio Linh", "Hộ kinh doanh dầu lạc"]})
    path = tmp_path / "lop.xlsx"
    frame.to_excel(path, index=False)
    assert main(["--course", str(root), "roster", "import", str(path)]) == 0
    assert "Đã nhập 2 học viên" in capsys.readouterr().out
    with Course(root).gradebook() as gb:
        assert gb.find_student("hv011").last_name == "Ngô Quang"
    bad = tmp_path / "thieu_cot.csv"
    bad.write_text("ma,email\nhv1,a@b.vn\n", encoding="utf-8")
    assert main(["--course", str(root), "roster", "import", str(bad)]) == 2
    assert "thiếu cột họ tên" in capsys.readouterr().err


def _roster(root: Path, people: list[tuple[str, str]]) -> None:
    path = root.parent / "ds.csv"
    path.write_text("id,ho_ten\n" + "".join(f"{i},{n}\n" for i, n in people), encoding="utf-8")
    assert main(["--course", str(root), "roster", "import", str(path)]) == 0


def test_collect_zip_maps_every_file(tmp_path, capsys):
    root = _course(tmp_path, "bt1_prompt", "bt2_marketing")
    _roster(root, [("hv001", "Phan Văn Hùng"), ("hv002", "Nguyễn Văn An"),
                   ("hv003", "Trần Văn Bảo"), ("hv004", "Trần Thị Ân"),
                   ("hv005", "Hồ Thị Lan"), ("hv006", "Lê Văn Anh"), ("hv007", "Lê Văn Anh")])
    nb = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    files = {
        "hv001_bt1.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "hv001_bt1_nop_lai.ipynb": (nb + " ", (2026, 3, 2, 9, 0, 0)),
        "Nguyen Van An - bt1_prompt.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "hv003/bai_lam_cua_em.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "Trần Thị Ân_12345_assignsubmission_file_/baitap.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "hv005_bt2.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "ai_do_khong_ro.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "Le Van Anh.ipynb": (nb, (2026, 3, 2, 8, 0, 0)),
        "ghi_chu.docx": ("x", (2026, 3, 2, 8, 0, 0)),
    }
    archive = tmp_path / "tai_ve.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, (data, when) in files.items():
            zf.writestr(zipfile.ZipInfo(name, when), data)
    code = main(["--course", str(root), "collect", "bt1_prompt", "--zip", str(archive)])
    out = capsys.readouterr().out
    assert code == 1  # unmatched files are reported, never dropped
    sub = root / "submitted"
    assert sorted(p.parent.name for p in sub.glob("*/bt1_prompt")) == [
        "hv001", "hv002", "hv003", "hv004"]
    assert (sub / "hv001" / "bt1_prompt" / "bt1_prompt.ipynb").read_text() == nb + " "
    assert (sub / "hv003" / "bt1_prompt" / "bt1_prompt.ipynb").exists()
    assert (sub / "hv004" / "bt1_prompt" / "timestamp.txt").read_text().startswith("2026-03-02")
    mentioned = {name: name in out for name in files}
    assert all(mentioned.values()), mentioned
    assert "ai_do_khong_ro.ipynb: không nhận ra" in out
    assert "Le Van Anh.ipynb: trùng họ tên với nhiều học viên: hv006, hv007" in out
    assert "hv005_bt2.ipynb: có vẻ là bài của bài tập khác" in out
    assert "hv001 có bản nộp mới hơn" in out
    # The same download again changes nothing.
    main(["--course", str(root), "collect", "bt1_prompt", "--zip", str(archive)])
    assert "4 bài giống hệt bản đã thu trước" in capsys.readouterr().out


def _gradebook_with_scores(root: Path, scores: dict[str, float]) -> None:
    with Course(root).gradebook() as gb:
        gb.add_assignment("bt1_prompt")
        gb.add_notebook("bt1_prompt", "bt1_prompt")
        gb.add_grade_cell("cau_1", "bt1_prompt", "bt1_prompt", max_score=6, cell_type="code")
        gb.add_grade_cell("cau_2", "bt1_prompt", "bt1_prompt", max_score=4, cell_type="code")
        for i, (name, score) in enumerate(scores.items()):
            sid = f"hv{i:03d}"
            family, *rest = name.split()
            gb.add_student(sid, first_name=rest[-1], last_name=" ".join([family, *rest[:-1]]))
            gb.add_submission("bt1_prompt", sid)
            g1 = gb.find_grade("cau_1", "bt1_prompt", "bt1_prompt", sid)
            g2 = gb.find_grade("cau_2", "bt1_prompt", "bt1_prompt", sid)
            g1.auto_score, g2.auto_score = min(score, 6), max(score - 6, 0)
        gb.db.commit()


def test_export_sorts_vietnamese_names(tmp_path):
    from openpyxl import load_workbook

    from autograder.export import export_grades

    root = _course(tmp_path, "bt1_prompt")
    _gradebook_with_scores(root, {n: float(i % 11) for i, n in enumerate(NAMES)})
    paths = export_grades(Course(root))
    csv_path, xlsx = paths[0], paths[-1]
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert list(table["Họ và tên"]) == EXPECTED_ORDER
    assert table.loc[table["Họ và tên"] == "Vũ Đức Dũng", "bt1_prompt"].item() == 1.0
    sheet = load_workbook(xlsx)["Tổng hợp"]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == EXPECTED_ORDER
    detail = load_workbook(xlsx)["bt1_prompt"]
    header = [c.value for c in detail[1]]
    assert header[:4] == ["Mã học viên", "Họ và tên", "cau_1", "cau_2"]


def _pdf_text(path: Path) -> str:
    """Text of an fpdf2 PDF: decode glyph strings through each ToUnicode map."""
    data = path.read_bytes()
    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            streams.append(m.group(1))
    maps = []
    for s in streams:
        if b"beginbfchar" in s:
            maps.append({int(a, 16): chr(int(b, 16))
                         for a, b in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", s)})
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    out = []
    for s in streams:
        for lit in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", s, re.S):
            raw = re.sub(rb"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), lit, flags=re.S)
            codes = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            for cmap in maps:
                out.append("".join(cmap.get(c, "?") for c in codes))
    return "\n".join(out)


def test_certificates_render_vietnamese_names(tmp_path, capsys):
    root = _course(tmp_path, "bt1_prompt")
    _gradebook_with_scores(root, {"Đặng Thị Đào": 10, "Nguyễn Văn Quyết": 7, "Lê Văn Anh": 3})
    assert main(["--course", str(root), "certificates", "--min-score", "70"]) == 0
    assert "Đã tạo 2 giấy chứng nhận" in capsys.readouterr().out
    pdfs = sorted((root / "chung-nhan").glob("*.pdf"))
    assert [p.name for p in pdfs] == ["hv000-dang-thi-dao.pdf", "hv001-nguyen-van-quyet.pdf"]
    text = _pdf_text(pdfs[0])
    assert "Đặng Thị Đào" in text and "GIẤY CHỨNG NHẬN" in text
    assert "Nguyễn Văn Quyết" in _pdf_text(pdfs[1])
    assert b"DejaVu" in pdfs[0].read_bytes()  # the Unicode font is embedded


def test_cli_speaks_vietnamese(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["grade"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Cách dùng:" in err and "thiếu tham số bắt buộc: ID" in err
    root = _course(tmp_path, "bt1_prompt")
    assert main(["--course", str(root), "grade", "bt9"]) == 2
    assert "Không có bài tập 'bt9'" in capsys.readouterr().err
    assert main(["--course", str(root), "export"]) == 2
    assert "chưa có học viên" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["empty", "not_excel", "title_row_csv", "title_row_xlsx",
                                  "unknown_column"])
def test_roster_errors_are_vietnamese_and_write_nothing(tmp_path, capsys, case):
    root = _course(tmp_path)
    if case == "empty":
        path = tmp_path / "lop.csv"
        path.write_bytes(b"")
        expected = "rỗng, chưa có học viên nào"
    elif case == "not_excel":
        path = tmp_path / "lop.xlsx"
        path.write_text("id,ho_ten\nhv1,Lê Văn Tám\n", encoding="utf-8")
        expected = "không phải tệp Excel"
    elif case == "title_row_csv":
        path = tmp_path / "lop.csv"
        path.write_text("DANH SÁCH LỚP HOMESTAY PHONG NHA,,\n,,\nMã học viên,Họ và tên,Email\n"
                        "hv1,Lê Văn Tám,tam@example.com\n", encoding="utf-8")
        expected = "Dòng tiêu đề cột đang ở dòng 3"
    elif case == "title_row_xlsx":
        path = tmp_path / "lop.xlsx"
        pd.DataFrame([["Mã học viên", "Họ và tên"], ["hv1", "Lê Văn Tám"]],
                     columns=["Lớp gốm Bát Tràng – khóa 3", ""]).to_excel(path, index=False)
        expected = "Dòng tiêu đề cột đang ở dòng 2"
    else:
        path = tmp_path / "lop.csv"
        path.write_text("id,ho_ten,Số điện thoại\nhv1,Lê Văn Tám,0912345678\n", encoding="utf-8")
        expected = "Không biết dùng cột 'Số điện thoại'"
    assert main(["--course", str(root), "roster", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and "Unnamed" not in err
    assert not (root / ".autograder" / "danh-sach.json").exists()
    with Course(root).gradebook() as gb:
        assert gb.students == []


ROOT = Path(__file__).resolve().parents[1]


def test_late_policy_through_nbgraders_plugin_mechanism():
    from nbgrader.preprocessors import AssignLatePenalties

    from autograder.coursectx import InstructorError
    from autograder.late import late_text, parse_deadline

    def plugin(method: str):
        cfg = Course(ROOT / "assignments").config()  # the committed course config
        cfg.LatePolicy.method = method
        pre = AssignLatePenalties(config=cfg)
        pre.init_plugin()
        return pre.plugin_inst

    committed = Course(ROOT / "assignments").config()
    assert committed.AssignLatePenalties.plugin_class == "autograder.late.LatePolicy"
    assert committed.LatePolicy.method == "none"
    day = 86400
    assert plugin("none").late_submission_penalty("hv1", 8.0, 3 * day) == 0
    assert plugin("zero").late_submission_penalty("hv1", 8.0, 60) == 8.0
    per_day = plugin("per_day")  # 10 % of the score per started day
    assert per_day.late_submission_penalty("hv1", 8.0, 0) == 0
    assert per_day.late_submission_penalty("hv1", 8.0, 60) == 0.8
    assert per_day.late_submission_penalty("hv1", 8.0, day + 1) == 1.6
    assert per_day.late_submission_penalty("hv1", 8.0, 30 * day) == 8.0
    # Vietnamese deadline input, stored as naive UTC (Vietnam is UTC+7).
    assert str(parse_deadline("2026-12-05 23:59")) == "2026-12-05 16:59:00"
    assert str(parse_deadline("05/12/2026 07:00")) == "2026-12-05 00:00:00"
    assert late_text(0) == "" and late_text(59) == "muộn 1 phút"
    assert late_text(3 * 3600 + 600) == "muộn 3 giờ 10 phút"
    assert late_text(2 * day + 5) == "muộn 3 ngày"
    with pytest.raises(InstructorError, match="NĂM-THÁNG-NGÀY"):
        parse_deadline("thứ sáu tuần sau")


def test_hub_usernames_mapped_to_roster_ids(tmp_path):
    from autograder.coursectx import InstructorError
    from autograder.distribute import apply_login_map, read_login_map

    root = _course(tmp_path, "bt0")
    course = Course(root)

    def hand_in(login: str, text: str) -> None:
        folder = root / "submitted" / login / "bt0"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "bt0.ipynb").write_text(text, encoding="utf-8")

    hand_in("nguyenvana", "lan 1")
    hand_in("hv002", "cua hv002")
    mapping = tmp_path / "doi-chieu.csv"
    mapping.write_text("ten_dang_nhap,ma_hoc_vien\nnguyenvana,hv001\n", encoding="utf-8")
    assert apply_login_map(course, "bt0", read_login_map(mapping)) == [("nguyenvana", "hv001")]
    assert (root / "submitted" / "hv001" / "bt0" / "bt0.ipynb").read_text() == "lan 1"
    assert not (root / "submitted" / "nguyenvana").exists()
    # The next collect remembers the mapping; the newer submission replaces the older.
    hand_in("nguyenvana", "lan 2")
    assert apply_login_map(course, "bt0") == [("nguyenvana", "hv001")]
    assert (root / "submitted" / "hv001" / "bt0" / "bt0.ipynb").read_text() == "lan 2"
    assert (root / "submitted" / "hv002" / "bt0" / "bt0.ipynb").read_text() == "cua hv002"
    bad = tmp_path / "sai.csv"
    bad.write_text("chi mot cot\nnguyenvana\n", encoding="utf-8")
    with pytest.raises(InstructorError, match="hai cột"):
        read_login_map(bad)


def test_a_new_gradebook_needs_no_alembic_subprocess(tmp_path, monkeypatch):
    """nbgrader's `alembic heads` is answered in-process: same head, no program started (a
    grader killed while that program ran used to leave it behind)."""
    import subprocess

    import nbgrader.api as api
    from nbgrader import dbutil

    from autograder.coursectx import ensure_tools_on_path

    with dbutil._temp_alembic_ini("sqlite:////tmp/unused.db") as ini:
        bindir = Path(sys.executable).parent
        expected = subprocess.check_output([str(bindir / "alembic"), "-c", ini, "heads"],
                                           text=True).split()[0]
    ensure_tools_on_path()

    def no_programs(*args, **kwargs):
        raise AssertionError(f"a program was started: {args}")

    monkeypatch.setattr(api.sp, "check_output", no_programs)
    assert api.get_alembic_version() == expected
    with api.Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", course_id="c") as gb:
        assert gb.students == []
