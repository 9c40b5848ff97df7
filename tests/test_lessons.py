"""Lessons: structure of every notebook in notebooks/, and the helpers behind lessons 00-04.

The structural rules come from the course brief: no stored outputs, NFC text, a start page that
links every lesson, objectives and time at the top, "Ghi nhớ" and a quiz at the end, a link to
the next lesson, short code cells that each follow an explanation.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from course.keyguard import contains_key

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
START = NOTEBOOKS / "00_bat_dau.ipynb"
MAX_CODE_LINES = 15
QUIZ_CALL = re.compile(r"""Quiz\.load\(\s*["'](\d\d)["']\s*\)""")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _number(path: Path) -> str:
    return path.name[:2]


def _heading_index(cells: list, pattern: str) -> int | None:
    rx = re.compile(rf"^#+\s*{pattern}", re.MULTILINE | re.IGNORECASE)
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and rx.search(cell.source):
            return i
    return None


def test_lessons_exist() -> None:
    numbers = [_number(p) for p in LESSONS]
    assert numbers[:5] == ["00", "01", "02", "03", "04"], numbers
    assert len(numbers) == len(set(numbers)), "two notebooks share a lesson number"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_outputs_and_nfc(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw), f"{path.name} has non-NFC text"
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
        assert not contains_key(cell.source), "something like an API key"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_code_cells_short_and_explained(path: Path) -> None:
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        lines = cell.source.strip("\n").splitlines()
        assert len(lines) <= MAX_CODE_LINES, f"{path.name} cell {i}: {len(lines)} lines"
        assert i > 0 and cells[i - 1].cell_type == "markdown", (
            f"{path.name} cell {i} is not preceded by an explanation"
        )
        assert cells[i - 1].source.strip(), f"{path.name} cell {i - 1} is an empty explanation"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_objectives_and_time_at_the_top(path: Path) -> None:
    cells = _read(path).cells
    i = _heading_index(cells, "Mục tiêu")
    assert i is not None and i <= 3, f"{path.name}: no 'Mục tiêu' section near the top"
    top = "\n".join(c.source for c in cells[: i + 2] if c.cell_type == "markdown")
    assert re.search(r"Thời gian[^\n]*\d+\s*phút", top), f"{path.name}: no time in minutes"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_key_points_and_quiz_at_the_end(path: Path) -> None:
    cells = _read(path).cells
    i = _heading_index(cells, "Ghi nhớ")
    assert i is not None, f"{path.name}: no 'Ghi nhớ' section"
    assert i >= len(cells) * 0.6, f"{path.name}: 'Ghi nhớ' is not near the end"
    quiz = [
        (k, m.group(1))
        for k, c in enumerate(cells)
        if c.cell_type == "code"
        for m in [QUIZ_CALL.search(c.source)]
        if m
    ]
    assert quiz, f"{path.name}: no Quiz.load(...) cell"
    k, name = quiz[-1]
    assert k > i, f"{path.name}: the quiz comes before 'Ghi nhớ'"
    assert name == _number(path), f"{path.name} loads quiz {name}"
    quiz_file = ROOT / "course" / "data" / "quizzes" / f"{name}.json"
    assert quiz_file.exists(), f"missing {quiz_file.relative_to(ROOT)}"


@pytest.mark.parametrize("path", [p for p in LESSONS if _number(p) != "09"], ids=lambda p: p.name)
def test_link_to_next_lesson(path: Path) -> None:
    following = f"{int(_number(path)) + 1:02d}_"
    tail = "\n".join(c.source for c in _read(path).cells[-3:] if c.cell_type == "markdown")
    assert re.search(rf"\]\({following}\w+\.ipynb\)", tail), f"{path.name}: no link to {following}"
    for name in re.findall(r"\]\((\d\d_\w+\.ipynb)\)", tail):
        assert (NOTEBOOKS / name).exists() or name[:2] > max(_number(p) for p in LESSONS), (
            f"{path.name} links {name}, which is not in notebooks/"
        )


def test_start_page_links_every_lesson_and_assignment() -> None:
    text = "\n".join(c.source for c in _read(START).cells if c.cell_type == "markdown")
    for path in LESSONS:
        assert f"]({path.name})" in text, f"start page does not link {path.name}"
    for expected in [f"0{n}_" for n in range(10)]:
        assert re.search(rf"\]\({expected}\w+\.ipynb\)", text), f"no link to lesson {expected}"
    for aid in ["bt1_prompt", "bt2_marketing", "bt3_funnel", "bt4_cskh", "bt5_privacy",
                "bt6_capstone"]:
        assert f"](../assignments/release/{aid}/{aid}.ipynb)" in text, f"no link to {aid}"
    assert "Shift + Enter" in text and "Restart" in text


# ----------------------------------------------------------------------------- quizzes 00-04
@pytest.mark.parametrize("name", ["00", "01", "02", "03", "04"])
def test_quiz_files_are_valid(name: str) -> None:
    from course.widgets import Quiz

    data = json.loads((ROOT / "course" / "data" / "quizzes" / f"{name}.json").read_text("utf-8"))
    assert data["title"] and len(data["questions"]) >= 4
    quiz = Quiz.load(name)
    for i, q in enumerate(data["questions"]):
        right = q["answer"] if q["type"] == "choice" else q["accept"][0]
        ok, _ = quiz.check(i, right)
        assert ok, f"quiz {name} question {i}: its own answer is rejected"
        if q["type"] == "choice":
            wrong = (q["answer"] + 1) % len(q["options"])
            ok, message = quiz.check(i, wrong)
            assert not ok and q["explain"] in message
    assert quiz.score[0] == len(data["questions"]) - sum(
        q["type"] == "choice" for q in data["questions"]
    )


# ----------------------------------------------------------------------------- helpers 00-04
def test_find_product_forgives_accents_and_explains_misses() -> None:
    from course.lessons import find_product

    assert find_product("ca phe khe sanh")["ten_sp"] == "Cà phê Arabica Khe Sanh"
    assert find_product("  HẠT TIÊU CÙA ")["gia_ban_vnd"] == 70000
    with pytest.raises(ValueError, match="Chưa tìm thấy sản phẩm.*Hạt tiêu Cùa"):
        find_product("trà xanh")


def test_load_unknown_table_lists_the_real_ones() -> None:
    from course.lessons import load

    with pytest.raises(ValueError, match="leads"):
        load("khach_hang")


def test_export_writes_excel_and_csv_that_read_back(tmp_path: Path) -> None:
    from course.lessons import export

    df = pd.DataFrame({"ngay": ["2026-01-05"], "tin_nhan": ["Cảm ơn anh chị đã đặt hàng!"]})
    xlsx = export(df, "lich.xlsx", folder=tmp_path / "ket_qua")
    csv = export(df, "lich.csv", folder=tmp_path / "ket_qua")
    assert pd.read_excel(xlsx).equals(df)
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the accents
    assert pd.read_csv(csv, encoding="utf-8-sig").equals(df)
    with pytest.raises(ValueError, match=r"\.xlsx"):
        export(df, "lich.docx", folder=tmp_path)


def test_content_calendar_is_four_weeks_of_three_posts() -> None:
    from course.lessons.planning import TOPICS, content_calendar

    cal = content_calendar("Hạt tiêu Cùa", start="2026-01-05")
    assert len(cal) == 12 and list(cal["chu_de"]) == list(TOPICS)
    assert set(cal["thu"]) == {"Thứ Hai", "Thứ Tư", "Thứ Sáu"}
    assert cal["ngay"].iloc[-1] == "2026-01-30"
    assert cal["kenh"].value_counts().to_dict() == {"Facebook": 4, "Zalo": 4, "TikTok": 4}
    with pytest.raises(ValueError, match="năm-tháng-ngày"):
        content_calendar("Hạt tiêu Cùa", start="5/1/2026")
    with pytest.raises(ValueError, match="tên sản phẩm"):
        content_calendar("   ")


def test_funnel_counts_from_the_leads_table() -> None:
    from course.lessons import load
    from course.lessons.planning import STAGES, message_plan, reached_counts

    counts = reached_counts(load("leads"))
    assert list(counts) == list(STAGES)
    values = list(counts.values())
    assert values[0] == 600 and values == sorted(values, reverse=True)
    rates = [b / a for a, b in zip(values, values[1:], strict=False)]
    assert min(rates) == rates[1], "the lesson says the biggest drop is Quan tâm → Cân nhắc"
    plan = message_plan("Hạt tiêu Cùa")
    assert len(plan) == 15 and plan.groupby("phan_khuc").size().tolist() == [5, 5, 5]
    bad = pd.DataFrame({"giai_doan": ["Nhận biết", "Mua rồi"]})
    with pytest.raises(ValueError, match="Mua rồi"):
        reached_counts(bad)


def test_post_metrics_counts_what_the_lesson_checks() -> None:
    from course.lessons.planning import post_metrics

    texts = pd.Series(["Cà phê ngon ☕✅ Nhắn tin đặt hàng! #CaPhe #KheSanh", "Chỉ là chữ."])
    m = post_metrics(texts)
    assert m["so_hashtag"].tolist() == [2, 0]
    assert m["so_emoji"].tolist() == [2, 0]
    assert m["co_keu_goi"].tolist() == [True, False]
    assert m["so_ky_tu"].iloc[1] == len("Chỉ là chữ.")


def test_temperature_slider_resamples_through_its_callbacks() -> None:
    from course.lessons import load
    from course.lessons.ngram import NgramModel
    from course.widgets import TemperatureExplorer

    model = NgramModel.train(load("product_texts")["noi_dung"], n=2)
    explorer = TemperatureExplorer(model, start="cà phê", samples=4)
    explorer.slider.value = 0.0  # the observer regenerates
    assert len(set(explorer.texts)) == 1 and explorer.texts[0].startswith("Cà phê")
    explorer.slider.value = 1.8
    hot = list(explorer.texts)
    assert len(set(hot)) > 1
    explorer.button.click()  # same temperature, fresh samples
    assert explorer.round == 1 and explorer.texts != hot
    explorer.start.value = "<i>mật ong</i>"
    assert "<i>" not in explorer.view.value  # model text is escaped, never markup
    assert "&lt; i &gt;" in explorer.view.value


# ----------------------------------------------------------------------------- offline answers
def _curated_answers() -> dict[str, str]:
    answers: dict[str, str] = {}
    for n in range(5):
        path = ROOT / "course" / "data" / "offline" / "curated" / f"lesson0{n}.json"
        for entry in json.loads(path.read_text("utf-8"))["entries"]:
            for text in entry.get("answers") or [entry["answer"]]:
                assert unicodedata.is_normalized("NFC", text)
                answers[text] = entry["id"]
    return answers


def _notebook_code(name: str) -> str:
    return "\n".join(c.source for c in _read(NOTEBOOKS / name).cells if c.cell_type == "code")


def _template(code: str, variable: str) -> str:
    """The string a notebook assigns to `variable` (a parenthesised literal), evaluated."""
    m = re.search(rf"^{variable} = (\((?:.|\n)*?\)\n)", code, re.MULTILINE)
    assert m, f"{variable} not found"
    return eval(m.group(1), {})  # a literal built only from string constants


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch):
    import course

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    course.configure(backend="offline", cache=False)
    return course


PRODUCTS = pd.read_csv(ROOT / "course" / "data" / "products.csv")["ten_sp"].tolist()


@pytest.mark.parametrize("product", ["(default)", *PRODUCTS])
def test_lesson03_prompts_get_curated_answers_within_channel_limits(offline, product) -> None:
    from course.lessons import find_product, load
    from course.lessons.planning import content_calendar, post_metrics
    from course.widgets import run_batch

    curated = _curated_answers()
    code = _notebook_code("03_noi_dung_marketing.ipynb")
    default = re.search(r'profile\.load\(default="([^"]+)"\)', code).group(1)
    sp = find_product(default if product == "(default)" else product)
    limits = load("channel_limits").assign(san_pham=sp["ten_sp"])
    posts = run_batch(limits, _template(code, "mau_bai_dang"), "bai_dang", progress=False)
    cal = content_calendar(sp["ten_sp"])
    cal = run_batch(cal, _template(code, "mau_lich"), "bai_viet", progress=False)
    descs = run_batch(load("products").head(4), _template(code, "mau_mo_ta"), "mo_ta",
                      progress=False)
    one = offline.strip_label(offline.ask(_template(code, "mau_mo_ta").format(**sp)))
    headlines = offline.strip_label(offline.ask(_template(code, "mau_tieu_de").format(**sp)))
    assert one in curated and headlines in curated and sp["ten_sp"] in one
    for column, df in [("bai_dang", posts), ("bai_viet", cal), ("mo_ta", descs)]:
        stripped = df[column].map(offline.strip_label)
        assert df[column].map(offline.is_simulated).all()
        assert stripped.isin(curated).all(), f"generic answers in {column}"
        assert stripped.nunique() == len(df), f"repeated answers in {column}"
    check = pd.concat([posts, post_metrics(posts["bai_dang"])], axis=1)
    assert (check["so_ky_tu"] <= check["ky_tu_toi_da"]).all()
    assert (check["so_hashtag"] <= check["hashtag_toi_da"]).all()
    assert (check["so_emoji"] <= check["emoji_toi_da"]).all()
    assert check["co_keu_goi"].all()
    cal_limits = cal["kenh"].map(limits.set_index("kenh")["ky_tu_toi_da"])
    assert (post_metrics(cal["bai_viet"])["so_ky_tu"] <= cal_limits).all()


@pytest.mark.parametrize("product", ["(default)", *PRODUCTS])
def test_lesson04_messages_are_curated_short_and_call_to_action(offline, product) -> None:
    from course.lessons import find_product
    from course.lessons.planning import message_plan, post_metrics
    from course.widgets import run_batch

    curated = _curated_answers()
    code = _notebook_code("04_pheu_ban_hang.ipynb")
    default = re.search(r'profile\.load\(default="([^"]+)"\)', code).group(1)
    name = find_product(default if product == "(default)" else product)["ten_sp"]
    plan = message_plan(name)
    done = run_batch(plan, _template(code, "mau_tin"), "tin_nhan", progress=False)
    texts = done["tin_nhan"].map(offline.strip_label)
    assert texts.isin(curated).all() and texts.nunique() == 15
    assert texts.str.contains(name.split()[-1], regex=False).sum() >= 10  # about this product
    assert (texts.str.split().str.len() < 60).all()  # the template asks for under 60 words
    assert post_metrics(texts)["co_keu_goi"].all()


@pytest.mark.parametrize(
    ("notebook", "variables"),
    [("00_bat_dau.ipynb", []), ("01_ai_la_gi.ipynb", []),
     ("02_viet_prompt.ipynb", ["vong_2", "vong_3"])],
)
def test_literal_prompts_have_curated_answers(offline, notebook: str, variables: list) -> None:
    curated = _curated_answers()
    code = _notebook_code(notebook)
    prompts = re.findall(r'course\.ask\("([^"]+)"\)', code)
    prompts += [_template(code, v) for v in variables]
    assert prompts
    for prompt in prompts:
        answer = offline.strip_label(offline.ask(prompt))
        assert answer in curated, f"no curated answer for: {prompt[:60]}"


def _widget_cell(notebook: str, call: str) -> str:
    """The source of the notebook cell that builds a widget, without its comment and imports."""
    for cell in _read(NOTEBOOKS / notebook).cells:
        if cell.cell_type == "code" and call in cell.source:
            lines = cell.source.splitlines()
            return "\n".join(x for x in lines if not x.startswith(("#", "from ", "import ")))
    raise AssertionError(f"{call} not found in {notebook}")


def test_lesson02_widgets_answer_with_curated_texts(offline) -> None:
    from course.widgets import CompareSettings, PromptBuilder

    curated = _curated_answers()
    builder = eval(_widget_cell("02_viet_prompt.ipynb", "PromptBuilder("),
                   {"PromptBuilder": PromptBuilder})
    assert builder.review.score >= 80  # the example the lesson shows is a good prompt
    assert offline.strip_label(builder.send()) in curated
    compare = eval(_widget_cell("02_viet_prompt.ipynb", "CompareSettings("),
                   {"CompareSettings": CompareSettings})
    answers = [offline.strip_label(a) for _, a in compare.run()]
    assert all(a in curated for a in answers)
    assert len(set(answers)) >= 2, "three temperatures should not all give the same text"
