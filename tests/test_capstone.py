"""Capstone (lesson 09): the plain-Python API and the widget form both produce one workbook."""

from __future__ import annotations

import html
import unicodedata
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from course.i18n import t
from course.lessons import capstone
from course.llm import offline
from course.widgets import CapstoneForm

SHEETS = [t(f"capstone.sheet_{k}") for k in ("calendar", "funnel", "prompt", "faq", "info")]


def sample(**changes: object) -> capstone.Business:
    fields: dict[str, object] = {
        "ten": "HTX Nông sản Cam Lộ",
        "san_pham": "Hạt tiêu Cùa, Cà phê Khe Sanh;  Mật ong Tuyên Hóa",
        "khach_hang": "các bà nội trợ ở thành phố",
        "kenh": "Zalo, Facebook",
        "bat_dau": "05/01/2026",
    }
    fields.update(changes)
    return capstone.Business(**fields)  # type: ignore[arg-type]


def test_business_splits_lists_and_parses_dates() -> None:
    b = sample(ten=unicodedata.normalize("NFD", "  HTX  Nông sản Cam Lộ "))
    assert b.ten == "HTX Nông sản Cam Lộ"  # NFC, single spaces
    assert b.products == ["Hạt tiêu Cùa", "Cà phê Khe Sanh", "Mật ong Tuyên Hóa"]
    assert b.channels == ["Zalo", "Facebook"]
    assert b.start == date(2026, 1, 5)
    assert sample(bat_dau="2026-02-02").start == date(2026, 2, 2)
    assert sample(bat_dau=None).start.weekday() == 0  # default: the next Monday


def test_all_problems_are_reported_at_once_in_vietnamese() -> None:
    with pytest.raises(ValueError) as err:
        capstone.Business("", " , ", "", [], bat_dau="31/02/2026")
    message = str(err.value)
    for key in ("need_name", "need_products", "need_customers", "need_channels"):
        assert t(f"capstone.{key}") in message
    assert "31/02/2026" in message


def test_plan_contents_follow_the_business() -> None:
    plan = capstone.build_plan(sample())
    cal = plan.calendar
    assert len(cal) == 12  # 4 weeks x 3 posts
    assert set(cal[t("capstone.col_channel")]) == {"Zalo", "Facebook"}
    assert set(cal[t("capstone.col_product")]) == {"Hạt tiêu Cùa", "Cà phê Khe Sanh",
                                                   "Mật ong Tuyên Hóa"}
    days = list(cal[t("capstone.col_date")])
    assert days[0] == date(2026, 1, 5) and days[-1] < date(2026, 2, 2) and days == sorted(days)
    assert len(plan.funnel) == 5
    assert set(plan.funnel[t("capstone.col_channel")]) <= {"Zalo", "Facebook"}
    assert "HTX Nông sản Cam Lộ" in plan.care_prompt and plan.care_prompt.count("Hỏi: ") == 8


def test_care_prompt_works_as_a_faq_bot_offline() -> None:
    plan = capstone.build_plan(sample())
    reply = offline.answer([{"role": "system", "content": plan.care_prompt},
                            {"role": "user", "content": "Phí giao hàng là bao nhiêu vậy em?"}])
    assert "[Phí giao hàng]" in reply  # answered from the FAQ entry, the gap still to fill


def test_workbook_has_the_five_sheets_real_dates_and_readable_columns(tmp_path) -> None:
    path = capstone.build_plan(sample()).to_excel(tmp_path / "nested" / "ke_hoach")
    assert path.name == "ke_hoach.xlsx" and path.exists()
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == SHEETS
    assert [len(book[s]) for s in SHEETS] == [12, 5, 1, 8, 8]
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEETS[0]]
    first = ws["A2"]
    assert isinstance(first.value, datetime) and first.value.date() == date(2026, 1, 5)
    assert first.number_format == "DD/MM/YYYY"
    assert ws.freeze_panes == "A2"
    idea_col = [c.column_letter for c in ws[1] if c.value == t("capstone.col_idea")][0]
    assert ws.column_dimensions[idea_col].width >= 40
    assert ws[f"{idea_col}2"].alignment.wrap_text
    prompt = wb[SHEETS[2]]["A2"].value
    assert prompt.startswith("Bạn là nhân viên chăm sóc khách hàng")


def test_markdown_summary(tmp_path) -> None:
    plan = capstone.build_plan(sample(ten="Cơ sở A | B"))
    md = plan.to_markdown()
    assert md.startswith("# " + t("capstone.md_title", name="Cơ sở A | B"))
    assert "| 05/01/2026 | Thứ Hai |" in md
    assert "Cơ sở A \\| B" in md  # pipes escaped inside tables
    xlsx, md_path = plan.save(tmp_path)
    assert md_path.read_text(encoding="utf-8") == md and xlsx.exists()


def test_widget_form_fills_clicks_and_exports(tmp_path) -> None:
    form = CapstoneForm(folder=tmp_path / "ket_qua")
    form.ten.value = "Cơ sở Mật ong Tuyên Hóa"
    form.san_pham.value = "Mật ong rừng\nSáp ong"
    form.khach_hang.value = "gia đình mua làm quà biếu"
    form.kenh["Zalo"].value = True
    form.kenh["TikTok Shop"].value = True
    form.giong_van.value = capstone.TONES[3]
    form.bat_dau.value = date(2026, 3, 2)
    form.button.click()
    assert form.plan is not None and form.paths is not None
    xlsx, md = form.paths
    book = pd.read_excel(xlsx, sheet_name=None)
    assert list(book) == SHEETS and len(book[SHEETS[0]]) == 12
    info = book[SHEETS[4]].set_index(t("capstone.col_item"))[t("capstone.col_value")]
    assert info[t("capstone.info_channels")] == "Zalo, TikTok Shop"
    assert info[t("capstone.info_tone")] == capstone.TONES[3]
    assert "Sáp ong" in md.read_text(encoding="utf-8")
    assert "ket_qua" in form.status.value


def test_widget_form_bad_input_keeps_fields_and_explains(tmp_path) -> None:
    form = CapstoneForm(folder=tmp_path)
    form.ten.value = "Cơ sở <b>X</b>"
    form.san_pham.value = "Gạo hữu cơ"
    form.button.click()  # no customers, no channel
    assert form.plan is None and not list(tmp_path.iterdir())
    assert html.escape(t("capstone.need_customers")) in form.status.value
    assert html.escape(t("capstone.need_channels")) in form.status.value
    assert form.ten.value == "Cơ sở <b>X</b>" and form.san_pham.value == "Gạo hữu cơ"
    form.khach_hang.value = "người xa quê"
    form.kenh["Zalo"].value = True
    form.button.click()
    assert form.plan is not None
    # The learner's text is shown escaped, never as HTML.
    assert "Cơ sở &lt;b&gt;X&lt;/b&gt;" in form.status.value and "<b>" not in form.status.value


def test_fill_replaces_gaps_everywhere_and_updates_the_flag(tmp_path) -> None:
    plan = capstone.build_plan(sample())
    gaps = plan.placeholders()
    assert "[số ngày]" in gaps and "[giá]" in gaps and len(gaps) == len(set(gaps))
    filled = plan.fill({"[số ngày]": "2", "giá": "70.000", "[Phí giao hàng]": "20.000 đồng"})
    assert "[số ngày]" not in filled.care_prompt and "Thời gian: 2 ngày" in filled.care_prompt
    assert "[số ngày]" in plan.care_prompt  # the original plan is unchanged
    left = filled.placeholders()
    assert set(left) == set(gaps) - {"[số ngày]", "[giá]", "[Phí giao hàng]"}
    fill_col = filled.faq[t("capstone.col_fill")]
    assert (fill_col == t("capstone.fill_no")).sum() > (
        plan.faq[t("capstone.col_fill")] == t("capstone.fill_no")).sum()
    book = pd.read_excel(filled.to_excel(tmp_path / "k.xlsx"), sheet_name=SHEETS[3])
    assert not book[t("capstone.col_answer")].str.contains(r"\[số ngày\]").any()
