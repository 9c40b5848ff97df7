"""The class AI gateway under a participant who pushes limits, on a real JupyterHub.

Every request here is what a hostile or careless participant can send with their own hub
token: many calls at once against a small budget, a stream read half way and dropped, a
20 MB body, malformed JSON, a flood of quiz results, text made to run as a spreadsheet
formula. The upstream is a real chat-completions server on 127.0.0.1 (below) that can also
stream slowly, so a participant can hang up in the middle of an answer.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from gateway_hub import Hub, chp_path
from test_gateway_hub import last_json, run_course, spawned

pytestmark = pytest.mark.skipif(
    chp_path() is None, reason="configurable-http-proxy missing: run scripts/ensure-hub.sh")

CLASS_KEY = "sk-class-ABUSE-KEY-0a1b2c3d4e5f"
QUIZ_02 = "Tự kiểm tra – Bài 02: Viết prompt hiệu quả"  # course/data/quizzes/02.json, 5 questions
SLOW = "[chậm]"  # a prompt containing this is answered as a slow stream
STALL = "[treo]"  # … as a stream that stops sending after three pieces (a stuck provider)


class Upstream:
    """Chat completions on 127.0.0.1: JSON answers with set usage, or slow streams.

    `usage` is what every answer reports; `delay` holds each answer; a request whose last
    message contains SLOW streams `pieces` pieces `gap` seconds apart, and `cut` counts the
    streams whose reader went away before the end.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.usage = (20, 7)
        self.delay = 0.0
        self.pieces, self.gap, self.stall = 20, 0.15, 0.0
        self.cut = 0
        self.now = 0
        self.peak = 0
        lock = threading.Lock()
        up = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    up.requests.append(body)
                    up.now += 1
                    up.peak = max(up.peak, up.now)
                try:
                    if SLOW in body["messages"][-1]["content"] \
                            or STALL in body["messages"][-1]["content"]:
                        self._stream(body)
                    else:
                        self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    up.cut += 1
                finally:
                    with lock:
                        up.now -= 1

            def _answer(self):
                time.sleep(up.delay)
                p_in, p_out = up.usage
                data = json.dumps({
                    "id": "x", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "Đã trả lời."}}],
                    "usage": {"prompt_tokens": p_in, "completion_tokens": p_out,
                              "total_tokens": p_in + p_out}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                stall = STALL in body["messages"][-1]["content"]
                for i in range(up.pieces):
                    if stall and i == 3:
                        time.sleep(up.stall)
                        return
                    chunk = {"id": "s", "object": "chat.completion.chunk", "created": 1,
                             "model": "gpt-4o-mini", "choices": [{
                                 "index": 0, "delta": {"content": f"phần {i} của câu chuyện. "},
                                 "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(up.gap)
                if (body.get("stream_options") or {}).get("include_usage"):
                    chunk = {"id": "s", "object": "chat.completion.chunk", "created": 1,
                             "model": "gpt-4o-mini", "choices": [],
                             "usage": {"prompt_tokens": 30, "completion_tokens": 200,
                                       "total_tokens": 230}}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        ThreadingHTTPServer.request_queue_size = 64
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> Upstream:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


UPSTREAM = Upstream  # this module's `upstream` fixture (tests/conftest.py)


def _hub(folder: Path, upstream: Upstream, **env: str) -> Hub:
    return Hub(folder, {"GATEWAY_UPSTREAM": "openai", "GATEWAY_UPSTREAM_URL": upstream.base_url,
                        "GATEWAY_UPSTREAM_KEY": CLASS_KEY, "GATEWAY_MODEL": "gpt-4o-mini",
                        "GATEWAY_UPSTREAM_TIMEOUT": "10", **env}).start()


@pytest.fixture(scope="module")
def hub(upstream, tmp_path_factory):
    """Default settings (budget, body limit, rate limits), as a newcomer's class has them."""
    h = _hub(tmp_path_factory.mktemp("abuse"), upstream)
    for name in ("an", "binh", "cuong", "dung"):
        h.add_user(name)
    h.add_user("co-lan", groups=("instructors",))
    yield h
    h.stop()


@pytest.fixture(scope="module")
def small_budget_hub(upstream, tmp_path_factory):
    """20 đồng per participant and a class cap of 60 đồng; no per-minute limit in the way."""
    h = _hub(tmp_path_factory.mktemp("budget"), upstream, GATEWAY_BUDGET_VND="20",
             GATEWAY_CLASS_CAP_VND="60", GATEWAY_RATE_PER_MINUTE="0",
             GATEWAY_MAX_IN_FLIGHT="32")
    for name in ("an", "binh", "cuong", "dung", "em"):
        h.add_user(name)
    yield h
    h.stop()


def token(hub: Hub, name: str) -> str:
    return spawned(hub, name)["env"]["JUPYTERHUB_API_TOKEN"]


def post(hub: Hub, name: str, body: object, *, raw: bytes | None = None,
         timeout: float = 30, headers: dict | None = None) -> httpx.Response:
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(f"{hub.gateway_url}/v1/chat/completions", content=data, timeout=timeout,
                      headers={"Authorization": f"Bearer {token(hub, name)}",
                               "Content-Type": "application/json", **(headers or {})})


def usage_rows(hub: Hub) -> list[dict]:
    db = sqlite3.connect(hub.folder / "ai-gateway.sqlite3")
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute("SELECT * FROM usage ORDER BY id")]


def gateway_pid(hub: Hub) -> int:
    """The gateway service's process (the hub runs `python -m hub.gateway` with its port)."""
    want = f":{hub.gateway_port}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes()
        except OSError:
            continue
        if cmd[1:3] == [b"-m", b"hub.gateway"] and b"JUPYTERHUB_SERVICE_URL=" in env \
                and want in env.split(b"JUPYTERHUB_SERVICE_URL=")[1].split(b"\0")[0]:
            return int(proc.name)
    raise AssertionError("gateway process not found")


def worst_case_vnd(prompt: str, max_tokens: int) -> float:
    from course.llm.tokens import count_message_tokens
    from course.llm.usage import cost_vnd

    tokens_in = count_message_tokens([{"role": "user", "content": prompt}], "gpt-4o-mini")
    return cost_vnd(tokens_in, max_tokens, "gpt-4o-mini", usd_to_vnd=26_000)


def burst(hub: Hub, calls: list[tuple[str, dict]]) -> list[httpx.Response]:
    """All `calls` ((participant, body)) at the same moment, each on its own connection."""
    out: list[httpx.Response | None] = [None] * len(calls)
    go = threading.Barrier(len(calls))

    def one(i: int, name: str, body: dict) -> None:
        go.wait()
        out[i] = post(hub, name, body)

    threads = [threading.Thread(target=one, args=(i, n, b)) for i, (n, b) in enumerate(calls)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return out  # type: ignore[return-value]


# -------------------------------------------------------------------- budgets by reservation
def test_twenty_calls_at_once_cannot_overspend_a_small_budget(small_budget_hub, upstream):
    hub = small_budget_hub
    for name in ("an", "binh", "cuong", "dung", "em"):
        token(hub, name)  # servers spawned before the clock matters
    # each answer really costs what its worst case allows: 1,000 answer tokens ≈ 15.6 đồng
    upstream.usage, upstream.delay = (20, 1000), 0.5
    try:
        prompts = [f"Viết bài đăng số {i} cho tiệm giặt ủi Hoa Sen" for i in range(20)]
        worst = max(worst_case_vnd(p, 1000) for p in prompts)
        sent = len(upstream.requests)
        replies = burst(hub, [("an", {"model": "gpt-4o-mini", "max_tokens": 1000,
                                      "messages": [{"role": "user", "content": p}]})
                              for p in prompts])
        statuses = sorted(r.status_code for r in replies)
        rows = [r for r in usage_rows(hub) if r["user"] == "an"]
        spent = sum(r["cost_vnd"] for r in rows)
        assert spent <= 20 + worst, (spent, worst, statuses)
        assert statuses.count(200) >= 1 and statuses.count(402) >= 17
        assert len(upstream.requests) - sent == statuses.count(200)  # refusals never go up
        refused = next(r for r in replies if r.status_code == 402).json()["error"]
        assert refused["code"] == "gateway_budget_exceeded" and refused["budget_vnd"] == 20

        # the class cap the same way: four more participants, five calls each, at once
        calls = [(name, {"model": "gpt-4o-mini", "max_tokens": 1000, "messages": [
            {"role": "user", "content": f"{name}: bài đăng số {i} cho spa Thảo Mộc"}]})
            for name in ("binh", "cuong", "dung", "em") for i in range(5)]
        replies = burst(hub, calls)
        class_spent = sum(r["cost_vnd"] for r in usage_rows(hub))
        assert class_spent <= 60 + worst, class_spent
        codes = {r.json()["error"]["code"] for r in replies if r.status_code == 402}
        assert "gateway_class_cap" in codes
        me = httpx.get(f"{hub.gateway_url}/v1/me", timeout=10,
                       headers={"Authorization": f"Bearer {token(hub, 'an')}"}).json()
        assert me["held_vnd"] == 0  # every hold was settled
    finally:
        upstream.usage, upstream.delay = (20, 7), 0.0


# -------------------------------------------------------------------- abandoned streams
def test_a_stream_dropped_part_way_is_recorded_by_gateway_and_course(hub, upstream, tmp_path):
    cut_before, sent = upstream.cut, len(upstream.requests)
    out = last_json(run_course(hub, "an", f"""
        import json, course
        gen = course.stream("{SLOW} Kể chuyện về hợp tác xã chè Tân Cương", temperature=0)
        got = [next(gen) for _ in range(3)]
        gen.close()  # the participant stops reading (a cell interrupted, a loop broken off)
        row = course.usage().iloc[-1]
        print(json.dumps({{"got": got, "complete": bool(row.complete),
                          "exact": bool(row.tokens_exact), "out": int(row.tokens_out),
                          "cost": float(row.cost_vnd)}}, ensure_ascii=False))
    """, tmp_path))
    assert out["got"][0].startswith("phần 0") and len(out["got"]) == 3
    assert not out["complete"] and not out["exact"] and out["out"] >= 3 and out["cost"] > 0
    # the gateway noticed, stopped reading upstream and recorded what had been sent
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = [r for r in usage_rows(hub) if r["user"] == "an" and r["stream"]]
        if rows and upstream.cut > cut_before:
            break
        time.sleep(0.2)
    assert len(upstream.requests) == sent + 1
    assert rows, "the abandoned stream left no usage record"
    row = rows[-1]
    assert (row["status"], row["error"]) == (499, "client_gone")
    assert 0 < row["tokens_out"] < 200 and row["cost_vnd"] > 0  # not the whole answer's 200
    assert upstream.cut > cut_before  # the provider was told to stop
    assert "uncaught" not in hub.log()


def test_a_raw_client_hanging_up_mid_stream_is_recorded(hub, upstream):
    before = len(usage_rows(hub))
    body = {"model": "gpt-4o-mini", "stream": True,
            "messages": [{"role": "user", "content": f"{SLOW} Giới thiệu tiệm bánh Hội An"}]}
    with httpx.stream("POST", f"{hub.gateway_url}/v1/chat/completions", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {token(hub, 'binh')}"}) as resp:
        assert resp.status_code == 200
        events = 0
        for line in resp.iter_lines():
            events += line.startswith("data:")
            if events == 5:
                break  # hang up after the fifth piece
    deadline = time.monotonic() + 15
    while len(usage_rows(hub)) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    row = usage_rows(hub)[-1]
    assert row["user"] == "binh" and row["error"] == "client_gone" and row["cost_vnd"] > 0
    assert "uncaught" not in hub.log()


def test_a_stream_the_provider_stops_part_way_is_settled(hub, upstream):
    """The provider sends three pieces, then nothing: the gateway's read timeout ends the
    call; what arrived is charged and the hold is given back (the budget is not stuck)."""
    upstream.stall = 12  # longer than the hub's 10 s read timeout
    try:
        body = {"model": "gpt-4o-mini", "stream": True, "max_tokens": 50, "messages": [
            {"role": "user", "content": f"{STALL} Giới thiệu tiệm may Hội An"}]}
        with httpx.stream("POST", f"{hub.gateway_url}/v1/chat/completions", json=body,
                          timeout=30,
                          headers={"Authorization": f"Bearer {token(hub, 'cuong')}"}) as resp:
            text = "".join(resp.iter_text())
        assert resp.status_code == 200 and "gateway_upstream_timeout" in text
    finally:
        upstream.stall = 0.0
    row = usage_rows(hub)[-1]
    assert (row["user"], row["status"], row["error"]) == (
        "cuong", 504, "gateway_upstream_timeout")
    assert row["tokens_out"] > 0 and row["cost_vnd"] > 0
    me = httpx.get(f"{hub.gateway_url}/v1/me", timeout=10,
                   headers={"Authorization": f"Bearer {token(hub, 'cuong')}"}).json()
    assert me["held_vnd"] == 0


# -------------------------------------------------------------------- bounded work per request
def test_a_20_mb_body_is_refused_at_once_while_others_are_answered(hub, upstream):
    pid = gateway_pid(hub)
    unit = "Chị Lan 0912 345 678 bán bánh tráng. "
    huge = json.dumps({"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": unit * (20 * 1024 * 1024 // len(unit.encode()) + 1)}]},
        ensure_ascii=False).encode()
    assert len(huge) > 20 * 1024 * 1024
    result: dict = {}

    def send_huge() -> None:
        started = time.monotonic()
        result["resp"] = post(hub, "cuong", None, raw=huge, timeout=120)
        result["seconds"] = time.monotonic() - started

    sender = threading.Thread(target=send_huge)
    sender.start()
    others = []
    for i in range(5):
        started = time.monotonic()
        resp = post(hub, "dung", {"model": "gpt-4o-mini", "messages": [
            {"role": "user", "content": f"Câu hỏi ngắn số {i} về tiệm sửa xe"}]})
        others.append((resp.status_code, time.monotonic() - started))
    sender.join(120)
    assert [s for s, _ in others] == [200] * 5
    resp = result["resp"]
    assert resp.status_code == 413
    err = resp.json()["error"]
    assert err["code"] == "gateway_body_too_large" and "rút ngắn" in err["message"]
    assert "tối đa 1 MB" in err["message"] and "(20 MB)" in err["message"]
    assert result["seconds"] < 30  # before: minutes of CPU and 2.3 GB
    # never held in memory: the gateway's peak stays far below the body's size
    peak_kb = next(int(line.split()[1]) for line in
                   Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
    assert peak_kb < 400_000, peak_kb


def test_the_largest_accepted_body_is_answered_and_not_cached(hub, upstream):
    text = "Khách hỏi về giá giặt chăn ở tiệm Hoa Sen và giờ mở cửa. "
    body = {"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": text * (1_000_000 // len(text.encode()) - 1)}]}
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert 900_000 < len(raw) <= 1024 * 1024
    sent = len(upstream.requests)
    assert post(hub, "an", None, raw=raw).status_code == 200
    assert post(hub, "an", None, raw=raw).status_code == 200
    assert len(upstream.requests) == sent + 2  # too long to scan whole: never shared
    assert post(hub, "an", None, raw=raw + b" " * (1024 * 1024 - len(raw) + 1)).status_code == 413


MALFORMED = {
    "hot temperature": b'{"messages": [{"role": "user", "content": "Xin ch\\u00e0o"}], '
                       b'"temperature": "hot"}',
    "NaN": b'{"messages": [{"role": "user", "content": "a"}], "temperature": NaN}',
    "1e400": b'{"messages": [{"role": "user", "content": "a"}], "top_p": 1e400}',
    "Infinity max_tokens": b'{"messages": [{"role": "user", "content": "a"}], '
                           b'"max_tokens": Infinity}',
    "temperature 5": b'{"messages": [{"role": "user", "content": "a"}], "temperature": 5}',
    "max_tokens 0": b'{"messages": [{"role": "user", "content": "a"}], "max_tokens": 0}',
    "max_tokens 1.5": b'{"messages": [{"role": "user", "content": "a"}], "max_tokens": 1.5}',
    "bool temperature": b'{"messages": [{"role": "user", "content": "a"}], "temperature": true}',
    "stream yes": b'{"messages": [{"role": "user", "content": "a"}], "stream": "yes"}',
    "deep nesting": b'{"messages": [{"role": "user", "content": "a"}], "x": '
                    + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep content": b'{"messages": [{"role": "user", "content": ' + b"[" * 5000
                    + b"]" * 5000 + b"}]}",
    "not JSON": b"{messages: hello",
    "a list": b"[1, 2, 3]",
    "no messages": b'{"model": "gpt-4o-mini"}',
    "bad role": b'{"messages": [{"role": "hacker", "content": "a"}]}',
    "content object": b'{"messages": [{"role": "user", "content": {"a": 1}}]}',
    "image part": b'{"messages": [{"role": "user", "content": [{"type": "image_url", '
                  b'"image_url": {"url": "http://x/a.png"}}]}]}',
    "model number": b'{"model": 5, "messages": [{"role": "user", "content": "a"}]}',
    "not UTF-8": b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}',
    "huge integer": b'{"messages": [{"role": "user", "content": "a"}], "seed": 1'
                    + b"0" * 5000 + b"}",
}


def test_malformed_bodies_are_400_and_never_forwarded(hub, upstream):
    sent = len(upstream.requests)
    for name, raw in MALFORMED.items():
        resp = post(hub, "dung", None, raw=raw)
        assert resp.status_code == 400, (name, resp.status_code, resp.text[:200])
        err = resp.json()["error"]
        assert err["code"] == "gateway_bad_request", name
        assert err["message"] and err["message"] != "error", name
    assert len(upstream.requests) == sent
    assert "uncaught" not in hub.log()
    # the well-formed version of the same request goes through
    ok = post(hub, "dung", {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "Xin chào"}]}], "temperature": 0.2, "max_tokens": 50,
        "stop": "\n\n"})
    assert ok.status_code == 200
    forwarded = upstream.requests[-1]
    assert forwarded["messages"] == [{"role": "user", "content": "Xin chào"}]
    assert (forwarded["temperature"], forwarded["max_tokens"], forwarded["stop"]) == (
        0.2, 50, ["\n\n"])


def test_the_course_client_explains_a_refused_body_in_vietnamese(hub, tmp_path):
    out = run_course(hub, "binh", """
        import warnings, course
        warnings.simplefilter("ignore")
        try:
            course.ask("Tóm tắt tài liệu: " + "Nội dung rất dài về tiệm giặt. " * 30_000)
        except course.LLMError as err:
            print(err)
    """, tmp_path)
    assert "rút ngắn" in out and "1 MB" in out


# -------------------------------------------------------------------- quiz results
def quiz(hub: Hub, name: str, body: object, lesson: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token(hub, name)}"}
    if lesson:
        headers["X-Course-Lesson"] = lesson
    return httpx.post(f"{hub.gateway_url}/v1/quiz", json=body, headers=headers, timeout=10)


def test_quiz_scores_are_checked_against_the_course_quiz(hub):
    assert quiz(hub, "an", {"quiz": QUIZ_02, "right": 4, "total": 5}).status_code == 200
    for bad in ({"quiz": QUIZ_02, "right": 500, "total": 500},
                {"quiz": QUIZ_02, "right": 6, "total": 5},
                {"quiz": QUIZ_02, "right": -1, "total": 5},
                {"quiz": QUIZ_02, "right": True, "total": 5},
                {"quiz": QUIZ_02, "right": 2.5, "total": 5},
                {"quiz": "Bài tự chế", "right": 3, "total": 3},
                {"quiz": QUIZ_02, "right": "5", "total": 5},
                ["not", "a", "dict"]):
        resp = quiz(hub, "an", bad)
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["error"]["code"] == "gateway_bad_request"
    big = httpx.post(f"{hub.gateway_url}/v1/quiz", content=b"{" + b" " * 100_000 + b"}",
                     headers={"Authorization": f"Bearer {token(hub, 'an')}"}, timeout=10)
    assert big.status_code == 413


def test_quiz_results_are_rate_limited_per_person(hub):
    codes = [quiz(hub, "cuong", {"quiz": "02", "right": i % 6, "total": 5}).status_code
             for i in range(35)]
    assert codes[:30] == [200] * 30 and set(codes[30:]) == {429}
    assert quiz(hub, "binh", {"quiz": "02", "right": 1, "total": 5}).status_code == 200


def test_exports_never_carry_a_formula(hub):
    instructor = {"Authorization": f"token {hub.token('co-lan')}"}
    # what a participant controls in the export: the lesson tag of calls and quiz results
    evil = "-2+3=HYPERLINK"  # the gateway keeps letters, digits, '.', '-' of a lesson tag
    assert post(hub, "dung", {"messages": [{"role": "user", "content": "Chào"}]},
                headers={"X-Course-Lesson": evil}).status_code == 200
    assert quiz(hub, "dung", {"quiz": QUIZ_02, "right": 3, "total": 5},
                lesson="@SUM(1+1)").status_code == 200
    from openpyxl import load_workbook

    xlsx = httpx.get(f"{hub.gateway_url}/export.xlsx", headers=instructor, timeout=10)
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in ws[1]]
    texts = []
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
                texts.append(cell.value)
    dung = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "dung")
    lessons = dung[header.index("Bài học")]
    assert lessons.startswith("-2") and "HYPERLINK" in lessons  # kept as the text it is
    assert dung[header.index("Trắc nghiệm")].startswith("SUM11")
    raw = httpx.get(f"{hub.gateway_url}/export.csv", headers=instructor, timeout=10)
    rows = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
    cell = next(r for r in rows if r["Học viên"] == "dung")["Bài học"]
    assert cell.startswith("'-2")  # a spreadsheet shows it as text, never runs it
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# -------------------------------------------------------------------- stopping
def test_sigterm_stops_the_gateway_promptly_even_under_load(hub):
    """Last in the module: the gateway is stopped (the hub stops its services the same way)."""
    pid = gateway_pid(hub)
    text = "Giá giặt chăn, giờ mở cửa và phí giao nhận của tiệm giặt Hoa Sen. "
    body = json.dumps({"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": text * (1_000_000 // len(text.encode()) - 1)}]},
        ensure_ascii=False).encode()
    senders = [threading.Thread(target=lambda: _quiet(post, hub, "an", None, raw=body))
               for _ in range(4)]
    for th in senders:
        th.start()
    time.sleep(0.3)
    started = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while Path(f"/proc/{pid}").exists() and time.monotonic() - started < 30:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z":
                break  # exited, not yet reaped by the hub
        except OSError:
            break
        time.sleep(0.05)
    took = time.monotonic() - started
    for th in senders:
        th.join(30)
    assert took < 5, took


def _quiet(fn, *args, **kw) -> None:
    try:
        fn(*args, **kw)
    except httpx.HTTPError:
        pass
