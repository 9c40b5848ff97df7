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


# --- The hardened collect (autograder/exchange.py): every inbound folder is attacker input ---

def _released_course(tmp_path, monkeypatch, extra_config: str = ""):
    """A course released to its own exchange (the hub-wide config names it), as above."""
    from autograder.cli import main

    course = tmp_path / "khoa-hoc"
    (course / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(SOURCE, course / "source" / ASSIGNMENT)
    exchange = tmp_path / "exchange"
    hub_config = tmp_path / "etc-jupyter"
    hub_config.mkdir()
    (hub_config / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n{extra_config}",
        encoding="utf-8")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(hub_config))
    assert main(["--course", str(course), "release", ASSIGNMENT]) == 0
    return course, exchange / "ai-kinh-doanh" / "inbound"


def _submit(tmp_path, student: str, note: str) -> Path:
    """nbgrader's own submit as ``student``; returns the inbound folder it made."""
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeSubmit
    from traitlets.config import Config

    home = tmp_path / f"nha-{student}"
    outbound = tmp_path / "exchange" / "ai-kinh-doanh" / "outbound" / ASSIGNMENT
    shutil.copytree(outbound, home / ASSIGNMENT)
    nb = nbformat.read(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(note))
    nbformat.write(nb, home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    app = NbGrader()
    app.load_cwd_config = False
    app.load_config_file()
    cfg = Config(app.config)
    cfg.CourseDirectory.course_id = "ai-kinh-doanh"
    cfg.CourseDirectory.assignment_id = ASSIGNMENT
    cfg.CourseDirectory.student_id = student
    cfg.Exchange.assignment_dir = str(home)
    cfg.Exchange.cache = str(tmp_path / f"cache-{student}")
    ExchangeSubmit(coursedir=CourseDirectory(config=cfg),
                   authenticator=Authenticator(config=cfg), config=cfg).start()
    inbound = tmp_path / "exchange" / "ai-kinh-doanh" / "inbound"
    return max(inbound.glob(f"{student}+{ASSIGNMENT}+*"))


def test_collect_copies_only_regular_files_of_the_submitter(tmp_path, capsys, monkeypatch):
    """Links to the instructor's source notebook, the gradebook and the shell history, a FIFO,
    a linked folder and an oversized file are refused and listed; the notebook is graded."""
    import os

    from autograder.cli import main
    from autograder.exchange import load_refusals

    course, _ = _released_course(tmp_path, monkeypatch, "c.SafeCollect.max_file_mb = 2\n")
    history = tmp_path / "gv-home" / ".bash_history"
    history.parent.mkdir()
    history.write_text("export OPENAI_API_KEY=sk-bi-mat-cua-giang-vien\n", encoding="utf-8")
    entry = _submit(tmp_path, "hv042", "Em đã làm xong.")
    (entry / "loi_giai.json").symlink_to(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    (entry / "so_diem.db").symlink_to(course / "gradebook.db")
    (entry / "gv_history.txt").symlink_to(history)
    (entry / "nguon").symlink_to(course / "source", target_is_directory=True)
    os.mkfifo(entry / "ong_dan")
    with open(entry / "to_qua.csv", "wb") as big:
        big.truncate(3 * 1024 * 1024)
    (entry / "du_lieu.csv").write_text("ten,gia\nGiặt ủi,30000\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["--course", str(course), "collect", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    got = course / "submitted" / "hv042" / ASSIGNMENT
    assert "Em đã làm xong." in (got / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    assert (got / "du_lieu.csv").read_text(encoding="utf-8").endswith("30000\n")
    assert (got / "submission_secret.txt").is_file()  # feedback still finds its way back
    kept = sorted(p.name for p in got.rglob("*"))
    for name in ("loi_giai.json", "so_diem.db", "gv_history.txt", "nguon", "ong_dan",
                 "to_qua.csv"):
        assert name not in kept
        assert name in out, (name, out)
    assert not any(p.is_symlink() for p in got.rglob("*"))
    assert "sk-bi-mat" not in "".join(p.read_text(errors="replace") for p in got.rglob("*")
                                      if p.is_file())
    assert "liên kết tượng trưng (symlink)" in out and "ống dẫn FIFO" in out
    assert "quá lớn (3.0 MB; tối đa 2.0 MB mỗi tệp)" in out
    reasons = {r.path: r.reason for r in load_refusals(course, ASSIGNMENT)}
    assert set(reasons) >= {"loi_giai.json", "so_diem.db", "gv_history.txt", "nguon",
                            "ong_dan", "to_qua.csv"}
    # A second collect (nothing newer) keeps the record and reports nothing new as refused.
    assert main(["--course", str(course), "collect", ASSIGNMENT]) == 0
    assert "Từ chối" not in capsys.readouterr().out
    assert len(load_refusals(course, ASSIGNMENT)) == len(reasons)


def test_collect_refuses_submissions_in_someone_elses_name(tmp_path, capsys, monkeypatch):
    """An inbound folder named for hv043 but made by another OS user, a link posing as a
    submission, a hard link to another user's file and a malformed name are refused with
    the reason; the genuine submission of the class is still collected."""
    import os
    import pwd

    import pytest

    from autograder.cli import main
    from autograder.exchange import load_refusals

    if os.geteuid() != 0:
        pytest.skip("needs root to make files owned by another OS user")
    other = pwd.getpwnam("nobody").pw_uid
    course, inbound = _released_course(tmp_path, monkeypatch)
    _submit(tmp_path, "hv042", "Bài thật của hv042.")
    fake = _submit(tmp_path, "hv043", "Bài giả mạo, để trống.")
    for path in [fake, *fake.rglob("*")]:
        os.chown(path, other, -1, follow_symlinks=False)  # made by 'nobody', claims hv043
    (inbound / f"hv044+{ASSIGNMENT}+2026-03-02 08:00:00.000000 UTC+abc").symlink_to(
        course / "source" / ASSIGNMENT)
    (inbound / f"hv045+{ASSIGNMENT}+khong-phai-thoi-gian+xyz").mkdir()
    theirs = tmp_path / "cua-nguoi-khac.txt"
    theirs.write_text("bí mật", encoding="utf-8")
    os.chown(theirs, other, -1)
    real = max(inbound.glob(f"hv042+{ASSIGNMENT}+*"))
    os.link(theirs, real / "lien_ket_cung.txt")
    capsys.readouterr()

    assert main(["--course", str(course), "collect", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["hv042"]
    got = course / "submitted" / "hv042" / ASSIGNMENT
    assert "Bài thật của hv042." in (got / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    assert not (got / "lien_ket_cung.txt").exists()
    assert "mang mã hv043 nhưng do tài khoản nobody tạo" in out, out
    assert "[hv044]" in out and "liên kết tượng trưng" in out
    assert "[hv045]" in out and "không đúng dạng" in out
    assert "lien_ket_cung.txt: thuộc tài khoản nobody" in out
    students = {r.student for r in load_refusals(course, ASSIGNMENT)}
    assert students == {"hv042", "hv043", "hv044", "hv045"}


def test_collect_files_refuses_links_fifos_and_caps(tmp_path, capsys):
    """The Zalo/e-mail path: a folder with a link posing as a notebook and a FIFO, a zip with
    a symlink entry and an oversized entry; the regular notebooks are placed."""
    import os
    import stat
    import zipfile

    from autograder.cli import main
    from autograder.distribute import MAX_FILE_BYTES

    course = tmp_path / "khoa-hoc"
    (course / "source").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(SOURCE, course / "source" / ASSIGNMENT)
    roster = tmp_path / "ds.csv"
    roster.write_text("id,ho_ten\nhv001,Phan Văn Hùng\nhv002,Lê Thị Cúc\nhv003,Hồ Thị Lan\n",
                      encoding="utf-8")
    assert main(["--course", str(course), "roster", "import", str(roster)]) == 0
    secret = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    folder = tmp_path / "zalo"
    folder.mkdir()
    (folder / f"hv001_{ASSIGNMENT}.ipynb").write_text(nb, encoding="utf-8")
    (folder / f"hv002_{ASSIGNMENT}.ipynb").symlink_to(secret)
    os.mkfifo(folder / f"hv003_{ASSIGNMENT}.ipynb")
    capsys.readouterr()
    main(["--course", str(course), "collect", ASSIGNMENT, "--zip", str(folder)])
    out = capsys.readouterr().out
    assert sorted(p.parent.name for p in (course / "submitted").glob(f"*/{ASSIGNMENT}")) == [
        "hv001"]
    assert f"hv002_{ASSIGNMENT}.ipynb: là liên kết tượng trưng" in out, out
    assert f"hv003_{ASSIGNMENT}.ipynb: là ống dẫn FIFO" in out

    archive = tmp_path / "tai_ve.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"hv001_{ASSIGNMENT}.ipynb", nb)
        link = zipfile.ZipInfo(f"hv002_{ASSIGNMENT}.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, str(secret))
        zf.writestr(f"hv003_{ASSIGNMENT}.ipynb", b" " * (MAX_FILE_BYTES + 1),
                    compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("hong.ipynb", b"HONG-HONG-" * 10)
        zf.writestr("ghi_chu.txt", "Em nộp bài.")
        zf.writestr("ghi_chu.txt/trung_ten.ipynb", nb)
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"HONG-HONG-", b"SUA-SUA-XX"))  # a bad CRC, same size
    main(["--course", str(course), "collect", ASSIGNMENT, "--zip", str(archive)])
    out = capsys.readouterr().out
    assert "hong.ipynb: hỏng hoặc có mật khẩu trong tệp zip" in out, out
    assert "ghi_chu.txt/trung_ten.ipynb: trùng tên" in out, out
    assert f"hv002_{ASSIGNMENT}.ipynb: là liên kết tượng trưng (symlink) trong tệp zip" in out
    assert f"hv003_{ASSIGNMENT}.ipynb: quá lớn" in out
    assert not (course / "submitted" / "hv002").exists()
    assert not (course / "submitted" / "hv003").exists()


def test_backdated_submission_gets_the_real_time(tmp_path, capsys, monkeypatch):
    """A participant who names their late submission (and its timestamp.txt) with a time
    before the deadline gets the time its folder was really made; an honest one is kept."""
    import datetime

    from autograder.cli import main
    from autograder.exchange import load_refusals

    course, inbound = _released_course(tmp_path, monkeypatch)
    honest = _submit(tmp_path, "hv041", "Nộp đúng hạn.")
    honest_time = (honest / "timestamp.txt").read_text(encoding="utf-8")
    late = _submit(tmp_path, "hv042", "Nộp muộn nhưng sửa giờ.")
    old = "2026-03-01 08:00:00.000000 UTC"
    (late / "timestamp.txt").write_text(old, encoding="utf-8")
    late.rename(inbound / f"hv042+{ASSIGNMENT}+{old}+abcdef")
    capsys.readouterr()
    assert main(["--course", str(course), "collect", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    assert "giờ nộp ghi trong bài (01/03/2026 08:00 UTC) sớm hơn" in out, out
    submitted = course / "submitted"
    stamp = (submitted / "hv042" / ASSIGNMENT / "timestamp.txt").read_text(encoding="utf-8")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    real = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f UTC")
    assert abs((now - real).total_seconds()) < 600, stamp
    assert (submitted / "hv041" / ASSIGNMENT / "timestamp.txt").read_text(
        encoding="utf-8") == honest_time
    assert {r.student for r in load_refusals(course, ASSIGNMENT)} == {"hv042"}
