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
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from course.keyguard import REDACTED
from course.lab import START_PAGE, lab_command, lab_environment

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port, token = _free_port(), "browser-test-token"
    env = lab_environment({k: v for k, v in os.environ.items()
                           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "COURSE_CACHE_DIR": str(tmp / "cache"),
    })
    cmd = lab_command(root, ["--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}"])
    log_path = tmp / "lab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    ready = False
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            ready = True
            break
        except OSError:
            time.sleep(0.3)
    if not ready:
        proc.terminate()
        pytest.fail("JupyterLab did not start:\n" + log_path.read_text(encoding="utf-8"))
    yield {"base": base, "token": token, "root": root, "log": log_path}
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def page(lab, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROME_ARGS, viewport={"width": 1400, "height": 1000},
            locale="vi-VN")
        pg = ctx.new_page()
        pg.set_default_timeout(SLOW_MS)
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
RUN_ALL = re.compile(r"Run All Cells|Chạy tất cả")


ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook tab in front
KERNEL_IDLE = re.compile(r"\| (Idle|Rảnh|Nghỉ)")
PROMPT_RAN = re.compile(r"\[(\d+|\*)\]")


def _run_all(page) -> None:
    """Menu Chạy (Run) → run all cells, as a participant would, once the kernel is up.

    On a loaded machine the status bar can say Idle before the new notebook's kernel
    connection is ready, and JupyterLab then drops the request; a participant would simply
    click again, and so does this helper (at most three times).
    """
    page.locator("#jp-main-statusbar").filter(has_text=KERNEL_IDLE).wait_for()
    ran = page.locator(f"{ACTIVE} .jp-InputPrompt").filter(has_text=PROMPT_RAN).first
    for attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel").filter(has_text=RUN_MENU).first.click()
        items = page.locator(".lm-Menu-content .lm-Menu-itemLabel")
        items.first.wait_for()
        item = items.filter(has_text=RUN_ALL)
        assert item.count() >= 1, items.all_inner_texts()
        item.first.click()
        try:
            ran.wait_for(state="attached", timeout=30_000)
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
    if not (lab["root"] / LESSON).exists():
        pytest.skip(f"{LESSON} not in the repository yet")
    page.goto(f"{lab['base']}/lab/tree/{LESSON}?token={lab['token']}")
    page.locator(f"{ACTIVE} .jp-Cell").first.wait_for()
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
