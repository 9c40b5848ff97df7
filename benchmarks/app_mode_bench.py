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


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout.split()
    return [int(p) for p in out]


def browser_times(base: str, token: str, lessons: list[str], runs: int) -> None:
    """Time to interactive in Chromium at phone size, from the app link (like a participant)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 412, "height": 915}, locale="vi-VN")
        page.set_default_timeout(300_000)
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
                print(json.dumps({"lesson": lesson, "run": run + 1,
                                  "first_widget_s": round(first, 2), "done_s": round(done, 2),
                                  "load_1min": load}, ensure_ascii=False), flush=True)
                page.goto("about:blank")  # leaving the page shuts its kernel down
                time.sleep(2)
        browser.close()


def main(lessons: list[str], browser: bool = False, runs: int = 1,
         voila: list[str] | None = None) -> None:
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
    proc = subprocess.Popen(lab_command(root, ["--no-browser", "--ip=127.0.0.1",
                                               f"--port={port}",
                                               f"--IdentityProvider.token={token}", *extra]),
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
        for lesson in lessons:
            server_before = pss_mb(proc.pid)
            started = time.monotonic()
            body = urllib.request.urlopen(urllib.request.Request(
                f"{base}/voila/render/notebooks/{lesson}", headers=headers),
                timeout=600).read().decode()
            seconds = time.monotonic() - started
            time.sleep(1)
            kernels = children(proc.pid)
            app_kernel = sum(pss_mb(k) for k in kernels)
            server_after = pss_mb(proc.pid)
            kernel_id = re.search(r'"kernelId": "([0-9a-f-]{36})"', body).group(1)
            urllib.request.urlopen(urllib.request.Request(
                f"{base}/api/kernels/{kernel_id}", method="DELETE", headers=headers), timeout=60)
            # The notebook view: the same lesson run in the same course kernel.
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
            out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                 text=True, timeout=900)
            notebook_kernel = float(out.stdout.strip().splitlines()[-1])
            rows.append({"lesson": lesson, "render_s": round(seconds, 2),
                         "app_kernel_pss_mb": round(app_kernel, 1),
                         "notebook_kernel_pss_mb": round(notebook_kernel, 1),
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
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--voila", action="append", default=[],
                        help="a VoilaConfiguration setting, e.g. preheat_kernel=True")
    args = parser.parse_args()
    main(args.lessons, args.browser, args.runs, args.voila)
