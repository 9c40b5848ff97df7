"""What a participant sees when a lesson runs: no raw Python values.

Every lesson is executed as a participant runs it (a copy, offline, nbclient) and each output is
read as JupyterLab shows it (the HTML when there is one, else the text): no `dtype` or `Name:`
lines, no True/False/NaN/None, no `it/s`, no error, and no table heading that is a raw column
name such as `da_mua` or `kenh` (a heading without Vietnamese marks). The pandas display the
course registers in every kernel (course.notebook.install_tables) is also checked on its own.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from course.widgets.display import cell_text, column_label, frame_html, frame_text

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

RAW = [("dtype", re.compile(r"\bdtype\b")),
       ("Name:", re.compile(r"^Name: ", re.M)),
       ("Length:", re.compile(r"^Length: \d", re.M)),
       ("True/False", re.compile(r"\b(True|False)\b")),
       ("NaN/None", re.compile(r"\b(NaN|NaT|None|nan)\b")),
       ("it/s", re.compile(r"\d\s*(it/s|s/it)\b"))]
HEADING = re.compile(r"<th[^>]*>(.*?)</th>", re.S)
RAW_HEADING = re.compile(r"^[a-z][a-z0-9_]*$")  # da_mua, kenh: a name, not a heading


def shown(output: dict) -> list[tuple[str, str]]:
    """(kind, text) of what JupyterLab renders for one output; widgets are checked elsewhere."""
    if output["output_type"] == "stream":
        return [("text", output["text"])]
    if output["output_type"] == "error":
        return [("error", "\n".join(output["traceback"]))]
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return []
    if "text/html" in data:
        return [("html", data["text/html"])]
    return [("text", data["text/plain"])] if "text/plain" in data else []


def findings(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            for kind, text in shown(output):
                if kind == "error":
                    found.append((i, "error", text.splitlines()[-1][:160]))
                    continue
                if kind == "html":
                    for heading in HEADING.findall(text):
                        heading = html.unescape(re.sub(r"<[^>]+>", "", heading)).strip()
                        if RAW_HEADING.match(heading):
                            found.append((i, "raw heading", heading))
                    text = html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", text,
                                                flags=re.S))
                for name, rx in RAW:
                    if m := rx.search(text):
                        found.append((i, name, text[max(0, m.start() - 60):m.end() + 20]))
    return found


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lessons")
    shutil.copytree(ROOT / "notebooks", work, dirs_exist_ok=True)
    return work


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_lesson_outputs_show_no_raw_python_values(copies: Path, path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COURSE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_BACKEND", "offline")
    nb = nbformat.read(copies / path.name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(copies)}}).execute()
    outputs = sum(len(c.get("outputs", [])) for c in nb.cells)
    assert outputs > 0, "the lesson showed nothing"
    assert not findings(nb), findings(nb)


def test_the_scan_catches_what_pandas_shows_by_default() -> None:
    series = pd.Series([10.5, 5.6], index=pd.Index(["Zalo", "TikTok"], name="kenh"),
                       name="da_mua")
    frame = pd.DataFrame({"kenh": ["Zalo"], "dat": [True], "gia": [float("nan")]})
    raw = nbformat.v4.new_notebook()
    raw.cells = [nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("execute_result", {"text/plain": repr(series)}),
        nbformat.v4.new_output("execute_result", {"text/html": frame.to_html(),
                                                  "text/plain": repr(frame)}),
        nbformat.v4.new_output("stream", text="Đang chạy: 3/3 [00:01, 2.50it/s]")])]
    kinds = {kind for _, kind, _ in findings(raw)}
    assert {"dtype", "Name:", "raw heading", "True/False", "NaN/None", "it/s"} <= kinds


def test_course_tables_are_vietnamese() -> None:
    series = pd.Series([10.5, 5.6], index=pd.Index(["Zalo", "TikTok"], name="kenh"),
                       name="da_mua")
    text = frame_text(series)
    assert text.splitlines()[0].split() == ["Kênh", "Đã", "mua"]
    assert "10,5" in text and "dtype" not in text and "Name" not in text
    frame = pd.DataFrame({"kenh": ["Zalo", "Shopee"], "dat": [True, False],
                          "so_don": [1200, 3], "ghi_chu": ["<b>hết hàng</b>", None]})
    shown_html = frame_html(frame)
    assert "<b>hết" not in shown_html and "&lt;b&gt;hết hàng&lt;/b&gt;" in shown_html
    for word in ("Kênh", "Đạt", "Số đơn", "Ghi chú", "có", "không", "1.200", "—"):
        assert word in shown_html, word
    assert ">0<" not in shown_html  # no index numbers
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        outputs=[nbformat.v4.new_output("execute_result", {"text/html": shown_html})])]
    assert not findings(nb)


def test_long_tables_are_cut_with_a_vietnamese_note_and_long_text_is_whole() -> None:
    long_text = "Chào chị, " * 30
    frame = pd.DataFrame({"noi_dung": [long_text] * 100})
    shown_html = frame_html(frame)
    assert "100 dòng" in shown_html and shown_html.count("<tr>") == 1 + 10 + 1 + 5
    assert html.escape(long_text) in shown_html  # not cut at 50 characters like pandas


def test_values_and_headings() -> None:
    assert cell_text(True) == "có" and cell_text(False) == "không"
    assert cell_text(float("nan")) == "—" and cell_text(None) == "—"
    assert cell_text(1234567) == "1.234.567" and cell_text(0.126) == "0,13"
    assert cell_text(pd.Timestamp("2025-11-18")) == "18/11/2025"
    assert column_label("gia_ban_vnd") == "Giá bán (đồng)" and column_label("count") == "Số lượng"
    assert column_label("Cột riêng của tôi") == "Cột riêng của tôi"  # the participant's own
    # Lesson 03's computed shares (ty_le_nhan_% ...) read as headings too, not raw names.
    assert column_label("ty_le_nhan_%") == "Tỷ lệ bấm (%)"
    assert column_label("ty_le_tuong_tac_%") == "Tỷ lệ tương tác (%)"
    assert column_label("khong_co_%") == "khong_co_%"
