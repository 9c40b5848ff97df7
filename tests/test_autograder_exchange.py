"""release -> a participant submits through nbgrader's exchange -> collect, on real nbgrader.

The exchange comes from a hub-wide nbgrader config (``/etc/jupyter/nbgrader_config.py`` on a
JupyterHub; here a folder on ``JUPYTER_CONFIG_PATH``), not from the course's own file: the
tool and the participant's nbgrader, each loading config its own standard way, must agree.
(The default exchange with no config at all: tests/test_autograder_flow.py.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "bt3_funnel"
SOURCE = REPO / "assignments" / "source" / ASSIGNMENT


def test_release_submit_collect(tmp_path, capsys, monkeypatch):
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeSubmit
    from traitlets.config import Config

    from autograder.cli import main

    course = tmp_path / "khoa-hoc"
    (course / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    exchange = tmp_path / "exchange"  # never the machine-wide default exchange
    hub_config = tmp_path / "etc-jupyter"
    hub_config.mkdir()
    (hub_config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n", encoding="utf-8")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(hub_config))
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
    # The participant's nbgrader loads its config the standard way (no course file).
    app = NbGrader()
    app.load_cwd_config = False
    app.load_config_file()
    cfg = Config(app.config)
    assert cfg.Exchange.root == str(exchange)
    cfg.CourseDirectory.course_id = "ai-kinh-doanh"
    cfg.CourseDirectory.assignment_id = ASSIGNMENT
    cfg.CourseDirectory.student_id = "hv042"
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
