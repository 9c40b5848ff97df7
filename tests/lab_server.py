"""A course JupyterLab for browser tests: the course's own command and environment
(course.lab), on 127.0.0.1, with no API key, stopped when the block ends."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from course.lab import lab_command, lab_environment

REPO = Path(__file__).resolve().parent.parent


CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 412, "height": 915}
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def phone_page(profile: Path, server: dict, timeout_ms: int) -> Iterator:
    """A Chromium page at phone size (412×915, vi-VN, downloads allowed), logged in to a
    `running_lab` server once (its token sets the cookie); skips when Chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium); "
                    "scripts/ensure-browser.sh installs it when run as root")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROME_ARGS,
            viewport=PHONE, locale="vi-VN", accept_downloads=True)
        try:
            page = ctx.new_page()
            page.set_default_timeout(timeout_ms)
            page.goto(f"{server['base']}/api/status?token={server['token']}")
            yield page
        finally:
            ctx.close()


def widget_button(scope, title: str):
    """A widget button by its text (also its title; the icon adds a glyph to its name)."""
    return scope.locator(f'button[title="{title}"]')


def widget_field(page, label: str):
    """The input or text area of the widget labelled `label`."""
    box = page.locator(".widget-inline-hbox, .widget-text, .widget-textarea").filter(
        has=page.locator("label", has_text=label))
    return box.locator("input, textarea").first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, deadline: float, *,
                    request_timeout: float = 2) -> bool:
    """Poll `url` until it answers: True; False once `proc` has exited or the
    `time.monotonic()` `deadline` has passed. The caller says what failed and shows its log."""
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=request_timeout)
            return True
        except OSError:  # not listening yet, or an HTTP error while it starts
            time.sleep(0.3)
    return False


@contextmanager
def running_lab(root: Path, tmp: Path, token: str, *,
                extra_env: dict | None = None) -> Iterator[dict]:
    """Serve `root` until the block ends; yields base URL, token and the log's path.

    Settings, workspaces, runtime files and the answer cache live under `tmp`, so no test
    sees another's layout or cache.
    """
    env = lab_environment({k: v for k, v in os.environ.items()
                           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "COURSE_CACHE_DIR": str(tmp / "cache"),
        **(extra_env or {}),
    })
    port = free_port()
    cmd = lab_command(root, ["--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}"])
    log_path = tmp / "lab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_server(f"{base}/api/status?token={token}", proc,
                               time.monotonic() + 120):
            pytest.fail("JupyterLab did not start:\n" + log_path.read_text(encoding="utf-8"))
        yield {"base": base, "token": token, "log": log_path}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
