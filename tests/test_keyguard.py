"""API keys never reach a saved notebook: scrub(), remember_key() and the server save hook."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lab_server import free_port, wait_for_server

from course import keyguard
from course.i18n import t
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
    local_key = "my-vllm-secret-Q7x2p9"  # no provider prefix, and no key name before it
    assert scrub(f"dùng {local_key} cho vLLM") == f"dùng {local_key} cho vLLM"
    remember_key(local_key)
    assert scrub(f"dùng {local_key} cho vLLM") == f"dùng {REDACTED} cho vLLM"


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


@pytest.fixture
def jupyter_server(tmp_path):
    """A real Jupyter server with the participant config, on 127.0.0.1."""
    root = tmp_path / "root"
    root.mkdir()
    port, token = free_port(), "keyguard-test-token"
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
    if not wait_for_server(f"{base}/api/status?token={token}", proc, time.monotonic() + 90):
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        pytest.fail("Jupyter server did not start: " + (tmp_path / "server.log").read_text())
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


# --- Every save path: unprefixed keys, dict keys, base64 and chunked uploads (issue 23) -----

MISTRAL = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY"  # 32 characters, no prefix
VLLM_KEY = "t0k3n-" + "9f8e7d6c5b4a" * 2


@pytest.mark.parametrize("template", [
    'MISTRAL_API_KEY = "{k}"',
    "MISTRAL_API_KEY={k}\n",
    'os.environ["MISTRAL_API_KEY"] = "{k}"',
    'course.configure(provider="mistral", api_key="{k}")',
    '{{"api_key": "{k}"}}',
    "VLLM_API_KEY: {k}",
    "mistral_key = '{k}'",
    "Khóa API Mistral: {k}",
    "token={k}&x=1",
])
def test_unprefixed_key_after_a_key_name_is_scrubbed(template):
    for key in (MISTRAL, VLLM_KEY):
        cleaned = scrub(template.format(k=key))
        assert key not in cleaned and REDACTED in cleaned, cleaned


@pytest.mark.parametrize("text", [
    "api_key='not-needed'",
    'OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]',
    "Mã giao dịch aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY đã xong",  # no key name before it
    "key = hashlib.sha256(prompt.encode()).hexdigest()",
    'TIKTOKEN_CACHE_DIR="/opt/ai/share/tiktoken2024abcdef"',
    "model = 'Qwen/Qwen2.5-7B-Instruct-AWQ-2024'",
    "max_tokens: 123456789012345678901234",
])
def test_values_that_are_not_keys_stay(text):
    assert scrub(text) == text


def test_a_key_used_as_a_metadata_dict_key_is_removed():
    nb = {"cells": [], "metadata": {OPENAI_PROJECT: True, "ghi_chu": {GOOGLE: "x", "a": 1},
                                    "api_key": MISTRAL, "kernelspec": {"name": "python3"}}}
    assert scrub_notebook(nb) is True
    dumped = json.dumps(nb)
    for key in (OPENAI_PROJECT, GOOGLE, MISTRAL):
        assert key not in dumped
    assert nb["metadata"][REDACTED] is True and nb["metadata"]["ghi_chu"]["a"] == 1
    assert nb["metadata"]["kernelspec"] == {"name": "python3"}


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


def test_pre_save_hook_scrubs_base64_text_uploads():
    for path, body in [
        ("cau-hinh.env", f"OPENAI_API_KEY={OPENAI_PROJECT}\nMISTRAL_API_KEY={MISTRAL}\n"),
        ("ghi chú.md", f"Khóa của tôi: {GOOGLE} — Cà phê Khe Sanh\n"),
        ("goi.py", f'client = OpenAI(api_key="{OPENROUTER}")\n'),
    ]:
        model = {"type": "file", "format": "base64", "content": _b64(body.encode())}
        keyguard.pre_save_hook(model=model, path=path, contents_manager=None)
        saved = _unb64(model["content"]).decode("utf-8")
        assert REDACTED in saved
        for key in ALL_SHAPES + [MISTRAL]:
            assert key not in saved
    uploaded = {"type": "file", "format": "base64",
                "content": _b64(json.dumps(_notebook_with_keys(ANTHROPIC)).encode())}
    keyguard.pre_save_hook(model=uploaded, path="bai-cua-ban.ipynb", contents_manager=None)
    nb = json.loads(_unb64(uploaded["content"]))
    assert ANTHROPIC not in json.dumps(nb) and nb["cells"][1]["source"][0] == "import course\n"


def test_base64_binary_files_are_left_alone_and_legacy_text_is_scrubbed():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + OPENAI_PROJECT.encode() + b"\x00\x01"
    model = {"type": "file", "format": "base64", "content": _b64(png)}
    keyguard.pre_save_hook(model=model, path="anh.png", contents_manager=None)
    assert _unb64(model["content"]) == png
    legacy = ("Khóa: " + OPENAI_PROJECT + "\n" + "Cà phê Khe Sanh\n" * 5).encode("cp1258")
    model = {"type": "file", "format": "base64", "content": _b64(legacy)}
    keyguard.pre_save_hook(model=model, path="danh-sach.csv", contents_manager=None)
    saved = _unb64(model["content"])
    assert OPENAI_PROJECT.encode() not in saved and keyguard.ASCII_REDACTED.encode() in saved
    assert saved.decode("cp1258").count("Cà phê Khe Sanh") == 5


def test_a_save_that_cannot_be_checked_is_refused_in_vietnamese():
    from tornado.web import HTTPError

    model = {"type": "file", "format": "base64", "content": "không phải base64!!"}
    with pytest.raises(HTTPError) as refused:
        keyguard.pre_save_hook(model=model, path="tai-len.txt", contents_manager=None)
    assert refused.value.status_code == 400
    assert refused.value.log_message == t("keyguard.upload_broken", path="tai-len.txt")
    assert refused.value.reason == t("keyguard.refused_reason")


def test_a_save_the_check_fails_on_is_refused_not_written(monkeypatch):
    """Fail closed: an unexpected error in the check refuses the save with the catalogue's
    reason instead of letting the server write the file unchecked."""
    from tornado.web import HTTPError

    def broken(*_args: object, **_kwargs: object) -> bool:
        raise RuntimeError("boom")

    monkeypatch.setattr(keyguard, "_scrub_model", broken)
    model = {"type": "file", "format": "text", "content": "x = 1"}
    with pytest.raises(HTTPError) as refused:
        keyguard.pre_save_hook(model=model, path="bai-01.py", contents_manager=None)
    assert refused.value.status_code == 400
    assert refused.value.log_message == t("keyguard.unchecked", path="bai-01.py")
    assert refused.value.reason == t("keyguard.refused_reason")


def _chunks(data: bytes, cuts: list[int]) -> list[tuple[int, bytes]]:
    """JupyterLab's chunk numbering: 1, 2, ..., and -1 for the last."""
    bounds = [0, *cuts, len(data)]
    parts = [data[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return [(i + 1 if i < len(parts) - 1 else -1, part) for i, part in enumerate(parts)]


def test_scrub_chunk_finds_keys_cut_by_chunk_boundaries(tmp_path):
    body = (f"# Ghi chú\nOPENAI_API_KEY={OPENAI_PROJECT}\n" + "Cà phê Khe Sanh. " * 40
            + f"\nMISTRAL_API_KEY={MISTRAL}\nhết\n").encode()
    first = body.index(OPENAI_PROJECT.encode()) + 10  # inside the first key
    second = body.index(MISTRAL.encode()) + 5  # inside the second key
    target = tmp_path / "lon.txt"
    for chunk, part in _chunks(body, [first, second, second + 3]):
        model = {"type": "file", "format": "base64", "chunk": chunk, "content": _b64(part)}
        if chunk == 1:
            keyguard.pre_save_hook(model=model, path="lon.txt", contents_manager=None)
        else:
            keyguard.scrub_chunk(model, str(target), "lon.txt")
        with open(target, "ab" if chunk != 1 else "wb") as out:
            out.write(_unb64(model["content"]))
    saved = target.read_text(encoding="utf-8")
    assert OPENAI_PROJECT not in saved and MISTRAL not in saved
    assert saved == (f"# Ghi chú\nOPENAI_API_KEY={REDACTED}\n" + "Cà phê Khe Sanh. " * 40
                     + f"\nMISTRAL_API_KEY={REDACTED}\nhết\n")


def _request(base: str, token: str, path: str, model: dict) -> tuple[int, dict]:
    req = urllib.request.Request(
        f"{base}/api/contents/{path}", method="PUT", data=json.dumps(model).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_server_scrubs_base64_and_chunked_uploads(jupyter_server):
    """JupyterLab's upload through the real server: small files as one base64 save, large ones
    in chunks (1, 2, ..., -1) that only the first of which passes the pre-save hook."""
    base, token, root, log = jupyter_server
    status, _ = _request(base, token, "tai-len.env", {
        "type": "file", "format": "base64", "name": "tai-len.env",
        "content": _b64(f"MISTRAL_API_KEY={MISTRAL}\nGEMINI={GOOGLE}\n".encode())})
    assert status in (200, 201)
    assert (root / "tai-len.env").read_text() == f"MISTRAL_API_KEY={REDACTED}\nGEMINI={REDACTED}\n"

    body = ("Bài làm của học viên\n" + "x = 1\n" * 300 + f"api_key = '{OPENAI_PROJECT}'\n"
            + "y = 2\n" * 300 + f"{{\"token\": \"{VLLM_KEY}\"}}\n").encode()
    cuts = [400, body.index(OPENAI_PROJECT.encode()) + 20, body.index(VLLM_KEY.encode()) + 7]
    for chunk, part in _chunks(body, cuts):
        status, reply = _request(base, token, "bai-lon.py", {
            "type": "file", "format": "base64", "name": "bai-lon.py", "chunk": chunk,
            "content": _b64(part)})
        assert status in (200, 201), reply
    saved = (root / "bai-lon.py").read_text(encoding="utf-8")
    assert OPENAI_PROJECT not in saved and VLLM_KEY not in saved
    assert saved.count(REDACTED) == 2 and saved.count("x = 1\n") == 300
    assert saved.startswith("Bài làm của học viên\n") and saved.endswith(f'"{REDACTED}"}}\n')

    status, reply = _request(base, token, "hong.txt", {
        "type": "file", "format": "base64", "name": "hong.txt", "content": "@@@ không hợp lệ"})
    assert status == 400 and t("keyguard.upload_broken", path="hong.txt") in reply["message"], reply
    assert not (root / "hong.txt").exists()
    for key in (OPENAI_PROJECT, MISTRAL, VLLM_KEY, GOOGLE):
        assert key not in log.read_text(encoding="utf-8")


def test_a_key_shape_inside_a_longer_base64_run_is_not_a_key():
    """Chunked uploads are scrubbed as text: an image's base64 in an uploaded notebook may hold
    "AIza" + 35 characters by chance, inside a longer run. Only a whole key is one."""
    run = "iVBORw0KGgo/" + GOOGLE + "QmFzZTY0" * 4
    assert scrub(run) == run
    assert scrub(f'"{GOOGLE}"') == f'"{REDACTED}"'


def test_refused_save_message_shows_a_percent_sign_once(jupyter_server):
    """A file name with "%" (a price list "giam 50%.txt") is quoted as written in the refusal
    the participant reads, not as "50%%" or "50%%%%", and the server log stays readable."""
    base, token, root, log = jupyter_server
    status, reply = _request(base, token, "giam%2050%25.txt", {
        "type": "file", "format": "base64", "name": "giam 50%.txt", "content": "@@@ hỏng"})
    assert status == 400, reply
    assert reply["message"] == t("keyguard.upload_broken", path="giam 50%.txt"), reply
    assert reply["reason"] == t("keyguard.refused_reason")
    assert not (root / "giam 50%.txt").exists()
    logged = log.read_text(encoding="utf-8")
    assert "Chưa lưu tệp giam 50%.txt" in logged and "Logging error" not in logged
