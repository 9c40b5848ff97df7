"""Where one participant server start spends its CPU, on the real workshop hub.

    sudo .venv/bin/python benchmarks/spawn_profile.py [--out spawn_profile.json]

One participant on a fresh hub (hub/testing.py: real OS user, real spawner, nbgitpuller from
a published edition). CPU seconds come from /proc (utime+stime, plus the waited-for children:
start.sh's gitpuller and git), per phase:

1. first start: start.sh (nbgitpuller clone) -> jupyterhub-singleuser answers the hub;
2. first page: the OAuth round trip and the JupyterLab page (labextension discovery);
3. kernel: the course kernel (course.notebook loaded) until it answers, then lesson 02's
   cells, with the server+kernel PSS after the lesson;
4. second start, edition unchanged (nbgitpuller's pull).

Breakdown: the server's own command and environment (read from /proc) are re-run once as the
participant with ``python -X importtime`` (import time per top-level package) and under
cProfile (which server-start functions take the time), on another port, stopped when it
answers. Load average is recorded: CPU seconds are barely distorted by a busy machine, wall
time is. Not a test: figures go to benchmarks/README.md. Needs root.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]

from hub_load import LESSON, processes, pss_kb  # noqa: E402

from hub.edition import publish  # noqa: E402
from hub.testing import HubClient, HubUsers, RunningHub, free_port, participant_env  # noqa: E402

TCK = os.sysconf("SC_CLK_TCK")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"  # the hub's PATH has no sbin
PROFILER = """
import cProfile, os, runpy, signal, sys
prof = cProfile.Profile()
def _dump(*_):
    prof.disable(); prof.dump_stats(os.environ["PROFILE_OUT"]); os._exit(0)
signal.signal(signal.SIGUSR2, _dump)
sys.argv = sys.argv[1:]
prof.enable()
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def cpu(pid: int) -> tuple[float, float]:
    """(own utime+stime, waited-for children's cutime+cstime) in seconds."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TCK, (int(f[13]) + int(f[14])) / TCK
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0


def user_pids(uid: int) -> list[tuple[int, str]]:
    return [(p, c) for p, _, u, c in processes() if u == uid]


def server_pid(uid: int) -> int:
    return next(p for p, c in user_pids(uid) if "singleuser" in c)  # hub-files/singleuser.py


def kernel_pids(uid: int) -> list[int]:
    return [p for p, c in user_pids(uid) if "ipykernel_launcher" in c]


def start(client: HubClient, uid: int) -> dict:
    t0 = time.monotonic()
    r = client.spawn()
    if r.status_code not in (201, 202):
        raise RuntimeError(f"spawn refused ({r.status_code}): {r.text}")
    client.wait_ready(timeout=600)
    wall = time.monotonic() - t0
    pid = server_pid(uid)
    own, children = cpu(pid)
    return {"wall_s": round(wall, 1), "server_cpu_s": own, "sync_cpu_s": children, "pid": pid}


def importtime_by_package(stderr: str) -> dict[str, float]:
    """Self import time (ms) summed per top-level package."""
    out: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.split(":", 1)[1].split("|", 2)
        out[name.strip().split(".")[0]] += int(self_us) / 1000
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def rerun_server(pid: int, user: str, mode: str, workdir: Path) -> dict:
    """Re-run the server's command as ``user`` on another port: importtime or cProfile."""
    env = dict(kv.split("=", 1) for kv in
               Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0") if "=" in kv)
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")
    script = next(a for a in argv if a.endswith(("jupyterhub-singleuser", "singleuser.py")))
    python = str(Path(env["COURSE_HUB_ENV_BIN"]) / "python")
    port = free_port()
    extra = [f"--ServerApp.port={port}"]
    out = workdir / f"{mode}.out"
    if mode == "importtime":
        cmd = [python, "-P", "-X", "importtime", script, *argv[argv.index(script) + 1:], *extra]
    else:
        prof_py = workdir / "prof.py"
        prof_py.write_text(PROFILER)
        env["PROFILE_OUT"] = str(workdir / "server.prof")
        cmd = [python, "-P", str(prof_py), script, *argv[argv.index(script) + 1:], *extra]
    os.chmod(workdir, 0o777)
    with open(out, "wb") as log:
        proc = subprocess.Popen([RUNUSER, "-u", user, "--", *cmd], env=env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=env.get("HOME", "/"),
                                start_new_session=True)
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 300:
        try:
            if requests.get(f"http://127.0.0.1:{port}{prefix}api", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    wall = time.monotonic() - t0
    child = next((p for p, pp, _, _ in processes() if pp == proc.pid), proc.pid)
    own, _ = cpu(child)
    result = {"wall_s": round(wall, 1), "cpu_s": own}
    if mode == "profile":
        os.kill(child, signal.SIGUSR2)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        stats = pstats.Stats(str(workdir / "server.prof"))
        rows = sorted(((v[3], f"{Path(k[0]).name}:{k[2]}") for k, v in stats.stats.items()),
                      reverse=True)
        result["cumulative_top"] = [(name, round(t, 2)) for t, name in rows[:60]]
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        result["import_ms_by_package"] = {k: round(v) for k, v in list(
            importtime_by_package(out.read_text(errors="replace")).items())[:25]}
        result["import_ms_total"] = round(sum(importtime_by_package(
            out.read_text(errors="replace")).values()))
    return result


CPU_STEPS = """
import json, resource, sys, time
out = {"python_start": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime
                         + resource.getrusage(resource.RUSAGE_SELF).ru_stime, 2)}
steps = [("jsonschema (format checkers: rfc3987_syntax compiles its grammars)", ["jsonschema"]),
         ("jupyter_server.serverapp", ["jupyter_server.serverapp"]),
         ("jupyterhub.singleuser (sqlalchemy, alembic, aiohttp)", ["jupyterhub.singleuser"]),
         ("jupyterlab + jupyterlab_server", ["jupyterlab", "jupyterlab.labapp"]),
         ("nbgrader server extensions (nbconvert, setuptools)",
          ["nbgrader.server_extensions.validate_assignment",
           "nbgrader.server_extensions.assignment_list"]),
         ("voila server extension", ["voila.server_extension"]),
         ("jupyter_lsp", ["jupyter_lsp"]),
         ("jupyter_server_terminals", ["jupyter_server_terminals"]),
         ("notebook + notebook_shim", ["notebook", "notebook_shim"]),
         ("nbgitpuller", ["nbgitpuller"]),
         ("course server extensions", ["course.jupyter_ext", "course.app_links",
                                       "course.lab_layout"])]
for label, mods in steps:
    t = time.process_time()
    for m in mods:
        try:
            __import__(m)
        except ImportError:
            pass
    out[label] = round(time.process_time() - t, 2)
print(json.dumps(out))
"""


def cpu_steps(pid: int, user: str, workdir: Path) -> dict:
    """CPU seconds of the server's imports, in start order, as ``user`` with its environment
    (a module shared by two steps counts in the first)."""
    env = dict(kv.split("=", 1) for kv in
               Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0") if "=" in kv)
    python = str(Path(env["COURSE_HUB_ENV_BIN"]) / "python")
    res = subprocess.run([RUNUSER, "-u", user, "--", python, "-c", CPU_STEPS], env=env,
                         capture_output=True, text=True,
                         cwd=str(workdir), timeout=300)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out")
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args(argv)
    env_path = participant_env()
    res: dict = {"load_avg_before": os.getloadavg()}
    password = "mat-khau-tai-thu"
    with HubUsers(["hv"]) as users:
        name = users.participants[0]
        uid = pwd.getpwnam(name).pw_uid
        edition = users.base / "edition"
        publish(edition)
        with RunningHub(users.roster_file, env_path=env_path, edition_repo=edition) as hub:
            client = HubClient(hub.url)
            if client.login(name, password).status_code != 302:
                raise RuntimeError("login refused")
            first = start(client, uid)
            pid = first.pop("pid")
            res["first_start"] = first
            before = sum(cpu(pid))
            if (status := client.open_server().status_code) != 200:
                raise RuntimeError(f"server not opened ({status})")
            page = client.get("lab/tree/khoa-hoc/notebooks/00_bat_dau.ipynb")
            if page.status_code != 200:
                raise RuntimeError(f"lesson page not served ({page.status_code})")
            res["first_page_cpu_s"] = round(sum(cpu(pid)) - before, 2)
            before_server = sum(cpu(pid))
            client.execute(["pass"], keep_kernel=True)
            kpid = kernel_pids(uid)[0]
            res["kernel_start_cpu_s"] = round(sum(cpu(kpid)), 2)
            res["server_cpu_for_kernel_s"] = round(sum(cpu(pid)) - before_server, 2)
            nb = client.get(f"api/contents/{LESSON}").json()["content"]
            cells = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
            results = client.execute(cells, timeout=300, keep_kernel=True)
            res["lesson02_errors"] = sum(r["status"] != "ok" for r in results)
            time.sleep(2)
            kp = [p for p in kernel_pids(uid) if p != kpid]
            res["lesson02_kernel_cpu_s"] = round(sum(sum(cpu(p)) for p in kp), 2)
            res["pss_after_lesson02_mb"] = {
                "server": round(pss_kb(pid) / 1024, 1),
                "kernel": round(sum(pss_kb(p) for p in kp) / 1024, 1),
                "all_of_user": round(sum(pss_kb(p) for p, _ in user_pids(uid)) / 1024, 1)}
            if not args.no_breakdown:
                with tempfile.TemporaryDirectory(prefix="spawn-profile-") as tmp:
                    os.chmod(tmp, 0o755)
                    res["import_cpu_s"] = [cpu_steps(pid, name, Path(tmp)) for _ in range(3)]
                    res["breakdown_importtime"] = rerun_server(pid, name, "importtime",
                                                               Path(tmp))
                    res["breakdown_cprofile"] = rerun_server(pid, name, "profile", Path(tmp))
            hub.stop_servers()
            second = start(client, uid)
            second.pop("pid")
            res["second_start"] = second
            hub.stop_servers()
    res["load_avg_after"] = os.getloadavg()
    print(json.dumps(res, ensure_ascii=False, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
