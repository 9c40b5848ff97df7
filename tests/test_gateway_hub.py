"""The class AI gateway on a real JupyterHub, with the course's fake chat-completions server
as the upstream. Participants run the course library in their own process with exactly the
environment their spawned server got (no key configured anywhere)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest
from catalogue_helpers import said
from gateway_hub import PYTHON, Hub, chp_path
from llm_server import Scripted, completion, error

from course.i18n import t

pytestmark = pytest.mark.skipif(
    chp_path() is None, reason="configurable-http-proxy missing: run scripts/ensure-hub.sh")

CLASS_KEY = "sk-class-ORGANISER-KEY-9f8e7d6c5b4a3210"
PARTICIPANTS = ("an", "binh", "cuong", "dung", "em", "giang")
INSTRUCTOR = "thay-hung"


@pytest.fixture(scope="module")
def hub(upstream, tmp_path_factory):
    h = Hub(tmp_path_factory.mktemp("hub"), {
        "GATEWAY_UPSTREAM": "openai", "GATEWAY_UPSTREAM_URL": upstream.base_url,
        "GATEWAY_UPSTREAM_KEY": CLASS_KEY, "GATEWAY_MODEL": "gpt-4o-mini",
        "GATEWAY_UPSTREAM_TIMEOUT": "6", "GATEWAY_MAX_IN_FLIGHT": "2",
        "GATEWAY_MAX_RETRY_WAIT": "0.5",
        "GATEWAY_AUTH_CACHE_SECONDS": "1"})  # default 60 s: how long a revoked token lasts
    h.start()
    for name in PARTICIPANTS:
        h.add_user(name)
    h.add_user(INSTRUCTOR, groups=("instructors",))
    yield h
    h.stop()


_spawned: dict[str, dict] = {}


def spawned(hub: Hub, name: str) -> dict:
    """The record ({"env", "pid"}) of `name`'s running server (spawned on first use)."""
    if name not in _spawned or _spawned[name].get("hub") is not hub:
        _spawned[name] = {**hub.spawn(name), "hub": hub}
    return _spawned[name]


def run_course(hub: Hub, name: str, code: str, tmp_path: Path, *, wait: bool = True,
               timeout: float = 90):
    """Run `code` with the course library as participant `name` (their server's environment)."""
    env = dict(spawned(hub, name)["env"])
    env["COURSE_CACHE_DIR"] = str(tmp_path / f"cache-{name}")
    env["PYTHONUNBUFFERED"] = "1"
    args = [PYTHON, "-c", textwrap.dedent(code)]
    if not wait:
        return subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def instructor(hub: Hub) -> dict:
    if "token" not in _spawned.setdefault(INSTRUCTOR, {}) or \
            _spawned[INSTRUCTOR].get("hub") is not hub:
        _spawned[INSTRUCTOR] = {"token": hub.token(INSTRUCTOR), "hub": hub}
    return {"Authorization": f"token {_spawned[INSTRUCTOR]['token']}"}


def summary(hub: Hub, period: str = "all") -> dict:
    resp = httpx.get(f"{hub.gateway_url}/api/summary", params={"period": period},
                     headers=instructor(hub), timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def act(hub: Hub, **form: str) -> None:
    resp = httpx.post(f"{hub.gateway_url}/", data={**form, "json": "1"},
                      headers=instructor(hub), timeout=10)
    assert resp.status_code == 200, resp.text


ASK_AND_STREAM = """
import json, course
out = {"status": course.status()}
out["ask"] = course.ask("Viết một khẩu hiệu cho homestay ở Phong Nha", temperature=0)
out["stream"] = list(course.stream("Giới thiệu quán bún hến trong hai câu", temperature=0))
out["simulated"] = course.is_simulated(out["ask"])
print(json.dumps(out, ensure_ascii=False))
"""


def test_participant_asks_and_streams_with_no_key(hub, upstream, tmp_path):
    upstream.push(Scripted(body=completion("Phong Nha – ngủ giữa rừng, thức cùng sông.")),
                  Scripted(stream=["Bún hến ", "Cồn Hến ", "thơm mùi ruốc."]))
    before = len(upstream.requests)
    out = last_json(run_course(hub, "an", ASK_AND_STREAM, tmp_path))
    assert out["ask"] == "Phong Nha – ngủ giữa rừng, thức cùng sông." and not out["simulated"]
    assert out["stream"] == ["Bún hến ", "Cồn Hến ", "thơm mùi ruốc."]
    st = out["status"]
    assert st["backend"] == "openai" and st["provider"] == "lop-hoc"
    assert st["label"] == t("gateway.provider_label") and st["model"] == "gpt-4o-mini"
    assert st["remaining_vnd"] == st["budget_vnd"] == 20_000
    assert said("gateway.status_line", st["note"], model="gpt-4o-mini")
    assert st["api_key"] is None and st["key_needed"] is False
    sent = upstream.requests[before:]
    assert len(sent) == 2
    assert all(r["headers"]["authorization"] == f"Bearer {CLASS_KEY}" for r in sent)
    assert sent[1]["body"]["stream"] is True
    assert sent[0]["body"]["messages"][-1]["content"].startswith("Viết một khẩu hiệu")


def test_class_key_never_reaches_a_participant(hub, upstream, tmp_path):
    record = spawned(hub, "binh")
    env = record["env"]
    assert env["COURSE_GATEWAY_URL"].endswith("/services/ai/v1")
    assert not [k for k in env if k.startswith("GATEWAY_") or "OPENAI" in k]
    assert CLASS_KEY not in json.dumps(env)
    for part in ("environ", "cmdline"):  # the participant's running server process
        assert CLASS_KEY.encode() not in Path(f"/proc/{record['pid']}/{part}").read_bytes()
    # a notebook run in the participant's kernel, saved with outputs and an error
    nb_code = f"""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    cells = ["import course, os\\ncourse.status()",
             "course.ask('Viết lời chào khách cho lò gốm Thanh Hà', temperature=0)",
             "course.ask('Lỗi máy chủ xin chào', temperature=0)",
             "print(sorted(os.environ))"]
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=60, allow_errors=True).execute()
    nbformat.write(nb, {str(tmp_path / 'bai.ipynb')!r})
    """
    upstream.push(Scripted(body=completion("Kính chào quý khách đến làng gốm Thanh Hà.")),
                  error(500, "server_error", f"upstream broke; key {CLASS_KEY[:12]}"))
    run_course(hub, "binh", nb_code, tmp_path, timeout=120)
    saved = (tmp_path / "bai.ipynb").read_text(encoding="utf-8")
    assert "Kính chào quý khách" in saved  # the notebook really ran on the class AI
    assert "(mã 500)" in saved  # and the error it shows is the course's Vietnamese one
    assert CLASS_KEY[:12] not in saved
    assert env["JUPYTERHUB_API_TOKEN"] not in saved  # nor the participant's own token
    log = hub.log()
    assert CLASS_KEY not in log and env["JUPYTERHUB_API_TOKEN"] not in log
    # the hub's service model (what an admin can read) has no environment in it
    model = hub.call("GET", "/services/ai").json()
    assert CLASS_KEY not in json.dumps(model)


def test_wrong_or_foreign_tokens_are_refused(hub, tmp_path):
    url = f"{hub.gateway_url}/v1/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Xin chào"}]}
    env = spawned(hub, "cuong")["env"]
    own = {"Authorization": f"Bearer {env['JUPYTERHUB_API_TOKEN']}"}
    assert httpx.post(url, json=body, headers=own, timeout=10).status_code == 200  # control
    for headers in ({}, {"Authorization": "Bearer not-a-hub-token"},
                    {"Authorization": f"Bearer {hub.admin_token}"}):  # a service, not a person
        resp = httpx.post(url, json=body, headers=headers, timeout=10)
        assert resp.status_code == 403, resp.text
        assert resp.json()["error"]["code"] == "gateway_forbidden"
    # a token that another participant made for something else (no access to the service)
    narrow = hub.token("dung", scopes=["read:users:name!user=dung"])
    assert httpx.post(url, json=body, headers={"Authorization": f"Bearer {narrow}"},
                      timeout=10).status_code == 403
    # a participant's old server token stops working when their server stops
    old = spawned(hub, "dung")["env"]["JUPYTERHUB_API_TOKEN"]
    assert httpx.get(f"{hub.gateway_url}/v1/me", headers={"Authorization": f"Bearer {old}"},
                     timeout=10).json()["user"] == "dung"
    assert hub.call("DELETE", "/users/dung/server").status_code in (202, 204)
    _spawned.pop("dung")
    deadline = time.monotonic() + 20
    while hub.call("GET", "/users/dung").json().get("server") and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(1.5)  # the gateway's cache of the hub's answer (1 s here) runs out
    resp = httpx.get(f"{hub.gateway_url}/v1/me", headers={"Authorization": f"Bearer {old}"},
                     timeout=10)
    assert resp.status_code == 403
    # in the course library, a refused token is a Vietnamese message
    out = run_course(hub, "cuong", """
        import os, course
        os.environ["JUPYTERHUB_API_TOKEN"] = "khong-phai-token-that"
        try:
            course.ask("Xin chào", temperature=0)
        except course.AuthError as err:
            print(err)
    """, tmp_path)
    assert t("gateway.forbidden") in out


def test_budget_refuses_in_vietnamese_then_falls_back_and_can_be_raised(hub, upstream,
                                                                         tmp_path):
    act(hub, action="budget", user="em", budget_vnd="1.000")
    # one expensive answer: 100k + 50k tokens of gpt-4o-mini ≈ 1.170 đồng
    upstream.push(Scripted(body=completion("Mật ong Tuyên Hóa: ngọt lành từ rừng.",
                                           prompt_tokens=100_000, completion_tokens=50_000)))
    before = len(upstream.requests)
    out = last_json(run_course(hub, "em", """
        import json, course
        first = course.ask("Viết mô tả mật ong Tuyên Hóa", temperature=0)
        try:
            course.ask("Viết thêm một mô tả khác cho mật ong", temperature=0)
            refused = None
        except course.BudgetExceededError as err:
            refused = str(err)
        after = course.ask("Viết câu chào khách mua mật ong", temperature=0)
        print(json.dumps({"first": first, "refused": refused, "after": after,
                          "simulated": course.is_simulated(after),
                          "status": course.status()}, ensure_ascii=False))
    """, tmp_path))
    assert out["first"].startswith("Mật ong Tuyên Hóa")
    msg = out["refused"]
    assert msg and said("gateway.budget_exceeded", msg, contact=t("gateway.default_contact"))
    assert "1.170" in msg and "1.000" in msg and "00:00 ngày" in msg  # used, budget, reset
    assert out["simulated"]  # the lesson goes on, clearly labelled
    assert out["status"]["backend"] == "offline"
    assert out["status"]["gateway"]["reason"] == "gateway_budget_exceeded"
    assert len(upstream.requests) == before + 1  # refusals never reach the provider
    # the instructor raises the budget: the participant is back on the class AI
    act(hub, action="budget", user="em", budget_vnd="50000")
    out = last_json(run_course(hub, "em", """
        import json, course
        print(json.dumps({"answer": course.ask("Viết thêm một mô tả khác cho mật ong",
                                               temperature=0), "status": course.status()}))
    """, tmp_path))
    assert out["answer"] == "Xin chào từ máy chủ thử nghiệm"
    assert out["status"]["budget_vnd"] == 50_000
    assert 48_000 < out["status"]["remaining_vnd"] < 49_000


def test_class_cache_answers_a_second_participant_without_the_provider(hub, upstream,
                                                                        tmp_path):
    prompt = "Viết 3 ý tưởng bài đăng cho gốm Bát Tràng"
    upstream.push(Scripted(body=completion("1. Lò nung\n2. Bàn xoay\n3. Men lam")))
    code = f"""
        import json, os, course
        # what Jupyter tells a kernel about its notebook: the lesson tag the instructor sees
        os.environ["JPY_SESSION_NAME"] = "/home/an/khoa-hoc/notebooks/02_viet_prompt.ipynb"
        print(json.dumps(course.ask({prompt!r}), ensure_ascii=False))
    """
    before = len(upstream.requests)
    first = last_json(run_course(hub, "an", code, tmp_path))
    assert len(upstream.requests) == before + 1
    second = last_json(run_course(hub, "giang", code, tmp_path))
    assert second == first == "1. Lò nung\n2. Bàn xoay\n3. Men lam"
    assert len(upstream.requests) == before + 1  # the provider was not asked again
    rows = {r["user"]: r for r in summary(hub)["participants"]}
    assert rows["giang"]["cached"] >= 1 and rows["giang"]["cost_vnd"] == 0
    assert rows["giang"]["saved_vnd"] > 0
    assert "02_viet_prompt" in rows["an"]["lessons"]


def test_a_class_running_the_same_cell_at_once_costs_one_call(hub, upstream):
    upstream.push(Scripted(body=completion("Một câu trả lời cho cả lớp"), delay=1.0))
    body = {"model": "gpt-4o-mini", "temperature": 0,
            "messages": [{"role": "user", "content": "Ví dụ của bài 02, cả lớp cùng chạy"}]}
    url = f"{hub.gateway_url}/v1/chat/completions"
    names = ("an", "binh", "cuong", "giang")
    tokens = {n: spawned(hub, n)["env"]["JUPYTERHUB_API_TOKEN"] for n in names}
    before = len(upstream.requests)
    answers: dict[str, httpx.Response] = {}

    def ask(name: str) -> None:
        answers[name] = httpx.post(url, json=body, timeout=30,
                                   headers={"Authorization": f"Bearer {tokens[name]}"})

    threads = [threading.Thread(target=ask, args=(n,)) for n in names]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(upstream.requests) == before + 1
    texts = {r.json()["choices"][0]["message"]["content"] for r in answers.values()}
    assert texts == {"Một câu trả lời cho cả lớp"}
    assert sorted(r.headers["X-Gateway-Cache"] for r in answers.values()) == [
        "hit", "hit", "hit", "miss"]


def test_streaming_goes_through_piece_by_piece_and_is_cached(hub, upstream, tmp_path):
    pieces = ["Nước mắm ", "Mỹ Thủy ", "đậm đà ", "vị biển."]
    upstream.push(Scripted(stream=pieces))
    code = """
        import json, time, course
        got, times = [], []
        for piece in course.stream("Một câu quảng cáo nước mắm Mỹ Thủy", temperature=0):
            got.append(piece); times.append(time.perf_counter())
        print(json.dumps(got, ensure_ascii=False))
    """
    before = len(upstream.requests)
    assert last_json(run_course(hub, "cuong", code, tmp_path)) == pieces
    again = last_json(run_course(hub, "an", code, tmp_path))
    assert "".join(again) == "".join(pieces)
    assert len(upstream.requests) == before + 1


def test_upstream_errors_reach_the_participant_in_vietnamese(hub, upstream, tmp_path):
    limited = [Scripted(429, {"error": {"message": "slow down", "code": "rate_limit_exceeded"}},
                        headers={"Retry-After": "0"}) for _ in range(4)]
    upstream.push(*limited)  # the gateway retries 3 times, then gives up
    upstream.push(Scripted(429, {"error": {"code": "rate_limit_exceeded"}},
                           headers={"Retry-After": "0"}),  # once: retried, then answered
                  Scripted(body=completion("Trả lời sau một lần thử lại")))
    upstream.push(error(500, "server_error", f"boom {CLASS_KEY}"))
    upstream.push(Scripted(body=completion("quá muộn"), delay=7))  # the gateway waits 6 s
    before = len(upstream.requests)
    out = last_json(run_course(hub, "giang", """
        import json, course
        out = []
        for prompt in ("Lỗi 429 lần một", "Lỗi 429 lần hai", "Lỗi 500", "Chờ quá lâu"):
            try:
                out.append(["ok", course.ask(prompt, temperature=0)])
            except course.LLMError as err:
                out.append([type(err).__name__, str(err)])
        print(json.dumps(out, ensure_ascii=False))
    """, tmp_path))
    (k1, m1), (k2, m2), (k3, m3), (k4, m4) = out
    assert k1 == "RateLimitError" and t("gateway.upstream_rate_limited") in m1
    assert k2 == "ok" and m2 == "Trả lời sau một lần thử lại"
    assert k3 == "ServerError" and t("gateway.upstream_error", status=500) in m3
    assert k4 == "LLMTimeoutError" and t("gateway.upstream_timeout") in m4
    assert CLASS_KEY not in json.dumps(out)
    assert len(upstream.requests) == before + 4 + 2 + 1 + 1


def test_queue_holds_the_in_flight_limit_and_tells_the_participant(hub, upstream, tmp_path):
    # cuong's course library has made one call already (tokenizer, personal-data rules and
    # client loaded) and waits for a go, so only the queue delays the next call
    waiter = run_course(hub, "cuong", """
        import json, sys, course
        course.ask("Câu khởi động", temperature=0)
        print("ready", flush=True)
        sys.stdin.readline()
        print(json.dumps(course.ask("Yêu cầu phải xếp hàng", temperature=0), ensure_ascii=False))
    """, tmp_path, wait=False)
    for line in waiter.stdout:
        if line.strip() == "ready":
            break
    # The two slow answers end when the test says so, not after a guessed time: only once
    # cuong is in the gateway's queue and has been told why he waits.
    slots = threading.Event()
    upstream.push(Scripted(body=completion("chậm 1"), release=slots),
                  Scripted(body=completion("chậm 2"), release=slots))
    before = len(upstream.requests)
    slow = [run_course(hub, name, f"""
        import json, course
        print(json.dumps(course.ask("Yêu cầu chậm của {name}", temperature=0)))
    """, tmp_path, wait=False) for name in ("an", "binh")]
    told = t("gateway.waiting_queue", waiting=1, limit=2)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(waiter.stderr), daemon=True)
    try:
        deadline = time.monotonic() + 30
        while len(upstream.requests) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(upstream.requests) == before + 2  # both slots of the class are taken
        reader.start()
        waiter.stdin.write("go\n")
        waiter.stdin.flush()
        deadline = time.monotonic() + 30
        while summary(hub)["in_flight"]["waiting"] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        st = summary(hub)["in_flight"]
        assert (st["active"], st["waiting"]) == (2, 1), st  # cuong queued behind the two
        # told why he waits (a course notice, as warnings) while still queued
        deadline = time.monotonic() + 30
        while told not in "".join(err) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert told in "".join(err), err
        assert len(upstream.requests) == before + 2  # nothing reached the provider meanwhile
    finally:
        slots.set()
    out = waiter.stdout.read()
    assert waiter.wait(timeout=60) == 0, "".join(err)[-2000:]
    reader.join(timeout=10)
    assert last_json(out) == "Xin chào từ máy chủ thử nghiệm"
    outs = [p.communicate(timeout=60) for p in slow]
    assert sorted(last_json(o[0]) for o in outs) == ["chậm 1", "chậm 2"]
    st = summary(hub)
    assert st["in_flight"]["limit"] == 2 and st["in_flight"]["peak"] == 2


def test_a_quiz_score_reaches_the_instructors_page(hub, tmp_path):
    title = "Tự kiểm tra – Bài 02: Viết prompt hiệu quả"  # course/data/quizzes/02.json
    run_course(hub, "cuong", """
        import os
        os.environ["JPY_SESSION_NAME"] = "khoa-hoc/notebooks/02_viet_prompt.ipynb"
        from course.widgets import Quiz
        quiz = Quiz.load("02")
        quiz.inputs[0].value = quiz.questions[0]["answer"]  # the right option
        quiz._on_check(0)  # what the "Kiểm tra" button does
        import threading  # the score goes from a background thread: let it finish
        for thread in threading.enumerate():
            if thread is not threading.main_thread():
                thread.join(30)
    """, tmp_path)
    rows = {r["user"]: r for r in summary(hub)["participants"]}
    assert rows["cuong"]["quizzes"] == f"02_viet_prompt – {title}: 1/5"
    page = httpx.get(hub.gateway_url + "/", headers=instructor(hub), timeout=10).text
    assert f"{title}: 1/5" in page


def test_dashboard_is_for_instructors_and_adds_up(hub, upstream, tmp_path):
    part = {"Authorization": f"token {spawned(hub, 'an')['env']['JUPYTERHUB_API_TOKEN']}"}
    for path in ("/", "/api/summary", "/export.csv", "/export.xlsx"):
        resp = httpx.get(hub.gateway_url + path, headers=part, timeout=10)
        assert resp.status_code == 403, path
    resp = httpx.post(hub.gateway_url + "/", data={"action": "pause"}, headers=part, timeout=10)
    assert resp.status_code == 403
    assert "chỉ dành cho giảng viên" in resp.text

    # some traffic of its own: a miss, the same again (a class-cache hit), another miss
    url = f"{hub.gateway_url}/v1/chat/completions"
    for name, text in (("an", "Bảng giá gốm"), ("binh", "Bảng giá gốm"), ("binh", "Giờ mở cửa")):
        token = spawned(hub, name)["env"]["JUPYTERHUB_API_TOKEN"]
        assert httpx.post(url, timeout=10, headers={"Authorization": f"Bearer {token}"}, json={
            "model": "gpt-4o-mini", "temperature": 0,
            "messages": [{"role": "user", "content": text}]}).status_code == 200
    st = summary(hub)
    db = sqlite3.connect(hub.folder / "ai-gateway.sqlite3")
    calls, cost, saved = db.execute(
        "SELECT COUNT(*), SUM(cost_vnd), SUM(saved_vnd) FROM usage").fetchone()
    assert st["totals"]["calls"] == calls == st["usage_records"]
    assert st["totals"]["cost_vnd"] == pytest.approx(cost, abs=0.01)
    assert st["totals"]["saved_vnd"] == pytest.approx(saved, abs=0.01) and saved > 0
    # the cost of a plain answer (11 + 7 tokens of gpt-4o-mini) is the course's price table
    from course.llm.usage import cost_vnd

    row = db.execute("SELECT cost_vnd FROM usage WHERE tokens_in = 11 AND tokens_out = 7 "
                     "AND cached = 0 LIMIT 1").fetchone()
    assert row[0] == pytest.approx(cost_vnd(11, 7, "gpt-4o-mini", usd_to_vnd=26_000))

    page = httpx.get(hub.gateway_url + "/", headers=instructor(hub), timeout=10)
    assert page.status_code == 200
    assert "AI của lớp học" in page.text and "Học viên" in page.text
    assert "không được lưu" in page.text  # prompts are not stored, and the page says so
    for name in ("an", "binh"):
        assert f"<td>{name}</td>" in page.text
    csv_resp = httpx.get(hub.gateway_url + "/export.csv", headers=instructor(hub), timeout=10)
    rows = list(csv.DictReader(io.StringIO(csv_resp.content.decode("utf-8-sig"))))
    assert sum(int(r["Số lượt gọi"]) for r in rows) == calls
    from openpyxl import load_workbook

    xlsx = httpx.get(hub.gateway_url + "/export.xlsx", headers=instructor(hub), timeout=10)
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.cell(1, 1).value == "Học viên"
    assert {ws.cell(r, 1).value for r in range(2, 2 + len(rows))} == {r["Học viên"] for r in rows}


def test_pause_switch_and_masked_prompts(hub, upstream, tmp_path):
    act(hub, action="prompts_on")
    phone = "0912345678"
    run_course(hub, "binh", f"""
        import course
        course.configure(pii_policy="off")
        course.ask("Nhắn chị Hoa số {phone} về đơn gốm", temperature=0)
    """, tmp_path)
    db = sqlite3.connect(hub.folder / "ai-gateway.sqlite3")
    stored = " ".join(r[0] for r in db.execute("SELECT text FROM prompts"))
    assert t("privacy.placeholder_phone") in stored and phone not in stored
    assert phone not in hub.log()
    act(hub, action="prompts_off")

    act(hub, action="pause")
    try:
        out = last_json(run_course(hub, "giang", """
            import json, course
            try:
                course.ask("Viết lời chào cho homestay", temperature=0)
            except course.LLMError as err:
                msg = str(err)
            after = course.ask("Viết lời chào cho homestay", temperature=0)
            print(json.dumps({"msg": msg, "simulated": course.is_simulated(after),
                              "note": course.status().get("note")}, ensure_ascii=False))
        """, tmp_path))
    finally:
        act(hub, action="resume")
    assert said("gateway.paused", out["msg"]) and out["simulated"]
    assert out["note"] == t("gateway.status_fallback")


def test_instructor_opens_the_page_through_the_hub_login(hub):
    """The browser path: hub login, OAuth to the service, the page (participants: 403)."""
    for name, expected in ((INSTRUCTOR, 200), ("an", 403)):
        with httpx.Client(base_url=hub.url, follow_redirects=True, timeout=20) as browser:
            browser.get("/hub/login")
            xsrf = browser.cookies.get("_xsrf", path="/hub/")
            resp = browser.post("/hub/login", data={"username": name,
                                                    "password": "mat-khau-thu", "_xsrf": xsrf})
            assert resp.status_code == 200
            page = browser.get("/services/ai/")
            assert page.status_code == expected, page.text[:500]
            if expected != 200:
                continue
            assert "Tạm dừng AI cho cả lớp" in page.text
            # the page's own form (with its _xsrf) pauses the class, and a forged one cannot
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
            assert browser.post("/services/ai/", data={"action": "pause"}).status_code == 403
            paused = browser.post("/services/ai/", data={"action": "pause", "_xsrf": xsrf})
            assert paused.status_code == 200 and "TẠM DỪNG" in paused.text
            assert summary(hub)["paused"] is True
            resumed = browser.post("/services/ai/", data={"action": "resume", "_xsrf": xsrf})
            assert resumed.status_code == 200 and summary(hub)["paused"] is False


@pytest.fixture(scope="module")
def capped_hub(upstream, tmp_path_factory):
    """A hub with a class cap and a low rate limit. The class day turning (budgets and the
    cap back) is tested on the gateway's own clock (test_gateway_units.py), not waited for."""
    h = Hub(tmp_path_factory.mktemp("hub-capped"), {
        "GATEWAY_UPSTREAM_URL": upstream.base_url, "GATEWAY_UPSTREAM_KEY": CLASS_KEY,
        "GATEWAY_BUDGET_VND": "1500", "GATEWAY_CLASS_CAP_VND": "2000",
        "GATEWAY_RATE_PER_MINUTE": "4"})
    h.start()
    for name in ("binh", "cuong", "dung", "em"):
        h.add_user(name)
    yield h
    h.stop()


def test_a_participant_sending_too_fast_is_slowed_down_in_vietnamese(capped_hub, tmp_path):
    out = last_json(run_course(capped_hub, "em", """
        import json, course
        result = []
        for i in range(5):  # the limit here is 4 a minute
            try:
                course.ask(f"Câu hỏi nhanh số {i}", temperature=0)
                result.append("ok")
            except course.RateLimitError as err:
                result.append(str(err))
        print(json.dumps(result, ensure_ascii=False))
    """, tmp_path))
    assert out[:4] == ["ok"] * 4
    assert said("gateway.rate_limited", out[4], per_minute=4)


def test_class_cap_stops_everyone_for_the_rest_of_the_day(capped_hub, upstream):
    envs = {n: spawned(capped_hub, n)["env"] for n in ("binh", "cuong", "dung")}

    def ask(name: str) -> httpx.Response:
        env = envs[name]
        return httpx.post(env["COURSE_GATEWAY_URL"] + "/chat/completions", timeout=10,
                          headers={"Authorization": f"Bearer {env['JUPYTERHUB_API_TOKEN']}"},
                          json={"model": "gpt-4o-mini",
                                "messages": [{"role": "user", "content": f"Câu của {name}"}]})

    for _ in range(2):  # two participants spend ≈ 1.170 đồng each: 2.340 ≥ the cap of 2.000
        upstream.push(Scripted(body=completion("đắt", prompt_tokens=100_000,
                                               completion_tokens=50_000)))
    assert ask("binh").status_code == 200 and ask("cuong").status_code == 200
    refused = ask("dung")  # dung has spent nothing, but the class has
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert error["code"] == "gateway_class_cap" and error["cap_vnd"] == 2000
    assert error["resets_text"].startswith("00:00 ngày ")  # the next class day, in words
