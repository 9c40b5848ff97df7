"""`make hub ROSTER=lop.csv INSTRUCTORS=gv01`: one workshop JupyterHub on this server.

Steps (each safe to repeat): OS users from the roster, the participants' environment, the
participant edition repository, nbgrader's exchange folder, then JupyterHub in the
foreground. Needs root.

Ctrl+C restarts nothing and loses nothing: it stops the hub (and its proxy and services) but
leaves every participant's server running, so `make hub` again brings the class back with
open tabs still saving. `python -m hub.run --stop-class` stops the class: every server, then
the hub.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from hub.edition import publish
from hub.exchange import prepare as prepare_exchange
from hub.users import ensure_users, load_roster

HERE = Path(__file__).resolve().parent
DEFAULT_STATE = "/srv/ai-kinh-doanh-hub"


def _api(url: str, token: str, method: str = "GET") -> object:
    request = urllib.request.Request(url, method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (127.0.0.1)
        body = response.read()
    return json.loads(body) if body else None


def _running(pid: int) -> bool:
    """The process exists and has not exited (an exited child waiting to be reaped has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[-1][:1] != "Z"


def stop_class(state: Path, timeout: float = 120) -> int:
    """Stop every participant's server through the hub's API, then the hub itself.

    Uses the `class-stop` service token the hub keeps in its state folder (root only)."""
    try:
        api = (state / "hub_api_url").read_text().strip()
        token = (state / "class_stop_token").read_text().strip()
    except OSError:
        print(f"Không thấy hub trong {state} (hub chưa từng chạy ở đây?).", file=sys.stderr)
        return 1
    try:
        users = _api(f"{api}/users?state=active", token)
    except (urllib.error.URLError, OSError):
        print("Hub không chạy nên không dừng được máy của học viên. Mở lại hub "
              "(sudo make hub ROSTER=...), rồi chạy lại lệnh này.", file=sys.stderr)
        return 1
    names = [(u["name"], server) for u in users for server in u.get("servers", {})]
    for name, server in names:
        path = f"/users/{name}/servers/{server}" if server else f"/users/{name}/server"
        _api(f"{api}{path}", token, method="DELETE")
    deadline = time.monotonic() + timeout
    while names and time.monotonic() < deadline:
        active = _api(f"{api}/users?state=active", token)
        if not any(u.get("servers") for u in active):
            break
        time.sleep(1)
    else:
        if names:
            print("Còn máy của học viên chưa dừng sau "
                  f"{timeout:.0f} giây; xem nhật ký của hub.", file=sys.stderr)
            return 1
    print(f"Đã dừng máy của {len(names)} học viên.")
    try:
        pid = int((state / "jupyterhub.pid").read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return 0  # the hub is already stopping
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.3)
    print("Đã dừng hub. Lớp học đã dừng hẳn.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mở JupyterHub cho một lớp học.")
    parser.add_argument("--roster", help="danh sách lớp (CSV hoặc Excel)")
    parser.add_argument("--stop-class", action="store_true",
                        help="dừng máy của mọi học viên rồi dừng hub (hết buổi học)")
    parser.add_argument("--state", default=os.environ.get("COURSE_HUB_STATE", DEFAULT_STATE),
                        help="thư mục trạng thái của hub")
    parser.add_argument("--instructors", default="",
                        help="tài khoản giảng viên, cách nhau dấu phẩy")
    parser.add_argument("--port", default=os.environ.get("COURSE_HUB_PORT", "8000"))
    parser.add_argument("--prefix", default=os.environ.get("COURSE_HUB_PREFIX",
                                                           "/opt/ai-kinh-doanh"))
    parser.add_argument("--exchange", default=os.environ.get("COURSE_HUB_EXCHANGE"),
                        help="thư mục trao đổi của nbgrader (mặc định: <thư mục trạng thái>"
                             "-exchange, mỗi hub một thư mục)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("Cần quyền root: chạy `sudo make hub ROSTER=...`.", file=sys.stderr)
        return 1
    if args.stop_class:
        return stop_class(Path(args.state))
    if not args.roster:
        parser.error("cần --roster (danh sách lớp)")
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
    exchange = Path(args.exchange or f"{str(args.state).rstrip('/')}-exchange")
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
        "COURSE_HUB_EXCHANGE": str(exchange), "COURSE_HUB_PORT": str(args.port),
        "COURSE_HUB_STATE": args.state})
    print(f"Mở JupyterHub ở cổng {args.port}: học viên vào http://<địa-chỉ-máy>:{args.port} , "
          "đăng nhập bằng mã học viên; mật khẩu đặt ở lần đầu.\n"
          "Ctrl+C: khởi động lại hub (máy của học viên vẫn chạy, không mất bài). Hết buổi: "
          "sudo .venv/bin/python -m hub.run --stop-class")
    os.execve(sys.executable, [sys.executable, "-m", "jupyterhub", "-f",
                               str(HERE / "jupyterhub_config.py")], env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
