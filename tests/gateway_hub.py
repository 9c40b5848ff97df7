"""A real JupyterHub with the class AI gateway, for tests and the benchmark.

The hub runs from a throw-away folder on 127.0.0.1 with dynamic ports, DummyAuthenticator
and SimpleLocalProcessSpawner (no OS users needed); the gateway is plugged in with the same
`hub.gateway.hubconf.add_gateway` call as the workshop hub's configuration. A spawned "server" is
this file run as a script: it records the environment the spawner gave it (what a real
single-user server and its kernels inherit) and answers HTTP so the hub sees it as ready.

Run as a script: `python gateway_hub.py serve` (what the spawner starts).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHP = ROOT / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chp_path() -> str | None:
    found = str(CHP) if CHP.exists() else shutil.which("configurable-http-proxy")
    return found


CONFIG = """
from hub.gateway.hubconf import add_gateway

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "mat-khau-thu"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = [{python!r}, {script!r}, "serve"]
c.Spawner.environment = {{"SPAWN_RECORD_DIR": {env_dir!r}}}
c.Spawner.start_timeout = 30
c.Spawner.http_timeout = 30
c.JupyterHub.cleanup_servers = True
c.JupyterHub.services = [{{"name": "test-admin", "api_token": {admin_token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "test-admin",
    "scopes": ["admin:users", "admin:groups", "admin:servers", "tokens", "list:users",
               "read:users"],
    "services": ["test-admin"],
}}]
add_gateway(c, env={gateway_env!r}, port={gateway_port})
"""


class Hub:
    """`start()` a hub in `folder` with the gateway's environment `gateway_env`."""

    def __init__(self, folder: Path, gateway_env: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.gateway_env = dict(gateway_env)
        self.port = free_port()
        self.gateway_port = free_port()
        self.admin_token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/hub/api"
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}/services/ai"
        self.env_dir = self.folder / "spawned-env"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.folder / "hub.log"

    def start(self, timeout: float = 60) -> Hub:
        self.env_dir.mkdir(parents=True, exist_ok=True)
        config = CONFIG.format(
            port=self.port, hub_port=free_port(),
            proxy_api_port=free_port(), chp=chp_path(), python=PYTHON, script=__file__,
            env_dir=str(self.env_dir), admin_token=self.admin_token,
            gateway_env=self.gateway_env, gateway_port=self.gateway_port)
        (self.folder / "jupyterhub_config.py").write_text(config, encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GATEWAY_", "OPENAI_", "COURSE_", "JUPYTERHUB_"))}
        env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "jupyterhub", "-f", "jupyterhub_config.py"], cwd=self.folder,
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("hub exited:\n" + self.log())
            try:
                if httpx.get(self.api, timeout=2).status_code == 200 and self._gateway_up():
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("hub did not start:\n" + self.log())

    def _gateway_up(self) -> bool:
        try:
            return httpx.get(self.gateway_url + "/v1/models", timeout=2).status_code == 403
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # the hub stops its services and spawned servers
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    # -- hub API as the test admin service ------------------------------------------
    def call(self, method: str, path: str, **kw) -> httpx.Response:
        headers = {"Authorization": f"token {self.admin_token}"}
        return httpx.request(method, self.api + path, headers=headers, timeout=30, **kw)

    @staticmethod
    def expect(resp: httpx.Response, *statuses: int) -> httpx.Response:
        """The hub's answer, if its status is one of `statuses` (a check that also holds
        under `python -O`, which drops `assert` outside test modules)."""
        if resp.status_code not in statuses:
            raise RuntimeError(f"hub API {resp.request.method} {resp.request.url.path}: "
                               f"{resp.status_code} {resp.text[:500]}")
        return resp

    def add_user(self, name: str, *, admin: bool = False, groups: tuple[str, ...] = ()) -> None:
        self.expect(self.call("POST", f"/users/{name}", json={"admin": admin}), 201, 409)
        for group in groups:
            self.call("POST", f"/groups/{group}")
            self.expect(self.call("POST", f"/groups/{group}/users", json={"users": [name]}), 200)

    def token(self, name: str, scopes: list[str] | None = None) -> str:
        body = {"note": "test"} if scopes is None else {"note": "test", "scopes": scopes}
        resp = self.expect(self.call("POST", f"/users/{name}/tokens", json=body), 201)
        return resp.json()["token"]

    def spawn(self, name: str, timeout: float = 40) -> dict:
        """Start `name`'s server; return (env, pid) recorded by the spawned process."""
        env_file = self.env_dir / f"{name}.json"
        env_file.unlink(missing_ok=True)
        self.expect(self.call("POST", f"/users/{name}/server"), 201, 202)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.call("GET", f"/users/{name}").json()
            if model.get("server") and not model.get("pending") and env_file.exists():
                return json.loads(env_file.read_text(encoding="utf-8"))
            time.sleep(0.3)
        raise RuntimeError(f"server of {name} did not start:\n" + self.log())


def serve() -> None:
    """The stand-in single-user server: record the environment, then answer HTTP."""
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import urlsplit

    env = dict(os.environ)
    out = Path(env["SPAWN_RECORD_DIR"]) / f"{env['JUPYTERHUB_USER']}.json"
    out.write_text(json.dumps({"env": env, "pid": os.getpid()}), encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    port = urlsplit(env["JUPYTERHUB_SERVICE_URL"]).port
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    serve()
