"""The class AI gateway under a class: 50 simulated participants at once, on a real JupyterHub.

Upstream: the course's local chat-completions test server (tests/llm_server.py) on 127.0.0.1.
Each participant has their own hub token; requests go to /services/ai/v1/chat/completions.

  1. Added latency: the same requests sent directly to the upstream, then through the
     gateway (in-flight limit above the concurrency, every request a cache miss):
     p50 / p95 of both, and the difference. One participant alone; 50 at the same
     millisecond (a class pressing Run together, the worst case); 50 at work, each pausing
     about a second between requests; 50 in a closed loop (saturation).
  2. In-flight limit: limit 8, upstream answers in 50 ms, 50 participants × 10 requests:
     the most requests the upstream ever had at once, lost usage records, requests/s.
  3. Class cache: every participant runs lesson 02's example prompts (notebooks/02): calls
     that reached the upstream, hit rate, đồng saved.
  4. One participant pushing limits (issue 23): the personal-data scan time of bodies up to
     the largest accepted one (the course's own scan of the whole text, and the gateway's
     bounded work per request); then the 50 at work as in 1, while a 51st participant sends
     the largest accepted body (just under GATEWAY_MAX_BODY_KB) again and again, one
     after another with no pause: the 50's added p95 with and without that participant
     (added = through the gateway minus direct to the upstream under the same sender).

Run: .venv/bin/python benchmarks/gateway_bench.py   (needs scripts/ensure-hub.sh done)
     .venv/bin/python benchmarks/gateway_bench.py --abuse   (phase 4 only)
"""

from __future__ import annotations

import ast
import asyncio
import http.server
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from suite_helpers import use_tests_helpers  # benchmarks/: this script's folder

ROOT = Path(__file__).resolve().parent.parent
use_tests_helpers()  # tests/ on PYTHONPATH (suite_helpers.py)

from gateway_hub import Hub  # noqa: E402
from llm_server import FakeLLMServer, Scripted, completion  # noqa: E402

KEY = "sk-bench-class-key"
PARTICIPANTS = 50
ROUNDS = 10
THINK = 1.0  # seconds a participant reads between requests, on average (phase "at work")
PACED_ROUNDS = 2
PACED_EACH = 10


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def lesson_prompts(notebook: Path) -> list[str]:
    """The prompts lesson 02 sends with course.ask/stream (string constants, by name or inline)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    prompts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = node.value.value
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("ask", "stream") \
                    and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    prompts.append(arg.value)
                elif isinstance(arg, ast.Name) and arg.id in names:
                    prompts.append(names[arg.id])
    return prompts


def count_concurrency(server: FakeLLMServer) -> dict:
    """Wrap the upstream's handler to record how many requests it serves at once."""
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()
    handler = server.httpd.RequestHandlerClass
    original = handler.do_POST

    def counted(self):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            original(self)
        finally:
            with lock:
                state["now"] -= 1

    handler.do_POST = counted
    return state


async def run_class(url: str, tokens: list[str], prompts: list[list[str]],
                    temperature: float | None = 0, think: float = 0.0,
                    seed: int = 0) -> tuple[list[float], int, float]:
    """Every participant sends their prompts one after another; all participants at once.

    `think` > 0: before each request a participant pauses for a random time (exponential,
    mean `think` seconds, the same schedule for the same seed), as people reading answers do.
    """
    latencies: list[float] = []
    failures = 0
    # Each participant has a client of their own, as each kernel has its own SDK client: one
    # httpx client shared by 50 tasks measures its connection pool's queueing, not the gateway.
    # (made before the clock starts: each costs milliseconds of CPU for its TLS context)
    clients = [httpx.AsyncClient(timeout=120) for _ in tokens]

    async def participant(n: int, token: str, own: list[str]) -> None:
        nonlocal failures
        pauses = random.Random(seed * 1000 + n)
        async with clients[n] as client:
            for text in own:
                if think:
                    await asyncio.sleep(pauses.expovariate(1 / think))
                body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
                if temperature is not None:
                    body["temperature"] = temperature
                started = time.perf_counter()
                try:
                    resp = await client.post(url, json=body,
                                             headers={"Authorization": f"Bearer {token}"})
                except httpx.HTTPError:
                    failures += 1
                    continue
                latencies.append(time.perf_counter() - started)
                failures += resp.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(participant(n, t, p)
                           for n, (t, p) in enumerate(zip(tokens, prompts, strict=True))))
    return latencies, failures, time.perf_counter() - started


def start_hub(folder: Path, upstream: FakeLLMServer, **env: str) -> tuple[Hub, list[str]]:
    hub = Hub(folder, {"GATEWAY_UPSTREAM_URL": upstream.base_url, "GATEWAY_UPSTREAM_KEY": KEY,
                       "GATEWAY_MODEL": "gpt-4o-mini", "GATEWAY_RATE_PER_MINUTE": "0",
                       **env}).start()
    tokens = []
    for i in range(PARTICIPANTS):
        name = f"hv{i:02d}"
        hub.add_user(name)
        tokens.append(hub.token(name))
    hub.add_user("giang-vien", groups=("instructors",))
    return hub, tokens


def summary(hub: Hub) -> dict:
    token = hub.token("giang-vien")
    return httpx.get(f"{hub.gateway_url}/api/summary",
                     headers={"Authorization": f"token {token}"}, timeout=30).json()


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


MAX_BODY = 1024 * 1024  # the gateway's default GATEWAY_MAX_BODY_KB
BUSINESS = ("Tiệm giặt ủi Hoa Sen ở Huế nhận giặt chăn, rèm và áo dài; khách hỏi giá, giờ mở "
            "cửa và phí giao nhận. Chị Mai ở 12 Lê Lợi gọi số 0912 345 {n:03d} hỏi giặt gấp. ")


def business_text(size: int) -> str:
    """Vietnamese business text of `size` UTF-8 bytes, a phone number every paragraph."""
    parts, total, n = [], 0, 0
    while total < size:
        part = BUSINESS.format(n=n % 1000)
        parts.append(part)
        total += len(part.encode())
        n += 1
    return "".join(parts).encode()[:size].decode("utf-8", errors="ignore")


def largest_body() -> bytes:
    """A chat request just under the gateway's body limit."""
    text = business_text(MAX_BODY - 200)
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
                      ensure_ascii=False).encode()
    if len(body) > MAX_BODY:  # a plain check: `assert` is gone under python -O
        raise RuntimeError(f"benchmark body {len(body)} bytes is over the limit {MAX_BODY}")
    return body


def scan_figures() -> list[tuple[int, float, float, int]]:
    """(bytes, course find_pii seconds, gateway prepare_text seconds, matches) per size."""
    from course.privacy import find_pii
    from hub.gateway.config import GatewayConfig
    from hub.gateway.work import prepare_text

    find_pii(business_text(2000))  # rules and tokenizer loaded before the clock
    prepare_text([{"role": "user", "content": "Xin chào"}], "gpt-4o-mini", 20_000, True)
    scan = GatewayConfig().scan_chars
    out = []
    for size in (MAX_BODY // 8, MAX_BODY // 4, MAX_BODY // 2, MAX_BODY - 200):
        text = business_text(size)
        started = time.perf_counter()
        found = find_pii(text)
        whole = time.perf_counter() - started
        started = time.perf_counter()
        prepare_text([{"role": "user", "content": text}], "gpt-4o-mini", scan, True)
        bounded = time.perf_counter() - started
        out.append((size, whole, bounded, len(found)))
    return out


def gateway_pid(hub: Hub) -> int:
    """The gateway service's process: `-m hub.gateway` with this hub's service URL."""
    want = f":{hub.gateway_port}".encode()
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes()
        except OSError:
            continue
        url = env.split(b"JUPYTERHUB_SERVICE_URL=")[1].split(b"\0")[0] \
            if b"JUPYTERHUB_SERVICE_URL=" in env else b""
        if b"hub.gateway" in cmd and want in url and b"multiprocessing" not in b" ".join(cmd):
            return int(proc.name)
    raise RuntimeError("gateway process not found")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(CPU of `pid`, CPU of its child processes now running), user + system seconds."""
    tick = os.sysconf("SC_CLK_TCK")

    def own(p: int) -> float:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(proc, "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    children.append(int(proc.name))
            except OSError:
                continue
    return own(pid), sum(own(c) for c in children)


async def heavy_participant(url: str, token: str, body: bytes, stop: asyncio.Event) -> list:
    """Send `body` again and again, each as soon as the previous one is answered."""
    results = []
    async with httpx.AsyncClient(timeout=120) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                resp = await client.post(url, content=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                results.append((resp.status_code, time.perf_counter() - started))
            except httpx.HTTPError:
                results.append((0, time.perf_counter() - started))
    return results


async def class_with_heavy(url: str, tokens: list[str], prompts: list[list[str]],
                           heavy_token: str | None, body: bytes, seed: int):
    stop = asyncio.Event()
    heavy = (asyncio.create_task(heavy_participant(url, heavy_token, body, stop))
             if heavy_token else None)
    if heavy:
        await asyncio.sleep(1.0)  # the heavy participant is at it before the class starts
    lat, fail, took = await run_class(url, tokens, prompts, think=THINK, seed=seed)
    stop.set()
    sent = await heavy if heavy else []
    return lat, fail, took, sent


def abuse_phase(tmp: Path, upstream: FakeLLMServer) -> str:
    scans = scan_figures()
    direct_url = upstream.base_url + "/chat/completions"
    hub, tokens = start_hub(tmp / "abuse", upstream, GATEWAY_MAX_IN_FLIGHT="64")
    hub.add_user("hv-nang")
    heavy_token = hub.token("hv-nang")
    body = largest_body()
    try:
        gw_url = f"{hub.gateway_url}/v1/chat/completions"

        def unique(tag: str, n: int) -> list[list[str]]:
            return [[f"{tag} {i}-{j}: viết một câu cho tiệm giặt Hoa Sen" for j in range(n)]
                    for i in range(PARTICIPANTS)]

        asyncio.run(run_class(gw_url, tokens, unique("warm", 1)))
        asyncio.run(run_class(direct_url, [KEY] * PARTICIPANTS, unique("warm-d", 1)))
        time.sleep(2)
        direct, direct_loaded, calm, loaded, heavy = [], [], [], [], []
        fails = 0
        pid = gateway_pid(hub)
        cpu_calm = cpu_loaded = workers_loaded = 0.0
        for r in range(PACED_ROUNDS):
            lat, f, _ = asyncio.run(run_class(direct_url, [KEY] * PARTICIPANTS,
                                              unique(f"d{r}", PACED_EACH), think=THINK, seed=r))
            direct += lat
            # the same heavy participant sending straight to the upstream: what the machine
            # (the upstream parsing a megabyte, the clients sending it) costs without a gateway
            lat, f0, _, _ = asyncio.run(class_with_heavy(
                direct_url, [KEY] * PARTICIPANTS, unique(f"dl{r}", PACED_EACH), KEY, body, r))
            direct_loaded += lat
            fails += f0
            c0 = cpu_seconds(pid)
            lat, f2, _, _ = asyncio.run(class_with_heavy(
                gw_url, tokens, unique(f"calm{r}", PACED_EACH), None, body, r))
            c1 = cpu_seconds(pid)
            calm += lat
            lat, f3, _, sent = asyncio.run(class_with_heavy(
                gw_url, tokens, unique(f"load{r}", PACED_EACH), heavy_token, body, r))
            c2 = cpu_seconds(pid)
            cpu_calm += c1[0] - c0[0]
            cpu_loaded += c2[0] - c1[0]
            workers_loaded += c2[1] - c1[1]
            loaded += lat
            heavy += sent
            fails += f + f2 + f3
        oversized = httpx.post(gw_url, content=b" " * (20 * 1024 * 1024), timeout=120, headers={
            "Authorization": f"Bearer {heavy_token}", "Content-Type": "application/json"})
    finally:
        hub.stop()
    ok = [t for code, t in heavy if code == 200]
    rows = "\n".join(
        f"   {size / 1024:7.0f} KB: whole text (course.find_pii) {whole:6.2f} s, "
        f"{found} matches; gateway's bounded work {bounded * 1000:6.1f} ms"
        for size, whole, bounded, found in scans)
    added_calm = ms(pct(calm, 95) - pct(direct, 95))
    added_loaded = ms(pct(loaded, 95) - pct(direct_loaded, 95))
    heavy_p50 = ms(pct(ok, 50)) if ok else "-"
    return f"""
4. One participant pushing limits
   personal-data scan by body size (the largest accepted is {MAX_BODY - 200} bytes):
{rows}
   {PARTICIPANTS} at work, {PACED_ROUNDS} x {PACED_EACH} each, {fails} failed:
                          direct p50 {ms(pct(direct, 50))} p95 {ms(pct(direct, 95))}
      gateway, alone      p50 {ms(pct(calm, 50))} p95 {ms(pct(calm, 95))} (added p95 {added_calm})
      with one participant sending {len(body) / 1024:.0f} KB bodies back to back:
                          direct p50 {ms(pct(direct_loaded, 50))} p95 \
{ms(pct(direct_loaded, 95))}
      gateway ({len(heavy)} sent, {len(ok)} answered, p50 {heavy_p50} each):
                          p50 {ms(pct(loaded, 50))} p95 {ms(pct(loaded, 95))} \
(added p95 {added_loaded})
   gateway CPU: event-loop process {cpu_calm:.2f} s for the class alone, {cpu_loaded:.2f} s \
with the heavy participant
      (+{ms((cpu_loaded - cpu_calm) / max(1, len(heavy)))} per {len(body) / 1024:.0f} KB body); \
worker processes {ms(workers_loaded / max(1, len(heavy)))} per body
   a 20 MB body: HTTP {oversized.status_code} in {ms(oversized.elapsed.total_seconds())}
"""


def main() -> None:
    # The test server keeps the standard library's listen backlog of 5: too few for a class.
    http.server.ThreadingHTTPServer.request_queue_size = 256
    upstream = FakeLLMServer().start()
    # Keep-alive without Nagle's delay, as a provider's API answers (the tests' default
    # HTTP/1.0 makes every call pay a new TCP connection); every answer here has a length.
    handler = upstream.httpd.RequestHandlerClass
    handler.protocol_version = "HTTP/1.1"
    handler.disable_nagle_algorithm = True
    tmp = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    if "--abuse" in sys.argv:
        try:
            print(abuse_phase(tmp, upstream))
        finally:
            upstream.stop()
        return
    concurrency = count_concurrency(upstream)
    direct_url = upstream.base_url + "/chat/completions"
    per = 20

    def unique(tag: str, n: int) -> list[list[str]]:
        return [[f"{tag} {i}-{j}: viết một câu cho homestay Phong Nha" for j in range(n)]
                for i in range(PARTICIPANTS)]

    # -- 1. added latency ----------------------------------------------------------------
    hub, tokens = start_hub(tmp / "a", upstream, GATEWAY_MAX_IN_FLIGHT="64")
    try:
        gw_url = f"{hub.gateway_url}/v1/chat/completions"
        asyncio.run(run_class(gw_url, tokens, unique("warm", 1)))  # hub token check cached
        asyncio.run(run_class(direct_url, [KEY] * PARTICIPANTS, unique("warm-d", 1)))
        time.sleep(2)  # let the hub and the gateway settle after the warm-up burst
        alone_d, _, _ = asyncio.run(run_class(direct_url, [KEY], unique("d1", 100)[:1]))
        alone_g, _, _ = asyncio.run(run_class(gw_url, tokens[:1], unique("g1", 100)[:1]))
        burst_d: list[float] = []
        burst_g: list[float] = []
        burst_fail = 0
        for r in range(ROUNDS):  # the class runs a cell together: 50 requests at one moment
            lat, f, _ = asyncio.run(run_class(direct_url, [KEY] * PARTICIPANTS,
                                              unique(f"burst-d{r}", 1)))
            burst_d += lat
            time.sleep(0.3)
            lat, f2, _ = asyncio.run(run_class(gw_url, tokens, unique(f"burst-g{r}", 1)))
            burst_g += lat
            burst_fail += f + f2
            time.sleep(0.3)
        # the class at work: everyone at once, each reading for ~1 s between requests
        # (~25-50 requests/s; a real class sends one per person every 30-60 s)
        paced_d: list[float] = []
        paced_g: list[float] = []
        paced_fail = 0
        paced_time = 0.0
        for r in range(PACED_ROUNDS):
            lat, f, _ = asyncio.run(run_class(direct_url, [KEY] * PARTICIPANTS,
                                              unique(f"paced-d{r}", PACED_EACH), think=THINK,
                                              seed=r))
            paced_d += lat
            lat, f2, took = asyncio.run(run_class(gw_url, tokens,
                                                  unique(f"paced-g{r}", PACED_EACH),
                                                  think=THINK, seed=r))
            paced_g += lat
            paced_fail += f + f2
            paced_time += took
        direct, fd, td = asyncio.run(run_class(direct_url, [KEY] * PARTICIPANTS,
                                               unique("direct", per)))
        through, fg, tg = asyncio.run(run_class(gw_url, tokens, unique("gw", per)))
        # -- 3. class cache on lesson 02 (same hub) --------------------------------------
        prompts = lesson_prompts(ROOT / "notebooks" / "02_viet_prompt.ipynb")
        before = len(upstream.requests)
        cached, fc, tc = asyncio.run(run_class(gw_url, tokens, [prompts] * PARTICIPANTS,
                                               temperature=None))
        upstream_calls = len(upstream.requests) - before
        s_a = summary(hub)
    finally:
        hub.stop()

    abuse = abuse_phase(tmp, upstream)

    # -- 2. in-flight limit ----------------------------------------------------------------
    upstream.default = Scripted(body=completion("Trả lời sau 50 ms"), delay=0.05)
    concurrency["peak"] = 0
    hub, tokens = start_hub(tmp / "b", upstream, GATEWAY_MAX_IN_FLIGHT="8")
    try:
        gw_url = f"{hub.gateway_url}/v1/chat/completions"
        asyncio.run(run_class(gw_url, tokens, unique("warm-b", 1)))
        concurrency["peak"] = 0
        limited, fl, tl = asyncio.run(run_class(gw_url, tokens, unique("limit", 10)))
        s_b = summary(hub)
    finally:
        hub.stop()
        upstream.stop()

    sent_b = PARTICIPANTS * 10 + PARTICIPANTS  # measured requests + the warm-up round
    print(f"""
Gateway benchmark, {PARTICIPANTS} participants (real JupyterHub, local upstream)

1. Added latency (in-flight limit 64, every request a cache miss)
   one participant alone, 100 requests: direct p50 {ms(pct(alone_d, 50))} p95 {ms(pct(alone_d, 95))}
                          through gateway p50 {ms(pct(alone_g, 50))} p95 {ms(pct(alone_g, 95))}
                          added           p50 {ms(pct(alone_g, 50) - pct(alone_d, 50))} \
p95 {ms(pct(alone_g, 95) - pct(alone_d, 95))}
   {PARTICIPANTS} at the same moment, {ROUNDS} rounds ({len(burst_g)} requests, \
{burst_fail} failed):
                          direct p50 {ms(pct(burst_d, 50))} p95 {ms(pct(burst_d, 95))}
                          through gateway p50 {ms(pct(burst_g, 50))} p95 {ms(pct(burst_g, 95))}
                          added           p50 {ms(pct(burst_g, 50) - pct(burst_d, 50))} \
p95 {ms(pct(burst_g, 95) - pct(burst_d, 95))}
   {PARTICIPANTS} at work (each pauses ~{THINK:.0f} s between requests), {PACED_ROUNDS} × \
{PACED_EACH} each ({len(paced_g)} requests, {len(paced_g) / paced_time:.0f} req/s on average, \
{paced_fail} failed):
                          direct p50 {ms(pct(paced_d, 50))} p95 {ms(pct(paced_d, 95))}
                          through gateway p50 {ms(pct(paced_g, 50))} p95 {ms(pct(paced_g, 95))}
                          added           p50 {ms(pct(paced_g, 50) - pct(paced_d, 50))} \
p95 {ms(pct(paced_g, 95) - pct(paced_d, 95))}
   saturation: {PARTICIPANTS} in a closed loop, {per} each ({len(direct)} requests):
                          direct p50 {ms(pct(direct, 50))} p95 {ms(pct(direct, 95))} \
({len(direct) / td:.0f} req/s, {fd} failed)
                          through gateway p50 {ms(pct(through, 50))} p95 {ms(pct(through, 95))} \
({len(through) / tg:.0f} req/s, {fg} failed)
                          added           p50 {ms(pct(through, 50) - pct(direct, 50))} \
p95 {ms(pct(through, 95) - pct(direct, 95))}

2. In-flight limit 8, upstream 50 ms, {len(limited)} requests: upstream had at most \
{concurrency['peak']} at once (gateway's own count: {s_b['in_flight']['peak']});
   {len(limited) / tl:.0f} req/s, {fl} failed; usage records {s_b['usage_records']} for \
{sent_b} requests sent

3. Class cache, lesson 02's {len(prompts)} example prompts × {PARTICIPANTS} participants \
({len(cached)} requests, {fc} failed, {tc:.1f} s):
   upstream calls {upstream_calls}, class hit rate {s_a['totals']['cache_hit_rate']:.1%} \
(whole run), saved {s_a['totals']['saved_vnd']:.2f} đ; spent {s_a['totals']['cost_vnd']:.2f} đ
   (prices of gpt-4o-mini for the test server's 11 + 7 tokens per answer)
{abuse}""")


if __name__ == "__main__":
    main()
