"""A hub restart in the middle of a lesson costs nobody their edits (issue 23, item 4).

The real workshop hub with a real participant: log in, start the server, open a notebook
session (a kernel), then stop the hub as Ctrl+C does (SIGINT) and start it again. The open
tab's next save, with the same browser cookies and _xsrf token, must succeed and reach the
disk; the kernel must still be there. The hub's services (the class AI gateway) stop with it
and hold no port, also after a `kill -9` of the hub; `python -m hub.run --stop-class` then
stops the class: servers, hub, proxy, with no port left held.
Needs root (OS users, servers run as them); skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from hub.testing import (
    HubClient,
    HubUsers,
    RunningHub,
    participant_env,
    skip_module_unless_hub_can_run,
)

skip_module_unless_hub_can_run("the hub restart test")

from hub.run import stop_class  # noqa: E402

PASSWORD = "mat-khau-hoc-vien"
NOTEBOOK = "ghi-chu-buoi-1.ipynb"


def _notebook(text: str) -> dict:
    return {"type": "notebook", "format": "json", "content": {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "markdown", "id": "c1", "metadata": {}, "source": text}]}}


def _port_held(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    return status != "Z"


def _gateway_pids(hub_pid: int) -> list[int]:
    """The class AI gateway started by this hub process (run under hub.with_parent)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"hub.with_parent" in argv and str(hub_pid).encode() in argv and b"hub.gateway" in argv:
            found.append(int(entry.name))
    return found


def _full_log(hub: RunningHub) -> str:
    """The whole log file: servers started by the previous hub still write at their old
    offset of it, so its tail (RunningHub.log) may be theirs and the rest zero bytes."""
    return hub.log_path.read_bytes().replace(b"\0", b"").decode("utf-8", "replace")


def _start_again(hub: RunningHub) -> None:
    """The instructor runs `make hub` again: same state folder, same ports."""
    hub._log.close()
    hub.__enter__()  # truncates the log: the message below is this start's
    _wait(lambda: "JupyterHub is now running" in _full_log(hub), 60,
          "hub did not finish starting (routes of running servers)")


def _listening_port(pid: int) -> int:
    import psutil

    ports = [c.laddr.port for c in psutil.Process(pid).net_connections(kind="tcp")
             if c.status == psutil.CONN_LISTEN]
    assert ports, f"process {pid} listens on no port"
    return ports[0]


def _server_pid(name: str) -> int:
    out = subprocess.run(["pgrep", "-u", name, "-f", "singleuser"],
                         capture_output=True, text=True).stdout.split()
    assert out, f"no server process for {name}"
    return int(out[0])


@pytest.fixture(scope="module")
def users():
    with HubUsers(["hv-rs"]) as made:
        yield made


def test_restart_keeps_open_tab_saving_then_stop_class_frees_every_port(users):
    name = users.participants[0]
    with RunningHub(users.roster_file, env_path=participant_env()) as hub:
        client = HubClient(hub.url)
        assert client.login(name, PASSWORD).status_code == 302, hub.log()
        assert client.spawn().status_code in (201, 202), hub.log()
        client.wait_ready(timeout=180)
        assert client.open_server().status_code == 200
        xsrf = client.xsrf(f"/user/{name}/")
        assert xsrf
        put = client.s.put(client.server(f"api/contents/{NOTEBOOK}"), timeout=60,
                           json=_notebook("Bản 1"), headers={"X-XSRFToken": xsrf})
        assert put.status_code in (200, 201), put.text
        session = client.post("api/sessions", json={
            "path": NOTEBOOK, "name": NOTEBOOK, "type": "notebook",
            "kernel": {"name": "python3"}}).json()
        kernel_id = session["kernel"]["id"]
        server_pid = _server_pid(name)
        server_port = _listening_port(server_pid)
        gateway_port = int((hub.state / "ai-gateway.port").read_text())
        assert _port_held(gateway_port), hub.log()
        cookie_secret = (hub.state / "jupyterhub_cookie_secret").read_text()
        proxy_token = (hub.state / "proxy_auth_token").read_text()

        # 1. Ctrl+C: the hub stops, its gateway and proxy with it; the server lives on.
        first_hub = hub.proc.pid
        hub.proc.send_signal(signal.SIGINT)
        hub.proc.wait(timeout=60)
        assert "Leaving single-user servers running" in _full_log(hub)
        assert _alive(server_pid), "the participant's server died with the hub"
        _wait(lambda: not _gateway_pids(first_hub), 15, "the gateway outlived the hub")
        for port in (gateway_port, hub.port, int(hub.settings["HUB_PORT"])):
            assert not _port_held(port), f"port {port} still held after the hub stopped"

        # 2. Start again: the open tab saves with the cookies and _xsrf it already had.
        _start_again(hub)
        assert (hub.state / "jupyterhub_cookie_secret").read_text() == cookie_secret
        assert (hub.state / "proxy_auth_token").read_text() == proxy_token
        saved = client.s.put(client.server(f"api/contents/{NOTEBOOK}"), timeout=60,
                             json=_notebook("Bản 2 sau khi hub khởi động lại"),
                             headers={"X-XSRFToken": xsrf})
        assert saved.status_code == 200, (saved.status_code, saved.text[:300],
                                          _full_log(hub)[-3000:])
        on_disk = json.loads((users.home(name) / NOTEBOOK).read_text(encoding="utf-8"))
        assert "".join(on_disk["cells"][0]["source"]) == "Bản 2 sau khi hub khởi động lại"
        kernels = [k["id"] for k in client.get("api/kernels").json()]
        assert kernel_id in kernels, "the kernel was lost in the restart"
        assert _server_pid(name) == server_pid
        assert int((hub.state / "ai-gateway.port").read_text()) == gateway_port
        _wait(lambda: _port_held(gateway_port), 30, "the gateway did not come back")

        # 3. kill -9 of the hub: the orphaned gateway must not keep its port.
        second_hub = hub.proc.pid
        gateway = _gateway_pids(second_hub)
        assert gateway, "gateway not run under hub.with_parent"
        os.kill(second_hub, signal.SIGKILL)
        hub.proc.wait(timeout=30)
        _wait(lambda: not any(_alive(p) for p in gateway), 15,
              "the gateway outlived a kill -9 of the hub")
        _wait(lambda: not _port_held(gateway_port), 15, "gateway port still held")
        _start_again(hub)  # the proxy left by the killed hub is replaced, not in the way
        _wait(lambda: _port_held(gateway_port), 30, "the gateway did not come back")
        assert "Address already in use" not in _full_log(hub)
        again = client.s.put(client.server(f"api/contents/{NOTEBOOK}"), timeout=60,
                             json=_notebook("Bản 3"), headers={"X-XSRFToken": xsrf})
        assert again.status_code == 200, (again.status_code, _full_log(hub)[-3000:])

        # 4. Stopping the class: every server, then the hub; no port left held.
        assert stop_class(hub.state) == 0
        hub.proc.wait(timeout=60)
        _wait(lambda: not _alive(server_pid), 30, "the participant's server still runs")
        for port in (gateway_port, hub.port, int(hub.settings["HUB_PORT"]),
                     int(hub.settings["PROXY_API_PORT"]), server_port):
            assert not _port_held(port), f"port {port} still held after stopping the class"


def test_stop_class_explains_when_there_is_no_hub(tmp_path, capsys):
    assert stop_class(tmp_path) == 1
    assert "Không thấy hub" in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens there once the socket is closed
    (tmp_path / "hub_api_url").write_text(f"http://127.0.0.1:{dead}/hub/api\n")
    (tmp_path / "class_stop_token").write_text("x" * 64)
    assert stop_class(tmp_path) == 1
    assert "Hub không chạy" in capsys.readouterr().err
