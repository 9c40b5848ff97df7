"""One workshop hub shared by tests/test_hub.py and tests/test_hub_exchange_security.py.

Both files need the same class on a real hub (real OS users, every server spawned as its own
user): starting it costs a hub, five server starts and, at the end, stopping them and
removing the users, which on this 2-core machine is most of each file's time. The class is
made once, on first use, and ends after the last test that uses it (or at the end of the
session, whichever comes first), so a run of either file alone gets the same class.

Who does what, so the two files never get in each other's way (each also runs alone):
hv1–hv3 are the exchange-security class (hv2 attacks); tests/test_hub.py hands in, is graded
and fetches feedback as hv4; both use gv1 as the instructor. The assignment is released
once (``SharedClass.release``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hub.testing import HubClient, HubUsers, RunningHub, participant_env

ASSIGNMENT = "bt1_prompt"
COURSE_ID = "ai-kinh-doanh"
PASSWORD = "mat-khau-hoc-vien"
FIXTURE = "shared_class"

# Runs a module as the instructor would in a Terminal, from the course folder.
TOOL = ("import os, subprocess, sys\ndef run(*a):\n"
        "    r = subprocess.run([sys.executable, '-m', *a], capture_output=True, text=True,"
        " cwd=os.path.expanduser('~/ai-kinh-doanh'))\n"
        "    print(r.returncode, r.stdout[-6000:], r.stderr[-3000:])")


def answer(nb: dict) -> dict:
    """What a participant types: question 1 right (C), question 2 wrong (A): 1 point."""
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id == "sol_cau_1":
            cell["source"] = 'cau_1 = """\nC\n"""'
        if grade_id == "sol_cau_2":
            cell["source"] = 'cau_2 = """\nA\n"""'
    return nb


def fetch_and_answer(client: HubClient) -> str:
    """Assignments tab → Fetch, then the answers saved; returns the notebook as fetched."""
    r = client.post("assignments/fetch", data={"course_id": COURSE_ID,
                                               "assignment_id": ASSIGNMENT})
    assert r.json()["success"], r.text
    path = f"api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    nb = client.get(path).json()["content"]
    fetched = str(nb)
    saved = client.s.put(client.server(path), json={"type": "notebook", "content": answer(nb)},
                         headers={"X-XSRFToken": client.xsrf(f"/user/{client.name}/")},
                         timeout=60)
    assert saved.status_code == 200, saved.text
    return fetched


def login_and_spawn(url: str, names: list[str], log, timeout: float = 180
                    ) -> dict[str, HubClient]:
    """Everyone logged in over HTTP, every server started (at once, as a class does) and
    opened."""
    result = {}
    for name in names:
        client = HubClient(url)
        r = client.login(name, PASSWORD)
        assert r.status_code == 302, (name, r.status_code, log())
        assert client.spawn().status_code in (201, 202)
        result[name] = client
    for client in result.values():
        client.wait_ready(timeout=timeout)
        assert client.open_server().status_code == 200
    return result


@dataclass
class SharedClass:
    users: HubUsers
    hub: RunningHub
    env_path: Path
    clients: dict[str, HubClient] = field(default_factory=dict)
    released_output: str = ""

    def release(self) -> Path:
        """gv1 releases the assignment (once per class); returns the course's exchange folder."""
        if not self.released_output:
            teacher = self.clients[self.users.instructors[0]]
            out = teacher.execute([TOOL, f"run('autograder', 'release', {ASSIGNMENT!r})"])
            assert out[1]["stdout"].startswith("0 "), out
            self.released_output = out[1]["stdout"]
        return self.hub.exchange / COURSE_ID


_open: dict[str, tuple[SharedClass, contextlib.ExitStack]] = {}


def _make() -> tuple[SharedClass, contextlib.ExitStack]:
    from hub.edition import publish
    from hub.gradebook import sync_gradebooks
    from hub.users import Roster

    stack = contextlib.ExitStack()
    try:
        env_path = participant_env()
        users = stack.enter_context(HubUsers(["hv1", "hv2", "hv3", "hv4"], instructors=["gv1"]))
        edition = users.base / "edition"
        publish(edition)
        # As `make hub` does: the class list in the instructor's gradebook, so collect checks
        # everyone against it (and whoever of the two files grades first changes nothing).
        imported = sync_gradebooks(users.roster_file,
                                   Roster(users.participants, users.instructors), env_path)
        assert "Đã nhập 4 học viên" in imported[users.instructors[0]], imported
        hub = stack.enter_context(RunningHub(
            users.roster_file, users.instructors, env_path=env_path, edition_repo=edition,
            settings={"MEM_MB": "1024", "CPUS": "1"}, stop_servers_on_exit=False))
        made = SharedClass(users, hub, env_path)
        made.clients = login_and_spawn(hub.url, users.participants + users.instructors, hub.log)
    except BaseException:
        stack.close()
        raise
    return made, stack


def _close() -> None:
    if FIXTURE in _open:
        _open.pop(FIXTURE)[1].close()


def _needed_later(request: pytest.FixtureRequest) -> bool:
    """Does a test after this module's last one use the class? (The session's items include
    nbval's notebook cells, which have neither a module nor fixture names.)"""
    items = request.session.items
    mine = [i for i, item in enumerate(items) if getattr(item, "module", None) is request.module]
    return bool(mine) and any(FIXTURE in getattr(item, "fixturenames", ())
                              for item in items[mine[-1] + 1:])


@pytest.fixture(scope="module")
def shared_class(request: pytest.FixtureRequest):
    """The class (import this fixture into a test module); made on first use."""
    if FIXTURE not in _open:
        _open[FIXTURE] = _make()
        request.config.add_cleanup(_close)  # a run stopped early (-x, Ctrl+C) still ends it
    yield _open[FIXTURE][0]
    try:
        later = _needed_later(request)
    except Exception:  # never leave the class's hub running because the look-ahead failed
        later = False
    if not later:
        _close()
