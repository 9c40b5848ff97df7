"""One "offline or online?" rule: the kernel, `make lab` and Binder's start script agree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course.config import backend_from_env, settings_from_env
from course.lab import hints, is_offline, lab_environment

START = Path(__file__).resolve().parents[1] / "binder" / "start"
KEY = "sk-proj-" + "Rule0ne" * 5

CASES = {
    "nothing": ({}, "offline"),
    "cloud key": ({"OPENAI_API_KEY": KEY}, "openai"),
    "classroom server": ({"OPENAI_BASE_URL": "http://192.168.1.20:11434/v1"}, "openai"),
    # A cloud address without a key cannot answer: the kernel stays offline, so must the rest.
    "cloud address, no key": ({"OPENAI_BASE_URL": "https://openrouter.ai/api/v1"}, "offline"),
    "forced offline": ({"OPENAI_API_KEY": KEY, "COURSE_BACKEND": "offline"}, "offline"),
}


def _start_exports(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "COURSE_BACKEND", "COURSE_PROVIDER")}
    clean["PATH"] = str(Path(sys.executable).parent) + os.pathsep + clean.get("PATH", "")
    out = subprocess.run(["bash", str(START), "bash", "-c", "echo ${COURSE_BACKEND:-unset}"],
                         env={**clean, **env}, capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


@pytest.mark.parametrize("name", CASES)
def test_kernel_lab_and_binder_agree(name):
    env, expected = CASES[name]
    assert settings_from_env(env).backend == expected == backend_from_env(env)
    assert is_offline(env) == (expected == "offline")
    assert ("COURSE_BACKEND" in lab_environment(env)) == (expected == "offline")
    announced_offline = any("MÔ PHỎNG" in line for line in hints(env, Path.cwd()))
    assert announced_offline == (expected == "offline")
    exported = _start_exports(env)
    assert exported == ("offline" if expected == "offline" else env.get("COURSE_BACKEND", "unset"))
