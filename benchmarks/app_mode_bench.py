"""The lessons' app view (Voilà): render time and memory per participant, next to the notebook.

Starts the course's server like `make lab` (course.lab) on a temporary copy of notebooks/,
renders each lesson through Voilà over HTTP (the whole lesson runs before the page is sent, so
this is the server side of "time to interactive"), and reads the PSS of the server and of the
kernel Voilà started. For the notebook view, the same lesson is run by nbclient with the same
course kernel (what "Run all" does in JupyterLab) and that kernel's PSS is read the same way.

    .venv/bin/python benchmarks/app_mode_bench.py [03_noi_dung_marketing.ipynb ...]

With --browser, each lesson is instead opened in Chromium (Playwright, 412x915) through its app
link, as tests/test_app_mode.py does, and the time to interactive is read: until the page and its
first widget are shown ("first_widget_s") and until Voilà has run the whole lesson ("done_s").
Voilà settings to compare are passed on as server options, e.g.

    .venv/bin/python benchmarks/app_mode_bench.py --browser --runs 3 \
        --voila progressive_rendering=True 05_cham_soc_khach_hang.ipynb

With --cells, no server is started: each lesson runs in the course kernel (nbclient, what
Voilà does before sending the page) and the kernel's CPU seconds (utime+stime from /proc, which
barely move with the machine's load, unlike wall time) are printed for the kernel's start and for
each code cell, slowest first:

    .venv/bin/python benchmarks/app_mode_bench.py --cells --runs 3 05_cham_soc_khach_hang.ipynb

With --one-cpu the server and its kernels are pinned to one core, as a hub participant's
server is limited to one CPU (the browser is not pinned). With --hub (as root) the same Chromium
timing runs on a real workshop hub (hub/testing.py): one participant logged in on the hub's
page, her server limited to 1 CPU / 1024 MB as in class:

    sudo .venv/bin/python benchmarks/app_mode_bench.py --hub --runs 2 02_viet_prompt.ipynb ...

The machine is shared: every row records the 1-minute load average when it was measured.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from course.lab import lab_command, lab_environment  # noqa: E402


def pss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1)) / 1024


def cpu_s(pid: int) -> float:
    """utime+stime of a process (its threads included), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout.split()
    return [int(p) for p in out]


CELLS_SCRIPT = r"""
import json, os, sys, time
import nbformat
from nbclient import NotebookClient

def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
c = NotebookClient(nb, timeout=600, allow_errors=True,
                   resources={"metadata": {"path": os.path.dirname(path)}})
wall0 = time.monotonic()
with c.setup_kernel():
    pid = c.km.provisioner.process.pid
    start_wall = time.monotonic() - wall0
    start_cpu = cpu(pid)
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        before, t0 = cpu(pid), time.monotonic()
        c.execute_cell(cell, i)
        cells.append({"cell": i, "cpu_s": round(cpu(pid) - before, 3),
                      "wall_s": round(time.monotonic() - t0, 3),
                      "first_line": cell.source.splitlines()[0][:60] if cell.source else ""})
    total = time.monotonic() - wall0
print(json.dumps({"kernel_start_cpu_s": round(start_cpu, 3),
                  "kernel_start_wall_s": round(start_wall, 3),
                  "cells_cpu_s": round(sum(x["cpu_s"] for x in cells), 3),
                  "cells_wall_s": round(sum(x["wall_s"] for x in cells), 3),
                  "client_cpu_s": round(time.process_time(), 3),
                  "total_wall_s": round(total, 3), "cells": cells}, ensure_ascii=False))
"""


def cell_times(lessons: list[str], runs: int, top: int = 8) -> None:
    """CPU seconds of the course kernel per cell, for each lesson run as the app page runs it."""
    tmp = Path(tempfile.mkdtemp(prefix="app-cells-"))
    try:
        shutil.copytree(REPO / "notebooks", tmp / "notebooks",
                        ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
        env = lab_environment({k: v for k, v in os.environ.items()
                               if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
        env.update({"JUPYTER_RUNTIME_DIR": str(tmp / "rt"),
                    "COURSE_CACHE_DIR": str(tmp / "cache")})
        for lesson in lessons:
            for run in range(runs):
                load = round(os.getloadavg()[0], 2)
                out = subprocess.run([sys.executable, "-c", CELLS_SCRIPT,
                                      str(tmp / "notebooks" / lesson)], env=env,
                                     capture_output=True, text=True, timeout=900)
                if out.returncode:
                    raise RuntimeError(out.stderr[-3000:])
                row = json.loads(out.stdout.strip().splitlines()[-1])
                slow = sorted(row.pop("cells"), key=lambda x: -x["cpu_s"])[:top]
                print(json.dumps({"lesson": lesson, "run": run + 1, "load_1min": load, **row,
                                  "slowest": slow}, ensure_ascii=False), flush=True)
                shutil.rmtree(tmp / "cache", ignore_errors=True)  # every run starts cold
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def shutdown_kernels(base: str, token: str) -> None:
    headers = {"Authorization": f"token {token}"}
    listing = urllib.request.urlopen(urllib.request.Request(f"{base}/api/kernels",
                                                            headers=headers), timeout=60)
    for kernel in json.loads(listing.read()):
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/kernels/{kernel['id']}", method="DELETE", headers=headers), timeout=60)


def browser_times(base: str, token: str, lessons: list[str], runs: int, *,
                  log_in=None, end_kernels=None) -> None:
    """Time to interactive in Chromium at phone size, from the app link (like a participant).

    `base` is the server (`make lab`) or the hub; `log_in(page)` and `end_kernels()` replace
    the token log-in and the REST clean-up for a hub participant."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 412, "height": 915}, locale="vi-VN")
        page.set_default_timeout(300_000)
        if log_in:
            log_in(page)
        else:
            page.goto(f"{base}/api/status?token={token}")
        for lesson in lessons:
            for run in range(runs):
                load = round(os.getloadavg()[0], 2)
                started = time.monotonic()
                page.goto(f"{base}/hub/user-redirect/ung-dung/{lesson}", wait_until="commit")
                page.locator("#rendered_cells").wait_for(state="visible")
                page.locator(".jupyter-widgets").first.wait_for(state="visible")
                first = time.monotonic() - started
                # Voilà hides its spinner when the last cell has run (both render modes).
                page.wait_for_function("() => !document.querySelector('#loading') || "
                                       "getComputedStyle(document.querySelector('#loading'))"
                                       ".display === 'none'")
                done = time.monotonic() - started
                # Where the seconds went: the page's HTML (the server ran the lesson before
                # sending it) and the scripts, styles and fonts the browser then loaded.
                nav = page.evaluate("() => { const n = performance.getEntriesByType("
                                    "'navigation')[0]; return n ? [n.responseStart, "
                                    "n.responseEnd, n.domContentLoadedEventEnd, "
                                    "n.loadEventEnd] : [] }")
                res = page.evaluate("() => performance.getEntriesByType('resource').map("
                                    "r => [r.name.split('?')[0].split('/').slice(-1)[0], "
                                    "Math.round(r.startTime), Math.round(r.duration), "
                                    "r.transferSize])")
                print(json.dumps({"lesson": lesson, "run": run + 1,
                                  "first_widget_s": round(first, 2), "done_s": round(done, 2),
                                  "load_1min": load,
                                  "html_first_byte_s": round(nav[0] / 1000, 2) if nav else None,
                                  "html_s": round(nav[1] / 1000, 2) if nav else None,
                                  "dom_loaded_s": round(nav[2] / 1000, 2) if nav else None,
                                  "resources": len(res),
                                  "slowest_resources": sorted(res, key=lambda r: -r[2])[:4]},
                                 ensure_ascii=False), flush=True)
                page.goto("about:blank")
                # Leaving (or closing) the page does not end its kernel at once: the server's
                # AppKernelCuller ends it 120 s after its last websocket closed (a phone may
                # come back). End it here so every run starts with the server alone.
                (end_kernels or (lambda: shutdown_kernels(base, token)))()
                time.sleep(2)
        browser.close()


def hub_times(lessons: list[str], runs: int) -> None:
    """--hub: the same Chromium timing on a real workshop hub (hub/testing.py, needs root):
    one participant, server limited to 1 CPU / 1024 MB as in class, logged in on the hub's
    page; the app link goes through the hub to her own server."""
    from hub.edition import publish
    from hub.testing import HubClient, HubUsers, RunningHub, participant_env

    password = "mat-khau-hoc-vien"
    with HubUsers(["hv1"]) as users:
        edition = users.base / "edition"
        publish(edition)
        with RunningHub(users.roster_file, env_path=participant_env(), edition_repo=edition,
                        settings={"MEM_MB": "1024", "CPUS": "1"}) as hub:
            name = users.participants[0]
            client = HubClient(hub.url)
            if client.login(name, password).status_code != 302:
                raise RuntimeError("participant log-in failed: " + hub.log())
            client.spawn()
            print(json.dumps({"server_start_s": round(client.wait_ready(timeout=240), 2),
                              "load_1min": round(os.getloadavg()[0], 2)}), flush=True)
            client.open_server()  # the server's own cookie, for ending kernels between runs

            def log_in(page) -> None:
                page.goto(f"{hub.url}/hub/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", password)
                page.locator("form [type=submit]").first.click()
                page.wait_for_load_state()

            def end_kernels() -> None:
                xsrf = {"X-XSRFToken": client.xsrf(f"/user/{name}/")}
                for kernel in client.s.get(client.server("api/kernels"), timeout=60).json():
                    client.s.delete(client.server(f"api/kernels/{kernel['id']}"), timeout=60,
                                    headers=xsrf)

            browser_times(hub.url, "", lessons, runs, log_in=log_in, end_kernels=end_kernels)


def main(lessons: list[str], browser: bool = False, runs: int = 1,
         voila: list[str] | None = None, memory: bool = True, one_cpu: bool = False) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="app-bench-"))
    root = tmp / "course"
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = lab_environment({k: v for k, v in os.environ.items()
                           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
    env.update({"JUPYTER_RUNTIME_DIR": str(tmp / "rt"), "COURSE_CACHE_DIR": str(tmp / "cache"),
                "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "ws")})
    token = "bench"
    extra = [f"--VoilaConfiguration.{setting}" for setting in voila or []]
    command = lab_command(root, ["--no-browser", "--ip=127.0.0.1", f"--port={port}",
                                 f"--IdentityProvider.token={token}", *extra])
    if one_cpu:  # like a hub participant's server (CPUS=1): the server and its kernels share
        command = ["taskset", "-c", "0", *command]  # one core; the browser is not pinned
    proc = subprocess.Popen(command,
                            cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        print(json.dumps({"voila": voila or [], "load_1min": round(os.getloadavg()[0], 2)}),
              flush=True)
        if browser:
            browser_times(base, token, ["00_bat_dau.ipynb"], 1)  # warm-up
            browser_times(base, token, lessons, runs)
            return
        # Warm-up render: the first one loads Voilà's templates and the kernel spec.
        warm = urllib.request.urlopen(urllib.request.Request(
            f"{base}/voila/render/notebooks/00_bat_dau.ipynb", headers=headers),
            timeout=300).read().decode()
        warm_id = re.search(r'"kernelId": "([0-9a-f-]{36})"', warm).group(1)
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/kernels/{warm_id}", method="DELETE", headers=headers), timeout=60)
        time.sleep(2)
        rows = []
        for lesson, run in [(le, r) for le in lessons for r in range(runs)]:
            server_before = pss_mb(proc.pid)
            server_cpu = cpu_s(proc.pid)
            load = round(os.getloadavg()[0], 2)
            started = time.monotonic()
            body = urllib.request.urlopen(urllib.request.Request(
                f"{base}/voila/render/notebooks/{lesson}", headers=headers),
                timeout=600).read().decode()
            seconds = time.monotonic() - started
            server_cpu = cpu_s(proc.pid) - server_cpu
            kernels = children(proc.pid)
            kernel_cpu = sum(cpu_s(k) for k in kernels)
            time.sleep(1)
            app_kernel = sum(pss_mb(k) for k in kernels)
            server_after = pss_mb(proc.pid)
            kernel_id = re.search(r'"kernelId": "([0-9a-f-]{36})"', body).group(1)
            urllib.request.urlopen(urllib.request.Request(
                f"{base}/api/kernels/{kernel_id}", method="DELETE", headers=headers), timeout=60)
            notebook_kernel = None
            # The notebook view: the same lesson run in the same course kernel (first run only).
            script = (
                "import nbformat, os, re, sys\n"
                "from nbclient import NotebookClient\n"
                f"nb = nbformat.read({str(root / 'notebooks' / lesson)!r}, as_version=4)\n"
                "c = NotebookClient(nb, timeout=600, allow_errors=True, "
                f"resources={{'metadata': {{'path': {str(root / 'notebooks')!r}}}}})\n"
                "with c.setup_kernel():\n"
                "    for i, cell in enumerate(nb.cells):\n"
                "        c.execute_cell(cell, i)\n"
                "    pid = c.km.provisioner.process.pid\n"
                "    t = open(f'/proc/{pid}/smaps_rollup').read()\n"
                "    print(int(re.search(r'^Pss:\\s+(\\d+) kB', t, re.M).group(1)) / 1024)\n")
            if run == 0 and memory:
                out = subprocess.run([sys.executable, "-c", script], env=env,
                                     capture_output=True, text=True, timeout=900)
                notebook_kernel = round(float(out.stdout.strip().splitlines()[-1]), 1)
            rows.append({"lesson": lesson, "run": run + 1, "render_s": round(seconds, 2),
                         "load_1min": load,
                         "server_cpu_s": round(server_cpu, 2),
                         "kernel_cpu_s": round(kernel_cpu, 2),
                         "app_kernel_pss_mb": round(app_kernel, 1),
                         "notebook_kernel_pss_mb": notebook_kernel,
                         "server_growth_mb": round(server_after - server_before, 1),
                         "server_pss_mb": round(server_after, 1)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("lessons", nargs="*", default=[
        "02_viet_prompt.ipynb", "03_noi_dung_marketing.ipynb", "05_cham_soc_khach_hang.ipynb",
        "09_du_an_cuoi_khoa.ipynb"])
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--cells", action="store_true",
                        help="CPU seconds per cell in the course kernel (no server)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--hub", action="store_true",
                        help="Chromium on a real workshop hub, one participant (needs root)")
    parser.add_argument("--one-cpu", action="store_true",
                        help="pin the server and its kernels to one core (a hub's CPUS=1)")
    parser.add_argument("--no-notebook", action="store_true",
                        help="skip the notebook-view kernel run (memory comparison)")
    parser.add_argument("--voila", action="append", default=[],
                        help="a VoilaConfiguration setting, e.g. preheat_kernel=True")
    args = parser.parse_args()
    if args.cells:
        cell_times(args.lessons, args.runs)
        raise SystemExit
    if args.hub:
        hub_times(args.lessons, args.runs)
        raise SystemExit
    main(args.lessons, args.browser, args.runs, args.voila, not args.no_notebook, args.one_cpu)
