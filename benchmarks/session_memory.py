"""One participant session: start-up time and memory.

    python benchmarks/session_memory.py [--runs 3] [--lesson notebooks/02_viet_prompt.ipynb]

1. Start-up: `make lab` when the course venv is prepared (.venv/.installed), otherwise
   `python -m course.lab` (what `make lab` runs), on a temp copy of notebooks/, until
   /api/status answers and until the start page URL returns the JupyterLab page.
2. Memory: a kernel session is opened on the lesson through the REST API, every code cell
   of the lesson runs in it (offline backend), then the RSS and PSS of the server and all its
   children are summed from /proc (Linux only). Target: <= 300 MB.

Prints a Markdown table; paste the figures into benchmarks/session_figures.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from jupyter_client import BlockingKernelClient

REPO = Path(__file__).resolve().parents[1]
from course.lab import START_PAGE, lab_command, lab_environment  # noqa: E402

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"token {TOKEN}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


def wait_until(pred, limit: float = 180.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            if pred():
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError("server did not become ready")


def start_server(tmp: Path, use_make: bool) -> tuple[subprocess.Popen, str, float, float, str]:
    root = tmp / "course"
    if not root.exists():
        shutil.copytree(REPO / "notebooks", root / "notebooks",
                        ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    port = free_port()
    env = lab_environment({k: v for k, v in os.environ.items()
                           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
    env.update({"JUPYTER_PORT": str(port), "JUPYTER_TOKEN": TOKEN, "BROWSER": "true",
                "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
                "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "ws"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))})
    if use_make:
        # `make lab` serves the checkout itself; it only reads, the kernel is not started here.
        cmd, how = ["make", "-s", "-C", str(REPO), "lab"], "make lab"
    else:
        cmd = lab_command(root, ["--no-browser", "--ip=127.0.0.1"])
        how = "python -m course.lab (command built by course.lab)"
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http(f"{base}/api/status")[0] == 200)
    t_api = time.perf_counter() - t0

    def page_ready() -> bool:
        status, body = http(f"{base}/lab/tree/{START_PAGE}")
        return status == 200 and b"jupyter-config-data" in body

    wait_until(page_ready)
    t_page = time.perf_counter() - t0
    return proc, base, t_api, t_page, how


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


def tree_pids(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory_mb(pids: list[int]) -> tuple[float, float]:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def run_lesson(base: str, runtime: Path, lesson: str) -> int:
    _, body = http(f"{base}/api/sessions", "POST",
                   {"path": lesson, "type": "notebook", "name": "", "kernel": {"name": "python3"}})
    kernel_id = json.loads(body)["kernel"]["id"]
    conn = runtime / f"kernel-{kernel_id}.json"
    wait_until(conn.exists, 60)
    kc = BlockingKernelClient(connection_file=str(conn))
    kc.load_connection_file()
    kc.start_channels(hb=False)  # heartbeat misreads a busy machine as a dead kernel
    for _ in range(30):
        kc.kernel_info()
        try:
            kc.get_shell_msg(timeout=10)
            break
        except Exception:  # queue.Empty: kernel still starting
            continue
    nb = nbformat.read(REPO / lesson, as_version=4)
    errors = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        reply = kc.execute_interactive(cell.source, timeout=300, output_hook=lambda _msg: None)
        errors += reply["content"]["status"] != "ok"
    kc.stop_channels()
    return errors


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lesson", default="notebooks/02_viet_prompt.ipynb")
    args = ap.parse_args()
    use_make = (REPO / ".venv" / ".installed").exists() and shutil.which("make") is not None
    os.environ.pop("OPENAI_API_KEY", None)
    os.environ["COURSE_BACKEND"] = "offline"

    api_times, page_times, how = [], [], ""
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        for _ in range(args.runs):
            proc, base, t_api, t_page, how = start_server(tmp, use_make)
            api_times.append(t_api)
            page_times.append(t_page)
            stop(proc)
        proc, base, *_ = start_server(tmp, use_make=False)
        try:
            idle_rss, idle_pss = memory_mb(tree_pids(proc.pid))
            errors = run_lesson(base, tmp / "runtime", args.lesson)
            rss, pss = memory_mb(tree_pids(proc.pid))
        finally:
            stop(proc)

    print(f"Machine: {machine()}")
    print(f"Start-up measured with: {how}; {args.runs} runs\n")
    print("| figure | value |\n|---|---|")
    print(f"| start → /api/status answers (median, all) | {statistics.median(api_times):.1f} s "
          f"({', '.join(f'{t:.1f}' for t in api_times)}) |")
    print(f"| start → start page served (median, all) | {statistics.median(page_times):.1f} s "
          f"({', '.join(f'{t:.1f}' for t in page_times)}) |")
    print(f"| server alone: RSS / PSS | {idle_rss:.0f} MB / {idle_pss:.0f} MB |")
    print(f"| server + kernel after {Path(args.lesson).name} ({errors} cell errors): RSS / PSS "
          f"| {rss:.0f} MB / {pss:.0f} MB |")
    print(f"| target ≤ 300 MB (RSS sum) | {'met' if rss <= 300 else 'NOT met'} |")


if __name__ == "__main__":
    main()
