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
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pandas as pd
import pytest
from lab_server import free_port

from course.numbers import percent

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
        self.commands: list[list[str]] = []  # every `python -m autograder` argv, in order
        _fresh_copy(self.repo)
        for git in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["-c", "user.name=gv", "-c", "user.email=gv@localhost", "commit", "-q",
                     "-m", "khoa hoc"]):
            subprocess.run(["git", *git], cwd=self.repo, check=True, capture_output=True)
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
        self.commands.append(list(args))
        return self.run(sys.executable, "-m", "autograder", *args, check=check)

    def participant(self, student: str, solve: bool) -> None:
        home = self.base / "hoc-vien" / student
        nbg = [sys.executable, "-m", "nbgrader"]
        home.mkdir(parents=True, exist_ok=True)
        self.run(*nbg, "fetch_assignment", AID, "--course", "ai-kinh-doanh", cwd=home,
                 home=home)
        path = home / AID / f"{AID}.ipynb"
        if solve:
            self.solve(path)
        self.run(*nbg, "submit", AID, "--course", "ai-kinh-doanh", "--student", student,
                 cwd=home, home=home)

    def solve(self, path: Path) -> None:
        """Type the model answers into a released copy (as a strong participant would)."""
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
                      "hv004,Phạm Văn Vắng,,Hợp tác xã mây tre\n"
                      "hv005,Đặng Thị Zalo,,Nước mắm Mỹ Thủy\n", encoding="utf-8")
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
    # hv005 sent the released file back by Zalo, renamed by the phone.
    zalo = m.base / "tai-ve-tu-zalo"
    zalo.mkdir()
    shutil.copy(m.repo / "assignments" / "release" / AID / f"{AID}.ipynb",
                zalo / "hv005 - bai tap 1.ipynb")
    m.solve(zalo / "hv005 - bai tap 1.ipynb")
    out["collect_zip"] = m.tool("collect", AID, "--zip", str(zalo))
    out["grade"] = m.tool("grade", AID, "--workers", "2", "--quiet")
    out["feedback"] = m.tool("feedback", AID)
    out["export"] = m.tool("export")
    out["report"] = m.tool("report", AID)
    out["report_all"] = m.tool("report")
    out["certificates"] = m.tool("certificates", "--min-score", "50", "--organiser",
                                 "Homestay Phong Nha")
    out["add_unknown"] = m.tool("collect", AID, "--add-unknown")
    out["edition"] = m.tool("edition", "--out", str(m.base / "ban-hoc-vien"), "--branch",
                            "hoc-vien")
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
    assert "Chưa nộp (2): hv004, hv005" in col.stdout
    assert "KHÔNG có trong danh sách lớp: nguyenvana" in col.stdout


def test_grades_late_and_unknown(flow):
    course = flow["course"]
    assert "CHƯA chấm 1 bài" in flow["grade"].stdout and "nguyenvana" in flow["grade"].stdout
    results = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (course / ".autograder" / "ket-qua" / AID).glob("*.json")}
    assert sorted(results) == ["hv001", "hv002", "hv003", "hv005"]
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
    assert "Phần 1" in late_page and "<code>kt_" not in late_page  # titles, not cell ids
    detail = pd.read_csv(course / "bang-diem" / f"bang-diem-{AID}.csv", encoding="utf-8-sig")
    questions = [c for c in detail.columns if c not in ("Mã học viên", "Họ và tên", "Tổng điểm",
                                                         "Nộp muộn")]
    assert questions and not [q for q in questions if q.startswith(("kt_", "cau_"))]
    assert questions[0].startswith("Phần 1"), questions
    late = dict(zip(detail["Mã học viên"], detail["Nộp muộn"].fillna(""), strict=True))
    assert late["hv003"].startswith("muộn") and late["hv001"] == ""
    page = (course / "bao-cao" / f"bao-cao-{AID}.html").read_text(encoding="utf-8")
    assert "Chưa nộp (1)" in page and "Phạm Văn Vắng" in page
    assert "Đã nộp: 4" in page and "người chưa nộp không tính vào trung bình" in page
    # (10 + 0 + 10 + 10) / 4, hv004 left out; written by the course's one number formatter
    assert f"điểm trung bình {percent(75)}," in page
    assert "Nộp muộn (2)" in page
    assert "kt_" not in page
    pdfs = sorted(p.name for p in (course / "chung-nhan").glob("*.pdf"))
    assert [p.split("-")[0] for p in pdfs] == ["hv001", "hv003", "hv005"]


def test_formgrader_launch_for_hand_grading(flow, tmp_path):
    """`make formgrader` / `python -m autograder formgrader`: Formgrader answers in the course."""
    m = flow["machine"]
    port, token = free_port(), "formgrader-test"
    env = {**m.env, "JUPYTER_CONFIG_PATH": str(m.repo / "course" / "jupyter_config")}
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "formgrader", "--no-browser",
                             f"--port={port}", "--ip=127.0.0.1",
                             f"--IdentityProvider.token={token}"],
                            cwd=m.repo, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # its JupyterLab joins this group
    try:
        page = None
        deadline = time.monotonic() + 180  # a guard against hanging, not a speed assertion
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader?token={token}",
                                            timeout=5) as resp:
                    page = resp.read().decode("utf-8", errors="replace")
            except OSError:
                time.sleep(0.2)
        assert page is not None, (tmp_path / "lab.log").read_text()
        assert "formgrader" in page.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader/api/assignments?"
                                    f"token={token}", timeout=30) as resp:
            names = [a["name"] for a in json.loads(resp.read())]
        assert AID in names  # it reads this course's gradebook
    finally:
        # The tool stops its JupyterLab on SIGTERM; whatever is left of the group (the tool
        # killed before its handler, a slow shutdown) is killed, never left serving.
        proc.terminate()
        try:
            proc.wait(timeout=60)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            log.close()


def test_unknown_submitter_can_be_added(flow):
    said = flow["add_unknown"].stdout
    assert "Đã thêm vào danh sách lớp 1 mã mới: nguyenvana" in said


GUIDE = REPO / "docs" / "huong-dan-giang-vien.md"


def _guide_commands() -> list[list[str]]:
    """Every command line of the guide's ```bash blocks (comments dropped)."""
    text = GUIDE.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line:
                lines.append(shlex.split(line))
    return lines


def _shape(argv: list[str]) -> tuple[str, str | None, frozenset[str]]:
    from autograder.cli import build_parser

    args = build_parser().parse_args(argv)
    flags = frozenset(a.split("=")[0] for a in argv if a.startswith("--"))
    return args.lenh, getattr(args, "viec", None), flags


def test_every_guide_command_is_run(flow, tmp_path):
    """The guide, re-walked: each `python -m autograder` command has the shape of one the
    flow above ran (same command, its options among those used); `make` targets exist;
    the practice-run block is executed literally."""
    commands = _guide_commands()
    assert len(commands) > 15
    ran = [_shape(a) for a in flow["machine"].commands]
    ran.append(("formgrader", None, frozenset()))  # test_formgrader_launch_for_hand_grading
    practice = [c for c in commands if c[:3] == ["python", "-m", "autograder.simulate"]]
    assert practice, "the guide lost its practice run"
    practice_block = _practice_block(commands)
    for cmd in commands:
        if cmd[0] == "make":
            dry = subprocess.run(["make", "-n", *cmd[1:]], cwd=REPO, capture_output=True,
                                 text=True)
            assert dry.returncode == 0, f"{cmd}: {dry.stderr}"
        elif cmd[:3] == ["python", "-m", "autograder"] and cmd not in practice_block:
            if "--help" in cmd:
                run = subprocess.run([sys.executable, *cmd[1:]], cwd=REPO, capture_output=True,
                                     text=True)
                assert run.returncode == 0 and "Cách dùng" in run.stdout, cmd
                continue
            lenh, viec, flags = _shape(cmd[3:])
            assert any(lenh == r[0] and viec == r[1] and flags <= r[2] for r in ran), cmd
        elif cmd[:2] == ["git", "push"]:
            assert cmd[-1] == "hoc-vien"  # the branch the flow's `edition --branch` made
        elif cmd not in practice_block:
            raise AssertionError(f"the guide has a command no test runs: {cmd}")
    _run_practice(practice_block, tmp_path)


def _practice_block(commands: list[list[str]]) -> list[list[str]]:
    start = next(i for i, c in enumerate(commands) if c[:3] == ["python", "-m",
                                                                 "autograder.simulate"])
    block = [commands[start]]
    for cmd in commands[start + 1:]:
        if cmd[0] == "cp" or "/tmp/khoa-tap" in cmd:
            block.append(cmd)
        else:
            break
    return block


def _run_practice(block: list[list[str]], tmp_path: Path) -> None:
    """Copy a fresh checkout, then run the practice commands as written (paths in tmp)."""
    repo = tmp_path / "kho"
    _fresh_copy(repo)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["COURSE_BACKEND"] = "offline"
    for cmd in block:
        argv = [a.replace("/tmp/", f"{tmp_path}/") for a in cmd]
        if argv[0] == "python":
            argv[0] = sys.executable
        run = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True,
                             timeout=900)
        assert run.returncode == 0, f"{cmd}:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
    report = tmp_path / "khoa-tap" / "bao-cao" / "bao-cao-bt3_funnel.html"
    assert "Học viên cần hỗ trợ" in report.read_text(encoding="utf-8")
