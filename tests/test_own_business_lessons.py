"""Lessons 03, 04, 06 and 09 run for a business that is not in the course data.

A participant profile for "Homestay Mây Phong Nha" is written into the results folder of a copy
of the lessons (what ProductForm's Lưu button does); the lessons are executed as a participant
would run them (nbclient, offline). Their exported files must name that business and never a
sample brand; the capstone workbook must name the business too. Plain runs without a profile
are covered by `pytest --nbval-lax notebooks/…` in `make test`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from course.lessons import profile
from course.llm.names import sample_terms

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ("03_noi_dung_marketing", "04_pheu_ban_hang", "06_noi_dung_so", "09_du_an_cuoi_khoa")
OWN = {"ten_sp": "Homestay Mây Phong Nha", "gia_ban_vnd": "450.000", "don_vi": "phòng đôi/đêm",
       "noi_san_xuat": "Phong Nha", "diem_noi_bat": "nhà sàn gỗ bên sông Son, bữa sáng món quê",
       "khach_hang_muc_tieu": "khách du lịch trẻ và gia đình", "kenh_chinh": "Zalo",
       "ten_co_so": ""}


def foreign(text: str) -> list[str]:
    """Sample names, brands and places in `text` (the participant named none of them)."""
    low = text.lower()
    return [term for term in sample_terms()
            if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", low)]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module) -> Path:
    work = tmp_path_factory.mktemp("lessons")
    profile.save(OWN, work / "ket_qua")
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", work)
    for name in LESSONS:
        nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
        nbformat.write(nb, work / f"{name}.ipynb")
    return work


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    mp.delenv("OPENAI_API_KEY", raising=False)
    mp.delenv("OPENAI_BASE_URL", raising=False)
    mp.setenv("COURSE_BACKEND", "offline")
    yield mp
    mp.undo()


def outputs(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") or "".join(
                str(v) for k, v in out.get("data", {}).items() if k == "text/plain"))
    return "\n".join(texts)


def test_every_lesson_says_it_uses_the_participants_product(ran: Path) -> None:
    for name in ("03_noi_dung_marketing", "04_pheu_ban_hang", "06_noi_dung_so"):
        text = outputs(ran / f"{name}.ipynb")
        assert "Đang dùng sản phẩm của bạn: Homestay Mây Phong Nha" in text, name
        assert "SẢN PHẨM MẪU" not in text, name


def test_lesson03_calendar_is_about_the_homestay(ran: Path) -> None:
    cal = pd.read_excel(ran / "ket_qua" / "lich_noi_dung.xlsx")
    posts = cal["bai_viet"].astype(str)
    assert posts.str.contains("Homestay Mây Phong Nha").all()
    assert not foreign("\n".join(posts))


def test_lesson04_messages_are_about_the_homestay(ran: Path) -> None:
    msgs = pd.read_csv(ran / "ket_qua" / "lich_gui_tin.csv")["tin_nhan"].astype(str)
    assert msgs.str.contains("Homestay Mây Phong Nha").mean() >= 0.8
    assert not foreign("\n".join(msgs))


def test_lesson06_four_formats_are_about_the_homestay(ran: Path) -> None:
    text = (ran / "ket_qua" / "mot_cau_chuyen_bon_dinh_dang.md").read_text(encoding="utf-8")
    assert text.count("Homestay Mây Phong Nha") >= 4 and not foreign(text)


def test_capstone_workbook_names_the_business_and_no_sample_brand(ran: Path) -> None:
    book = pd.read_excel(ran / "ket_qua" / "ke_hoach.xlsx", sheet_name=None)
    cells = "\n".join(str(v) for sheet in book.values() for v in sheet.astype(str).to_numpy()
                      .ravel())
    assert "Homestay Mây Phong Nha" in cells
    assert "450.000" in cells  # the owner's price filled the FAQ gap
    assert not foreign(cells), foreign(cells)
    md = (ran / "ket_qua" / "ke_hoach.md").read_text(encoding="utf-8")
    assert md.startswith("# ") and "Homestay Mây Phong Nha" in md.splitlines()[0]
    assert not foreign(md)


def test_lesson03_channel_posts_for_own_product_respect_every_limit() -> None:
    """Lesson 03's channel table and template, filled with a participant's product."""
    import course
    from course.lessons import load
    from course.lessons.planning import post_metrics
    from course.widgets import run_batch

    course.configure(backend="offline", cache=False)
    code = "\n".join(c.source for c in nbformat.read(
        ROOT / "notebooks" / "03_noi_dung_marketing.ipynb", as_version=4).cells
        if c.cell_type == "code")
    template = eval(re.search(r"^mau_bai_dang = (\((?:.|\n)*?\)\n)", code, re.M).group(1), {})
    for name in ("Homestay Mây Phong Nha", "nước mắm Cửa Việt", "làng gốm Thanh Hà"):
        limits = load("channel_limits").assign(san_pham=name)
        posts = run_batch(limits, template, "bai_dang", progress=False)
        check = pd.concat([posts, post_metrics(posts["bai_dang"])], axis=1)
        assert (check["so_ky_tu"] <= check["ky_tu_toi_da"]).all(), name
        assert (check["so_hashtag"] <= check["hashtag_toi_da"]).all(), name
        assert (check["so_emoji"] <= check["emoji_toi_da"]).all(), name
        assert check["co_keu_goi"].all(), name
        text = "\n".join(posts["bai_dang"])
        assert text.count(name) >= len(posts) and not foreign(text), name


def test_lesson09_everything_it_prints_is_about_the_homestay(ran: Path) -> None:
    text = outputs(ran / "09_du_an_cuoi_khoa.ipynb")
    assert "Cơ sở: Homestay Mây Phong Nha" in text
    assert "Homestay Mây Phong Nha của Homestay Mây Phong Nha" not in text
    assert not foreign(text), foreign(text)
