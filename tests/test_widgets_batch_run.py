"""BatchRun: template over a table, progress, stop, failing rows, Excel/CSV export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from llm_server import Scripted, completion, error
from openpyxl import load_workbook
from widget_helpers import assert_safe

import course
from course.i18n import t
from course.widgets import BatchRun, fill_template, run_batch

TEMPLATE = "Viết một câu quảng cáo cho {ten_san_pham} ({gia:,} đ/kg)"


@pytest.fixture
def products():
    return pd.DataFrame({
        "ten_san_pham": ["hạt tiêu Cùa", "gà Cùa", "mắm ruốc Gio Linh"],
        "gia": [180000, 105000, 90000],
    })


def test_fill_template_and_unknown_placeholder(products):
    prompts = fill_template(products, TEMPLATE)
    assert list(prompts) == [
        "Viết một câu quảng cáo cho hạt tiêu Cùa (180,000 đ/kg)",
        "Viết một câu quảng cáo cho gà Cùa (105,000 đ/kg)",
        "Viết một câu quảng cáo cho mắm ruốc Gio Linh (90,000 đ/kg)",
    ]
    with pytest.raises(ValueError) as info:
        fill_template(products, "Giới thiệu {ten_sp} giá {gia}")
    msg = str(info.value)
    assert "{ten_sp}" in msg and "{ten_san_pham}" in msg and "{gia}" in msg
    with pytest.raises(ValueError, match="chưa khớp"):
        fill_template(products, "Giới thiệu {ten_san_pham")
    with pytest.raises(ValueError, match="tên cột"):
        fill_template(products, "Giới thiệu {}")
    assert list(fill_template(products, "Dùng {{ngoặc}} cho {ten_san_pham}"))[0] == (
        "Dùng {ngoặc} cho hạt tiêu Cùa")
    odd = pd.DataFrame({"tên sản phẩm": ["mật ong", None], "giá": [250000, float("nan")]})
    assert list(fill_template(odd, "{tên sản phẩm}: {giá}")) == ["mật ong: 250000.0", ": "]


def test_run_offline_fills_the_column_and_shows_progress(products):
    br = BatchRun(products, TEMPLATE)
    out = br.run()
    assert out is br.result and list(out.columns) == ["ten_san_pham", "gia", "ket_qua"]
    assert all(a.startswith(course.SIMULATION_LABEL) for a in out["ket_qua"])
    assert "ket_qua" not in products.columns  # the learner's table is not changed
    assert br.progress.value == 3 and br.progress_label.value == "3/3"
    assert t("widgets.batch_done", done=3, total=3) in assert_safe(br.message.value)
    table = assert_safe(br.table_view.value)
    shown = course.strip_label(out["ket_qua"].iloc[0])
    assert "hạt tiêu Cùa" in table and shown in table  # newlines kept as text
    assert course.SIMULATION_LABEL not in table and "Mô phỏng" in table and "Kết quả" in table
    assert "mo_phong" not in table and "ket_qua" not in table  # headings, not column names
    assert not br.run_button.disabled and br.stop_button.disabled


def test_stop_keeps_finished_rows(products):
    br = BatchRun(products, TEMPLATE, output_column="quang_cao")
    br.progress.observe(lambda ch: br.stop_button.click() if ch.new == 1 else None, names="value")
    out = br.run()
    assert out["quang_cao"].iloc[0].startswith(course.SIMULATION_LABEL)
    assert out["quang_cao"].iloc[1:].isna().all()
    assert t("widgets.batch_stopped", done=1, total=3) in assert_safe(br.message.value)


def test_failing_row_records_the_error_and_continues(products, online):
    online.push(Scripted(body=completion("Câu 1")), error(400, "bad_request", "bad"),
                Scripted(body=completion("Câu 3")))
    out = run_batch(products, TEMPLATE, progress=False)
    assert out["ket_qua"].iloc[0] == "Câu 1" and out["ket_qua"].iloc[2] == "Câu 3"
    assert out["ket_qua"].iloc[1].startswith(t("widgets.batch_row_error", message=""))
    assert len(online.requests) == 3


def test_button_runs_in_a_thread_against_the_server(products, online):
    online.default = Scripted(body=completion("<b>Ngon</b>"))
    br = BatchRun(products, "{ten_san_pham}", system="Viết ngắn", temperature=0.2)
    br.run_button.click()
    br.wait(30)
    assert list(br.result["ket_qua"]) == ["<b>Ngon</b>"] * 3
    assert "&lt;b&gt;Ngon&lt;/b&gt;" in br.table_view.value
    assert online.requests[0]["body"]["messages"][0] == {"role": "system", "content": "Viết ngắn"}
    assert online.requests[0]["body"]["temperature"] == 0.2


def test_run_batch_with_tqdm(products, capsys):
    out = run_batch(products, "{ten_san_pham}", output_column="kq")
    assert out["kq"].notna().all()
    err = capsys.readouterr().err
    assert "3/3 dòng" in err and t("widgets.batch_progress_desc") in err
    assert "it/s" not in err and "s/it" not in err


def test_columns_hint_names_each_placeholder_in_vietnamese(products):
    """The app view shows no code: each {placeholder} comes with its Vietnamese heading."""
    shown = assert_safe(BatchRun(products, TEMPLATE).columns_hint.value)
    assert "{ten_san_pham} (Tên sản phẩm), {gia} (Giá)" in shown, shown


def test_unknown_placeholder_in_widget_loses_nothing(products):
    br = BatchRun(products, "Viết về {san_pham}")
    out = br.run()
    shown = assert_safe(br.message.value)
    assert "{san_pham}" in shown and "{ten_san_pham}" in shown
    assert br.template.value == "Viết về {san_pham}"
    assert out.equals(products)


def test_exports_keep_vietnamese(products, tmp_path):
    br = BatchRun(products, TEMPLATE)
    with pytest.raises(ValueError, match="Chạy"):
        br.export_csv(tmp_path / "x")
    br.run()
    xlsx = br.export_excel(tmp_path / "ket_qua")
    assert xlsx.suffix == ".xlsx"
    sheet = load_workbook(xlsx).active
    assert [c.value for c in sheet[1]] == ["ten_san_pham", "gia", "ket_qua", "mo_phong"]
    assert sheet["A4"].value == "mắm ruốc Gio Linh"
    csv = br.export_csv(tmp_path / "ket_qua.csv")
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(csv, encoding="utf-8-sig")["ten_san_pham"].tolist() == list(
        products["ten_san_pham"])


def test_save_buttons_show_path_and_download_hint(products, tmp_path):
    br = BatchRun(products, TEMPLATE)
    br.csv_button.click()
    assert t("widgets.batch_no_result") in assert_safe(br.message.value)
    br.run()
    br.filename.value = str(tmp_path / "bang")
    br.excel_button.click()
    shown = assert_safe(br.message.value)
    assert str(tmp_path / "bang.xlsx") in shown and "Download" in shown
    assert (tmp_path / "bang.xlsx").exists()
    br.filename.value = str(tmp_path / "khong_co_thu_muc" / "\0")
    br.csv_button.click()
    assert "Không lưu được tệp" in assert_safe(br.message.value)


# -- exports a participant can paste, in the results folder -----------------------------------

def test_default_export_goes_to_the_results_folder_with_a_clear_name(products, tmp_path,
                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    br = BatchRun(products, TEMPLATE, output_column="bai_dang")
    br.run()
    xlsx = br.export_excel()
    assert xlsx.parent == Path("ket_qua") and xlsx.name.startswith("chay_hang_loat_bai_dang_")
    assert xlsx.suffix == ".xlsx" and (tmp_path / xlsx).is_file()
    br.csv_button.click()  # the button with an empty name box uses the same clear name
    saved = sorted((tmp_path / "ket_qua").glob("chay_hang_loat_bai_dang_*.csv"))
    assert len(saved) == 1 and "ket_qua" in br.message.value


def test_export_drops_the_simulation_label_and_says_which_rows_were_simulated(
        products, tmp_path, online):
    online.push(Scripted(body=completion("Tiêu Cùa thơm cay")))
    br = BatchRun(products.head(1), "{ten_san_pham}")
    br.run()
    course.configure(backend="offline")
    br2 = BatchRun(products.iloc[1:], "{ten_san_pham}")
    br2.run()
    real = pd.read_csv(br.export_csv(tmp_path / "that.csv"), encoding="utf-8-sig")
    sim = pd.read_csv(br2.export_csv(tmp_path / "mo_phong.csv"), encoding="utf-8-sig")
    assert real["ket_qua"].tolist() == ["Tiêu Cùa thơm cay"] and real["mo_phong"].tolist() == [
        "không"]
    assert sim["mo_phong"].tolist() == ["có", "có"]
    for text in sim["ket_qua"]:
        assert course.SIMULATION_LABEL not in text and text.strip()
    assert course.SIMULATION_LABEL not in br2.table_view.value  # the on-screen table too


def test_empty_template_is_refused_once_and_sends_nothing(products, online):
    br = BatchRun(pd.concat([products] * 4, ignore_index=True), "   ")
    out = br.run()
    assert online.requests == [] and br.result is None and out.equals(br.df)
    message = assert_safe(br.message.value)
    assert message.count(t("widgets.batch_empty_template")) == 1 and "Lỗi" not in message
    assert br.error == t("widgets.batch_empty_template")


def test_a_stop_before_start_does_not_stop_the_next_run(products):
    br = BatchRun(products, "{ten_san_pham}")
    br.stop()  # e.g. clicked while nothing ran
    seen = []
    br.observe(lambda ch: seen.append(ch.new), names="running")
    br.start()
    br.wait(60)
    assert br.result["ket_qua"].notna().all()
    assert seen == [True, False] and br.running is False and br.error == ""


def test_personal_data_rows_are_named_without_asking_for_code(products):
    df = products.assign(lien_he=["0912 345 678", "", "Chị Lan 0987.654.321"])
    br = BatchRun(df, "Viết lời chào cho khách {lien_he} về {ten_san_pham}")
    br.run()
    message = assert_safe(br.message.value)
    assert br.pii_rows == [1, 3] and "Dòng 1, 3" in message
    assert "mask_pii" not in message and "course." not in message
