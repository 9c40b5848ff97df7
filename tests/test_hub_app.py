"""The lessons' app view on the workshop hub (issue 25): a participant's app link works.

A real hub (hub/testing.py: real OS users, the participant environment, the published edition
in each home) with two participants. The first one logs in over HTTP, her server starts, and the
lesson's app link `/hub/user-redirect/ung-dung/NN_….ipynb` (the one in every lesson's first
cell) takes her to the Voilà page of the lesson in HER home, run by HER kernel (its results are
her files); the second participant cannot open it. In Chromium, the same link at phone size is
timed to interactive. Timings go to artifacts/app_mode/hub_timings.json (figures in
benchmarks/README.md). Needs root; skipped with the reason otherwise.
"""

from __future__ import annotations

import html
import json
import os
import pwd
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from hub.testing import HubClient, HubUsers, RunningHub, skip_module_unless_hub_can_run

skip_module_unless_hub_can_run("the hub app-view test")

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "app_mode"
PASSWORD = "mat-khau-hoc-vien"
CHROMIUM = Path("/usr/bin/chromium")
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def hub_class():
    """Two participants on a hub; the first one's server started and opened over HTTP."""
    from hub.edition import publish
    from hub.testing import participant_env

    env_path = participant_env()
    with HubUsers(["hv1", "hv2"]) as users:
        edition = users.base / "edition"
        publish(edition)
        with RunningHub(users.roster_file, env_path=env_path, edition_repo=edition,
                        settings={"MEM_MB": "1024", "CPUS": "1"}) as hub:
            owner = HubClient(hub.url)
            assert owner.login(users.participants[0], PASSWORD).status_code == 302, hub.log()
            assert owner.spawn().status_code in (201, 202)
            TIMINGS["server_start_s"] = round(owner.wait_ready(timeout=240), 2)
            assert owner.open_server().status_code == 200
            yield users, hub, owner
            if TIMINGS:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                (ARTIFACTS / "hub_timings.json").write_text(json.dumps(TIMINGS, indent=1),
                                                            encoding="utf-8")


def _kernel_id(body: str) -> str | None:
    found = re.search(r'"kernelId": "([0-9a-f-]{36})"', body)
    return found.group(1) if found else None


def _shutdown(client: HubClient, body: str) -> None:
    kernel = _kernel_id(body)
    if kernel:
        client.s.delete(client.server(f"api/kernels/{kernel}"), timeout=60,
                        headers={"X-XSRFToken": client.xsrf(f"/user/{client.name}/")})


@pytest.mark.parametrize("lesson", ["02_viet_prompt.ipynb", "05_cham_soc_khach_hang.ipynb"])
def test_app_link_serves_the_lesson_app_from_the_participants_own_server(hub_class, lesson):
    users, hub, client = hub_class
    name = client.name
    started = time.monotonic()
    page = client.s.get(f"{hub.url}/hub/user-redirect/ung-dung/{lesson}", timeout=600)
    TIMINGS[f"render_{lesson}"] = round(time.monotonic() - started, 2)
    try:
        assert page.status_code == 200, (page.status_code, page.url, page.text[:300])
        assert page.url.endswith(f"/user/{name}/voila/render/khoa-hoc/notebooks/{lesson}")
        body = page.content.decode("utf-8")  # requests would guess Latin-1 without a charset
        text = html.unescape(body)
        nb = json.loads((users.home(name) / "khoa-hoc" / "notebooks" / lesson)
                        .read_text(encoding="utf-8"))
        title = "".join(nb["cells"][0]["source"]).splitlines()[0].lstrip("# ").strip()
        assert title in re.sub(r"<[^>]+>", "", text)
        assert "course-app-error" not in body, "a cell failed in the app on the hub"
        for english in ("Traceback", "There was an error", "An exception occurred"):
            assert english not in text, english
        assert "jp-InputArea-editor" not in body  # no code on screen
        assert "Đang mở bài học" in text  # the course's template, not Voilà's default
        assert _kernel_id(page.text)
    finally:
        _shutdown(client, page.text)
    if lesson.startswith("05"):
        # The page ran in the participant's own kernel: its result is her file, in her home.
        saved = users.home(name) / "khoa-hoc" / "notebooks" / "ket_qua" / "tro_ly_cua_ban.md"
        assert saved.is_file()
        assert pwd.getpwuid(os.stat(saved).st_uid).pw_name == name


def test_another_participant_cannot_open_her_app(hub_class):
    users, hub, owner = hub_class
    other = HubClient(hub.url)
    assert other.login(users.participants[1], PASSWORD).status_code == 302
    page = other.s.get(f"{hub.url}/user/{owner.name}/voila/render/khoa-hoc/notebooks/"
                       "02_viet_prompt.ipynb", timeout=120)
    assert page.status_code == 403, page.status_code
    assert "Bài 02" not in page.content.decode("utf-8", "replace")
    # Her own app link starts her own server for it, never opens the first one's.
    first = other.s.get(f"{hub.url}/hub/user-redirect/ung-dung/02_viet_prompt.ipynb",
                        timeout=60, allow_redirects=False)
    assert first.status_code == 302
    target = unquote(first.headers["Location"])
    assert f"/user/{users.participants[1]}/ung-dung/02_viet_prompt.ipynb" in target, target
    assert owner.name not in target


def test_app_link_in_chromium_on_a_phone_through_the_hub(hub_class):
    """Log in on the hub's page, tap the app link, time until the lesson's widgets show."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium)")
    users, hub, owner = hub_class
    lesson = "05_cham_soc_khach_hang.ipynb"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 412, "height": 915}, locale="vi-VN")
            page.set_default_timeout(240_000)
            page.goto(f"{hub.url}/hub/login")
            page.fill("input[name=username]", owner.name)
            page.fill("input[name=password]", PASSWORD)
            page.locator("form [type=submit]").first.click()
            page.wait_for_load_state()
            for run in (1, 2):
                started = time.monotonic()
                page.goto(f"{hub.url}/hub/user-redirect/ung-dung/{lesson}", wait_until="commit")
                page.locator("#rendered_cells").wait_for(state="visible")
                page.locator(".jupyter-widgets").first.wait_for(state="visible")
                TIMINGS[f"chromium_{lesson}_run{run}"] = round(time.monotonic() - started, 2)
                TIMINGS[f"load_1min_run{run}"] = round(os.getloadavg()[0], 2)
                assert f"/user/{owner.name}/voila/render/" in page.url
                assert page.locator(".course-app-only").first.is_visible()
                assert page.locator(".course-app-error").count() == 0
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "hub_05_412.png"))
                page.goto("about:blank")  # leaving the page ends its kernel
                time.sleep(2)
        finally:
            browser.close()
