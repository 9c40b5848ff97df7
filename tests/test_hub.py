"""The workshop hub on this machine: real OS users, real JupyterHub, proxy and servers.

Four participants and one instructor from a small roster log in over HTTP, get their own
servers (as their own OS users, under memory/CPU limits), find the participant edition in
their home, and an assignment goes through nbgrader's exchange and comes back graded.
Needs root (useradd, servers run as the users); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import pwd
import shutil
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

skip_module_unless_hub_can_run("the hub test")

pytest.register_assert_rewrite("hub_fixtures")  # its checks report like a test's
from hub_fixtures import (  # noqa: E402
    ASSIGNMENT,
    COURSE_ID,
    PASSWORD,
    TOOL,
    fetch_and_answer,
)

# shared_class: the class on one hub, shared with tests/test_hub_exchange_security.py
# (tests/hub_fixtures.py): hv1-hv4 and gv1, every server spawned and opened over HTTP.
pytest_plugins = ["hub_fixtures"]


@pytest.fixture(scope="module")
def env_path() -> Path:
    return participant_env()


@pytest.fixture(scope="module")
def users(shared_class):
    return shared_class.users


@pytest.fixture(scope="module")
def hub(shared_class):
    return shared_class.hub


@pytest.fixture(scope="module")
def clients(shared_class) -> dict[str, HubClient]:
    """Everyone on the roster logged in over HTTP, server spawned and opened."""
    return shared_class.clients


def _server_pid(name: str) -> int:
    out = subprocess.run(["pgrep", "-u", name, "-f", "singleuser"],
                         capture_output=True, text=True).stdout.split()
    assert out, f"no server process for {name}"
    return int(out[0])


def test_roster_logs_in_and_lands_on_start_page(clients, users):
    for name, client in clients.items():
        page = client.get("lab/tree/khoa-hoc/notebooks/00_bat_dau.ipynb")
        assert page.status_code == 200 and "JupyterLab" in page.text
        nb = client.get("api/contents/khoa-hoc/notebooks/00_bat_dau.ipynb")
        assert nb.status_code == 200, nb.text[:300]
        assert nb.json()["content"]["cells"], "start page is empty"
        # The course's Vietnamese interface and key scrubbing reach every hub server.
        setting = client.get("lab/api/settings/@jupyterlab/translation-extension:plugin")
        # (overrides.json becomes the setting's default, as in make lab and Binder)
        locale = setting.json()["schema"]["properties"]["locale"]["default"]
        assert locale == "vi_VN", setting.text[:300]
        # The server runs as the person's own OS user (nbgrader names students by it).
        owner = pwd.getpwuid(os.stat(f"/proc/{_server_pid(name)}").st_uid).pw_name
        assert owner == name


def test_wrong_password_and_names_off_the_roster_are_refused(clients, hub, users):
    someone = users.participants[0]
    assert HubClient(hub.url).login(someone, "sai-mat-khau").status_code == 403
    for stranger in ("khach-la", "root", users.participants[0] + "x"):
        assert HubClient(hub.url).login(stranger, PASSWORD).status_code == 403


def test_saved_notebook_never_keeps_an_api_key(clients, users):
    name = users.participants[1]
    client = clients[name]
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": f'import course\ncourse.configure(api_key="{key}")'}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    r = client.s.put(client.server("api/contents/thu-khoa.ipynb"),
                     json={"type": "notebook", "content": nb},
                     headers={"X-XSRFToken": client.xsrf(f"/user/{name}/")}, timeout=60)
    assert r.status_code in (200, 201), r.text
    assert key not in (users.home(name) / "thu-khoa.ipynb").read_text(encoding="utf-8")


def test_participant_cannot_open_another_participants_server(clients, users):
    a, b = users.participants[:2]
    r = clients[a].get("api/contents/khoa-hoc/notebooks", user=b, allow_redirects=False)
    assert r.status_code in (302, 403), r.status_code
    r = clients[a].get("api/contents/khoa-hoc/notebooks", user=b)
    assert r.status_code == 403
    assert "00_bat_dau" not in r.text
    # nor read their home through the file system
    code = f"import os\ntry:\n    os.listdir({str(users.home(b))!r})\n    print('DOC DUOC')\n" \
           "except PermissionError:\n    print('KHONG DOC DUOC')"
    assert clients[a].execute([code])[0]["stdout"].strip() == "KHONG DOC DUOC"


def test_edition_in_home_has_no_solutions_or_hidden_tests(clients, users):
    home = users.home(users.participants[0]) / "khoa-hoc"
    assert (home / "notebooks" / "00_bat_dau.ipynb").exists()
    assert (home / "assignments" / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert not (home / "assignments" / "source").exists()
    assert not (home / "autograder").exists()
    for path in home.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_bytes()
            assert b"BEGIN SOLUTION" not in text and b"BEGIN HIDDEN TESTS" not in text, path


def test_edition_update_reaches_home_and_keeps_participants_work(clients, users, hub):
    """An update of the edition arrives at the next server start; the participant's own edits
    to a lesson stay (nbgitpuller merges, never overwrites)."""
    name = users.participants[0]
    client = clients[name]
    lesson = "api/contents/khoa-hoc/notebooks/01_ai_la_gi.ipynb"
    nb = client.get(lesson).json()["content"]
    nb["cells"].append({"cell_type": "markdown", "metadata": {},
                        "source": "Ghi chú của tôi: homestay Phong Nha"})
    r = client.s.put(client.server(lesson), json={"type": "notebook", "content": nb},
                     headers={"X-XSRFToken": client.xsrf(f"/user/{name}/")}, timeout=60)
    assert r.status_code == 200, r.text
    # The instructor publishes an update (here: one new file in the edition repository).
    edition = Path(hub.settings["EDITION_REPO"])
    (edition / "notebooks" / "cap-nhat.md").write_text("# Bài cập nhật\n", encoding="utf-8")
    git = ["git", "-C", str(edition), "-c", "user.name=gv", "-c", "user.email=gv@localhost"]
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "update"], check=True)
    subprocess.run(["chmod", "-R", "a+rX", str(edition)], check=True)

    stop = client.s.delete(f"{hub.url}/hub/api/users/{name}/server", timeout=60,
                           headers={"X-XSRFToken": client.xsrf()})
    assert stop.status_code in (202, 204)
    deadline = time.monotonic() + 60
    while client.s.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()["servers"]:
        assert time.monotonic() < deadline, "server did not stop"
        time.sleep(0.5)
    assert client.spawn().status_code in (201, 202)
    client.wait_ready()
    assert client.open_server().status_code == 200
    assert client.get("api/contents/khoa-hoc/notebooks/cap-nhat.md").status_code == 200
    kept = client.get(lesson).json()["content"]
    assert "Ghi chú của tôi: homestay Phong Nha" in str(kept)


def test_roles_instructor_gets_formgrader_participants_do_not(clients, users):
    teacher, learner = users.instructors[0], users.participants[0]
    assert clients[teacher].get("formgrader").status_code == 200
    assert clients[learner].get("formgrader").status_code == 404
    out = clients[learner].execute(["import importlib.util\n"
                                    "print(importlib.util.find_spec('autograder') is None)"])
    assert out[0]["stdout"].strip() == "True", "participants must not have the autograder"
    out = clients[teacher].execute(["import autograder, nbgrader; print('ok')"])
    assert out[0]["stdout"].strip() == "ok"


def test_memory_and_cpu_limits_apply_to_each_server(clients, users):
    from hub import limits

    name = users.participants[1]
    pid = _server_pid(name)
    mem = limits.group_of(pid, "memory")
    if not mem.endswith(f"{limits.GROUP}/{name}"):
        pytest.skip(f"no writable cgroup here (server in {mem!r}); limits are documented only")
    limit = Path("/sys/fs/cgroup/memory" + mem) / "memory.limit_in_bytes"
    assert int(limit.read_text()) == 1024 * 1024 * 1024
    quota = Path("/sys/fs/cgroup/cpu" + limits.group_of(pid, "cpu")) / "cpu.cfs_quota_us"
    assert int(quota.read_text()) == 100_000
    # A kernel started later is in the same group (the limit covers server + kernels).
    out = clients[name].execute(["print(open('/proc/self/cgroup').read())"])
    assert f"{limits.GROUP}/{name}" in out[0]["stdout"]


def test_kernels_talk_over_unix_sockets_not_ports(clients, users):
    # A TCP port picked for a kernel can be taken by another connection before the kernel binds
    # it (seen in a 40-participant load run); unix sockets in a private folder cannot.
    name = users.participants[0]
    out = clients[name].execute([
        "import os\n"
        "from ipykernel.connect import get_connection_info\n"
        "info = get_connection_info(unpack=True)\n"
        "folder = os.path.dirname(info['ip'])\n"
        "mode = os.stat(folder).st_mode & 0o777  # jupyter adds the sticky bit\n"
        "print(info['transport'], folder, oct(mode), os.stat(folder).st_uid == os.getuid())"])
    transport, folder, mode, own = out[0]["stdout"].split()
    assert (transport, mode, own) == ("ipc", "0o700", "True"), out
    assert folder == f"/run/ai-kinh-doanh/kernels/{pwd.getpwnam(name).pw_uid}", folder


def test_release_fetch_submit_collect_grade_feedback(clients, users, hub, shared_class):
    teacher = clients[users.instructors[0]]
    learner_name = users.participants[3]  # hv4: hv1-hv3 are the exchange-security class
    learner = clients[learner_name]
    shared_class.release()  # gv1: `python -m autograder release` succeeds (asserted there)

    # The participant's Assignment List (nbgrader's own REST handlers in their server).
    listed = learner.get("assignments", params={"course_id": COURSE_ID}).json()
    assert listed["success"], listed
    released = [a for a in listed["value"] if a["assignment_id"] == ASSIGNMENT]
    assert released and released[0]["status"] == "released"
    fetched = fetch_and_answer(learner)
    assert "BEGIN SOLUTION" not in fetched and "BEGIN HIDDEN TESTS" not in fetched
    r = learner.post("assignments/submit", data={"course_id": COURSE_ID,
                                                 "assignment_id": ASSIGNMENT})
    assert r.json()["success"], r.text
    inbound = hub.exchange / COURSE_ID / "inbound" / learner_name  # their own folder
    assert any(p.name.startswith(f"{learner_name}+{ASSIGNMENT}+") for p in inbound.iterdir())

    out = teacher.execute([TOOL, f"run('autograder', 'collect', {ASSIGNMENT!r})",
                           f"run('autograder', 'grade', {ASSIGNMENT!r}, '--quiet')",
                           f"run('autograder', 'feedback', {ASSIGNMENT!r})",
                           f"run('nbgrader', 'release_feedback', {ASSIGNMENT!r})"],
                          timeout=300)
    for result in out[1:]:
        assert result["stdout"].startswith("0 "), out

    from nbgrader.api import Gradebook

    course = users.home(users.instructors[0]) / COURSE_ID
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(ASSIGNMENT, learner_name)
        assert submission.score == 1.0  # question 1 right; everything else wrong or empty
        assert submission.max_score > 1

    r = learner.post("assignments/fetch_feedback", data={"course_id": COURSE_ID,
                                                         "assignment_id": ASSIGNMENT})
    assert r.json()["success"], r.text
    pages = list((users.home(learner_name) / ASSIGNMENT / "feedback").rglob("*.html"))
    assert pages, "no feedback fetched"
    html = pages[0].read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in html and 'lay_dap_an(cau_1) == "C"' not in html


def test_idle_server_is_culled(env_path):
    """A separate hub with short culler timeouts: an idle server is stopped by the culler."""
    with HubUsers(["hv-nghi"]) as made, RunningHub(
            made.roster_file, [], env_path=env_path,
            settings={"CULL_IDLE": "15", "CULL_EVERY": "5", "ACTIVITY_INTERVAL": "5"}) as small:
        name = made.participants[0]
        client = HubClient(small.url)
        assert client.login(name, PASSWORD).status_code == 302
        client.spawn()
        client.wait_ready()
        pid = _server_pid(name)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not small.api("GET", f"/users/{name}").json()["servers"]:
                break
            time.sleep(2)
        assert not small.api("GET", f"/users/{name}").json()["servers"], small.log()
        assert "Culling server" in small.log(), small.log()
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{pid}").exists()


def test_everything_is_removed_afterwards():
    """Users made by HubUsers leave nothing behind (checked on a throwaway class)."""
    with HubUsers(["hv9"]) as made:
        name = made.participants[0]
        home = made.home(name)
        assert home.is_dir() and oct(home.stat().st_mode)[-3:] == "700"
    with pytest.raises(KeyError):
        pwd.getpwnam(name)
    assert not home.exists() and not made.base.exists()
    assert shutil.which("userdel")


def test_private_runtime_folder_is_made_fresh_and_never_followed(tmp_path):
    """The spawner's per-participant runtime folder (kernel sockets): root's 0711 parent, the
    participant's 0700 folder made anew at every start; a link or stale files there are removed,
    never followed."""
    from types import SimpleNamespace

    from hub.spawner import CourseSpawner

    with HubUsers(["hv-rt"]) as made:
        name = made.participants[0]
        uid = pwd.getpwnam(name).pw_uid
        spawner = CourseSpawner(user=SimpleNamespace(name=name),
                                kernel_socket_root=str(tmp_path / "kernels"))
        first = Path(spawner._private_runtime_dir())
        assert first == tmp_path / "kernels" / str(uid)
        assert oct((tmp_path / "kernels").stat().st_mode & 0o777) == "0o711"
        assert first.stat().st_uid == uid and oct(first.stat().st_mode & 0o777) == "0o700"
        (first / "kernel-old.json").write_text("{}")
        target = tmp_path / "elsewhere"
        target.mkdir()
        (target / "keep.txt").write_text("x")
        (first / "link").symlink_to(target)
        again = Path(spawner._private_runtime_dir())
        assert again == first and list(again.iterdir()) == []
        assert (target / "keep.txt").exists()  # the link was removed, not followed
        shutil.rmtree(first)
        first.symlink_to(target)  # a link standing at the folder's name
        assert Path(spawner._private_runtime_dir()).is_dir() and not first.is_symlink()
        assert (target / "keep.txt").exists()
