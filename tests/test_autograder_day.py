"""Issue 24's instructor day, the parts that need no hub: Vietnam time for late marks,
re-releasing with --force, feedback for every submission however it arrived.

Real nbgrader (gradebook, exchange, release, release_feedback) in a temporary course made
from the committed course config; the exchange is a temporary folder set the way a hub sets
it (``c.Exchange.root`` on the Jupyter config path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from lab_server import free_port, wait_for_server

from autograder.cli import main
from autograder.coursectx import Course

REPO = Path(__file__).resolve().parents[1]
AID = "bt1_prompt"
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A course folder with the committed config and bt1_prompt; a private exchange."""
    root = tmp_path / "ai-kinh-doanh"
    (root / "source").mkdir(parents=True)
    shutil.copyfile(REPO / "assignments" / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "assignments" / "source" / AID, root / "source" / AID)
    jupyter = tmp_path / "jupyter-config"
    jupyter.mkdir()
    (jupyter / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n",
        encoding="utf-8")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(jupyter))
    monkeypatch.delenv("JUPYTER_CONFIG_DIR", raising=False)
    monkeypatch.delenv("COURSE_TIMEZONE", raising=False)
    roster = tmp_path / "lop.csv"
    roster.write_text("id,ho_ten\nhv001,Trần Thị Hoa\nhv002,Lê Văn Bình\nhv003,Đỗ Văn Muộn\n"
                      "hv004,Phạm Văn Zalo\n", encoding="utf-8")
    assert main(["--course", str(root), "roster", "import", str(roster)]) == 0
    return root


@pytest.fixture
def utc_server(monkeypatch):
    """The server's own clock zone is UTC (a cloud server), whatever this machine uses."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _seconds_late(root: Path, sid: str) -> float:
    """What nbgrader's autograde compares: the submission's timestamp.txt with the deadline."""
    from nbgrader.utils import parse_utc

    stamp = parse_utc((root / "submitted" / sid / AID / "timestamp.txt").read_text())
    with Course(root).gradebook() as gb:
        due = gb.find_assignment(AID).duedate
    return (stamp.replace(tzinfo=None) - due).total_seconds()


def test_zip_times_are_read_in_vietnam_time(course, utc_server, tmp_path, capsys):
    """A file zipped 10 minutes before a 23:59 deadline (Vietnam time) is on time on a UTC
    server; one zipped at 00:10 the next day is 11 minutes late, not 7 hours off."""
    assert main(["--course", str(course), "deadline", AID, "2026-12-05 23:59"]) == 0
    assert "23:59 (giờ Việt Nam)" in capsys.readouterr().out
    nb = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    archive = tmp_path / "zalo.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("hv001_bt1.ipynb", (2026, 12, 5, 23, 49, 0)), nb)
        zf.writestr(zipfile.ZipInfo("hv003_bt1.ipynb", (2026, 12, 6, 0, 10, 0)), nb)
    assert main(["--course", str(course), "collect", AID, "--zip", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "hv001 ← hv001_bt1.ipynb (giờ nộp: 05/12/2026 23:49 giờ Việt Nam, giờ ghi trong " \
           "tệp zip)" in out, out
    assert "06/12/2026 00:10 giờ Việt Nam" in out
    assert _seconds_late(course, "hv001") == -10 * 60
    assert _seconds_late(course, "hv003") == 11 * 60
    from autograder.late import late_text

    assert late_text(_seconds_late(course, "hv003")) == "muộn 11 phút"


def test_folder_collect_uses_the_files_own_time_and_says_so(course, utc_server, tmp_path,
                                                            capsys):
    assert main(["--course", str(course), "deadline", AID, "2026-12-05 23:59"]) == 0
    folder = tmp_path / "tai-ve"
    folder.mkdir()
    path = folder / "hv004 - bai tap 1.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    sent = datetime(2026, 12, 5, 23, 30, tzinfo=__import__("zoneinfo").ZoneInfo(
        "Asia/Ho_Chi_Minh")).timestamp()
    os.utime(path, (sent, sent))
    assert main(["--course", str(course), "collect", AID, "--zip", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "giờ nộp: 05/12/2026 23:30 giờ Việt Nam, giờ sửa tệp trên máy này" in out, out
    assert _seconds_late(course, "hv004") == -29 * 60


def test_time_zone_is_one_setting(monkeypatch, tmp_path):
    from autograder.late import parse_deadline
    from course import timezone

    monkeypatch.delenv("COURSE_TIMEZONE", raising=False)
    assert timezone.zone_name() == "Asia/Ho_Chi_Minh"
    assert str(parse_deadline("2026-12-05 23:59")) == "2026-12-05 16:59:00"
    monkeypatch.setenv("COURSE_TIMEZONE", "Asia/Tokyo")
    assert str(parse_deadline("2026-12-05 23:59")) == "2026-12-05 14:59:00"
    assert timezone.label() == "giờ Asia/Tokyo"
    assert Course(REPO / "assignments").config().NbGraderAPI.timezone == "Asia/Tokyo"
    monkeypatch.setenv("COURSE_TIMEZONE", "Sao/Hoa")  # a typo never stops the class
    assert timezone.zone_name() == "Asia/Ho_Chi_Minh"
    # The certificate's date is Vietnam's date: 18:00 in Vietnam is still "yesterday" in UTC.
    monkeypatch.delenv("COURSE_TIMEZONE")
    assert timezone.local(datetime(2026, 12, 5, 11, 0)).strftime("%d/%m %H:%M") == "05/12 18:00"


def test_release_again_needs_force(course, capsys):
    assert main(["--course", str(course), "release", AID]) == 0
    capsys.readouterr()
    outbound = course.parent / "exchange" / "ai-kinh-doanh" / "outbound" / AID / f"{AID}.ipynb"
    assert outbound.exists()
    assert main(["--course", str(course), "release", AID]) == 2
    err = capsys.readouterr().err
    assert "đã được phát rồi" in err and f"release {AID} --force" in err
    assert "Destination already exists" not in err
    # The instructor fixes a typo in the source and releases again with --force.
    source = course / "source" / AID / f"{AID}.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[0].source += "\n\n(Đã sửa lỗi chính tả.)"
    nbformat.write(nb, source)
    assert main(["--course", str(course), "release", AID, "--force"]) == 0
    assert "phát lại" in capsys.readouterr().out
    assert "(Đã sửa lỗi chính tả.)" in outbound.read_text(encoding="utf-8")


def _feedback_page(root: Path, sid: str, secret: str | None) -> None:
    folder = root / "feedback" / sid / AID
    folder.mkdir(parents=True)
    (folder / f"{AID}.html").write_text(f"<p>Nhận xét cho {sid}</p>", encoding="utf-8")
    (folder / "timestamp.txt").write_text("2026-12-05 16:00:00.000000 UTC")
    if secret is not None:
        (folder / "submission_secret.txt").write_text(secret)


def test_feedback_reaches_everyone_however_they_submitted(course, capsys):
    """hv001 submitted through the exchange, hv004 by Zalo (no submission secret), hv002's
    folder is broken: hv001 and hv004 get feedback, hv002 is named, nothing stops."""
    from nbgrader.utils import notebook_hash

    assert main(["--course", str(course), "release", AID]) == 0
    _feedback_page(course, "hv001", "bi-mat-1")
    _feedback_page(course, "hv004", None)
    _feedback_page(course, "hv002", "x")
    secret = course / "feedback" / "hv002" / AID / "submission_secret.txt"
    secret.unlink()
    secret.mkdir()  # unreadable as a file: an error for this person only
    capsys.readouterr()
    code = main(["--course", str(course), "release-feedback", AID])
    out = capsys.readouterr().out
    assert code == 1, out
    exchange = course.parent / "exchange" / "ai-kinh-doanh" / "feedback"
    page = exchange / f"{notebook_hash(secret='bi-mat-1', notebook_id=AID)}.html"
    assert page.read_text(encoding="utf-8") == "<p>Nhận xét cho hv001</p>"
    direct = course / "nhan-xet-gui-rieng" / AID / f"hv004-{AID}.html"
    assert direct.read_text(encoding="utf-8") == "<p>Nhận xét cho hv004</p>"
    assert "cho 1 người nộp qua thẻ Assignments" in out
    assert f"hv004: {direct}" in out
    assert "CHƯA trả được cho hv002: IsADirectoryError" in out
    # nbgrader's own command, as the guide writes it, behaves the same (committed config).
    page.unlink()
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["PYTHONPATH"] = str(REPO)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    run = subprocess.run([sys.executable, "-m", "nbgrader", "release_feedback", AID],
                         cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0  # hv002 still fails, and says so
    assert page.exists(), run.stderr
    assert "hv002" in run.stderr and "Những người khác đã được trả" in run.stderr
    assert "FileNotFoundError" not in run.stderr


def test_participant_edition_has_its_own_readme(tmp_path):
    """The edition's README is for participants and names only what the edition holds."""
    import re

    from autograder.edition import build_edition

    clone = tmp_path / "kho"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (REPO / rel).is_file():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, clone / rel)
    for rel in ("autograder/templates/README_hoc_vien.md", "autograder/edition.py"):
        shutil.copy2(REPO / rel, clone / rel)  # (this work in progress, before its commit)
    out = tmp_path / "ban-hoc-vien"
    build_edition(out, clone)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert readme == (REPO / "autograder" / "templates" / "README_hoc_vien.md").read_text(
        encoding="utf-8")
    # Every file or folder it names: links, `code` spans that look like paths, the layout block.
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    spans = [s for s in re.findall(r"`([^`\s]+)`", readme)
             if "/" in s or re.search(r"\w\.(ipynb|md|txt|py|csv|json)$", s)]
    block = re.search(r"```\n(.*?)```", readme, re.S).group(1)
    layout = [line.split()[0] for line in block.splitlines() if line.strip()]
    named = [p for p in links + spans + layout if not p.startswith("http")]
    assert len(named) >= 14, named
    missing = [p for p in named if not (out / p.rstrip("/")).exists()]
    assert not missing, missing
    assert "lab:" in (out / "Makefile").read_text(encoding="utf-8")  # `make lab`
    for instructor_only in ("make test", "make hub", "autograder", "hub/", "docs/",
                            "assignments/source", "kiểm tra ẩn", "tests/"):
        assert instructor_only not in readme, instructor_only
    assert "Fetch" in readme and "Submit" in readme and "course.setup()" in readme


@pytest.mark.parametrize("argv", [["-m", "autograder", "formgrader", "--help"],
                                  ["-m", "autograder.simulate", "--help"]])
def test_tool_help_is_vietnamese(argv):
    run = subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Cách dùng:" in run.stdout and "Tùy chọn:" in run.stdout, run.stdout
    for english in ("usage:", "show this help", "options:", "positional arguments",
                    "The Jupyter", "Subcommands"):
        assert english not in run.stdout, english


def test_zip_files_named_by_hub_ids_with_dashes(course, tmp_path, capsys):
    """Hub user names may hold '-' or '_' ("hv-001"): a Zalo file named by one is placed."""
    roster = tmp_path / "lop2.csv"
    roster.write_text("id,ho_ten\nhv-001,Ngô Thị Gạch\nhv-001-b,Ngô Văn Ngói\n"
                      "tran_an,Trần An\n", encoding="utf-8")
    assert main(["--course", str(course), "roster", "import", str(roster)]) == 0
    nb = nbformat.writes(nbformat.v4.new_notebook())
    archive = tmp_path / "zalo.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("hv-001 bai 1.ipynb", "hv-001-b_bt1.ipynb", "tran_an.ipynb"):
            zf.writestr(name, nb)
    assert main(["--course", str(course), "collect", AID, "--zip", str(archive)]) == 0, \
        capsys.readouterr().out
    assert sorted(p.parent.name for p in (course / "submitted").glob(f"*/{AID}")) == [
        "hv-001", "hv-001-b", "tran_an"]


def test_stopping_the_formgrader_tool_stops_its_jupyterlab(tmp_path):
    """`kill` of `python -m autograder formgrader` must not leave JupyterLab running."""
    import signal
    import urllib.request

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(HOME=str(tmp_path), JUPYTER_CONFIG_PATH=str(REPO / "course" / "jupyter_config"),
               PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}")
    tool = subprocess.Popen([sys.executable, "-m", "autograder", "formgrader", "--no-browser",
                             f"--port={port}", "--ip=127.0.0.1", "--IdentityProvider.token=t"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # The deadline guards against hanging; it is not a speed assertion.
        wait_for_server(f"http://127.0.0.1:{port}/api?token=t", tool, time.monotonic() + 180,
                        request_timeout=5)
        assert tool.poll() is None, "the tool stopped by itself"
        tool.send_signal(signal.SIGTERM)
        tool.wait(timeout=60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token=t", timeout=2)
                time.sleep(0.5)
            except OSError:
                break
        else:
            raise AssertionError("JupyterLab still answers after the tool was stopped")
    finally:
        try:
            os.killpg(tool.pid, signal.SIGKILL)  # whatever is left of this test's own group
        except ProcessLookupError:
            pass
