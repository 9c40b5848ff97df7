"""An app page's kernel ends soon after the page is left; a notebook's kernel never does.

Voilà 0.5 as a server extension keeps a page's kernel running after the tab is closed, so
course.app_culler shuts down a kernel that no notebook session uses once no websocket has been
connected to it for `disconnect_grace` seconds. Here on a real server (course.lab's command,
tests/lab_server.py) with the grace shortened, a real Chromium page, and the real /api/kernels.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from lab_server import running_lab

from course.app_culler import DISCONNECT_GRACE, AppKernelCuller

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GRACE = 6  # seconds, for this test only
TOKEN = "kernels-end-token"


def test_default_grace_is_the_documented_two_minutes():
    """A class needs the default (a phone's brief disconnection keeps its kernel): 120 s,
    checked often enough, not overridden by the course's server config, and documented."""
    traits = AppKernelCuller.class_traits()
    assert DISCONNECT_GRACE == 120
    assert traits["disconnect_grace"].default_value == DISCONNECT_GRACE
    assert traits["interval"].default_value <= DISCONNECT_GRACE // 4
    assert traits["idle_timeout"].default_value == 1800
    config_dir = REPO / "course" / "jupyter_config"
    for name in ("jupyter_server_config.py", "jupyter_server_config.json"):
        if (config_dir / name).exists():
            text = (config_dir / name).read_text(encoding="utf-8")
            assert not re.search(r"^\s*c\.AppKernelCuller\.disconnect_grace", text, re.M)
            assert '"disconnect_grace"' not in text
    doc = (REPO / "docs" / "dang-ung-dung.md").read_text(encoding="utf-8")
    assert "2 phút" in doc and "disconnect_grace" in doc


def _api(lab: dict, path: str, method: str = "GET", body: dict | None = None):
    request = urllib.request.Request(
        f"{lab['base']}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read() or b"null")


def _kernels(lab: dict) -> dict[str, dict]:
    return {k["id"]: k for k in _api(lab, "/api/kernels")}


@pytest.fixture()
def lab(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"AppKernelCuller": {"disconnect_grace": GRACE, "interval": 1}}), encoding="utf-8")
    root = tmp_path / "course"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    from course.lab import CONFIG_DIR

    env = {"JUPYTER_CONFIG_PATH": os.pathsep.join([str(config), str(CONFIG_DIR)])}
    with running_lab(root, tmp_path, TOKEN, extra_env=env) as server:
        yield server


def test_closing_an_app_page_ends_its_kernel_and_a_notebook_kernel_stays(lab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium)")
    log = lab["log"].read_text(encoding="utf-8")
    assert f"App-view kernels end {GRACE} s after their page is gone" in log
    notebook_kernel = _api(lab, "/api/sessions", "POST", {
        "path": "notebooks/01_ai_la_gi.ipynb", "type": "notebook", "name": "",
        "kernel": {"name": "python3"}})["kernel"]["id"]
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium"), executable_path=str(CHROMIUM), headless=True,
            args=CHROME_ARGS, viewport={"width": 412, "height": 915})
        try:
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{lab['base']}/api/status?token={TOKEN}")
            page.goto(f"{lab['base']}/voila/render/notebooks/00_bat_dau.ipynb")
            page.locator("#rendered_cells").wait_for(state="visible")
            page.locator(".jupyter-widgets").first.wait_for(state="visible")
            app_kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"',
                                   page.content()).group(1)
            # While the page is open (websocket connected) its kernel stays past the grace.
            deadline = time.monotonic() + 30
            while _kernels(lab).get(app_kernel, {}).get("connections", 0) < 1:
                assert time.monotonic() < deadline, "the app page never connected its kernel"
                time.sleep(0.5)
            time.sleep(GRACE + 3)
            assert _kernels(lab)[app_kernel]["connections"] >= 1
            page.close()
            closed = time.monotonic()
        finally:
            ctx.close()
    # The notebook kernel has no connection either, and is older than the grace.
    assert _kernels(lab)[notebook_kernel]["connections"] == 0
    deadline = closed + GRACE + 30
    while app_kernel in _kernels(lab) and time.monotonic() < deadline:
        time.sleep(0.5)
    gone_after = time.monotonic() - closed
    assert app_kernel not in _kernels(lab), "the closed app page's kernel is still running"
    assert gone_after >= GRACE - 1, f"ended {gone_after:.1f} s after the page closed"
    time.sleep(3)
    assert notebook_kernel in _kernels(lab)
    assert "Shutting down idle app-view kernel" in lab["log"].read_text(encoding="utf-8")
    _api(lab, f"/api/kernels/{notebook_kernel}", "DELETE")


def test_a_page_that_reconnects_within_the_grace_keeps_its_kernel(lab):
    """A phone losing its connection for a moment (shorter than the grace), twice: the kernel,
    and what the participant typed into it, stay; once it stays away, the kernel ends."""
    import asyncio

    from tornado.websocket import websocket_connect

    body = urllib.request.urlopen(urllib.request.Request(
        f"{lab['base']}/voila/render/notebooks/00_bat_dau.ipynb",
        headers={"Authorization": f"token {TOKEN}"}), timeout=300).read().decode("utf-8")
    app_kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', body).group(1)
    url = f"{lab['base'].replace('http', 'ws', 1)}/api/kernels/{app_kernel}/channels"

    async def connected_for(seconds: float) -> None:
        socket = await websocket_connect(urllib.request.Request(
            url, headers={"Authorization": f"token {TOKEN}"}).full_url + f"?token={TOKEN}")
        await asyncio.sleep(seconds)
        socket.close()

    asyncio.run(connected_for(1))
    first_drop = time.monotonic()
    for _ in range(2):
        time.sleep(GRACE - 3)  # away for less than the grace ...
        assert app_kernel in _kernels(lab)
        asyncio.run(connected_for(1))  # ... and back
    assert time.monotonic() - first_drop > GRACE + 1  # longer than the grace in all
    assert app_kernel in _kernels(lab)
    left = time.monotonic()
    while app_kernel in _kernels(lab) and time.monotonic() < left + GRACE + 30:
        time.sleep(0.5)
    assert app_kernel not in _kernels(lab)
    assert time.monotonic() - left >= GRACE - 1
