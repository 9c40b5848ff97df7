"""The class AI gateway on the workshop hub itself (hub/jupyterhub_config.py, real OS users).

Tried as an instructor would: the hub is started with one organiser key (pointing at the
course's fake chat-completions server), the gateway is on by default, a participant logs in,
gets their own server and runs lesson code in a real kernel with no key pasted; the
instructor opens the page through the hub's login, the participant cannot.
Needs root (useradd; servers run as the users), like tests/test_hub.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from catalogue_helpers import said
from llm_server import Scripted, completion

from hub.testing import (
    HubClient,
    HubUsers,
    RunningHub,
    participant_env,
    skip_module_unless_hub_can_run,
)

PASSWORD = "mat-khau-hoc-vien"
CLASS_KEY = "sk-class-ORGANISER-WORKSHOP-5566778899"

skip_module_unless_hub_can_run("the workshop hub")


@pytest.fixture(scope="module")
def users():
    with HubUsers(["hv-ai"], instructors=["gv-ai"]) as made:
        yield made


@pytest.fixture(scope="module")
def hub(users, upstream):
    # The organiser's only step: the upstream and its key, as the hub's settings.
    with RunningHub(users.roster_file, users.instructors, env_path=participant_env(),
                    settings={"GATEWAY_UPSTREAM_URL": upstream.base_url,
                              "GATEWAY_UPSTREAM_KEY": CLASS_KEY,
                              "GATEWAY_MODEL": "gpt-4o-mini",
                              "START_TIMEOUT": "300", "HTTP_TIMEOUT": "300"}) as running:
        yield running


def logged_in(hub, name: str, spawn: bool) -> HubClient:
    client = HubClient(hub.url)
    assert client.login(name, PASSWORD).status_code == 302, hub.log()
    if spawn:
        assert client.spawn().status_code in (201, 202)
        client.wait_ready(timeout=240)
        assert client.open_server().status_code == 200
    return client


def test_a_participants_kernel_uses_the_class_ai_with_no_key(hub, users, upstream):
    name = users.participants[0]
    client = logged_in(hub, name, spawn=True)
    upstream.push(Scripted(body=completion("Chào mừng quý khách đến homestay Phong Nha!")),
                  Scripted(stream=["Bún hến ", "Huế ", "đậm vị."]))
    before = len(upstream.requests)
    cells = client.execute([
        "import course, os\nprint(course.status()['note'])",
        "print(course.ask('Viết lời chào khách cho homestay ở Phong Nha', temperature=0))",
        "print('|'.join(course.stream('Một câu về bún hến', temperature=0)))",
        f"print({CLASS_KEY[:16]!r} in str(dict(os.environ)))",
    ], timeout=180)
    assert [c["status"] for c in cells] == ["ok"] * 4, cells
    assert said("gateway.status_line", cells[0]["stdout"], model="gpt-4o-mini"), cells[0]
    assert "Chào mừng quý khách đến homestay Phong Nha!" in cells[1]["stdout"]
    assert cells[2]["stdout"].strip() == "Bún hến |Huế |đậm vị."
    assert cells[3]["stdout"].strip() == "False"
    sent = upstream.requests[before:]
    assert len(sent) == 2 and all(
        r["headers"]["authorization"] == f"Bearer {CLASS_KEY}" for r in sent)
    # nothing the participant runs carries the organiser's key
    pids = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()
    assert pids
    for pid in pids:
        try:
            assert CLASS_KEY.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
        except FileNotFoundError:
            pass  # a process that ended meanwhile


def test_the_instructor_sees_the_class_on_the_page_participants_do_not(hub, users):
    teacher = logged_in(hub, users.instructors[0], spawn=False)
    page = teacher.s.get(f"{hub.url}/services/ai/", timeout=60)
    assert page.status_code == 200, page.text[:500]
    assert "AI của lớp học" in page.text
    assert f"<td>{users.participants[0]}</td>" in page.text  # the call of the first test
    learner = logged_in(hub, users.participants[0], spawn=False)
    assert learner.s.get(f"{hub.url}/services/ai/", timeout=60).status_code == 403
