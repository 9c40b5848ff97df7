"""Binder rehearsal: build a session the way repo2docker does, from binder/ alone.

A fresh virtual environment gets only `binder/requirements.txt`, `binder/postBuild` runs in a
temporary copy of the repository, and everything afterwards goes through `binder/start`.
SLOW: 6-10 minutes on 2 cores (pip install of ~100 packages dominates, even with a warm pip
cache; it depends on the index and machine load). It never touches the real checkout or ~/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from lab_server import free_port, wait_for_server

from course.lab import CONFIG_DIR, hints, is_offline, lab_command, lab_environment

REPO = Path(__file__).resolve().parents[1]
START_PAGE = "notebooks/00_bat_dau.ipynb"
LESSON = "notebooks/02_viet_prompt.ipynb"
SIMULATION_MARK = "MÔ PHỎNG"  # part of course.SIMULATION_LABEL, checked against it below
INSTRUCTOR_LAB = ("create-assignment", "formgrader", "course-list")


def _pip_cache_dir() -> str:
    out = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def _copy_repo(dest: Path) -> None:
    """Copy the tracked and untracked-but-not-ignored files, like a fresh clone (plus WIP)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


class Session:
    """The rehearsal image: a venv, a repo copy and a private HOME."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = root / "repo"
        self.venv = root / "env"
        self.home = root / "home"
        self.home.mkdir()
        self.env = {
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(self.venv),
            "HOME": str(self.home),  # Jupyter, course and tiktoken caches stay in the temp dir
            "LANG": "C.UTF-8",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        for name in ("PIP_CACHE_DIR", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT",
                     "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE", "TMPDIR"):
            if os.environ.get(name):
                self.env[name] = os.environ[name]
        self.env.setdefault("PIP_CACHE_DIR", _pip_cache_dir())

    def run(self, *cmd: str, extra_env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **(extra_env or {})}
        proc = subprocess.run(list(cmd), cwd=cwd or self.repo, env=env, capture_output=True,
                              text=True, timeout=timeout)
        assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc

    def start(self, *cmd: str, **kw) -> subprocess.CompletedProcess[str]:
        """Run a command the way Binder runs the server: through binder/start."""
        return self.run(str(self.repo / "binder" / "start"), *cmd, **kw)


@pytest.fixture(scope="module")
def binder(tmp_path_factory) -> Session:
    s = Session(tmp_path_factory.mktemp("binder"))
    _copy_repo(s.repo)
    s.run(sys.executable, "-m", "venv", str(s.venv), cwd=s.root)
    print("\n[binder rehearsal] installing binder/requirements.txt (slow the first time)...")
    s.run(str(s.venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
          "binder/requirements.txt", timeout=1800)
    print("[binder rehearsal] running binder/postBuild...")
    # As in a repo2docker build of the instructor's branch: the image keeps the edition only.
    s.postbuild_log = s.run("bash", "binder/postBuild",
                            extra_env={"COURSE_EDITION_IN_PLACE": "1"}).stdout
    return s


def test_start_is_offline_without_key(binder):
    code = ("import json, os, course; "
            "print(json.dumps({'backend': course.status()['backend'], "
            "'env': os.environ.get('COURSE_BACKEND'), 'cfg': os.environ['JUPYTER_CONFIG_PATH'], "
            "'file': course.__file__}))")
    out = json.loads(binder.start("python", "-c", code, cwd=binder.home).stdout)
    assert out["backend"] == "offline"
    assert out["env"] == "offline"
    assert out["cfg"].split(os.pathsep)[0] == str(binder.repo / "course" / "jupyter_config")
    # The installed package, not the checkout: postBuild's `pip install .` worked.
    assert str(binder.venv) in out["file"]


def test_start_keeps_real_backend_when_key_given(binder):
    code = "import os; print(os.environ.get('COURSE_BACKEND', 'unset'))"
    fake = {"OPENAI_API_KEY": "sk-proj-" + "rehearsal" * 4}
    assert binder.start("python", "-c", code, extra_env=fake).stdout.strip() == "unset"
    local = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    assert binder.start("python", "-c", code, extra_env=local).stdout.strip() == "unset"


def test_postbuild_enables_participant_extensions_only(binder):
    server = binder.start("jupyter", "server", "extension", "list")
    text = server.stdout + server.stderr
    for name, wanted in [("formgrader", "disabled"), ("course_list", "disabled"),
                         ("validate_assignment", "enabled"), ("assignment_list", "enabled")]:
        line = next(ln for ln in text.splitlines() if f"nbgrader.server_extensions.{name} " in ln)
        assert wanted in line, line
    page_config = json.loads(
        (binder.venv / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    disabled = page_config["disabledExtensions"]
    for plugin in INSTRUCTOR_LAB:
        assert disabled.get(f"@jupyter/nbgrader:{plugin}") is True
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled


def test_postbuild_installs_participant_settings(binder):
    settings = binder.venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    data = json.loads(settings.read_text(encoding="utf-8"))
    assert data["@jupyterlab/translation-extension:plugin"]["locale"] == "vi_VN"
    assert data["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    code = "import jupyterlab_language_pack_vi_VN as p; print(p.__file__)"
    binder.start("python", "-c", code, cwd=binder.home)


def test_tokens_are_exact_offline(binder):
    code = ("import course; i = course.token_info('Hạt tiêu Cùa', model='gpt-4o-mini'); "
            "print(i.exact, i.tokens)")
    exact, tokens = binder.start("python", "-c", code, cwd=binder.home).stdout.split()
    assert exact == "True" and int(tokens) > 0


def test_image_holds_the_participant_edition_only(binder):
    from autograder.edition import hidden_test_lines, scan

    sources = sorted((REPO / "assignments" / "source").glob("*/*.ipynb"))
    assert sources
    for src in sources:
        released = binder.repo / "assignments" / "release" / src.parent.name / src.name
        assert released.exists(), f"postBuild did not release {src.parent.name}"
    assert not (binder.repo / "assignments" / "source").exists()
    assert not (binder.repo / "autograder").exists()
    assert scan(binder.repo, hidden_test_lines(REPO / "assignments" / "source")) == []
    # The installed package is the participant's: no instructor tool in site-packages.
    code = "import importlib.util as u; print(u.find_spec('autograder') is None)"
    assert binder.start("python", "-c", code, cwd=binder.home).stdout.strip() == "True"


def _run_notebook(binder: Session, rel: str) -> nbformat.NotebookNode:
    out_dir = binder.root / "executed"
    binder.start("jupyter", "nbconvert", "--to", "notebook", "--execute",
                 "--ExecutePreprocessor.timeout=180", "--output-dir", str(out_dir), rel)
    return nbformat.read(out_dir / Path(rel).name, as_version=4)


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{out.get('ename')}: {out.get('evalue')}"
            parts.append(out.get("text", "") if isinstance(out.get("text"), str) else "")
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


@pytest.mark.parametrize("rel", [START_PAGE, LESSON])
def test_notebooks_run_offline_in_binder_session(binder, rel):
    label = binder.start("python", "-c", "import course; print(course.SIMULATION_LABEL)",
                         cwd=binder.home).stdout.strip()
    assert SIMULATION_MARK in label
    text = _outputs_text(_run_notebook(binder, rel))
    assert label in text, "no labelled offline answer: the simulation was not used"


def test_binder_server_scrubs_keys_before_saving(binder):
    """The server Binder starts (through binder/start) runs the key-scrubbing save hook."""
    root = binder.root / "served"
    root.mkdir()
    port, token = free_port(), "rehearsal-token"
    cmd = [str(binder.repo / "binder" / "start"), "jupyter", "server", "--no-browser",
           "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = binder.root / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, cwd=binder.home, env=binder.env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_server(f"{base}/api/status?token={token}", proc,
                               time.monotonic() + 120):
            pytest.fail("The Binder server did not start:\n"
                        + log_path.read_text(encoding="utf-8"))
        key = "sk-proj-" + "Rehearsal9Key" * 4
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "id": "k", "metadata": {}, "execution_count": None,
             "outputs": [], "source": f'course.configure(api_key="{key}")'}]}
        req = urllib.request.Request(
            f"{base}/api/contents/bai.ipynb", method="PUT",
            data=json.dumps({"type": "notebook", "format": "json", "content": nb}).encode(),
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=30)
        saved = (root / "bai.ipynb").read_text(encoding="utf-8")
        assert key not in saved
        assert "[ĐÃ XÓA KHÓA API]" in saved
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


# The `make lab` side of the same settings (course/lab.py), checked without a server.
def test_lab_environment_puts_participant_config_first():
    env = lab_environment({"JUPYTER_CONFIG_PATH": "/x", "PATH": "/bin"})
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(CONFIG_DIR), "/x"]
    assert env["COURSE_BACKEND"] == "offline"
    online = lab_environment({"OPENAI_API_KEY": "sk-proj-" + "z" * 30})
    assert "COURSE_BACKEND" not in online
    assert (CONFIG_DIR / "labconfig" / "default_setting_overrides.json").exists()
    assert (CONFIG_DIR / "jupyter_server_config.py").exists()


def test_lab_hints_are_vietnamese_and_never_show_key(tmp_path):
    key = "sk-proj-" + "HINTKEY" * 5
    offline = "\n".join(hints({}, REPO))
    assert "MÔ PHỎNG" in offline and "Ctrl+C" in offline
    online = "\n".join(hints({"OPENAI_API_KEY": key}, REPO))
    assert key not in online and key[-4:] not in online
    assert not is_offline({"OPENAI_API_KEY": key})
    cmd = lab_command(REPO, ["--no-browser"])
    assert f"--LabApp.default_url=/lab/tree/{START_PAGE}" in cmd
    assert lab_command(tmp_path)[-1] != f"--LabApp.default_url=/lab/tree/{START_PAGE}"
