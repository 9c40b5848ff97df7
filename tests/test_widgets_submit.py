"""SubmitPanel: check, submit and read feedback through nbgrader's own code, in Vietnamese.

A real nbgrader exchange in a temporary folder: the instructor releases bt3_funnel with
nbgrader's command line, the participant fetches it with nbgrader's AssignmentList (what its
panel's server handler calls), then the panel checks (nbgrader's Validator), submits, lists
only this participant's submissions of this course and exercise, and after the instructor's
collect / autograde / generate_feedback / release_feedback, fetches the feedback.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from catalogue_helpers import said

from course.i18n import t

REPO = Path(__file__).resolve().parents[1]
COURSE_ID = "ai-kinh-doanh"
AID = "bt3_funnel"
TIME = re.compile(r"\d\d:\d\d ngày \d\d/\d\d/\d{4} \(giờ Việt Nam\)")


def nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COURSE_BACKEND": "offline"}
    env.pop("OPENAI_API_KEY", None)
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def make_class(tmp: Path) -> dict[str, Path]:
    """An instructor's course folder, an exchange, and a participant's home folder."""
    course, exchange, home = tmp / "course", tmp / "exchange", tmp / "hoc_vien"
    shutil.copytree(REPO / "assignments", course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db"))
    exchange.mkdir()
    exchange.chmod(0o777)
    home.mkdir()
    extra = f"\nc.Exchange.root = {str(exchange)!r}\nc.Exchange.cache = {str(tmp / 'cache')!r}\n"
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write(extra)
    (home / "nbgrader_config.py").write_text("c = get_config()" + extra, encoding="utf-8")
    nbgrader(course, "generate_assignment", AID, "--force")
    nbgrader(course, "release_assignment", AID)
    return {"course": course, "exchange": exchange, "home": home, "cache": tmp / "cache"}


def answer(notebook: Path) -> None:
    """The participant writes the four functions (the course's own solutions)."""
    import nbformat

    source = nbformat.read(REPO / "assignments" / "source" / AID / f"{AID}.ipynb", 4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions:
            cell.source = re.sub(r"\s*### (BEGIN|END) SOLUTION", "", solutions[gid])
    nbformat.write(nb, notebook)


@pytest.fixture(scope="module")
def klass(tmp_path_factory, monkeypatch_module):
    places = make_class(tmp_path_factory.mktemp("lop"))
    monkeypatch_module.chdir(places["home"])
    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    manager = AssignmentList()
    manager.root_dir = str(places["home"])
    assert manager.fetch_assignment(COURSE_ID, AID)["success"]
    monkeypatch_module.chdir(places["home"] / AID)
    return places


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_BACKEND", "offline")
    mp.delenv("OPENAI_API_KEY", raising=False)
    mp.delenv("NBGRADER_EXECUTION", raising=False)
    yield mp
    mp.undo()


def test_the_panel_finds_its_exercise_and_course(klass):
    from course.widgets.submit import locate

    place = locate()
    assert (place.course_id, place.assignment_id) == (COURSE_ID, AID)
    assert place.notebook == (klass["home"] / AID / f"{AID}.ipynb").resolve()


def test_check_reports_unfinished_parts_in_vietnamese(klass):
    from course.widgets.submit import SubmitPanel

    panel = SubmitPanel()
    result = panel.check()
    shown = html.unescape(panel.message.value)
    assert result["failed_count"] == 4 and said("widgets.sub_check_some", shown, failed=4, total=8)
    assert said("widgets.sub_failed_times", shown, line=t("notebook.unfinished"), n=4)
    assert TIME.search(shown)
    assert "NotImplementedError:" not in shown and "Traceback" not in shown


def test_check_submit_and_list_only_my_submissions(klass):
    from nbgrader.utils import get_username

    from course.widgets.submit import SubmitPanel

    answer(klass["home"] / AID / f"{AID}.ipynb")
    panel = SubmitPanel()
    panel.check()
    assert said("widgets.sub_check_ok", panel.message.value, total=8)
    # Someone else on this shared machine, and another course, submitted before.
    for other in (f"{COURSE_ID}/nguoi_khac+{AID}+2026-12-01 01:00:00.000000 UTC",
                  f"khoa-khac/{get_username()}+{AID}+2026-12-01 02:00:00.000000 UTC"):
        (klass["cache"] / other).mkdir(parents=True)
        (klass["cache"] / other / f"{AID}.ipynb").write_text("{}", encoding="utf-8")
    assert panel.submit()
    assert said("widgets.sub_submitted", panel.message.value) and TIME.search(panel.message.value)
    listing = panel.listing.value
    assert listing.count("<li>") == 1 and t("widgets.sub_no_feedback_yet") in listing
    assert "01/12/2026" not in listing
    inbound = list((klass["exchange"] / COURSE_ID / "inbound").iterdir())
    assert len(inbound) == 1 and inbound[0].name.startswith(f"{get_username()}+{AID}+")


def test_feedback_after_grading_is_fetched_and_scored(klass):
    from course.widgets.submit import SubmitPanel

    panel = SubmitPanel()
    assert panel.feedback() == [] and t("widgets.sub_no_feedback") in panel.message.value
    for step in ("collect", "autograde", "generate_feedback", "release_feedback"):
        nbgrader(klass["course"], step, AID)
    pages = panel.feedback()
    shown = panel.message.value
    assert pages and pages[0].name == f"{AID}.html" and said("widgets.sub_feedback_ready", shown)
    assert t("widgets.sub_feedback_score", points="10", total="10") in shown
    assert TIME.search(shown) and "/files/bt3_funnel/feedback/" in shown
    assert t("widgets.sub_has_feedback") in panel.listing.value


def test_without_an_exchange_the_panel_says_what_to_do(tmp_path, monkeypatch):
    from course.widgets.submit import SubmitPanel

    folder = tmp_path / "bt1_prompt"
    folder.mkdir()
    (folder / "bt1_prompt.ipynb").write_text(json.dumps({"cells": [], "metadata": {},
                                                         "nbformat": 4, "nbformat_minor": 5}))
    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(tmp_path / 'khong' / 'co')!r}\n")
    (tmp_path / "khong").write_text("x")  # a file: the exchange cannot exist
    monkeypatch.chdir(folder)
    panel = SubmitPanel()
    assert not panel.submit()
    assert t("widgets.sub_no_exchange") in panel.message.value
