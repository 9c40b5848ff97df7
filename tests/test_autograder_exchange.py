"""release -> a participant submits through nbgrader's exchange -> collect, on real nbgrader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "bt3_funnel"
SOURCE = REPO / "assignments" / "source" / ASSIGNMENT

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="assignment bt3_funnel not present")


def test_release_submit_collect(tmp_path, capsys):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeSubmit
    from traitlets.config import Config

    from autograder.cli import main

    course = tmp_path / "khoa-hoc"
    (course / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    exchange = tmp_path / "exchange"  # never the machine-wide default exchange
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    shutil.copytree(SOURCE, course / "source" / ASSIGNMENT)

    assert main(["--course", str(course), "release", ASSIGNMENT]) == 0
    assert "Đã tạo bản cho học viên và phát bài" in capsys.readouterr().out
    outbound = exchange / "ai-kinh-doanh" / "outbound" / ASSIGNMENT
    released = (outbound / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in released and "BEGIN SOLUTION" not in released
    assert "BEGIN HIDDEN TESTS" in (SOURCE / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")

    # The participant's side: their own folder, then nbgrader's own submit.
    home = tmp_path / "hoc-vien"
    shutil.copytree(outbound, home / ASSIGNMENT)
    nb = nbformat.read(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Em đã làm xong."))
    nbformat.write(nb, home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    cfg = Config()
    cfg.CourseDirectory.course_id = "ai-kinh-doanh"
    cfg.CourseDirectory.assignment_id = ASSIGNMENT
    cfg.CourseDirectory.student_id = "hv042"
    cfg.Exchange.root = str(exchange)
    cfg.Exchange.assignment_dir = str(home)
    cfg.Exchange.cache = str(tmp_path / "cache")
    submit = ExchangeSubmit(coursedir=CourseDirectory(config=cfg),
                            authenticator=Authenticator(config=cfg), config=cfg)
    submit.start()

    assert main(["--course", str(course), "collect", ASSIGNMENT]) == 0
    assert "hiện có 1 bài nộp" in capsys.readouterr().out
    got = course / "submitted" / "hv042" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert "Em đã làm xong." in got.read_text(encoding="utf-8")
    assert json.loads(got.read_text(encoding="utf-8"))["cells"]
