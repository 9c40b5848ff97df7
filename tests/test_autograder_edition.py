"""What participants receive never holds a solution or a hidden test.

Each distribution is built the way an instructor builds it and scanned for the nbgrader
markers and for the text of every hidden test in assignments/source: the participant
edition folder, the git branch made from it (Binder badge, nbgitpuller link), the
assignments/release copies that `make install` / `make lab` serve (and that are sent by
Zalo), and Binder's postBuild run on the instructor's branch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.edition import hidden_test_lines, scan

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "assignments" / "source"
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if p.is_dir())


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


def _fresh_clone(tmp_path: Path) -> Path:
    """The committed tree plus work in progress, in a git repository of its own."""
    clone = tmp_path / "kho"
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for rel in filter(None, listed.split("\0")):
        if (REPO / rel).is_file():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, clone / rel)
    _git("init", "-q", "-b", "main", cwd=clone)
    _git("add", "-A", cwd=clone)
    _git("-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "-m", "x",
         cwd=clone)
    return clone


@pytest.fixture(scope="module")
def hidden() -> list[str]:
    lines = hidden_test_lines(SOURCE)
    assert len(lines) > 40  # every automatically graded assignment has hidden tests
    return lines


def test_scanner_finds_what_it_must(hidden, tmp_path):
    # The scanner itself is not a test that cannot fail: the instructor's files all trip it.
    hits = {x.path.split("/")[0] for x in scan(SOURCE, hidden)}
    assert hits == set(ASSIGNMENTS)
    pasted = tmp_path / "ghi-chu.md"
    pasted.write_text("Gợi ý: " + hidden[5], encoding="utf-8")
    assert [x.path for x in scan(tmp_path, hidden)] == ["ghi-chu.md"]


def test_edition_and_branch_hold_no_solution(hidden, tmp_path, capsys):
    clone = _fresh_clone(tmp_path)
    out = tmp_path / "ban-hoc-vien"
    assert main(["edition", "--repo", str(clone), "--out", str(out), "--branch",
                 "hoc-vien"]) == 0
    said = capsys.readouterr().out
    assert "Đã tạo bản cho học viên" in said and "git push origin hoc-vien" in said
    assert scan(out, hidden) == []
    assert not (out / "assignments" / "source").exists()
    assert not (out / "autograder").exists() and not (out / "tests").exists()
    for aid in ASSIGNMENTS:
        assert (out / "assignments" / "release" / aid / f"{aid}.ipynb").is_file()
    assert (out / "notebooks" / "00_bat_dau.ipynb").is_file()
    assert (out / "course" / "__init__.py").is_file() and (out / "binder" / "postBuild").is_file()

    # The branch: exactly the edition, and the instructor's work tree untouched.
    checkout = tmp_path / "nhanh"
    _git("clone", "-q", "--branch", "hoc-vien", str(clone), str(checkout), cwd=tmp_path)
    assert _git("status", "--porcelain", cwd=clone) == ""
    assert _git("symbolic-ref", "--short", "HEAD", cwd=clone).strip() == "main"
    assert scan(checkout, hidden) == []
    assert sorted(str(p.relative_to(checkout)) for p in checkout.rglob("*")
                  if p.is_file() and ".git" not in p.parts) == \
        sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    # Building again changes nothing on the branch.
    assert main(["edition", "--repo", str(clone), "--out", str(out), "--branch",
                 "hoc-vien"]) == 0
    assert "không có gì mới" in capsys.readouterr().out
    # The instructor's own branch is refused.
    assert main(["edition", "--repo", str(clone), "--out", str(out), "--branch", "main"]) == 2


def test_student_copies_for_make_lab(hidden, tmp_path):
    course = tmp_path / "assignments"
    shutil.copytree(SOURCE, course / "source")
    shutil.copy(REPO / "assignments" / "nbgrader_config.py", course)
    assert main(["--course", str(course), "student-copies"]) == 0
    for aid in ASSIGNMENTS:
        assert (course / "release" / aid / f"{aid}.ipynb").is_file()
    assert scan(course / "release", hidden) == []
    assert not (course / "gradebook.db").exists(), "student copies must not need a gradebook"


def test_postbuild_turns_the_instructor_branch_into_the_edition(hidden, tmp_path):
    """Binder built from the instructor's branch: postBuild leaves only the edition."""
    clone = _fresh_clone(tmp_path)
    fake_bin = tmp_path / "bin"  # postBuild's installs are not what is tested here
    fake_bin.mkdir()
    for tool in ("jupyter",):
        (fake_bin / tool).write_text("#!/bin/sh\nexit 0\n")
        (fake_bin / tool).chmod(0o755)
    (fake_bin / "python").write_text(
        f'#!/bin/sh\nif [ "$1 $2" = "-m pip" ]; then exit 0; fi\n'
        f'if [ "$1" = "-c" ]; then echo {tmp_path / "prefix"}; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n')
    (fake_bin / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}",
           "REPO_DIR": str(clone), "HOME": str(tmp_path)}
    run = subprocess.run(["bash", "binder/postBuild"], cwd=clone, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (clone / "assignments" / "source").exists()
    assert not (clone / ".git").exists(), "git history holds the sources too"
    assert scan(clone, hidden) == []
    assert (clone / "assignments" / "release" / "bt1_prompt" / "bt1_prompt.ipynb").is_file()
