"""Load test of the workshop hub (hub/): N participants at once on this machine.

    sudo .venv/bin/python benchmarks/hub_load.py --sizes 5,20 [--out hub_load.json]

For each class size a fresh hub starts with real OS users from a generated roster and one
instructor, who releases an assignment. Then every participant at the same moment (a spawn
wave): logs in through the hub's login form, starts their server, opens lesson 02 and runs
all its code cells in their own kernel over the kernel websocket (the kernel stays open, as
in a browser), fetches the assignment from the Assignment List and submits it.
Recorded: spawn time p50/p95 (spawn request -> server ready), the whole session time,
PSS of each participant's processes (server + kernel), PSS of the hub, the proxy and the
hub's services, failures. Not a test: figures go to benchmarks/README.md. Needs root.
Everything it creates is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from hub.edition import publish  # noqa: E402
from hub.testing import HubClient, HubUsers, RunningHub, participant_env  # noqa: E402

COURSE_ID = "ai-kinh-doanh"
ASSIGNMENT = "bt1_prompt"
LESSON = "khoa-hoc/notebooks/02_viet_prompt.ipynb"


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid: int, children: bool = True) -> float:
    """CPU seconds of a process (utime+stime) and, with ``children``, of the children it
    waited for (cutime+cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def start_profile(pid: int, out: str) -> subprocess.Popen:
    """py-spy sampling the hub process (``--profile-hub``); stopped with SIGINT."""
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if not spy:
        raise SystemExit("--profile-hub needs py-spy (requirements-dev.txt)")
    fmt = "speedscope" if out.endswith(".json") else "raw"
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "200", "--nonblocking",
                             "--format", fmt, "--output", out], stdout=subprocess.DEVNULL)


def processes() -> list[tuple[int, int, int, str]]:
    """(pid, ppid, uid, command) of every process."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            out.append((int(entry.name), ppid, entry.stat().st_uid, cmd))
        except (OSError, ValueError, IndexError):
            continue
    return out


def descendants(root: int, procs) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid, _, _ in procs:
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def wait_progress(client: HubClient, timeout: float = 600) -> None:
    """Wait for the server as the hub's start page does in a browser: one EventSource on the
    start's progress (the hub writes an event when the server is ready), not a request a
    second (``--wait poll``, HubClient.wait_ready, what the runs before 7 Dec 2026 did)."""
    url = f"{client.url}/hub/api/users/{client.name}/server/progress"
    with client.s.get(url, stream=True, timeout=(30, min(timeout, 120)),
                      headers={"Accept": "text/event-stream"}) as r:
        if r.status_code != 200:
            raise RuntimeError(f"progress not served ({r.status_code})")
        for line in r.iter_lines(decode_unicode=True):
            if not line or not line.startswith("data:"):
                continue  # the hub's keep-alive blank lines
            event = json.loads(line[5:])
            if event.get("ready"):
                return
            if event.get("failed"):
                raise RuntimeError(f"spawn failed: {event.get('message')}")
    raise RuntimeError("progress stream ended before the server was ready")


def participant(hub_url: str, name: str, password: str, wait: str = "progress") -> dict:
    rec = {"name": name, "ok": False, "step": "login"}
    t0 = time.monotonic()
    try:
        client = HubClient(hub_url)
        if client.login(name, password).status_code != 302:
            raise RuntimeError("login refused")
        rec["step"] = "spawn"
        t_spawn = time.monotonic()
        # Over the hub's concurrent-spawn limit the hub answers 429 ("too many people are
        # starting now"); a participant waits and presses Start again.
        while (r := client.spawn()).status_code == 429:
            rec["spawn_retries"] = rec.get("spawn_retries", 0) + 1
            time.sleep(float(r.headers.get("Retry-After") or 5))
        if r.status_code not in (201, 202):
            raise RuntimeError(f"spawn refused ({r.status_code})")
        if wait == "poll":
            client.wait_ready(timeout=600)
        else:
            wait_progress(client)
        rec["spawn_s"] = time.monotonic() - t_spawn
        rec["step"] = "open"
        if (page := client.open_server()).status_code != 200:
            raise RuntimeError(f"start page not served ({page.status_code} {page.url})")
        rec["step"] = "lesson"
        nb = client.get(f"api/contents/{LESSON}").json()["content"]
        cells = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
        t_lesson = time.monotonic()
        results = client.execute(cells, timeout=300, keep_kernel=True)
        rec["lesson_s"] = time.monotonic() - t_lesson
        rec["cells"] = len(cells)
        rec["cell_errors"] = [r["error"] for r in results if r["status"] != "ok"]
        rec["step"] = "assignment"
        form = {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}
        if not client.post("assignments/fetch", data=form).json().get("success"):
            raise RuntimeError("fetch failed")
        if not client.post("assignments/submit", data=form).json().get("success"):
            raise RuntimeError("submit failed")
        rec["ok"] = True
        rec["step"] = "done"
    except Exception as exc:  # a failed participant is a figure, not a crash
        rec["error"] = f"{type(exc).__name__}: {exc}"[:300]
    rec["session_s"] = time.monotonic() - t0
    return rec


def run_size(n: int, env_path: Path, mem_mb: int, profile: str = "",
             wait: str = "progress", keep_log: bool = False,
             settings: dict[str, str] | None = None) -> dict:
    password = "mat-khau-tai-thu"
    with HubUsers([f"hv{i:03d}" for i in range(n)], instructors=["gv"]) as users:
        edition = users.base / "edition"
        publish(edition)
        with RunningHub(users.roster_file, users.instructors, env_path=env_path,
                        edition_repo=edition,
                        settings={"MEM_MB": str(mem_mb), **(settings or {})}) as hub:
            teacher = HubClient(hub.url)
            if teacher.login(users.instructors[0], password).status_code != 302:
                raise RuntimeError("instructor login refused")
            teacher.spawn()
            teacher.wait_ready()
            teacher.open_server()
            out = teacher.execute([
                "import subprocess, sys, os\n"
                "r = subprocess.run([sys.executable, '-m', 'autograder', 'release', "
                f"{ASSIGNMENT!r}], cwd=os.path.expanduser('~/{COURSE_ID}'), "
                "capture_output=True, text=True)\nprint(r.returncode)"], timeout=300)
            if out[0]["stdout"].strip() != "0":
                raise RuntimeError(f"release failed: {out}")
            # The hub's CPU during the wave only (not its start-up nor the instructor's
            # release): its own (utime+stime) and that of the children it waited for.
            load_before = os.getloadavg()[0]
            hub_before = cpu_s(hub.proc.pid, children=False), cpu_s(hub.proc.pid)
            spy = start_profile(hub.proc.pid, profile) if profile else None
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=n) as pool:
                records = list(pool.map(lambda u: participant(hub.url, u, password, wait),
                                        users.participants))
            wall = time.monotonic() - t0
            time.sleep(3)  # let kernels settle before measuring
            hub_wave = (cpu_s(hub.proc.pid, children=False) - hub_before[0],
                        cpu_s(hub.proc.pid) - hub_before[1])
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            procs = processes()
            per_user, cpu_user, kernel_mb = [], [], []
            for name in [r["name"] for r in records if r["ok"]]:  # failed ones have no server
                uid = pwd.getpwnam(name).pw_uid
                per_user.append(sum(pss_kb(p) for p, _, u, _ in procs if u == uid) / 1024)
                kernel_mb.append(sum(pss_kb(p) for p, _, u, c in procs
                                     if u == uid and "ipykernel" in c) / 1024)
                cpu_user.append(sum(cpu_s(p) for p, _, u, _ in procs if u == uid))
            hub_tree = descendants(hub.proc.pid, procs)
            proxy = [p for p, _, _, c in procs if p in hub_tree and "configurable-http-proxy" in c]
            services = [p for p, _, u, c in procs if p in hub_tree and u == 0 and p != hub.proc.pid
                        and p not in proxy]
            failures = [r for r in records if not r["ok"]]
            if failures or keep_log:  # the hub's log (servers write there too) goes with
                kept = Path(tempfile.gettempdir()) / f"hub_load-{n}-{int(time.time())}.log"
                shutil.copy(hub.log_path, kept)  # the temp folder
                print(f"{len(failures)} failure(s): hub log kept in {kept}", flush=True)
            spawn = [r["spawn_s"] for r in records if "spawn_s" in r]
            lesson = [r["lesson_s"] for r in records if "lesson_s" in r]
            return {
                "participants": n, "wall_s": round(wall, 1),
                "spawn_p50_s": round(percentile(spawn, 0.5), 1),
                "spawn_p95_s": round(percentile(spawn, 0.95), 1),
                "lesson_p50_s": round(percentile(lesson, 0.5), 1),
                "lesson_p95_s": round(percentile(lesson, 0.95), 1),
                "pss_per_participant_mb_median": round(statistics.median(per_user or [0]), 1),
                "pss_per_participant_mb_max": round(max(per_user or [0]), 1),
                "kernel_pss_mb_median": round(statistics.median(kernel_mb or [0]), 1),
                "cpu_s_per_participant_median": round(statistics.median(cpu_user or [0]), 1),
                "hub_cpu_s": round(cpu_s(hub.proc.pid), 1),
                "hub_cpu_s_wave_own": round(hub_wave[0], 2),
                "hub_cpu_s_wave_children": round(hub_wave[1] - hub_wave[0], 2),
                "hub_cpu_s_per_participant": round(hub_wave[1] / n, 3),
                "hub_pss_mb": round(pss_kb(hub.proc.pid) / 1024, 1),
                "proxy_pss_mb": round(sum(pss_kb(p) for p in proxy) / 1024, 1),
                "services_pss_mb": round(sum(pss_kb(p) for p in services) / 1024, 1),
                "failures": len(failures),
                "spawn_retries_429": sum(r.get("spawn_retries", 0) for r in records),
                "failure_samples": [f"{r['name']}@{r['step']}: {r.get('error')}"
                                    for r in failures[:5]],
                "cell_errors": sorted({e for r in records for e in r.get("cell_errors", [])})[:5],
                "cells": max((r.get("cells", 0) for r in records), default=0),
                "load_avg_before": load_before, "load_avg_after": os.getloadavg()[0],
                "wait": wait,
            }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,20", help="class sizes, comma separated")
    parser.add_argument("--mem-mb", type=int, default=1024, help="per-participant limit")
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument("--wait", choices=["progress", "poll"], default="progress",
                        help="how a participant waits for their server: the start page's "
                             "progress stream (a browser) or GET the user model every second")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the hub's log in /tmp (always kept when a run has failures)")
    parser.add_argument("--profile-hub", metavar="FILE", default="",
                        help="sample the hub process with py-spy during the wave (FILE.json: "
                             "speedscope, otherwise collapsed stacks)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a COURSE_HUB_ setting for the hub, e.g. CONCURRENT_SPAWNS=40 "
                             "(without the prefix; repeatable); otherwise the defaults")
    args = parser.parse_args(argv)
    settings = dict(s.split("=", 1) for s in args.setting)
    if os.geteuid() != 0:
        print("needs root (creates OS users)", file=sys.stderr)
        return 1
    env_path = participant_env()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"== {size} participants", flush=True)
        profile = ""
        if args.profile_hub:  # one profile per class size: hub-40.json
            path = Path(args.profile_hub)
            profile = str(path.with_name(f"{path.stem}-{size}{path.suffix}"))
        res = run_size(size, env_path, args.mem_mb, profile, args.wait, args.keep_log,
                       settings)
        res["settings"] = settings
        print(json.dumps(res, ensure_ascii=False, indent=1), flush=True)
        results.append(res)
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print("\n| participants | spawn p50 / p95 | lesson 02 p50 / p95 | PSS per participant "
          "(median / max) | hub CPU per participant | hub / proxy / services PSS | failures |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['participants']} | {r['spawn_p50_s']} / {r['spawn_p95_s']} s | "
              f"{r['lesson_p50_s']} / {r['lesson_p95_s']} s | "
              f"{r['pss_per_participant_mb_median']} / {r['pss_per_participant_mb_max']} MB | "
              f"{r['hub_cpu_s_per_participant']} s | "
              f"{r['hub_pss_mb']} / {r['proxy_pss_mb']} / {r['services_pss_mb']} MB | "
              f"{r['failures']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
