"""Operating-system users for a workshop from the course roster.

One OS user per participant, because nbgrader's exchange names a student by the OS user.
The roster id (lower case) is both the JupyterHub name and the OS user name. Every user made
here joins the group ``hoc-vien``; a name that already belongs to someone else on the machine
(a system account, say) is refused rather than taken over. Instructors also join
``giang-vien``, which may read the instructor tools, and get the course folder in their home.

    python -m hub.users ROSTER.csv [--instructor gv01 ...] [--home-base /home] [--remove]
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PARTICIPANTS_GROUP = "hoc-vien"
INSTRUCTORS_GROUP = "giang-vien"
COURSE_ID = "ai-kinh-doanh"
# useradd's default rule on Debian, and at most 32 characters.
OS_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Roster:
    participants: list[str] = field(default_factory=list)
    instructors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # Vietnamese, one per refused row

    @property
    def everyone(self) -> list[str]:
        return self.participants + [i for i in self.instructors if i not in self.participants]


def load_roster(path: Path, instructors: list[str] | tuple[str, ...] = ()) -> Roster:
    """Participants from the course roster (CSV/Excel, same columns as the autograder)."""
    from autograder.roster import read_roster

    good, bad = read_roster(Path(path))
    roster = Roster()
    for line, why, _ in bad:
        roster.problems.append(f"Dòng {line}: {why}")
    for row in good:
        name = row["id"].lower()
        if not OS_NAME.match(name):
            roster.problems.append(
                f"Mã '{row['id']}' không dùng làm tài khoản máy được: cần bắt đầu bằng chữ, "
                "chỉ gồm chữ thường không dấu, số, '-' hoặc '_', tối đa 32 ký tự.")
            continue
        if name not in roster.participants:
            roster.participants.append(name)
    for name in instructors:
        name = name.strip().lower()
        if not name:
            continue
        if not OS_NAME.match(name):
            roster.problems.append(f"Tên giảng viên '{name}' không hợp lệ.")
            continue
        if name not in roster.instructors:
            roster.instructors.append(name)
    roster.participants = [p for p in roster.participants if p not in roster.instructors]
    return roster


def _ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        subprocess.run(["groupadd", "--system", name], check=True)


def _members(group: str) -> set[str]:
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


def ensure_user(name: str, home_base: Path | None = None, instructor: bool = False) -> bool:
    """Create the OS user if missing; returns True when it was created now."""
    _ensure_group(PARTICIPANTS_GROUP)
    groups = [PARTICIPANTS_GROUP]
    if instructor:
        _ensure_group(INSTRUCTORS_GROUP)
        groups.append(INSTRUCTORS_GROUP)
    created = False
    try:
        pwd.getpwnam(name)
        if name not in _members(PARTICIPANTS_GROUP):
            raise ValueError(f"Tài khoản '{name}' đã có sẵn trên máy và không phải của khóa học; "
                             "hãy đổi mã này trong danh sách lớp.")
    except KeyError:
        cmd = ["useradd", "--create-home", "--shell", "/bin/bash", "--comment",
               f"{COURSE_ID} workshop", "--groups", ",".join(groups)]
        if home_base is not None:
            cmd += ["--base-dir", str(home_base)]
        subprocess.run(cmd + [name], check=True)
        created = True
    if instructor and name not in _members(INSTRUCTORS_GROUP):
        subprocess.run(["usermod", "--append", "--groups", INSTRUCTORS_GROUP, name], check=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    os.chmod(home, 0o700)  # participants cannot read each other's work
    if instructor:
        _ensure_course_folder(name, home)
    return created


def _ensure_course_folder(name: str, home: Path) -> None:
    """The instructor's nbgrader course folder: config and assignment sources, never replaced."""
    course = home / COURSE_ID
    if course.exists():
        return
    shutil.copytree(REPO / "assignments", course,
                    ignore=shutil.ignore_patterns("release", "submitted", "autograded",
                                                  "feedback", "gradebook.db", ".autograder",
                                                  "__pycache__"))
    entry = pwd.getpwnam(name)
    for root, dirs, files in os.walk(course):
        for item in [root, *(os.path.join(root, f) for f in dirs + files)]:
            os.chown(item, entry.pw_uid, entry.pw_gid)


def ensure_users(roster: Roster, home_base: Path | None = None) -> list[str]:
    """Every roster user exists; returns the names created now."""
    created = []
    for name in roster.participants:
        if ensure_user(name, home_base):
            created.append(name)
    for name in roster.instructors:
        if ensure_user(name, home_base, instructor=True):
            created.append(name)
    return created


def remove_user(name: str) -> None:
    """Remove a course user, their home and processes (only users of the course group)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    if name not in _members(PARTICIPANTS_GROUP):
        raise ValueError(f"'{name}' is not a course user; not removed")
    from hub import limits

    for _ in range(40):  # userdel refuses while the user still has processes
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        if subprocess.run(["pgrep", "-u", name], capture_output=True).returncode:
            break
        time.sleep(0.25)
    res = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
    if res.returncode not in (0, 12):  # 12: home folder already gone
        raise RuntimeError(f"userdel {name}: {res.stderr.strip()}")
    limits.release(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tạo (hoặc xóa) tài khoản máy cho lớp học.")
    parser.add_argument("roster", help="danh sách lớp (CSV hoặc Excel)")
    parser.add_argument("--instructor", action="append", default=[],
                        help="tài khoản giảng viên (lặp lại hoặc cách nhau bằng dấu phẩy)")
    parser.add_argument("--home-base", help="thư mục chứa các thư mục nhà (mặc định /home)")
    parser.add_argument("--remove", action="store_true", help="xóa các tài khoản của lớp")
    args = parser.parse_args(argv)
    instructors = [n for item in args.instructor for n in item.split(",")]
    roster = load_roster(Path(args.roster), instructors)
    for problem in roster.problems:
        print(problem, file=sys.stderr)
    if os.geteuid() != 0:
        print("Cần chạy bằng quyền root (sudo) để tạo tài khoản.", file=sys.stderr)
        return 1
    if args.remove:
        for name in roster.everyone:
            remove_user(name)
        from hub.passwords import forget  # the same ids next course set their own password
        forget(roster.everyone)
        print(f"Đã xóa {len(roster.everyone)} tài khoản.")
        return 0
    created = ensure_users(roster, Path(args.home_base) if args.home_base else None)
    print(f"Lớp có {len(roster.participants)} học viên và {len(roster.instructors)} giảng viên; "
          f"tạo mới {len(created)} tài khoản.")
    return 1 if roster.problems else 0


if __name__ == "__main__":
    sys.exit(main())
