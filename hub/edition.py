"""Publish the participant edition as a local git repository that nbgitpuller pulls from.

`python -m autograder edition --out DIR` (the instructor's tool) writes the edition: lessons,
the `course` package and released assignments, never sources, solutions or hidden tests.
This module commits that folder to a repository on the hub machine (default
/opt/ai-kinh-doanh/edition, world-readable, owned by root). Each server start runs nbgitpuller
on it (hub/participant/start.sh): the first login clones it into ~/khoa-hoc, later logins
pull updates and keep what the participant changed.

    python -m hub.edition [--repo /opt/ai-kinh-doanh/edition]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
GIT_ID = {"GIT_AUTHOR_NAME": "Workshop hub", "GIT_AUTHOR_EMAIL": "hub@localhost",
          "GIT_COMMITTER_NAME": "Workshop hub", "GIT_COMMITTER_EMAIL": "hub@localhost"}


def _git(repo: Path, *args: str) -> str:
    res = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                         env={**os.environ, **GIT_ID})
    if res.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {res.stderr.strip()}")
    return res.stdout.strip()


def publish(repo: Path, checkout: Path = CHECKOUT, branch: str = "main") -> str:
    """Build the edition from ``checkout`` and commit it to ``repo``; returns the commit."""
    repo = Path(repo)
    with tempfile.TemporaryDirectory(prefix="edition-") as tmp:
        out = Path(tmp) / "edition"
        res = subprocess.run([sys.executable, "-m", "autograder", "edition", "--out", str(out)],
                             cwd=checkout, capture_output=True, text=True)
        if res.returncode or not out.is_dir():
            raise RuntimeError("python -m autograder edition failed:\n" + res.stdout + res.stderr)
        if not (repo / ".git").is_dir():
            repo.mkdir(parents=True, exist_ok=True)
            _git(repo, "init", "-q", "-b", branch)
        for item in repo.iterdir():  # the edition replaces the whole tree
            if item.name != ".git":
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        for item in out.iterdir():
            dest = repo / item.name
            shutil.copytree(item, dest) if item.is_dir() else shutil.copy2(item, dest)
    _git(repo, "add", "--all", "--force", ".")
    if _git(repo, "status", "--porcelain"):
        _git(repo, "commit", "-q", "-m", "Participant edition")
    subprocess.run(["chmod", "-R", "a+rX", str(repo)], check=True)
    return _git(repo, "rev-parse", "HEAD")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cập nhật bản cho học viên trên hub.")
    parser.add_argument("--repo", default="/opt/ai-kinh-doanh/edition")
    args = parser.parse_args(argv)
    commit = publish(Path(args.repo))
    print(f"Bản cho học viên đã cập nhật ({commit[:10]}) ở {args.repo}. Học viên nhận bản mới "
          "khi đăng nhập lại (bài đang làm của họ được giữ nguyên).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
