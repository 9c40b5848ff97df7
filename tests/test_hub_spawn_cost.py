"""What a participant server start does on the workshop hub (issue 28): exactly the intended
server extensions, no Node.js for JupyterLab's yarn question, and no git work when the
edition has not changed since the last start (but a deleted lesson and a new edition commit
still come through nbgitpuller); a participant who presses Start while the hub is at its
concurrent-start limit gets a Vietnamese page that tries again by itself. Real hub, real OS
user, real nbgitpuller. Needs root.
The CPU figures themselves are in benchmarks/README.md (benchmarks/spawn_profile.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hub.edition import publish
from hub.testing import (
    HubClient,
    HubUsers,
    RunningHub,
    participant_env,
    skip_module_unless_hub_can_run,
    visible_text,
)

skip_module_unless_hub_can_run("the hub spawn test")

PASSWORD = "mat-khau-tai-thu"
# What a participant's server loads: JupyterLab, its terminal, nbgrader's validation (the
# assignment list comes with course.jupyter_ext), Voilà's app view, the course's extensions.
INTENDED = {
    "jupyterhub",  # the single-user server's own extension (talks to the hub)
    "jupyterlab",
    "jupyter_server_terminals",
    "nbgrader.server_extensions.validate_assignment",
    "voila.server_extension",
    "course.jupyter_ext",
    "course.app_links",
    "course.app_culler",  # shuts down app-view kernels left idle (tests/test_app_mode.py)
    "course.lab_layout",
}
LOADED = re.compile(r"ServerApp\] (\S+) \| extension was successfully loaded\.")


@pytest.fixture(scope="module")
def setup():
    env = participant_env()
    with HubUsers(["hv", "hv2"]) as users:
        edition = users.base / "edition"
        publish(edition)
        # One start at a time, so that a second participant meets a busy hub (the last test);
        # the other tests start one server at a time anyway.
        with RunningHub(users.roster_file, env_path=env, edition_repo=edition,
                        settings={"CONCURRENT_SPAWNS": "1"}) as hub:
            client = HubClient(hub.url)
            assert client.login(users.participants[0], PASSWORD).status_code == 302
            yield users, hub, client, edition


def start(client: HubClient) -> None:
    assert client.spawn().status_code in (201, 202)
    client.wait_ready(timeout=300)
    assert client.open_server().status_code == 200


def stop(hub: RunningHub) -> None:
    hub.stop_servers()


def git_snapshot(repo: Path) -> dict[str, int]:
    """Every file under the clone's .git with its modification time (any git fetch, merge or
    reset writes some of them: FETCH_HEAD, ORIG_HEAD, index, logs/HEAD)."""
    return {str(p.relative_to(repo)): p.stat().st_mtime_ns
            for p in (repo / ".git").rglob("*") if p.is_file()}


def test_participant_server_loads_exactly_the_intended_extensions(setup):
    users, hub, client, _ = setup
    start(client)
    # The server is hub-files/singleuser.py (no hub database layer: tests/test_hub_singleuser.py).
    commands = subprocess.run(["ps", "-ww", "-u", users.participants[0], "-o", "args="],
                              capture_output=True, text=True, check=True).stdout
    assert "-P " in commands and "hub-files/singleuser.py" in commands, commands
    loaded = set(LOADED.findall(hub.log_path.read_text(errors="replace")))
    assert loaded == INTENDED, (loaded - INTENDED, INTENDED - loaded)
    log = hub.log_path.read_text(errors="replace")
    assert "Loading the assignment_list nbgrader serverextension" in log
    # JupyterLab's yarn question got hub-files/bin/node's empty answer: no error about it.
    assert "Fail to get yarn configuration" not in log
    page = client.get("lab/tree/khoa-hoc/notebooks/00_bat_dau.ipynb")
    assert page.status_code == 200
    data = re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>',
                     page.text, re.S)
    config = json.loads(data.group(1))
    disabled = config["disabledExtensions"]
    assert "@jupyter-notebook/lab-extension" in disabled  # its "open in Notebook" has no server
    assert "@jupyter/nbgrader:formgrader" in disabled  # the course's own list is still merged
    # The extensions that stay do their job: nbgrader's assignment list answers.
    r = client.get("assignments", params={"course_id": "ai-kinh-doanh"})
    assert r.status_code == 200, r.status_code


def test_second_start_with_unchanged_edition_does_no_git_work(setup):
    users, hub, client, edition = setup
    name = users.participants[0]
    home = users.home(name)
    clone = home / "khoa-hoc"
    if not clone.is_dir():
        start(client)
    head = subprocess.run(["git", "-C", str(edition), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    assert (home / ".khoa-hoc-sync.commit").read_text().strip() == head
    before = git_snapshot(clone)
    stop(hub)
    start(client)
    assert git_snapshot(clone) == before, "a start with an unchanged edition ran git"
    assert "chưa đổi" in (home / ".khoa-hoc-sync.log").read_text(encoding="utf-8")

    # A lesson the participant deleted comes back at the next start (nbgitpuller's pull).
    lesson = clone / "notebooks" / "01_ai_la_gi.ipynb"
    lesson.unlink()
    stop(hub)
    start(client)
    assert lesson.exists()
    assert git_snapshot(clone) != before

    # A new edition commit arrives at the next start.
    (edition / "notebooks" / "cap-nhat-2.md").write_text("# Cập nhật\n", encoding="utf-8")
    git = ["git", "-C", str(edition), "-c", "user.name=gv", "-c", "user.email=gv@localhost"]
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "update"], check=True)
    subprocess.run(["chmod", "-R", "a+rX", str(edition)], check=True)
    subprocess.run(git + ["pack-refs", "--all"], check=True)  # the ref now in packed-refs
    stop(hub)
    time.sleep(0.5)
    start(client)
    assert (clone / "notebooks" / "cap-nhat-2.md").exists()
    new_head = subprocess.run(["git", "-C", str(edition), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    assert (home / ".khoa-hoc-sync.commit").read_text().strip() == new_head != head


def test_busy_hub_page_tries_again_by_itself_after_the_hubs_wait(setup):
    """The 429 page: its automatic retry (meta refresh) waits exactly the hub's Retry-After
    (JupyterHub's default range, 30-60 s); the same request, made again once a start slot is
    free, starts the server."""
    users, hub, client, _ = setup
    stop(hub)
    second = HubClient(hub.url)
    assert second.login(users.participants[1], PASSWORD).status_code == 302
    # The API answers when the server is up (or after 10 s), so the first start runs beside;
    # once the hub says it is pending, it holds the one start slot (a start takes seconds).
    model_url = f"{hub.url}/hub/api/users/{users.participants[0]}"
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.spawn)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            server = client.s.get(model_url, timeout=30).json().get("servers", {}).get("", {})
            if server.get("pending"):
                break
            assert not server.get("ready"), "the first start ended before it was seen pending"
            time.sleep(0.05)
        spawn_url = f"{hub.url}/hub/spawn/{users.participants[1]}"
        busy = second.s.get(spawn_url, allow_redirects=False, timeout=60)
        assert first.result().status_code in (201, 202)
    assert busy.status_code == 429, (busy.status_code, busy.headers.get("Location"))
    wait = int(busy.headers["Retry-After"])
    assert 30 <= wait <= 60, wait
    page = busy.content.decode("utf-8")
    refresh = re.findall(r'<meta http-equiv="refresh" content="(\d+)">', page)
    assert refresh == [str(wait)], refresh
    text = visible_text(page)
    assert "Máy chủ đang bận" in text and f"tự thử lại sau {wait} giây" in text, text
    assert "Too many users" not in text
    client.wait_ready(timeout=300)
    again = second.s.get(spawn_url, allow_redirects=False, timeout=60)  # what the refresh does
    assert again.status_code == 302, again.status_code
    second.wait_ready(timeout=300)
    assert second.open_server().status_code == 200
    stop(hub)
