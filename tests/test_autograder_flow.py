"""The instructor's whole path, from a fresh copy of the repository with its committed config.

No test-set ``c.Exchange.root``: nbgrader's own default exchange is used, as on a
newcomer's machine. So that the machine-wide default folder is never touched, every
command runs in a private mount namespace (bubblewrap) where that folder is a temporary
one: the commands themselves still see exactly the default path.

roster import -> grade before collect (refused) -> release -> participants fetch and
submit through the exchange (one blank, one late, one not on the class list, one absent)
-> collect -> deadline -> grade -> feedback -> export -> report -> certificates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
AID = "bt1_prompt"
DEFAULT_EXCHANGE_PARENT = "/usr/local/share/nbgrader"  # nbgrader 0.9's Exchange.root default

pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0,
                       reason="needs bubblewrap and root for a private default exchange"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]


def _fresh_copy(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (REPO / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dest / rel)


class Machine:
    """Runs commands with nbgrader's default exchange folder private to this test."""

    def __init__(self, base: Path):
        self.base = base
        self.repo = base / "kho"
        self.private = base / "srv-nbgrader"
        self.private.mkdir()
        _fresh_copy(self.repo)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("OPENAI_API_KEY", "JUPYTER_CONFIG_DIR", "JUPYTER_CONFIG_PATH")}
        self.env.update(COURSE_BACKEND="offline", PYTHONPATH=str(self.repo),
                        HOME=str(base / "giang-vien"))

    def run(self, *cmd: str, cwd: Path | None = None, home: Path | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if home:
            home.mkdir(parents=True, exist_ok=True)
            env["HOME"] = str(home)
        wrapped = ["bwrap", "--dev-bind", "/", "/", "--bind", str(self.private),
                   DEFAULT_EXCHANGE_PARENT, "--cap-add", "ALL", "--", *cmd]
        proc = subprocess.run(wrapped, cwd=cwd or self.repo, env=env, capture_output=True,
                              text=True, timeout=900)
        if check:
            assert proc.returncode == 0, f"{cmd}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "autograder", *args, check=check)

    def participant(self, student: str, solve: bool) -> None:
        home = self.base / "hoc-vien" / student
        nbg = [sys.executable, "-m", "nbgrader"]
        self.run(*nbg, "fetch_assignment", AID, "--course", "ai-kinh-doanh", cwd=home.parent,
                 home=home) if False else None
        home.mkdir(parents=True, exist_ok=True)
        self.run(*nbg, "fetch_assignment", AID, "--course", "ai-kinh-doanh", cwd=home,
                 home=home)
        path = home / AID / f"{AID}.ipynb"
        if solve:
            source = nbformat.read(self.repo / "assignments" / "source" / AID / f"{AID}.ipynb",
                                   as_version=4)
            answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                       if c.metadata.get("nbgrader", {}).get("solution")}
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in answers:
                    cell.source = "\n".join(ln for ln in answers[gid].splitlines()
                                            if "BEGIN SOLUTION" not in ln
                                            and "END SOLUTION" not in ln)
            nbformat.write(nb, path)
        self.run(*nbg, "submit", AID, "--course", "ai-kinh-doanh", "--student", student,
                 cwd=home, home=home)


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    m = Machine(tmp_path_factory.mktemp("khoa-moi"))
    course = m.repo / "assignments"
    assert "Exchange.root" not in (course / "nbgrader_config.py").read_text(encoding="utf-8")
    roster = m.base / "danh-sach.csv"
    roster.write_text("Mã học viên,Họ và tên,Email,Đơn vị\n"
                      "hv001,Trần Thị Hoa,hoa@example.com,Homestay Phong Nha\n"
                      "hv002,Lê Văn Bình,,Quán bún hến Cồn Hến\n"
                      "hv003,Nguyễn Thị Gốm,gom@example.com,Gốm Bát Tràng\n"
                      "hv004,Phạm Văn Vắng,,Hợp tác xã mây tre\n", encoding="utf-8")
    out = {"roster": m.tool("roster", "import", str(roster))}
    out["early_grade"] = m.tool("grade", AID, "--quiet", check=False)
    out["release"] = m.tool("release", AID)
    m.participant("hv001", solve=True)
    m.participant("hv002", solve=False)
    m.participant("nguyenvana", solve=True)  # a hub username, not on the class list
    # The deadline falls between the on-time and the late submission.
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    due = (datetime.now(tz) + timedelta(seconds=1)).replace(microsecond=0)
    out["deadline"] = m.tool("deadline", AID, due.strftime("%Y-%m-%d %H:%M:%S"))
    while datetime.now(tz) <= due + timedelta(milliseconds=200):
        time.sleep(0.05)
    m.participant("hv003", solve=True)
    out["collect"] = m.tool("collect", AID, check=False)
    out["grade"] = m.tool("grade", AID, "--quiet")
    out["feedback"] = m.tool("feedback", AID)
    out["export"] = m.tool("export")
    out["report"] = m.tool("report", AID)
    out["certificates"] = m.tool("certificates", "--min-score", "50")
    out["course"], out["machine"] = course, m
    return out


def test_release_uses_the_default_exchange(flow):
    assert f"{DEFAULT_EXCHANGE_PARENT}/exchange" in flow["release"].stdout
    outbound = flow["machine"].private / "exchange" / "ai-kinh-doanh" / "outbound" / AID
    text = (outbound / f"{AID}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text


def test_grade_before_collect_is_refused(flow):
    early = flow["early_grade"]
    assert early.returncode != 0
    assert "Chưa có bài nộp nào" in early.stderr and "collect" in early.stderr
    assert "Đã chấm 0 bài" not in early.stdout


def test_collect_names_unknown_and_missing(flow):
    col = flow["collect"]
    assert col.returncode == 1, col.stdout + col.stderr
    assert "hiện có 4 bài nộp" in col.stdout
    assert "Chưa nộp (1): hv004" in col.stdout
    assert "KHÔNG có trong danh sách lớp: nguyenvana" in col.stdout


def test_grades_late_and_unknown(flow):
    course = flow["course"]
    assert "CHƯA chấm 1 bài" in flow["grade"].stdout and "nguyenvana" in flow["grade"].stdout
    results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (course / ".autograder" / "ket-qua" / AID).glob("*.json")}
    assert sorted(results) == ["hv001", "hv002", "hv003"]
    assert results["hv001"]["score"] == results["hv001"]["max_score"] == 10
    assert results["hv003"]["score"] == 10 and results["hv003"]["late_text"].startswith("muộn")
    assert not results["hv001"]["late_text"]
    assert results["hv002"]["reason_code"] == "blank" and results["hv002"]["score"] == 0
    assert "Chưa làm" in results["hv002"]["reason"]
    assert all(r["sandbox"]["mode"] == "bwrap" for r in results.values())
    logs = list((course / ".autograder" / "nhat-ky").glob("*.log"))
    assert any("-grade" in p.name for p in logs) and any("-cham-" in p.name for p in logs)


def test_feedback_export_report_certificates(flow):
    course = flow["course"]
    late_page = (course / "feedback" / "hv003" / AID / f"{AID}.html").read_text(encoding="utf-8")
    assert "Nộp muộn" in late_page
    detail = pd.read_csv(course / "bang-diem" / f"bang-diem-{AID}.csv", encoding="utf-8-sig")
    questions = [c for c in detail.columns if c not in ("Mã học viên", "Họ và tên", "Tổng điểm",
                                                         "Nộp muộn")]
    assert questions and not [q for q in questions if q.startswith(("kt_", "cau_"))]
    assert questions[0].startswith("Phần 1"), questions
    late = dict(zip(detail["Mã học viên"], detail["Nộp muộn"].fillna(""), strict=True))
    assert late["hv003"].startswith("muộn") and late["hv001"] == ""
    page = (course / "bao-cao" / f"bao-cao-{AID}.html").read_text(encoding="utf-8")
    assert "Chưa nộp (1)" in page and "Phạm Văn Vắng" in page
    assert "Đã nộp: 3" in page and "người chưa nộp không tính vào trung bình" in page
    assert "điểm trung bình 66.7%" in page  # (10 + 0 + 10) / 3, hv004 left out
    assert "Nộp muộn (1)" in page
    assert "kt_" not in page
    pdfs = sorted(p.name for p in (course / "chung-nhan").glob("*.pdf"))
    assert [p.split("-")[0] for p in pdfs] == ["hv001", "hv003"]
