"""API keys never reach a saved notebook: scrub(), remember_key() and the server save hook."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course import keyguard
from course.keyguard import REDACTED, remember_key, scrub, scrub_message, scrub_notebook
from course.lab import lab_environment

OPENAI_LEGACY = "sk-" + "A1b2C3d4E5f6G7h8I9j0" * 2 + "T3BlbkFJ"
OPENAI_PROJECT = "sk-proj-" + "Xy9_Zz-8" * 12
OPENAI_SVCACCT = "sk-svcacct-" + "k3Y" * 20
OPENROUTER = "sk-or-v1-" + "0123456789abcdef" * 4
ANTHROPIC = "sk-ant-api03-" + "AbCdEfGh" * 11 + "-xyz_AA"
GOOGLE = "AIza" + "SyD-1234567890abcdefghijklmnopqrs_X"[:35]
HUGGINGFACE = "hf_" + "aBcDeFgHiJ" * 4
GROQ = "gsk_" + "Q1w2E3r4T5" * 5

ALL_SHAPES = [OPENAI_LEGACY, OPENAI_PROJECT, OPENAI_SVCACCT, OPENROUTER, ANTHROPIC, GOOGLE,
              HUGGINGFACE, GROQ]


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path, monkeypatch):
    """Each test gets its own Jupyter runtime dir and no remembered keys."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    keyguard.forget_keys()
    yield
    keyguard.forget_keys()


def test_google_fixture_has_real_shape():
    assert len(GOOGLE) == 39


@pytest.mark.parametrize("key", ALL_SHAPES)
@pytest.mark.parametrize("template", [
    "{k}",
    'client = OpenAI(api_key="{k}")',
    "OPENAI_API_KEY={k}\n",
    "Khóa của tôi là {k}.",
    "Authorization: Bearer {k}",
    "{{'api_key': '{k}'}}",
    "khóa:{k} xong",
])
def test_scrub_removes_every_key_shape(key, template):
    text = template.format(k=key)
    cleaned = scrub(text)
    assert key not in cleaned
    assert REDACTED in cleaned
    # The text around the key survives untouched.
    assert cleaned == text.replace(key, REDACTED)


@pytest.mark.parametrize("text", [
    "sk-8",
    "task-list",
    "Mã sản phẩm sk-2024 đã hết hàng.",
    "risk-assessment-for-the-cooperative-and-its-members",
    "desk-booking-system-version-two-final",
    "AIza là bốn chữ cái",
    "AIzaShort_123",
    "Hạt tiêu Cùa Quảng Trị, 4 sao OCOP, giá 250.000 đ/kg",
    "https://example.com/path/sk-",
    "hf_small",
    "Mã chiến dịch: sk-2024-tet-khuyen-mai-gao-huu-co",
    "thư mục sk-ban-hang-online-quang-tri-2025/anh",
    "Gọi 0912 345 678 để đặt hàng",
])
def test_scrub_keeps_normal_text(text):
    assert scrub(text) == text


def test_scrub_handles_two_keys_and_nfc_text():
    text = f"Cũ: {OPENAI_LEGACY}; mới: {OPENAI_PROJECT}. Cảm ơn!"
    assert scrub(text) == f"Cũ: {REDACTED}; mới: {REDACTED}. Cảm ơn!"


def test_scrub_removes_configured_key_of_any_shape():
    local_key = "my-vllm-secret-Q7x2p9"  # no provider prefix
    assert scrub(f"key={local_key}") == f"key={local_key}"
    remember_key(local_key)
    assert scrub(f"key={local_key}") == f"key={REDACTED}"


def test_environment_key_is_scrubbed(monkeypatch):
    env_key = "custom-proxy-token-0987654321"
    monkeypatch.setenv("OPENAI_API_KEY", env_key)
    assert env_key not in scrub(f"print('{env_key}')")


def test_short_placeholder_keys_are_not_remembered():
    remember_key("ollama")
    text = "Ollama chạy trên máy: ollama pull qwen2.5:3b"
    assert scrub(text) == text
    assert not keyguard._store_path().exists()


def test_remember_key_stores_only_a_salted_hash(tmp_path):
    key = "local-secret-" + "Zq8Wm3" * 5
    remember_key(key)
    store = keyguard._store_path()
    raw = store.read_text(encoding="utf-8")
    assert key not in raw
    assert key[5:25] not in raw
    data = json.loads(raw)
    assert data["keys"][0]["length"] == len(key)
    assert len(data["keys"][0]["sha256"]) == 64
    assert stat.S_IMODE(store.stat().st_mode) == 0o600


def test_hashed_key_is_found_without_the_clear_key():
    """The server process only has the hash file: it must still find the key."""
    key = "local-secret-" + "Zq8Wm3" * 5
    remember_key(key)
    keyguard._known_keys.clear()  # as in the server: nothing in memory
    assert key not in keyguard._configured_keys()
    for text in (key, f"'{key}'", f"{key}.", f"xx{key}", f"Dùng khóa {key} nhé"):
        cleaned = scrub(text)
        assert key not in cleaned, text
        assert REDACTED in cleaned
    assert scrub("local-secret-but-not-the-same-key") == "local-secret-but-not-the-same-key"


PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"


def _notebook_with_keys(key: str) -> dict:
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {
            "widgets": {"application/vnd.jupyter.widget-state+json": {
                "version_major": 2, "version_minor": 0,
                "state": {"abc": {"model_name": "PasswordModel", "state": {"value": key}}},
            }},
        },
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": f"Khóa: {key}"},
            {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1,
             "source": ["import course\n", f'course.configure(api_key="{key}")\n'],
             "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": [f"{key}\n", "xong\n"]},
                 {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                  "data": {"text/plain": f"'{key}'", "text/html": f"<b>{key}</b>",
                           "application/json": {"nested": [{"k": key}]},
                           "image/png": PNG_B64}},
                 {"output_type": "error", "ename": "AuthError", "evalue": f"bad {key}",
                  "traceback": [f"AuthError: bad {key}"]},
             ]},
        ],
    }


def test_scrub_notebook_everywhere():
    nb = _notebook_with_keys(OPENAI_PROJECT)
    png = nb["cells"][1]["outputs"][1]["data"]["image/png"]
    assert scrub_notebook(nb) is True
    dumped = json.dumps(nb, ensure_ascii=False)
    assert OPENAI_PROJECT not in dumped
    assert dumped.count(REDACTED) == 9
    assert nb["cells"][1]["outputs"][1]["data"]["image/png"] == png
    assert nb["cells"][1]["source"][0] == "import course\n"
    assert scrub_notebook(nb) is False  # nothing left to remove


def test_pre_save_hook_on_models():
    nb_model = {"type": "notebook", "format": "json", "content": _notebook_with_keys(GOOGLE)}
    keyguard.pre_save_hook(model=nb_model, path="a.ipynb", contents_manager=None)
    assert GOOGLE not in json.dumps(nb_model)
    text_model = {"type": "file", "format": "text", "content": f"OPENAI_API_KEY={OPENROUTER}\n"}
    keyguard.pre_save_hook(model=text_model, path=".env", contents_manager=None)
    assert text_model["content"] == f"OPENAI_API_KEY={REDACTED}\n"
    b64 = {"type": "file", "format": "base64", "content": "c2stcHJvai0="}
    keyguard.pre_save_hook(model=b64, path="x.bin", contents_manager=None)
    assert b64["content"] == "c2stcHJvai0="


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyter_server(tmp_path):
    """A real Jupyter server with the participant config, on 127.0.0.1."""
    root = tmp_path / "root"
    root.mkdir()
    port, token = _free_port(), "keyguard-test-token"
    env = lab_environment({k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"})
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1]),
                                         env.get("PYTHONPATH", "")]).strip(os.pathsep)
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail("Jupyter server did not start: " + (tmp_path / "server.log").read_text())
    if proc.poll() is not None:
        pytest.fail("Jupyter server exited: " + (tmp_path / "server.log").read_text())
    yield base, token, root, tmp_path / "server.log"
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def _put(base: str, token: str, path: str, model: dict) -> None:
    req = urllib.request.Request(
        f"{base}/api/contents/{path}", method="PUT", data=json.dumps(model).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 201)


def test_server_hook_scrubs_saved_notebook_and_text(jupyter_server):
    base, token, root, log = jupyter_server
    _put(base, token, "bai.ipynb", {"type": "notebook", "format": "json",
                                     "content": _notebook_with_keys(OPENAI_PROJECT)})
    _put(base, token, "ghi_chu.txt", {"type": "file", "format": "text",
                                       "content": f"khóa: {GOOGLE}\nhết"})
    saved = (root / "bai.ipynb").read_text(encoding="utf-8")
    assert OPENAI_PROJECT not in saved
    assert REDACTED in saved
    assert json.loads(saved)["cells"][1]["source"][0] == "import course\n"
    assert (root / "ghi_chu.txt").read_text(encoding="utf-8") == f"khóa: {REDACTED}\nhết"
    assert OPENAI_PROJECT not in log.read_text(encoding="utf-8")


def test_server_hook_scrubs_key_remembered_by_another_process(jupyter_server, tmp_path):
    """A kernel calls remember_key(); the server, holding only the hash, scrubs the save."""
    base, token, root, _ = jupyter_server
    key = "vllm-" + "Pw7Kx2Lm9Q" * 3
    remember_key(key)  # same JUPYTER_RUNTIME_DIR as the server
    _put(base, token, "rieng.ipynb", {"type": "notebook", "format": "json",
                                       "content": _notebook_with_keys(key)})
    saved = (root / "rieng.ipynb").read_text(encoding="utf-8")
    assert key not in saved
    assert saved.count(REDACTED) >= 9


def test_configure_remembers_key_for_the_save_hook():
    """The contract with the core: course.configure(api_key=...) calls remember_key."""
    import course
    from course.llm import session

    key = "gateway-" + "Hn4Rt8Wq2Z" * 3  # no provider shape: only the remembered hash finds it
    saved = session.get_settings()
    try:
        course.configure(provider="openai", api_key=key, backend="openai")
        assert key not in json.dumps(course.status())
        stored = keyguard._store_path().read_text(encoding="utf-8")
        assert key not in stored
        keyguard._known_keys.clear()  # the server side has only the hash
        assert scrub(f"api_key='{key}'") == f"api_key='{REDACTED}'"
    finally:
        session.current().reset(saved)


def test_saved_widget_state_never_keeps_a_password_field():
    from course.keyguard import scrub_notebook

    nb = {"cells": [], "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": {
            "a": {"model_name": "PasswordModel", "state": {"value": "my-odd-shaped-secret"}},
            "b": {"model_name": "TextModel", "state": {"value": "Cà phê Khe Sanh"}},
        }}}}}
    assert scrub_notebook(nb)
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert state["a"]["state"]["value"] == "[ĐÃ XÓA KHÓA API]"
    assert state["b"]["state"]["value"] == "Cà phê Khe Sanh"


def test_error_messages_lose_even_short_key_pieces():
    """A server's error may quote a key cut short or a header; lesson prose keeps 'sk-8'."""
    msg = "Incorrect API key provided: sk-abc1234*****wxyz. Header: Bearer tok_9f8e7d6c"
    shown = scrub_message(msg + " Google: AIzaSyA1234567")
    assert shown.startswith("Incorrect API key provided: ")
    for piece in ("sk-abc1234", "tok_9f8e7d6c", "AIzaSyA1234567"):
        assert piece not in shown
    assert scrub("Bước sk-8 và mã sk-abc1234") == "Bước sk-8 và mã sk-abc1234"
