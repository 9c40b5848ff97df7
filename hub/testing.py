"""Start the workshop hub for tests and benchmarks: real OS users, real processes, 127.0.0.1.

    from hub.testing import HubUsers, RunningHub, HubClient, free_port

    with HubUsers(["hv1", "hv2"], instructors=["gv1"], base=tmp) as users:   # useradd/userdel
        with RunningHub(users.roster_file, instructors=users.instructors, base=tmp) as hub:
            client = HubClient(hub.url)
            client.login(users.participants[0], "mat-khau-1")
            client.spawn(); client.wait_ready()

Needs root (useradd, and servers run as the users). Every user, process and folder made here
is removed on exit. The participant environment comes from hub/build-participant-env.sh
(cached by a hash of the pins, so only the first run builds it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import requests

from hub.users import Roster, ensure_users, remove_user

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PREFIX = Path(os.environ.get("COURSE_HUB_PREFIX", "/opt/ai-kinh-doanh"))
PROXY = REPO / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"


def skip_module_unless_hub_can_run(what: str) -> None:
    """pytest's module-level skip, with the reason and the fix, where the hub cannot run."""
    import pytest

    if os.geteuid() != 0:
        pytest.skip(f"{what} creates OS users and runs servers as them: run as root",
                    allow_module_level=True)
    if not PROXY.exists():
        pytest.skip("configurable-http-proxy missing (scripts/ensure-hub.sh installs it with npm)",
                    allow_module_level=True)
    pytest.importorskip("jupyterhub", reason="hub/requirements.txt not installed "
                        "(scripts/ensure-hub.sh)")
    pytest.importorskip("firstuseauthenticator")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def participant_env(prefix: Path = DEFAULT_PREFIX) -> Path:
    """Build or reuse the participants' venv; returns its path."""
    res = subprocess.run([str(REPO / "hub" / "build-participant-env.sh"), str(prefix)],
                         capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError("participant environment build failed:\n" + res.stderr[-3000:])
    return Path(res.stdout.strip().splitlines()[-1])


def shared_dir(prefix: str) -> Path:
    """A temporary folder other OS users can traverse (pytest's tmp_path is mode 700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


class HubUsers:
    """OS users for a test roster, with a random tag so parallel runs never collide."""

    def __init__(self, participants: list[str], instructors: list[str] = (),
                 base: Path | None = None):
        tag = uuid.uuid4().hex[:5]
        self.participants = [f"{p}-{tag}" for p in participants]
        self.instructors = [f"{i}-{tag}" for i in instructors]
        self.base = base or shared_dir("hub-users-")
        self.homes = self.base / "home"
        self.roster_file = self.base / "danh-sach-lop.csv"

    def __enter__(self) -> HubUsers:
        self.homes.mkdir(parents=True, exist_ok=True)
        self.homes.chmod(0o755)
        rows = ["id,ho_ten,email,don_vi"] + [
            f"{p},Học viên {i + 1},,Homestay Phong Nha" for i, p in enumerate(self.participants)]
        self.roster_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
        try:
            ensure_users(Roster(self.participants, self.instructors), self.homes)
        except BaseException:
            self.__exit__()
            raise
        return self

    def home(self, name: str) -> Path:
        return self.homes / name

    def __exit__(self, *exc) -> None:
        problems = []
        for name in self.participants + self.instructors:  # all at once, then one by one
            subprocess.run(["pkill", "-KILL", "-u", name], check=False,
                           stderr=subprocess.DEVNULL)
        for name in self.participants + self.instructors:
            try:
                remove_user(name)
            except (RuntimeError, ValueError) as err:  # remove the others all the same
                problems.append(str(err))
        shutil.rmtree(self.base, ignore_errors=True)
        if problems:
            raise RuntimeError("; ".join(problems))


def visible_text(html: str | requests.Response) -> str:
    """The words a reader sees on a hub page (a requests response is read as UTF-8: the hub's
    pages say so in a meta tag, not in the Content-Type header)."""
    if not isinstance(html, str):
        html = html.content.decode("utf-8")
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class RunningHub:
    """`jupyterhub -f hub/jupyterhub_config.py` on 127.0.0.1 with free ports."""

    def __init__(self, roster_file: Path, instructors: list[str] = (), base: Path | None = None,
                 env_path: Path | None = None, edition_repo: Path | None = None,
                 settings: dict[str, str] | None = None, stop_servers_on_exit: bool = True):
        # False: leave the servers to whoever ends their users' processes next (HubUsers
        # does, and removes their cgroups): a test class's teardown then skips the servers'
        # graceful stop (about 15 s on this machine), which tests/test_hub_restart.py tests.
        self.stop_servers_on_exit = stop_servers_on_exit
        self._own_base = base is None  # removed on exit (state, passwords, exchange, log)
        self.base = base or shared_dir("hub-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = self.base / "state"
        self.exchange = self.base / "exchange"
        self.log_path = self.base / "jupyterhub.log"
        self.env_path = env_path or participant_env()
        self.edition_repo = edition_repo
        self.settings = {
            "ROSTER": str(roster_file), "INSTRUCTORS": ",".join(instructors),
            "STATE": str(self.state), "ENV": str(self.env_path),
            "EXCHANGE": str(self.exchange), "EDITION_REPO": str(edition_repo or ""),
            "IP": "127.0.0.1", "PORT": str(self.port), "HUB_PORT": str(free_port()),
            "PROXY_API_PORT": str(free_port()), **(settings or {})}
        self.proc: subprocess.Popen | None = None
        self.token = secrets.token_hex(16)  # an admin service token for the test's own checks

    def __enter__(self) -> RunningHub:
        self.exchange.mkdir(parents=True, exist_ok=True)
        self.exchange.chmod(0o777)  # nbgrader's documented set-up: everyone may write
        env = {k: v for k, v in os.environ.items()
               if "KEY" not in k and "TOKEN" not in k and not k.startswith("COURSE_HUB_")}
        env.update({f"COURSE_HUB_{k}": v for k, v in self.settings.items()})
        # The hub's own service folder(s) plus an admin service whose token the test holds.
        services = self.base / "services.d"
        services.mkdir(exist_ok=True)
        service = {"name": "test-admin", "api_token": self.token}
        role = {"name": "test-admin", "services": ["test-admin"],
                "scopes": ["admin:users", "admin:servers", "list:users", "read:users", "tokens"]}
        (services / "zz-test-admin.py").write_text(
            f"c.JupyterHub.services.append({service!r})\n"
            f"c.JupyterHub.load_roles.append({role!r})\n")
        source = self.settings.get("SERVICES_DIR") or str(REPO / "hub" / "services.d")
        env["COURSE_HUB_SERVICES_DIR"] = os.pathsep.join([source, str(services)])
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(REPO / "hub" / "jupyterhub_config.py")],
            cwd=self.base, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("hub exited:\n" + self.log())
            try:
                if requests.get(self.url + "/hub/api", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("hub did not answer within 60 s:\n" + self.log())

    def api(self, method: str, path: str, **kw) -> requests.Response:
        """The hub's REST API with the test's admin token."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=30, **kw)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop_servers(self, timeout: float = 60) -> None:
        """Stop every server, as `python -m hub.run --stop-class` does: the hub itself leaves
        them running when it stops (a restart loses nothing)."""
        try:
            active = self.api("GET", "/users?state=active").json()
            for user in active:
                for server in user.get("servers", {}):
                    self.api("DELETE", f"/users/{user['name']}/servers/{server}" if server
                             else f"/users/{user['name']}/server")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and any(
                    u.get("servers") for u in self.api("GET", "/users?state=active").json()):
                time.sleep(0.5)
        except (requests.RequestException, ValueError):
            pass  # the hub is gone: HubUsers ends the users' processes

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if self.stop_servers_on_exit:
                self.stop_servers()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # proxy and services, if left
            except ProcessLookupError:
                pass
        if getattr(self, "_log", None):
            self._log.close()
        if self._own_base:
            shutil.rmtree(self.base, ignore_errors=True)


class HubClient:
    """One person in a browser: cookies, the _xsrf token, redirects."""

    def __init__(self, url: str):
        self.url = url
        self.s = requests.Session()
        self.name = ""

    def xsrf(self, path: str = "/hub/") -> str:
        """The _xsrf cookie the hub (path /hub/) or a server (/user/NAME/) set."""
        for cookie in self.s.cookies:
            if cookie.name == "_xsrf" and path.startswith(cookie.path.rstrip("/") + "/"):
                return cookie.value
        return ""

    def login(self, name: str, password: str) -> requests.Response:
        self.s.get(f"{self.url}/hub/login", timeout=30)
        r = self.s.post(f"{self.url}/hub/login?next=", timeout=60, allow_redirects=False,
                        data={"username": name, "password": password, "_xsrf": self.xsrf()})
        if r.status_code in (302, 303):
            self.name = name
        return r

    def spawn(self) -> requests.Response:
        return self.s.post(f"{self.url}/hub/api/users/{self.name}/server", timeout=120,
                           headers={"X-XSRFToken": self.xsrf()})

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds until the hub reports the server ready."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            model = self.s.get(f"{self.url}/hub/api/users/{self.name}", timeout=30).json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return time.monotonic() - start
            if not server.get("pending") and not server and time.monotonic() - start > 5:
                raise RuntimeError(f"server of {self.name} is not starting: {model}")
            time.sleep(1)  # about what a browser's progress page costs the hub
        raise TimeoutError(f"server of {self.name} not ready in {timeout} s")

    def server(self, path: str = "", user: str | None = None) -> str:
        return f"{self.url}/user/{user or self.name}/{path.lstrip('/')}"

    def get(self, path: str, user: str | None = None, **kw) -> requests.Response:
        kw.setdefault("timeout", 60)
        return self.s.get(self.server(path, user), **kw)

    def post(self, path: str, user: str | None = None, **kw) -> requests.Response:
        kw.setdefault("timeout", 120)
        headers = {"X-XSRFToken": self.xsrf(f"/user/{user or self.name}/"),
                   **kw.pop("headers", {})}
        return self.s.post(self.server(path, user), headers=headers, **kw)

    def open_server(self) -> requests.Response:
        """First visit of the server (the OAuth round trip sets the server's cookie)."""
        return self.get("")

    def execute(self, code_cells: list[str], timeout: float = 120,
                keep_kernel: bool = False) -> list[dict]:
        """Run cells in a new kernel over the kernel websocket; returns one result per cell:
        {"status": "ok"|"error", "stdout": str, "error": str}. The kernel is shut down after
        unless ``keep_kernel`` (a participant who leaves the notebook open)."""
        import websocket

        kernel = self.post("api/kernels", json={"name": "python3"}).json()
        ws_url = self.server(f"api/kernels/{kernel['id']}/channels").replace("http", "ws", 1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.s.cookies
                           if f"/user/{self.name}/".startswith(c.path.rstrip("/") + "/"))
        xsrf = self.xsrf(f"/user/{self.name}/")
        ws = websocket.create_connection(ws_url, timeout=timeout, cookie=cookie,
                                         header=[f"X-XSRFToken: {xsrf}"], origin=self.url)
        results = []
        try:
            for code in code_cells:
                results.append(_run_cell(ws, code, timeout))
        finally:
            ws.close()
            if not keep_kernel:
                self.s.delete(self.server(f"api/kernels/{kernel['id']}"), timeout=30,
                              headers={"X-XSRFToken": self.xsrf(f"/user/{self.name}/")})
        return results


def _run_cell(ws, code: str, timeout: float) -> dict:
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    result = {"status": "ok", "stdout": "", "error": ""}
    deadline = time.monotonic() + timeout
    got_reply = got_idle = False
    while not (got_reply and got_idle):
        if time.monotonic() > deadline:
            raise TimeoutError(f"cell did not finish in {timeout} s: {code[:80]!r}")
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream":
            result["stdout"] += msg["content"]["text"]
        elif kind == "error":
            result["status"] = "error"
            result["error"] = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        elif kind == "execute_reply":
            got_reply = True
            if msg["content"]["status"] != "ok":
                result["status"] = "error"
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            got_idle = True
    return result


def quote_path(path: str) -> str:
    return quote(path, safe="/")
