"""Chromium: a graded exercise from opening it to reading its feedback, in Vietnamese.

A real class on one machine: an nbgrader exchange in a temporary folder, the instructor
releases bt3_funnel with nbgrader's command line, the participant's JupyterLab (course.lab, as
`make lab` starts it) fetches it through nbgrader's own server handler. In Chromium the
participant runs the exercise's last cell (the course's SubmitPanel) and presses "Kiểm tra bài"
(unfinished, then finished), "Nộp bài" (listed with Vietnam time, only hers), then after the
instructor's collect / autograde / generate_feedback / release_feedback, "Xem nhận xét".
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from lab_server import running_lab
from test_browser import (
    ACTIVE,
    ARTIFACTS,
    CHROMIUM,
    _launch,
    _open,
    _run_cell,
    _wait_idle,
    sync_api,
)
from test_widgets_submit import AID, COURSE_ID, TIME, answer, make_class, nbgrader

ENGLISH = re.compile(r"\b(Validate|Submit|Submitted|Fetch|Feedback|Traceback|Error|UTC)\b")


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Iterator[dict]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium); "
                    "scripts/ensure-browser.sh installs it when run as root")
    tmp = tmp_path_factory.mktemp("lop_hoc")
    places = make_class(tmp)
    home = places["home"]
    token = "submit-test-token"
    with running_lab(home, tmp, token, extra_env={"COURSE_CACHE_DIR": str(tmp / "cache-ai"),
                                                  "COURSE_BACKEND": "offline"}) as lab:
        # The participant fetches the exercise: nbgrader's own server handler (Assignments tab).
        fetch = urllib.request.Request(
            f"{lab['base']}/assignments/fetch", method="POST",
            data=json.dumps({"course_id": COURSE_ID, "assignment_id": AID}).encode(),
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(fetch, timeout=120) as reply:
            assert json.loads(reply.read())["success"]
        yield {**places, "base": lab["base"], "token": token, "root": home}


@pytest.fixture(scope="module")
def page(klass, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        ctx, pg = _launch(p, tmp_path_factory.mktemp("chromium-profile"))
        yield pg
        ctx.close()


def _press(page, panel, label: str, expect: str) -> str:
    """Press one of the panel's buttons; the new message once it contains `expect`."""
    page.wait_for_timeout(200)
    panel.locator("button", has_text=label).first.click()
    # has_text with a string ignores case ("Đã có" would match the list's "đã có"): a regex
    message = panel.locator(".widget-html-content", has_text=re.compile(re.escape(expect))).first
    message.wait_for(timeout=180_000)
    return panel.inner_text()


def test_a_graded_exercise_from_opening_to_feedback_in_vietnamese(klass, page):
    notebook = klass["root"] / AID / f"{AID}.ipynb"
    assert notebook.is_file(), "nbgrader's fetch put the exercise in the participant's folder"
    _open(page, klass, f"{AID}/{AID}.ipynb")
    cells = page.locator(f"{ACTIVE} .jp-Cell")
    last = cells.last
    last.scroll_into_view_if_needed()
    _run_cell(page, last)
    panel = last.locator(".jupyter-widgets").first
    panel.locator("button", has_text="Nộp bài").wait_for()
    for label in ("Kiểm tra bài", "Nộp bài", "Xem nhận xét"):
        assert panel.locator("button", has_text=label).count() == 1, label

    text = _press(page, panel, "Kiểm tra bài", "chưa đạt")
    assert "còn 4/8 ô kiểm tra chưa đạt" in text and "Bạn chưa làm phần này" in text, text
    assert TIME.search(text) and not ENGLISH.search(text), text
    page.screenshot(path=str(ARTIFACTS / "nop_bai_1_kiem_tra.png"))

    answer(notebook)  # she writes the four functions and saves
    text = _press(page, panel, "Kiểm tra bài", "đều đạt")
    assert "cả 8 ô kiểm tra đều đạt" in text and not ENGLISH.search(text), text

    text = _press(page, panel, "Nộp bài", "Đã nộp bài lúc")
    assert TIME.search(text) and "Các lần bạn đã nộp bài này" in text, text
    assert text.count("chưa có nhận xét") == 1 and not ENGLISH.search(text), text
    page.screenshot(path=str(ARTIFACTS / "nop_bai_2_da_nop.png"))

    for step in ("collect", "autograde", "generate_feedback", "release_feedback"):
        nbgrader(klass["course"], step, AID)
    _wait_idle(page)
    text = _press(page, panel, "Xem nhận xét", "Đã có nhận xét")
    assert "Điểm: 10/10." in text and TIME.search(text) and "Mở trang nhận xét" in text, text
    assert "đã có nhận xét" in text and not ENGLISH.search(text), text
    href = panel.locator("a", has_text="Mở trang nhận xét").first.get_attribute("href")
    assert href.startswith("/files/bt3_funnel/feedback/"), href
    opened = urllib.request.Request(klass["base"] + href,
                                    headers={"Authorization": f"token {klass['token']}"})
    with urllib.request.urlopen(opened, timeout=60) as reply:
        assert "10.0" in reply.read().decode()  # nbgrader's own feedback page, served here
    page.screenshot(path=str(ARTIFACTS / "nop_bai_3_nhan_xet.png"))
    assert list((klass["root"] / AID / "feedback").glob(f"*/{AID}.html"))
