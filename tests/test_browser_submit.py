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
from catalogue_helpers import pattern, said
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

from course.i18n import t

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


def _press(page, panel, label: str, expect: re.Pattern[str]) -> str:
    """Press one of the panel's buttons; the new message once it matches `expect`."""
    page.wait_for_timeout(200)
    panel.locator("button", has_text=label).first.click()
    # has_text with a string ignores case ("Đã có" would match the list's "đã có"): a regex
    message = panel.locator(".widget-html-content", has_text=expect).first
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
    check, submit, feedback = (t(f"widgets.sub_{k}") for k in ("check", "submit", "feedback"))
    panel.locator("button", has_text=submit).wait_for()
    for label in (check, submit, feedback):
        assert panel.locator("button", has_text=label).count() == 1, label

    text = _press(page, panel, check, pattern("widgets.sub_check_some", failed=4, total=8))
    assert said("widgets.sub_check_some", text, failed=4, total=8), text
    assert said("widgets.sub_failed_times", text, line=t("notebook.unfinished"), n=4), text
    assert TIME.search(text) and not ENGLISH.search(text), text
    page.screenshot(path=str(ARTIFACTS / "nop_bai_1_kiem_tra.png"))

    answer(notebook)  # she writes the four functions and saves
    text = _press(page, panel, check, pattern("widgets.sub_check_ok", total=8))
    assert said("widgets.sub_check_ok", text, total=8) and not ENGLISH.search(text), text

    text = _press(page, panel, submit, pattern("widgets.sub_submitted"))
    assert said("widgets.sub_submitted", text) and t("widgets.sub_list_title") in text, text
    assert TIME.search(text), text
    assert text.count(t("widgets.sub_no_feedback_yet")) == 1 and not ENGLISH.search(text), text
    page.screenshot(path=str(ARTIFACTS / "nop_bai_2_da_nop.png"))

    for step in ("collect", "autograde", "generate_feedback", "release_feedback"):
        nbgrader(klass["course"], step, AID)
    _wait_idle(page)
    text = _press(page, panel, feedback, pattern("widgets.sub_feedback_ready"))
    assert said("widgets.sub_feedback_ready", text), text
    assert t("widgets.sub_feedback_score", points="10", total="10") in text, text
    assert TIME.search(text) and t("widgets.sub_feedback_open") in text, text
    assert t("widgets.sub_has_feedback") in text and not ENGLISH.search(text), text
    href = panel.locator("a", has_text=t("widgets.sub_feedback_open")).first.get_attribute("href")
    assert href.startswith("/files/bt3_funnel/feedback/"), href
    opened = urllib.request.Request(klass["base"] + href,
                                    headers={"Authorization": f"token {klass['token']}"})
    with urllib.request.urlopen(opened, timeout=60) as reply:
        assert "10.0" in reply.read().decode()  # nbgrader's own feedback page, served here
    page.screenshot(path=str(ARTIFACTS / "nop_bai_3_nhan_xet.png"))
    assert list((klass["root"] / AID / "feedback").glob(f"*/{AID}.html"))
