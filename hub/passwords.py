"""The hub's password file (firstuseauthenticator's ``passwords.dbm``): forget people.

Removing a person (``python -m hub.users ROSTER --remove``, ``userdel``) left their bcrypt
hash behind, so the same id in the next course was locked to last course's password. And a
participant who forgot their first-login password needs the entry gone to set a new one:

    sudo .venv/bin/python -m hub.passwords hv004 [hv005 ...]      # then hv004 logs in anew

(The Admin page of the hub does the same for instructors: deleting a user there removes the
entry through the authenticator's own ``delete_user``.)
"""

from __future__ import annotations

import argparse
import dbm
import os
import sys
import time
from pathlib import Path

DEFAULT_STATE = Path("/srv/ai-kinh-doanh-hub")


def dbm_path(state: Path | None = None) -> Path:
    state = state or Path(os.environ.get("COURSE_HUB_STATE") or DEFAULT_STATE)
    return Path(state) / "passwords.dbm"


def _exists(path: Path) -> bool:
    return any(Path(f"{path}{ext}").exists() for ext in ("", ".db", ".pag", ".dir", ".dat"))


def forget(names: list[str] | tuple[str, ...], path: Path | None = None) -> list[str]:
    """Delete these users' password entries; returns the names that had one."""
    path = Path(path) if path else dbm_path()
    if not _exists(path):
        return []
    for attempt in range(20):  # the hub may hold the file for a moment (a login)
        try:
            with dbm.open(str(path), "w") as db:
                gone = []
                for name in names:
                    key = name.encode("utf-8")
                    if key in db:
                        del db[key]
                        gone.append(name)
                return gone
        except dbm.error:
            if attempt == 19:
                raise
            time.sleep(0.25)
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Xóa mật khẩu của học viên trên hub: lần đăng nhập sau họ đặt mật khẩu mới.")
    parser.add_argument("names", nargs="+", metavar="MA", help="mã học viên (tên đăng nhập)")
    parser.add_argument("--state", help="thư mục trạng thái của hub (mặc định "
                        f"{DEFAULT_STATE} hoặc COURSE_HUB_STATE)")
    args = parser.parse_args(argv)
    try:
        gone = forget([n.strip().lower() for n in args.names],
                      dbm_path(Path(args.state)) if args.state else None)
    except PermissionError:
        print("Cần quyền root: sudo .venv/bin/python -m hub.passwords MA", file=sys.stderr)
        return 1
    for name in args.names:
        if name.strip().lower() in gone:
            print(f"Đã xóa mật khẩu của {name}: lần đăng nhập tới, họ đặt mật khẩu mới.")
        else:
            print(f"{name} chưa có mật khẩu (chưa đăng nhập lần nào): không cần xóa.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
