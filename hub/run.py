"""`make hub ROSTER=lop.csv INSTRUCTORS=gv01`: one workshop JupyterHub on this server.

Steps (each safe to repeat): OS users from the roster, the participants' environment, the
participant edition repository, nbgrader's exchange folder, then JupyterHub in the
foreground (Ctrl+C stops the hub and every participant's server). Needs root.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from hub.edition import publish
from hub.users import ensure_users, load_roster

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mở JupyterHub cho một lớp học.")
    parser.add_argument("--roster", required=True, help="danh sách lớp (CSV hoặc Excel)")
    parser.add_argument("--instructors", default="",
                        help="tài khoản giảng viên, cách nhau dấu phẩy")
    parser.add_argument("--port", default=os.environ.get("COURSE_HUB_PORT", "8000"))
    parser.add_argument("--prefix", default=os.environ.get("COURSE_HUB_PREFIX",
                                                           "/opt/ai-kinh-doanh"))
    parser.add_argument("--exchange", default=os.environ.get("COURSE_HUB_EXCHANGE",
                                                             "/srv/nbgrader/exchange"))
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("Cần quyền root: chạy `sudo make hub ROSTER=...`.", file=sys.stderr)
        return 1
    roster_path = Path(args.roster).resolve()
    instructors = [n for n in args.instructors.split(",") if n.strip()]
    roster = load_roster(roster_path, instructors)
    for problem in roster.problems:
        print(f"Danh sách lớp: {problem}", file=sys.stderr)
    if not roster.participants:
        print("Danh sách lớp không có học viên nào dùng được.", file=sys.stderr)
        return 1
    created = ensure_users(roster)
    print(f"Tài khoản: {len(roster.participants)} học viên, {len(roster.instructors)} giảng "
          f"viên ({len(created)} tạo mới).")
    env_path = subprocess.run([str(HERE / "build-participant-env.sh"), args.prefix], check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1]
    edition = Path(args.prefix) / "edition"
    commit = publish(edition)
    print(f"Bản cho học viên: {edition} ({commit[:10]}).")
    exchange = Path(args.exchange)
    for note in prepare_exchange(exchange):  # root's, instructors write (hub/exchange.py)
        print(f"Thư mục trao đổi: {note}", file=sys.stderr)
    from hub.shell_profile import install as install_shell_profile  # Terminal: tools on PATH
    install_shell_profile(env_path, exchange)
    from hub.gradebook import sync_gradebooks  # the class list in each instructor's gradebook
    for teacher, message in sync_gradebooks(roster_path, roster, Path(env_path)).items():
        print(f"Sổ điểm của {teacher}: {message}")
    env = dict(os.environ)
    env.update({"COURSE_HUB_ROSTER": str(roster_path), "COURSE_HUB_INSTRUCTORS": ",".join(
        roster.instructors), "COURSE_HUB_ENV": env_path, "COURSE_HUB_EDITION_REPO": str(edition),
        "COURSE_HUB_EXCHANGE": str(exchange), "COURSE_HUB_PORT": str(args.port)})
    print(f"Mở JupyterHub ở cổng {args.port}: học viên vào http://<địa-chỉ-máy>:{args.port} , "
          "đăng nhập bằng mã học viên; mật khẩu đặt ở lần đầu. Ctrl+C để dừng.")
    os.execve(sys.executable, [sys.executable, "-m", "jupyterhub", "-f",
                               str(HERE / "jupyterhub_config.py")], env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
