"""The class AI gateway seen from the course library: discovery is a value on the settings,
the provider list is computed, the fall-back decision is the client pipeline's, and nothing
runs at `import course` (issue 27, item 1)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import pytest
from llm_server import Scripted, completion

import course
from course.config import PRESETS, providers, settings_from_env, updated
from course.i18n import t
from course.llm import client, gateway, online, session

PACKAGE = Path(course.__file__).resolve().parent


def test_discovery_from_hub_or_litellm_environment():
    env = {"COURSE_GATEWAY_URL": "http://127.0.0.1:9/services/ai/v1/",
           "JUPYTERHUB_API_TOKEN": "abc", "COURSE_GATEWAY_MODEL": "gpt-4o-mini"}
    hub = settings_from_env(env)
    assert (hub.backend, hub.provider, hub.base_url) == (
        "openai", "lop-hoc", "http://127.0.0.1:9/services/ai/v1")
    assert hub.api_key == "not-needed"  # the token is added per request, never stored here
    assert "abc" not in repr(hub)
    assert hub.gateway is not None and hub.gateway.token() == "abc"  # read from `env`
    assert gateway.discover(env) == hub.gateway  # a value, the same each time
    # the provider list is computed from the settings; the presets stay as they are
    assert "lop-hoc" in providers(hub) and "lop-hoc" not in PRESETS
    assert "lop-hoc" not in providers(settings_from_env({}))
    # after a fallback to the simulation, the message's one-liner brings the class AI back
    back = updated(updated(hub, backend="offline"), provider="lop-hoc")
    assert (back.backend, back.base_url) == ("openai", "http://127.0.0.1:9/services/ai/v1")
    litellm = settings_from_env({"LITELLM_API_BASE": "http://10.0.0.9:4000",
                                 "LITELLM_API_KEY": "sk-virtual"})
    assert litellm.base_url == "http://10.0.0.9:4000/v1" and litellm.backend == "openai"
    assert litellm.gateway.token() == "sk-virtual"
    # the participant's own choice wins: offline stays offline, their own key stays theirs
    assert settings_from_env({"COURSE_GATEWAY_URL": "http://x/v1", "JUPYTERHUB_API_TOKEN": "a",
                              "COURSE_BACKEND": "offline"}).backend == "offline"
    own = settings_from_env({"COURSE_GATEWAY_URL": "http://x/v1", "JUPYTERHUB_API_TOKEN": "a",
                             "OPENAI_API_KEY": "sk-own"})
    assert own.provider != "lop-hoc" and own.on_gateway is None
    # a gateway URL without a hub token is not a hub: offline simulation
    assert settings_from_env({"COURSE_GATEWAY_URL": "http://x/v1"}).backend == "offline"


def test_settings_read_the_environment_they_are_given(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "from-os-environ"))
    given = settings_from_env({"COURSE_CACHE_DIR": str(tmp_path / "given")})
    assert given.cache_dir == tmp_path / "given"
    xdg = settings_from_env({"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert xdg.cache_dir == tmp_path / "xdg" / "course-ai"


def _hub_env(llm_server, token: str = "hub-token-of-an") -> dict[str, str]:
    return {"COURSE_GATEWAY_URL": llm_server.base_url, "JUPYTERHUB_API_TOKEN": token,
            "COURSE_LESSON": "02_viet_prompt.ipynb", "COURSE_BACKEND": "",
            "COURSE_CACHE": "0"}


def test_requests_carry_the_token_of_the_given_environment(llm_server, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "token-in-os-environ")
    session.current().reset(settings_from_env(_hub_env(llm_server)))
    assert course.ask("Xin chào", temperature=0) == "Xin chào từ máy chủ thử nghiệm"
    headers = llm_server.requests[-1]["headers"]
    assert headers["authorization"] == "Bearer hub-token-of-an"
    assert headers["x-course-lesson"] == "02_viet_prompt"
    assert course.status()["label"] == t("gateway.provider_label")


BUDGET_SPENT = {"error": {"code": "gateway_budget_exceeded", "message": "budget",
                          "used_vnd": 1170, "budget_vnd": 1000,
                          "resets_text": "00:00 ngày 30/11/2026", "contact": "thầy Hùng"}}


def test_translate_maps_and_the_pipeline_falls_back(llm_server):
    import openai

    session.current().reset(settings_from_env(_hub_env(llm_server)))
    settings = session.current().settings
    # translate is a mapping: the session is what it was
    llm_server.push(Scripted(402, BUDGET_SPENT))
    sdk = openai.OpenAI(api_key="x", base_url=llm_server.base_url, max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
    mapped = online.translate(caught.value, base_url=settings.base_url, timeout=5, model="m",
                              class_gateway=settings.gateway)
    assert isinstance(mapped, course.BudgetExceededError) and isinstance(mapped, gateway.FallsBack)
    assert "thầy Hùng" in str(mapped) and mapped.reason == "gateway_budget_exceeded"
    assert session.current().settings == settings and session.current().fallback is None
    # the pipeline decides: the participant reads why, the next cell runs on the simulation
    llm_server.push(Scripted(402, BUDGET_SPENT))
    with pytest.raises(course.BudgetExceededError) as refused:
        course.ask("Viết mô tả mật ong", temperature=0)
    assert refused.value.__context__ is None and refused.value.__cause__ is None
    st = course.status()
    assert st["backend"] == "offline" and st["gateway"]["reason"] == "gateway_budget_exceeded"
    assert st["gateway"]["until"] == "00:00 ngày 30/11/2026"
    assert course.is_simulated(course.ask("Viết mô tả mật ong", temperature=0))
    # the one-liner of the message brings the class AI back
    assert course.configure(provider="lop-hoc")["backend"] == "openai"
    assert "gateway" not in session.current().status() and session.current().fallback is None
    assert not course.is_simulated(course.ask("Viết mô tả mật ong", temperature=0))
    # a participant who moves to their own key after a fallback is told nothing about it
    llm_server.push(Scripted(402, BUDGET_SPENT))
    with pytest.raises(course.BudgetExceededError):
        course.ask("Một câu khác", temperature=0)
    assert course.status()["gateway"]["state"] == "fallback"
    course.configure(provider="ollama")  # their own model on their own machine
    st = course.status()
    assert st["provider"] == "ollama" and "gateway" not in st and "label" not in st


def test_a_stream_refused_by_the_class_ai_falls_back_too(llm_server):
    session.current().reset(settings_from_env(_hub_env(llm_server)))
    llm_server.push(Scripted(403, {"error": {"code": "gateway_paused", "message": "paused"}}))
    with pytest.raises(course.LLMError, match="tạm dừng"):
        list(course.stream("Viết lời chào", temperature=0))
    assert course.status()["gateway"]["reason"] == "gateway_paused"


def test_a_waiting_participant_is_told_why(llm_server, monkeypatch):
    monkeypatch.setattr(gateway, "NOTICE_AFTER", 0.3)
    session.current().reset(settings_from_env(_hub_env(llm_server)))
    llm_server.push(Scripted(body=completion("Đến lượt bạn"), delay=1.5),
                    Scripted(body={"queue": {"you_waiting": True, "waiting": 3, "limit": 2}}))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        assert course.ask("Yêu cầu phải xếp hàng", temperature=0) == "Đến lượt bạn"
    notices = [str(w.message) for w in seen if issubclass(w.category, client.WaitingNotice)]
    assert notices == [t("gateway.waiting_queue", waiting=3, limit=2)]
    assert llm_server.requests[-1]["path"].endswith("/me")
    assert llm_server.requests[-1]["headers"]["authorization"] == "Bearer hub-token-of-an"
    # an answer in time: no notice, and the timer is gone with the call
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        course.ask("Câu nhanh", temperature=0)
    assert not [w for w in seen if issubclass(w.category, client.WaitingNotice)]
    for timer in [th for th in threading.enumerate() if isinstance(th, threading.Timer)]:
        timer.join(timeout=5)  # cancelled: it ends at once
        assert not timer.is_alive()


IMPORT_PROBE = """
import json, sys, threading, types
import course
from course import config
from course.llm import gateway, session
def state():
    mods = {n: m for n, m in sys.modules.items() if n == "course" or n.startswith("course.")}
    # names bound in each module, submodules aside (importing one binds it on its package)
    return {n: sorted(k for k, v in vars(m).items()
                      if not k.startswith("__") and not isinstance(v, types.ModuleType))
            for n, m in mods.items()}
out = {"threads": [t.name for t in threading.enumerate()],
       "settings_read": session.current()._settings is not None,
       "heavy": sorted(m for m in ("openai", "httpx", "pandas", "tiktoken") if m in sys.modules),
       "presets": sorted(config.PRESETS)}
names = state()
out["status"] = course.status()["provider"]   # first use: the environment is read now
out["providers"] = sorted(course.PROVIDERS)
out["threads_after"] = [t.name for t in threading.enumerate()]
out["presets_after"] = sorted(config.PRESETS)
out["new_globals"] = {n: sorted(set(v) - set(names.get(n, v))) for n, v in state().items()
                      if n in names and set(v) - set(names[n])}
print(json.dumps(out))
"""


def test_import_course_starts_nothing_and_changes_no_module_state(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COURSE_CACHE_DIR": str(tmp_path),
           "COURSE_GATEWAY_URL": "http://127.0.0.1:9/services/ai/v1",
           "JUPYTERHUB_API_TOKEN": "abc", "PYTHONPATH": str(PACKAGE.parent)}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(IMPORT_PROBE)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["threads"] == ["MainThread"] and not out["settings_read"]
    assert out["heavy"] == []  # the SDK and its HTTP library load on the first online call
    assert out["status"] == "lop-hoc" and "lop-hoc" in out["providers"]
    assert out["threads_after"] == ["MainThread"]
    assert out["presets"] == out["presets_after"] and "lop-hoc" not in out["presets_after"]
    assert out["new_globals"] == {}  # first use adds no module global anywhere in `course`


def _imports(path: Path) -> set[str]:
    """Modules of the `course` package that `path` imports (anywhere in the file)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    return {m for m in found if m == "course" or m.startswith("course.")}


def _module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def _reachable(start: str, files: dict[str, Path]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        for dep in _imports(files[name]):
            # `from ..x import y` is `course.x` or `course.x.y`: keep the real modules
            if dep in files and dep not in seen and dep != name:
                seen.add(dep)
                todo.append(dep)
    return seen


def test_config_and_gateway_import_graph_has_no_cycle():
    files = _module_files()
    from_gateway = _reachable("course.llm.gateway", files)
    assert "course.config" not in from_gateway, sorted(from_gateway)
    assert "course.llm.session" not in from_gateway and "course" not in from_gateway
    assert "course.llm.gateway" in _reachable("course.config", files)  # the one direction
    # the check itself sees a real cycle: session -> config -> llm.gateway -> ... -> session?
    assert "course.config" in _reachable("course.llm.session", files)
