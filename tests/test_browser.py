"""Real browser, real JupyterLab: what a participant sees and does.

JupyterLab is started by `course.lab` (same command line and settings as `make lab`) on
127.0.0.1 with token auth, on a temporary copy of notebooks/. Debian's Chromium is driven
by Playwright. Screenshots go to artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_server import running_lab

from course.keyguard import REDACTED
from course.lab import START_PAGE

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts" / "browser"
LESSON = "notebooks/02_viet_prompt.ipynb"
FAKE_KEY = "sk-proj-TESTKEY" + "Aa1Bb2Cc3Dd4" * 4
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Generous waits for a 2-core machine: these are limits for "it never happened", not timings.
SLOW_MS = 60_000

sync_api = pytest.importorskip("playwright.sync_api", reason="Python package playwright missing")
PlaywrightTimeout = sync_api.TimeoutError


def _label() -> str:
    import course

    return course.SIMULATION_LABEL


def _msg(key: str) -> str:
    """Button and title texts come from the widgets' own Vietnamese catalogue."""
    from course.i18n import t

    return t(key)


SAMPLE = "Để tập, số liệu, kiểm tra, nghiêng, Quảng Trị"
WEBFONT_MONO = "Course Noto Sans Mono"
# A second browser profile sees only DejaVu: the machine's fonts must not be what renders.
NO_NOTO_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def _scratch_notebooks(folder: Path) -> None:
    """Small notebooks for what no lesson shows on its first screen (a participant's own cells)."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    cells = nbformat.v4.new_code_cell
    books = {
        "phong_chu.ipynb": [
            cells(f'print("{SAMPLE}")\nprint("🧪 mô phỏng ✅")'),
            cells("import ipywidgets as w\n"
                  f'w.Textarea(value="{SAMPLE}", layout=w.Layout(width="700px"))'),
        ],
        "loi.ipynb": [
            cells('khach = "Chị Lan, homestay ở Phong Nha"'),
            cells('print("Xin chào", khach)'),
            cells('ten = "Bún hến Cồn Hến"'),
        ],
        "tro_chuyen.ipynb": [
            cells("import course\nfrom course.widgets import ChatBox\n"
                  'ChatBox("Bạn là trợ lý của một homestay ở Phong Nha, trả lời ngắn gọn.")'),
        ],
    }
    for name, book_cells in books.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = book_cells
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                     "language": "python"}
        nbformat.write(nb, folder / name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[dict]:
    """JupyterLab via course.lab on a temp copy of notebooks/, participant settings on."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium); "
                    "scripts/ensure-browser.sh installs it when run as root")
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "course"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    if (REPO / "assignments" / "release").is_dir():  # built by `make install`
        shutil.copytree(REPO / "assignments" / "release", root / "assignments" / "release")
    _scratch_notebooks(root / "thu")
    # Lessons 07 and 09 open their Markdown report by right-clicking it in the file browser.
    (root / "notebooks" / "bao_cao_thu.md").write_text("# Báo cáo thử\n", encoding="utf-8")
    # A participant alone with `make lab`: no class exchange (a path that cannot be created).
    (tmp / "not-a-folder").write_text("x", encoding="utf-8")
    exchange = tmp / "not-a-folder" / "exchange"
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
    with running_lab(root, tmp, "browser-test-token") as server:
        yield {**server, "root": root, "tmp": tmp}


def _launch(p, profile: Path, env: dict | None = None):
    ctx = p.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROME_ARGS,
        viewport={"width": 1400, "height": 1000}, locale="vi-VN", env=env)
    pg = ctx.new_page()
    pg.set_default_timeout(SLOW_MS)
    return ctx, pg


@pytest.fixture(scope="module")
def browser_driver():
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def page(lab, browser_driver, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx, pg = _launch(browser_driver, tmp_path_factory.mktemp("chromium-profile"))
    yield pg
    ctx.close()


@pytest.fixture(autouse=True)
def _final_screenshot(request, page):
    """Whatever happens, keep the last screen of each test for humans to look at."""
    yield
    _shot(page, f"zz_{request.node.name}")


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


RUN_MENU = re.compile(r"^(Chạy|Khởi chạy|Run)$")
RUN_ALL = re.compile(r"^(Run All Cells|Chạy tất cả các ô)$")


ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook tab in front
KERNEL_IDLE = re.compile(r"\| (Idle|Rảnh|Nghỉ)")


def _clear_dialogs(page) -> None:
    """Close any dialog in the way (kernel choice, file changed on disk, restart...) before acting.

    A dialog opened by JupyterLab at its own pace took clicks meant for the notebook: every
    action helper calls this first, and waits for the dialog to be gone, not for a fixed time.
    """
    dialogs = page.locator(".jp-Dialog")
    for _ in range(5):
        if dialogs.count() == 0:
            return
        dialog = dialogs.first
        # "Chọn kernel" (a kernel that died or was not started on a loaded machine): keep the
        # proposed Python kernel, as a participant would; anything else: cancel.
        choose = dialog.locator("select").count() > 0
        button = dialog.locator("button.jp-mod-accept" if choose else "button.jp-mod-reject")
        if button.count():
            button.first.click()
        else:
            page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
    assert dialogs.count() == 0, dialogs.all_inner_texts()


def _open(page, lab: dict, path: str) -> None:
    # JupyterLab restores the saved layout: an earlier test's notebook could stay visible beside
    # this one (two panels match ACTIVE, seen once in a soak run). Start from an empty layout.
    forget = urllib.request.Request(
        f"{lab['base']}/lab/api/workspaces/default?token={lab['token']}", method="DELETE")
    try:
        urllib.request.urlopen(forget, timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code != 404:  # 404: nothing saved yet
            raise
    page.goto(f"{lab['base']}/lab/tree/{path}?token={lab['token']}")
    page.locator(f"{ACTIVE} .jp-Cell").first.wait_for()
    _wait_idle(page)


def _wait_idle(page) -> None:
    _clear_dialogs(page)
    page.locator("#jp-main-statusbar").filter(has_text=KERNEL_IDLE).wait_for()
    _clear_dialogs(page)


def _menu(page, title: str | re.Pattern, item: str | re.Pattern) -> None:
    """Open a menu-bar menu and click one entry (both found by their visible label)."""
    _clear_dialogs(page)
    if isinstance(title, str):
        title = re.compile("^" + re.escape(title) + "$")
    if isinstance(item, str):
        item = re.compile("^" + re.escape(item) + "$")
    page.locator(".lm-MenuBar-itemLabel").filter(has_text=title).first.click()
    entries = page.locator(".lm-Menu-content .lm-Menu-itemLabel").filter(has_text=item)
    entries.first.click()


def _run_all(page) -> None:
    """Menu Chạy (Run) → run all cells, as a participant would, once the kernel is up.

    Done means the last code cell shows its execution number (a queued "[*]" is not done). On
    a loaded machine JupyterLab can drop a request made while the kernel connection settles;
    a participant would simply click again, and so does this helper (at most three times).
    """
    _wait_idle(page)
    last_done = page.locator(f"{ACTIVE} .jp-CodeCell").last.locator(".jp-InputPrompt").filter(
        has_text=re.compile(r"\[\d+\]"))
    for attempt in range(3):
        _menu(page, RUN_MENU, RUN_ALL)
        try:
            last_done.wait_for(state="attached", timeout=60_000)
            return
        except PlaywrightTimeout:
            _clear_dialogs(page)
            if attempt == 2:
                raise


def _run_cell(page, cell) -> None:
    """Select one cell and run it in place (Ctrl+Enter); done when its prompt shows a number.

    Like Run All, a request made while the kernel connection settles can be dropped on a
    loaded machine: run again, at most three times.
    """
    done = cell.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]"))
    for attempt in range(3):
        _wait_idle(page)
        cell.locator(".jp-InputPrompt").click()
        page.keyboard.press("Control+Enter")
        try:
            done.wait_for(state="attached", timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def _wait_saved(path: Path, before: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = path.read_text(encoding="utf-8")
        if text != before:
            return text
        time.sleep(0.2)
    pytest.fail(f"{path.name} was not saved")


def _setting(lab: dict, plugin: str) -> dict:
    url = f"{lab['base']}/lab/api/settings/{plugin}?token={lab['token']}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        return _composite(json.loads(resp.read()))


def _composite(reply: dict) -> dict:
    """Effective values: the user's settings over the schema defaults (where overrides land)."""
    props = reply["schema"].get("properties", {})
    values = {k: v.get("default") for k, v in props.items()}
    values.update(reply.get("settings") or {})
    return values


def test_participant_settings_are_served(lab):
    assert _setting(lab, "@jupyterlab/translation-extension:plugin")["locale"] == "vi_VN"
    news = _setting(lab, "@jupyterlab/apputils-extension:notification")
    assert news["fetchNews"] == "false" and news["checkForUpdates"] is False
    fonts = _setting(lab, "@jupyterlab/apputils-extension:themes")["overrides"]
    assert fonts["code-font-size"] == "15px" and fonts["content-font-size1"] == "16px"


def test_start_page_opens_in_vietnamese(lab, page):
    page.goto(f"{lab['base']}/?token={lab['token']}")
    page.wait_for_url(f"**/lab/tree/{START_PAGE}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    menubar = page.locator(".lm-MenuBar-content").inner_text()
    assert "Chỉnh sửa" in menubar and "Trợ giúp" in menubar, menubar
    assert "Edit" not in menubar
    title = page.locator(".jp-MarkdownOutput h1").first.inner_text()
    assert title.strip(), "start page has no title"
    # nbgrader: participants get the assignment list, not the instructor's panels.
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    entries = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    assert any("Assignment" in e or "bài tập" in e.lower() for e in entries), entries
    assert not any("Formgrader" in e or "Course" in e for e in entries), entries
    _shot(page, "01_trang_bat_dau")


def test_start_page_runs_offline_and_key_never_saved(lab, page):
    label = _label()
    _run_all(page)
    page.locator(".jp-OutputArea-output", has_text=label).first.wait_for()
    apply_button = page.locator("button", has_text=_msg("widgets.conn_apply"))
    apply_button.wait_for(state="attached")
    apply_button.scroll_into_view_if_needed()
    panel = page.locator(".jp-OutputArea-output", has=apply_button)
    panel.locator("select").first.select_option(label="OpenAI")
    password = panel.locator("input[type=password]")
    password.fill(FAKE_KEY)
    apply_button.click()
    # The panel reports the new connection with the key masked as its last 4 characters.
    panel.get_by_text("…" + FAKE_KEY[-4:]).first.wait_for()
    assert password.input_value() == ""
    # A participant also pastes the key into a cell by mistake, then saves with Ctrl+S.
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(f'khoa = "{FAKE_KEY}"')
    page.keyboard.press("Escape")
    saved_path = lab["root"] / START_PAGE
    before = saved_path.read_text(encoding="utf-8")
    page.keyboard.press("Control+s")
    saved = _wait_saved(saved_path, before)
    _shot(page, "02_trang_bat_dau_da_chay")
    assert "TESTKEY" not in saved
    assert f'khoa = \\"{REDACTED}\\"' in saved or f'khoa = "{REDACTED}"' in json.dumps(
        json.loads(saved), ensure_ascii=False)
    assert label in saved, "offline answers were not saved with the notebook"
    assert "TESTKEY" not in lab["log"].read_text(encoding="utf-8")


def test_prompt_builder_sends_and_shows_labelled_offline_answer(lab, page):
    label = _label()
    _open(page, lab, LESSON)
    _run_all(page)
    builder = page.locator(f"{ACTIVE} .jp-OutputArea-output", has_text=_msg("widgets.pb_title"))
    # Off-screen cells are skipped by the browser (content-visibility): attach, then scroll.
    builder.wait_for(state="attached")
    builder.scroll_into_view_if_needed()
    boxes = builder.locator("textarea")
    assert boxes.count() == 6
    values = [
        "nhân viên bán hàng của hợp tác xã hạt tiêu Cùa ở Cam Lộ",
        "Hạt tiêu Cùa đạt OCOP 4 sao, gói 200 g giá 65.000 đồng",
        "Viết bài đăng Zalo giới thiệu hạt tiêu Cùa cho khách nội trợ",
        "3 gạch đầu dòng và một câu kêu gọi đặt hàng",
        "thân thiện, mộc mạc",
        "dưới 80 từ, không hứa chữa bệnh",
    ]
    for box, value in zip(boxes.all(), values, strict=True):
        box.fill(value)
    assert label not in builder.inner_text()
    builder.locator("button", has_text=_msg("widgets.send")).click()
    builder.get_by_text(label).first.wait_for()
    answer = builder.inner_text()
    assert label in answer
    _shot(page, "03_prompt_builder_tra_loi")


# -- Vietnamese letters render with the course's own webfont ------------------------------------

FONT_PROBE = """async ([family, sample]) => {
    await document.fonts.ready;
    const wanted = family.toLowerCase();
    const first = el => getComputedStyle(el).fontFamily.split(',')[0].replace(/["']/g, '').trim();
    const pick = sel => document.querySelector(sel);
    const faces = [...document.fonts].filter(f => f.family.replace(/["']/g, '') === family);
    return {
        editor: first(pick('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .cm-content')),
        output: first(pick('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output pre')),
        widget: first(pick('.jp-NotebookPanel:not(.lm-mod-hidden) .widget-textarea textarea')),
        outputBreak: getComputedStyle(pick(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output pre')).wordBreak,
        vietnameseLoaded: faces.some(f => f.status === 'loaded' && f.unicodeRange.includes('1EA0')),
        emojiLoaded: [...document.fonts].some(
            f => f.family.replace(/["']/g, '') === 'Course Noto Emoji' && f.status === 'loaded'),
        check: document.fonts.check('15px "' + family + '"', sample),
        wanted,
    };
}"""


def _check_fonts(page, lab: dict, tag: str) -> dict:
    _open(page, lab, "thu/phong_chu.ipynb")
    _run_all(page)
    textarea = page.locator(f"{ACTIVE} .widget-textarea textarea")
    textarea.wait_for()
    page.locator(f"{ACTIVE} .jp-OutputArea-output pre", has_text=SAMPLE).first.wait_for()
    result = page.evaluate(FONT_PROBE, [WEBFONT_MONO, SAMPLE])
    cells = page.locator(f"{ACTIVE} .jp-Cell")
    cells.nth(0).locator(".jp-InputArea").screenshot(path=str(ARTIFACTS / f"font_{tag}_code.png"))
    cells.nth(0).locator(".jp-OutputArea").screenshot(
        path=str(ARTIFACTS / f"font_{tag}_output.png"))
    textarea.screenshot(path=str(ARTIFACTS / f"font_{tag}_widget.png"))
    return result


def _assert_webfont(result: dict) -> None:
    assert result["editor"] == WEBFONT_MONO, result
    assert result["output"] == WEBFONT_MONO, result
    assert result["widget"] == WEBFONT_MONO, result
    assert result["vietnameseLoaded"], f"the webfont's Vietnamese subset never loaded: {result}"
    assert result["check"], result
    assert result["outputBreak"] == "normal", result  # no "cho m|ột" breaks inside words
    assert result["emojiLoaded"], result  # the offline label's 🧪 is a glyph, not a box


def test_vietnamese_letters_use_the_course_webfont(lab, page):
    css = urllib.request.urlopen(f"{lab['base']}/custom/custom.css?token={lab['token']}",
                                 timeout=30).read().decode()
    assert WEBFONT_MONO in css
    fonts_css = urllib.request.urlopen(
        f"{lab['base']}/custom/fonts/fonts.css?token={lab['token']}", timeout=30).read().decode()
    assert "vietnamese" in fonts_css and "http" not in fonts_css  # served here, no CDN
    _assert_webfont(_check_fonts(page, lab, "mac_dinh"))


def test_vietnamese_letters_render_without_any_noto_font_on_the_machine(lab, browser_driver,
                                                                         tmp_path_factory):
    """A second browser profile whose font configuration holds only DejaVu (the font that
    stacks Vietnamese marks badly): the page must still render with the webfont we serve."""
    tmp = tmp_path_factory.mktemp("no-noto")
    conf = tmp / "fonts.conf"
    conf.write_text(NO_NOTO_FONTCONFIG.format(cache=tmp / "cache"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    listed = subprocess.run(["fc-list"], env=env, capture_output=True, text=True).stdout
    assert "Noto" not in listed and "DejaVu" in listed
    ctx, pg = _launch(browser_driver, tmp / "profile", env=env)
    try:
        _assert_webfont(_check_fonts(pg, lab, "khong_noto"))
    finally:
        ctx.close()


# -- the chat keeps the newest message in view ---------------------------------------------------

def test_chat_keeps_the_newest_message_in_view(lab, page):
    _open(page, lab, "thu/tro_chuyen.ipynb")
    _run_all(page)
    chat = page.locator(f"{ACTIVE} .jp-OutputArea-output", has_text=_msg("widgets.chat_title"))
    chat.wait_for()
    box = chat.locator("textarea").last
    send = chat.locator("button", has_text=_msg("widgets.send"))
    history = chat.locator(".course-chat-history")
    questions = [f"Câu hỏi số {n}: homestay còn phòng cho 4 người cuối tuần này không, giá bao "
                 f"nhiêu một đêm, có đưa đón ở ga Đồng Hới và thuê xe máy đi động Phong Nha không?"
                 for n in range(1, 8)]
    for n, question in enumerate(questions, start=1):
        box.fill(question)
        send.click()
        history.locator("pre").filter(has_text=question).wait_for()
        # reply arrived: 2 messages per turn
        expect_count = 2 * n
        page.wait_for_function(
            "([sel, n]) => document.querySelector(sel)?.querySelectorAll('pre').length >= n",
            arg=[f"{ACTIVE} .course-chat-history", expect_count])
    geometry = history.evaluate("""el => {
        const box = el.getBoundingClientRect();
        const pres = [...el.querySelectorAll('pre')];
        const newest = pres[0].getBoundingClientRect();  // newest first in the DOM
        const oldest = pres[pres.length - 1].getBoundingClientRect();
        return {scrolls: el.scrollHeight > el.clientHeight + 10, boxTop: box.top,
                boxBottom: box.bottom, newestTop: newest.top, newestBottom: newest.bottom,
                oldestTop: oldest.top, newestText: pres[0].innerText,
                lastQuestion: pres[1].innerText};
    }""")
    _shot(page, "chat_tin_moi_nhat")
    assert geometry["scrolls"], "the history never filled its box; the test proves nothing"
    assert questions[-1] in geometry["lastQuestion"]
    assert geometry["newestBottom"] <= geometry["boxBottom"] + 1, geometry
    assert geometry["newestTop"] >= geometry["boxTop"] - 1, geometry
    assert geometry["oldestTop"] < geometry["boxTop"], "oldest message should be scrolled away"


# -- the common Python mistakes are explained in Vietnamese -------------------------------------

def test_running_a_cell_out_of_order_and_a_missing_quote_get_vietnamese_help(lab, page):
    from course.i18n import t

    _open(page, lab, "thu/loi.ipynb")
    cells = page.locator(f"{ACTIVE} .jp-Cell")
    # After opening the notebook a participant runs the second cell first.
    _run_cell(page, cells.nth(1))
    name_help = cells.nth(1).locator(".jp-OutputArea-output")
    name_help.filter(has_text="khach").first.wait_for()
    text = name_help.first.inner_text()
    assert t("notebook.name", name="khach").split(":")[0] in text, text
    assert "NameError: name 'khach' is not defined" in text and "Traceback" not in text
    # Then deletes the closing quote of the third cell and runs it.
    editor = cells.nth(2).locator(".cm-content")
    editor.click()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    assert editor.inner_text().strip() == 'ten = "Bún hến Cồn Hến'
    _run_cell(page, cells.nth(2))
    quote_help = cells.nth(2).locator(".jp-OutputArea-output")
    quote_help.filter(has_text=t("notebook.quote", line=1)).first.wait_for()
    text = quote_help.first.inner_text()
    assert t("notebook.quote", line=1) in text, text
    assert "SyntaxError: unterminated string literal" in text and ".py" not in text
    _shot(page, "loi_tieng_viet")


# -- menu labels a lesson names exist in the running interface ----------------------------------

MENU_PATH = re.compile(r"\*{1,2}([^*\n]+?(?:\s(?:→|›)\s[^*\n]+?)+)\*{1,2}")


def _lesson_menu_paths() -> list[tuple[str, list[str]]]:
    """Every bold/italic "A → B" path in the lessons and in the Vietnamese error help."""
    found = []
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                for m in MENU_PATH.finditer(text):
                    found.append((path.name, [p.strip() for p in re.split(r"\s[→›]\s", m[1])]))
    help_texts = json.loads((REPO / "course/data/messages/vi/notebook.json").read_text("utf-8"))
    for key, text in help_texts.items():
        for m in re.finditer(r"((?:Chạy|Kernel|Tệp) › [^.,(]+?)(?=[,.)]| rồi| sau)", text):
            found.append((f"notebook.{key}", [p.strip() for p in m[1].split("›")]))
    return found


def test_menu_labels_named_in_lessons_exist_in_the_interface(lab, page):
    _open(page, lab, START_PAGE)
    titles = [x.strip() for x in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
    checked, missing = [], []
    for where, parts in _lesson_menu_paths():
        if parts[0] in titles:
            _clear_dialogs(page)
            page.locator(".lm-MenuBar-itemLabel").filter(
                has_text=re.compile("^" + re.escape(parts[0]) + "$")).first.click()
        elif parts[0].lower() == "chuột phải":
            _clear_dialogs(page)
            page.locator(".jp-DirListing-item", has_text=".md").first.click(button="right")
        else:
            continue  # "nhận biết → quan tâm → …" is a funnel, not a menu
        labels = parts[1:]
        for depth, label in enumerate(labels):
            menu = page.locator(".lm-Menu").last
            entries = [e.strip() for e in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]
            if label not in entries:
                missing.append((where, " → ".join(parts), entries))
                break
            if depth < len(labels) - 1:  # open the submenu
                menu.locator(".lm-Menu-item").filter(
                    has_text=re.compile("^" + re.escape(label) + "$")).first.hover()
                page.locator(".lm-Menu").nth(depth + 1).wait_for()
        else:
            checked.append(" → ".join(parts))
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
    assert not missing, missing
    assert len(checked) >= 4, checked  # the lessons do name menus: never pass on nothing


def test_run_and_kernel_menus_are_vietnamese(lab, page):
    """The share of Vietnamese labels in the menus lessons use (figure in benchmarks/README.md)."""
    _open(page, lab, START_PAGE)
    english = []
    for title in ("Chạy", "Kernel"):
        page.locator(".lm-MenuBar-itemLabel").filter(has_text=re.compile(f"^{title}$")).click()
        labels = [x for x in page.locator(".lm-Menu-content .lm-Menu-itemLabel")
                  .all_inner_texts() if x.strip()]
        page.keyboard.press("Escape")
        english += [x for x in labels if re.fullmatch(r"[A-Za-z …’'-]+", x)]
    assert not english, english


# -- graded exercises -----------------------------------------------------------------------------

def test_assignment_list_explains_in_vietnamese_when_there_is_no_exchange(lab, page):
    from course.i18n import t

    _open(page, lab, START_PAGE)
    _menu(page, "Nbgrader", re.compile(r"Assignment List|Danh sách bài tập"))
    first_sentence = t("lessons.nbgrader_no_exchange").split(".")[0]
    page.get_by_text(first_sentence).first.wait_for()
    assert "exchange directory does not exist" not in page.locator("body").inner_text()
    _shot(page, "danh_sach_bai_tap")


def test_lesson_00_links_open_the_graded_exercises(lab, page):
    nb = json.loads((REPO / START_PAGE).read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    links = re.findall(r"\]\((\.\./assignments/release/[^)]+\.ipynb)\)", text)
    assert links, "lesson 00 links no graded exercise"
    missing = [x for x in links if not (REPO / "notebooks" / x).resolve().is_file()]
    assert not missing, f"run `make install` to build the release copies: {missing}"
    _open(page, lab, START_PAGE)
    target = links[0].rsplit("/", 1)[-1]
    link = page.locator(f"{ACTIVE} a[href*='/{target}']").first
    # The notebook renders only the cells near the screen: scroll down as a reader would.
    scroller = page.locator(f"{ACTIVE} .jp-WindowedPanel-outer")
    for _ in range(40):
        try:
            link.wait_for(state="attached", timeout=1_000)
            break
        except PlaywrightTimeout:
            scroller.evaluate("el => el.scrollBy(0, el.clientHeight * 0.8)")
    link.scroll_into_view_if_needed()
    link.click()
    page.locator(".lm-TabBar-tabLabel", has_text=target).wait_for()
    page.locator(f"{ACTIVE} .jp-Cell").first.wait_for()
    _shot(page, "bai_tap_mo_tu_bai_00")


# -- a beginner's usual mistakes, raw values and text size (issue 26) ----------------------------

STYLE_PROBE = """(el) => {
  const cs = getComputedStyle(el);
  let bg = null;
  for (let n = el; n && !bg; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') bg = c;
  }
  return {text: (el.innerText || '').slice(0, 80), size: parseFloat(cs.fontSize),
          family: cs.fontFamily, weight: parseInt(cs.fontWeight, 10), color: cs.color,
          bg: bg || 'rgb(255, 255, 255)'};
}"""
# Elements of an output that show text of their own (not only through children).
TEXT_ELEMENTS = """(root) => [...root.querySelectorAll('*')].filter(el =>
  [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) &&
  el.offsetParent !== null && !['STYLE', 'SCRIPT', 'OPTION'].includes(el.tagName))"""


def _rgb(css: str) -> tuple[float, float, float, float]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def contrast(color: str, background: str) -> float:
    """WCAG 2 contrast ratio of a text colour (alpha blended) on its background."""
    bg = _rgb(background)[:3]
    r, g, b, a = _rgb(color)
    fg = tuple(a * c + (1 - a) * d for c, d in zip((r, g, b), bg, strict=True))

    def luminance(rgb):
        lin = [(c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4)
               for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_wcag_examples():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)"), 2) == 4.54
    assert contrast("rgba(0, 0, 0, 0.38)", "rgb(255, 255, 255)") < 4.5  # JupyterLab's font-color3


def _beginner_notebook(folder: Path) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Một đoạn văn của bài học, ở cỡ chữ thường."),
        nbformat.v4.new_code_cell('import course\ncourse.hoi("Chào shop, tiệm giặt ủi Sạch Thơm")'),
        nbformat.v4.new_code_cell("course.status()"),
        nbformat.v4.new_code_cell("vong_1 = 5\nprint(vong1)"),
        nbformat.v4.new_code_cell(
            "import pandas as pd\n"
            'pd.Series([10.5, 5.6], index=pd.Index(["Zalo", "TikTok"], name="kenh"), '
            'name="da_mua")'),
        nbformat.v4.new_code_cell("course.setup()"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "nguoi_moi.ipynb")
    return "thu/nguoi_moi.ipynb"


def _readable(items: list[dict], body: float) -> list[dict]:
    """Items smaller than the body text or under WCAG AA contrast (4.5:1)."""
    return [dict(i, contrast=round(contrast(i["color"], i["bg"]), 2)) for i in items
            if i["size"] < body - 0.5 or contrast(i["color"], i["bg"]) < 4.5]


def test_beginner_mistakes_raw_values_and_help_text_in_chromium(lab, page):
    """A `course.hoi` typo, `course.status()`, a `vong1` typo, a pandas Series and the
    connection panel: Vietnamese, no raw Python values, help in the body font at body size,
    contrast at least 4.5:1 (measured on the computed styles)."""
    from course.i18n import t

    # The help's opening up to its first suggestion, which must be course.ask.
    did_you_mean = t("notebook.course_did_you_mean", name="hoi", options="course.ask")
    did_you_mean = did_you_mean[:did_you_mean.index("course.ask") + len("course.ask")]
    _open(page, lab, _beginner_notebook(lab["root"] / "thu"))
    cells = page.locator(f"{ACTIVE} .jp-Cell")
    body = page.locator(f"{ACTIVE} .jp-RenderedMarkdown p").first.evaluate(STYLE_PROBE)["size"]
    css_var = page.evaluate("getComputedStyle(document.body).getPropertyValue("
                            "'--jp-content-font-size1') + ' / ' + getComputedStyle("
                            "document.documentElement).getPropertyValue('--jp-content-font-size1')")
    assert body >= 16, (body, css_var)  # the course's content font size

    _run_cell(page, cells.nth(1))
    out = cells.nth(1).locator(".jp-OutputArea-output")
    out.filter(has_text="course.ask").first.wait_for()
    text = out.first.inner_text()
    assert did_you_mean in text, text
    assert "AttributeError" not in text and "Traceback" not in text and "__init__" not in text
    help_span = out.first.locator("span", has_text=did_you_mean).first.evaluate(STYLE_PROBE)
    html = out.first.locator("pre").first.evaluate("el => el.innerHTML.slice(0, 300)")
    assert "Mono" not in help_span["family"] and "Course Noto Sans" in help_span["family"], html
    assert help_span["weight"] < 600 and help_span["size"] >= body - 0.5, help_span
    assert contrast(help_span["color"], help_span["bg"]) >= 4.5, help_span

    _run_cell(page, cells.nth(2))
    status = cells.nth(2).locator(".jp-OutputArea-output")
    status.filter(has_text=t("widgets.st_title")).first.wait_for()
    text = status.first.inner_text()
    assert t("widgets.st_mode") in text and "{" not in text, text
    assert "'backend'" not in text and "None" not in text, text
    table_text = status.first.evaluate(f"(root) => ({TEXT_ELEMENTS})(root).map({STYLE_PROBE})")
    assert table_text and not _readable(table_text, body), _readable(table_text, body)

    _run_cell(page, cells.nth(3))
    typo = cells.nth(3).locator(".jp-OutputArea-output")
    typo.filter(has_text="vong_1").first.wait_for()
    text = typo.first.inner_text()
    assert t("notebook.name_typo", name="vong1", near="vong_1") in text, text

    _run_cell(page, cells.nth(4))
    series = cells.nth(4).locator(".jp-OutputArea-output")
    series.filter(has_text="Đã mua").first.wait_for()
    text = series.first.inner_text()
    assert "Kênh" in text and "10,5" in text and "dtype" not in text and "Name:" not in text

    _run_cell(page, cells.nth(5))
    panel = cells.nth(5).locator(".jupyter-widgets").first
    panel.wait_for()
    page.locator(f"{ACTIVE} .widget-html-content small").first.wait_for()
    _shot(page, "nguoi_moi_doc_de")
    items = panel.evaluate(f"(root) => ({TEXT_ELEMENTS})(root).map({STYLE_PROBE})")
    hint = [i for i in items if i["text"] and i["size"]]
    assert len(hint) >= 5, items
    assert not _readable(items, body), _readable(items, body)
