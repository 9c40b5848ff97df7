"""Keep API keys out of notebooks, outputs and files.

Three layers:

* `scrub(text)` removes anything shaped like a provider key, plus the key the
  participant configured in this process.
* `remember_key(key)` lets the Jupyter *server* recognise that key too, without the
  key ever being written in clear: only its length, a random salt and a salted
  SHA-256 go to a 0600 file in the Jupyter runtime directory (shared by the server
  and its kernels).
* `pre_save_hook` (configured in `course/jupyter_config/jupyter_server_config.py`)
  scrubs every notebook and text file before the server writes it, so saved,
  exported and submitted notebooks never carry a key: JSON and text saves, base64
  saves (a file upload) of any text file, and - through `scrub_chunk`, called by the
  course's contents manager (course/jupyter_ext.py) - every chunk of JupyterLab's
  chunked upload, including a key cut in two by a chunk boundary. A save that cannot
  be checked is refused with a Vietnamese reason instead of being written unchecked.

Keys are found by shape (provider prefixes), as the configured or remembered key, and,
for providers whose keys have no prefix (Mistral, vLLM, a gateway token...), as a long
random-looking value right after a key's name (MISTRAL_API_KEY=..., "api_key": "...",
"Khóa API Mistral: ..."). Every regex here runs in time linear in the text's length.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from course.i18n import t

REDACTED = "[ĐÃ XÓA KHÓA API]"

# Keys shorter than this are not remembered: local servers accept placeholder keys
# such as "ollama", and scrubbing that word everywhere would mangle lessons.
MIN_REMEMBERED_LENGTH = 16
MAX_REMEMBERED_KEYS = 10
STORE_NAME = "course-keyguard.json"

# Provider key shapes. The look-behind keeps "task-list" or "disk-..." intact and
# the minimum lengths keep short words such as "sk-8" intact.
_BOUNDARY = r"(?<![A-Za-z0-9_\-])"
_KEY_PATTERNS = [
    # OpenAI (sk-..., sk-proj-..., sk-svcacct-..., sk-admin-...), OpenRouter (sk-or-v1-...),
    # Anthropic (sk-ant-...) and other OpenAI-compatible services.
    # Checked by _looks_random too, so slugs like "sk-2024-tet-sale-..." stay intact.
    _BOUNDARY + r"sk-[A-Za-z0-9_\-]{20,}",
    # Google AI Studio / Gemini: "AIza" + 35 characters, and not more (so a run of base64
    # inside an uploaded notebook's image is not taken for a key by chance).
    _BOUNDARY + r"AIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])",
    # Hugging Face, Groq and xAI keys, which participants may also paste.
    _BOUNDARY + r"hf_[A-Za-z0-9]{30,}",
    _BOUNDARY + r"gsk_[A-Za-z0-9]{40,}",
    _BOUNDARY + r"xai-[A-Za-z0-9]{40,}",
]
KEY_RE = re.compile("|".join(f"(?:{p})" for p in _KEY_PATTERNS))
# An error message from a server or the SDK may quote a key cut short, or a header. Messages
# are never lesson prose, so there the shorter prefixes and any bearer token go too.
_MESSAGE_PATTERNS = [
    r"Bearer\s+\S+",
    _BOUNDARY + r"sk-[A-Za-z0-9_\-]{6,}",
    _BOUNDARY + r"AIza[0-9A-Za-z_\-]{10,}",
]
MESSAGE_KEY_RE = re.compile("|".join(f"(?:{p})" for p in _MESSAGE_PATTERNS))
_LONG_RUN_RE = re.compile(r"[A-Za-z0-9]{16}")

# Unprefixed keys (Mistral's 32 characters, a vLLM --api-key, the hub's token...): a value
# after a key's name. Names: any *_API_KEY / *_TOKEN / *_SECRET spelling, a provider's name
# followed by key/token (every preset in course.config.PROVIDERS and the common others), the
# bare words key/token/secret, and the Vietnamese "khóa API (Mistral)". Each alternative
# starts at a word boundary and the lazy prefix cannot cross one, so the scan is linear.
_PROVIDER_NAMES = ("openai|gemini|google|openrouter|ollama|lmstudio|lm_studio|vllm|mistral|"
                   "groq|anthropic|claude|huggingface|hf|together|deepseek|cohere|perplexity|"
                   "fireworks|azure|jupyterhub|gateway|course")
_KEY_NAME = (r"(?:\b[A-Za-z_]*?(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|"
             r"api[_-]?token|auth[_-]?token|access[_-]?token|client[_-]?secret)"
             rf"|\b(?:{_PROVIDER_NAMES})[_-]?(?:api[_-]?)?(?:key|token|secret)"
             r"|\b(?:key|token|secret|password)"
             r"|\bkh(?:óa|oá|oa)(?:\s+api)?(?:\s+[A-Za-z]+)?)")
_NAMED_VALUE_RE = re.compile(
    _KEY_NAME + r"\b[\"']?\]?[ \t]*(?::=|=>|=|:)[ \t]*[\"'(]?[ \t]*"
    r"(?P<value>[A-Za-z0-9][A-Za-z0-9_\-.+/]{19,})", re.IGNORECASE)
_KEY_NAME_RE = re.compile(_KEY_NAME + r"\Z", re.IGNORECASE)
MAX_KEY_LENGTH = 256


def _looks_like_secret(value: str) -> bool:
    """A key's charset and length: letters and digits, random-looking, 20-256 characters."""
    if not 20 <= len(value) <= MAX_KEY_LENGTH or REDACTED in value:
        return False
    if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    if value.count(".") > 2 or value.count("/") > 1:  # a host name, a path or a model name
        return False
    return bool(_LONG_RUN_RE.search(value)) or (
        any(c.isupper() for c in value) and any(c.islower() for c in value))


def _redact_named(match: re.Match[str]) -> str:
    value = match.group("value")
    if not _looks_like_secret(value):
        return match.group(0)
    return match.group(0)[: match.start("value") - match.start()] + REDACTED


def is_key_name(name: str) -> bool:
    """True for names that hold a key: OPENAI_API_KEY, api_key, mistral_key, token..."""
    return bool(_KEY_NAME_RE.match(name.strip()))


def _looks_random(candidate: str) -> bool:
    """Keys are random: a long unbroken run (hex, base64) or mixed case with digits."""
    if not candidate.startswith("sk-"):
        return True  # the other shapes are specific enough on their own
    tail = candidate[3:]
    if _LONG_RUN_RE.search(tail):
        return True
    return (any(c.isupper() for c in tail) and any(c.islower() for c in tail)
            and any(c.isdigit() for c in tail))


def _redact_match(match: re.Match[str]) -> str:
    return REDACTED if _looks_random(match.group(0)) else match.group(0)


_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-.]+")
# Slack around a remembered length: a key glued to a full stop or a quote-less prefix.
_WINDOW_SLACK = 16

# Mimetypes whose payload is base64: a pattern match there would be chance, and
# replacing it would corrupt the image, so only remembered keys are removed.
BINARY_MIMETYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")

_known_keys: set[str] = set()
log = logging.getLogger(__name__)  # never given a key: only paths and exception kinds


def _store_path() -> Path:
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        base = Path(jupyter_runtime_dir())
    except ImportError:  # scrub() must work without Jupyter installed
        base = Path(tempfile.gettempdir())
    return base / STORE_NAME


def _configured_keys() -> set[str]:
    keys = set(_known_keys)
    env_key = os.environ.get("OPENAI_API_KEY", "")
    if len(env_key) >= MIN_REMEMBERED_LENGTH:
        keys.add(env_key)
    return keys


def _load_store(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"salt": secrets.token_hex(16), "keys": []}
    except (OSError, ValueError) as exc:  # unreadable or damaged: start a new store
        log.warning("key store %s unreadable (%s); starting a new one", path, type(exc).__name__)
        return {"salt": secrets.token_hex(16), "keys": []}
    if not isinstance(data, dict) or not isinstance(data.get("salt"), str):
        return {"salt": secrets.token_hex(16), "keys": []}
    data["keys"] = [k for k in data.get("keys", []) if isinstance(k, dict)]
    return data


def _digest(salt: str, candidate: str) -> str:
    return hashlib.sha256((salt + candidate).encode("utf-8")).hexdigest()


def remember_key(key: str | None) -> None:
    """Record the configured key so that `scrub` and the server-side hook remove it.

    The key stays in this process's memory (it is there anyway); on disk only its
    length and a salted SHA-256 are written, in a file readable by the owner only.
    """
    if not key or len(key) < MIN_REMEMBERED_LENGTH:
        return
    _known_keys.add(key)
    path = _store_path()
    data = _load_store(path)
    entry = {"length": len(key), "sha256": _digest(data["salt"], key)}
    keys = [k for k in data["keys"] if k != entry] + [entry]
    data["keys"] = keys[-MAX_REMEMBERED_KEYS:]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a private temporary file, then rename: never a moment at 0644.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keyguard-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        # The in-process scrub still works; the server hook still catches key shapes.
        log.warning("key store %s not written (%s): the save hook knows key shapes only",
                    path, type(exc).__name__)


def forget_keys() -> None:
    """Drop remembered keys from memory and disk (used when a session ends and by tests)."""
    _known_keys.clear()
    try:
        _store_path().unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("key store not removed (%s)", type(exc).__name__)


def _stored_hashes() -> tuple[str, dict[int, set[str]]]:
    path = _store_path()
    if not path.exists():
        return "", {}
    data = _load_store(path)
    by_length: dict[int, set[str]] = {}
    for entry in data["keys"]:
        length, digest = entry.get("length"), entry.get("sha256")
        if isinstance(length, int) and isinstance(digest, str):
            by_length.setdefault(length, set()).add(digest)
    return data["salt"], by_length


def _scrub_hashed(text: str, salt: str, by_length: dict[int, set[str]]) -> str:
    """Remove tokens whose salted hash matches a remembered key (the server has no clear key)."""
    if not by_length:
        return text
    shortest = min(by_length)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if len(token) < shortest:
            return token
        for length, digests in by_length.items():
            if len(token) < length or len(token) > length + _WINDOW_SLACK:
                continue
            for start in range(len(token) - length + 1):
                if _digest(salt, token[start : start + length]) in digests:
                    return token[:start] + REDACTED + token[start + length :]
        return token

    return _TOKEN_RE.sub(replace, text)


class _Scrubber:
    """One scrubbing pass: reads the remembered hashes once, not once per string."""

    def __init__(self) -> None:
        self.keys = sorted(_configured_keys(), key=len, reverse=True)
        self.salt, self.by_length = _stored_hashes()

    def text(self, text: str, *, patterns: bool = True) -> str:
        if not isinstance(text, str) or not text:
            return text
        for key in self.keys:
            if key in text:
                text = text.replace(key, REDACTED)
        if not patterns:  # base64 payload: only the exact configured key makes sense
            return text
        text = KEY_RE.sub(_redact_match, text)
        text = _NAMED_VALUE_RE.sub(_redact_named, text)
        return _scrub_hashed(text, self.salt, self.by_length)

    def value(self, value: Any, *, patterns: bool = True) -> tuple[Any, bool]:
        """Scrub strings anywhere inside JSON-like data; return (new value, changed)."""
        if isinstance(value, str):
            new = self.text(value, patterns=patterns)
            return new, new != value
        changed = False
        if isinstance(value, list):
            for i, item in enumerate(value):
                value[i], item_changed = self.value(item, patterns=patterns)
                changed |= item_changed
        elif isinstance(value, dict):
            renamed = False
            for k in list(value):
                binary = k in BINARY_MIMETYPES
                item = value[k]
                if (patterns and isinstance(k, str) and isinstance(item, str)
                        and is_key_name(k) and _looks_like_secret(item.strip())):
                    value[k], item_changed = REDACTED, True  # {"api_key": "<unprefixed>"}
                else:
                    value[k], item_changed = self.value(item, patterns=patterns and not binary)
                changed |= item_changed
                renamed |= isinstance(k, str) and self.text(k, patterns=patterns) != k
            if renamed:  # a key used as a dict key: {"sk-proj-...": true}
                items = list(value.items())
                value.clear()
                for k, item in items:
                    new = self.text(k, patterns=patterns) if isinstance(k, str) else k
                    while new != k and new in value:
                        new += "_"
                    value[new] = item
                changed = True
        return value, changed


def scrub(text: str) -> str:
    """Return `text` with every API key replaced by "[ĐÃ XÓA KHÓA API]"."""
    return _Scrubber().text(text)


def scrub_message(text: str) -> str:
    """`scrub`, and also short or header-shaped key pieces: for error messages shown to learners."""
    return MESSAGE_KEY_RE.sub(REDACTED, scrub(text))


def contains_key(text: str) -> bool:
    """True when `scrub` would change `text`."""
    return scrub(text) != text


def scrub_notebook(nb: dict[str, Any]) -> bool:
    """Scrub a notebook dict in place: sources, outputs of every mimetype, metadata
    (including saved widget state). Return True when something was removed."""
    _, changed = _Scrubber().value(nb)
    return _blank_password_fields(nb) or changed


def _blank_password_fields(nb: dict[str, Any]) -> bool:
    """Empty every password field in saved widget state: whatever was typed there is secret."""
    state = (nb.get("metadata", {}).get("widgets", {})
             .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    changed = False
    for model in state.values() if isinstance(state, dict) else ():
        values = model.get("state") if isinstance(model, dict) else None
        if (model.get("model_name") == "PasswordModel" and isinstance(values, dict)
                and values.get("value") not in (None, "", REDACTED)):
            values["value"] = REDACTED
            changed = True
    return changed


# JupyterLab's chunked upload sends a file in pieces; a key may be cut by a boundary. Each
# chunk is checked together with this many bytes of the file already written before it.
CHUNK_OVERLAP = 2 * MAX_KEY_LENGTH
_UNDECODABLE_RE = re.compile("[\udc80-\udcff]")
MAX_UNDECODABLE = 8  # a UTF-8 character cut by a chunk boundary, at each end
ASCII_REDACTED = "[DA XOA KHOA API]"  # for text files in a legacy encoding (CP1258...)


class SaveRefused(ValueError):
    """A save the hook cannot check: the message (Vietnamese) says why and what to do."""


def scrub_bytes(data: bytes, *, notebook: bool = False) -> bytes | None:
    """The bytes of a text file with every key removed; None for a binary file (left as is).

    Text: no NUL byte. UTF-8 (a cut character at either end is fine: chunks) keeps the
    Vietnamese marker; any other 8-bit encoding (keys are ASCII) gets an ASCII marker."""
    if b"\0" in data:
        return None
    text = data.decode("utf-8", "surrogateescape")
    scrubber = _Scrubber()
    if len(_UNDECODABLE_RE.findall(text)) > MAX_UNDECODABLE:
        latin = data.decode("latin-1")
        cleaned = scrubber.text(latin).replace(REDACTED, ASCII_REDACTED)
        return cleaned.encode("latin-1")
    if notebook:
        try:
            nb = json.loads(text)
        except ValueError:
            nb = None
        if isinstance(nb, dict) and isinstance(nb.get("cells"), list):
            if not scrub_notebook(nb):
                return data
            return (json.dumps(nb, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    cleaned = scrubber.text(text)
    return data if cleaned == text else cleaned.encode("utf-8", "surrogateescape")


def _decode_base64(content: str, path: str) -> bytes:
    try:
        return base64.b64decode(content.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise SaveRefused(t("keyguard.upload_broken", path=path)) from exc


def scrub_chunk(model: dict[str, Any], os_path: str, path: str = "") -> bool:
    """Scrub chunk 2..n (or -1, the last) of a chunked upload before it is appended to
    ``os_path``. The end of the file already written is checked with it, so a key cut in
    two by a chunk boundary is found; if that end must change, the file is cut back and the
    scrubbed end is sent again with this chunk. Returns True when something was removed."""
    content = model.get("content")
    if not isinstance(content, str) or model.get("type") != "file":
        return False
    fmt = model.get("format")
    data = content.encode("utf-8") if fmt == "text" else _decode_base64(content, path)
    try:
        with open(os_path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - CHUNK_OVERLAP))
            tail = fh.read()
    except FileNotFoundError:
        size, tail = 0, b""
    cleaned = scrub_bytes(tail + data)
    if cleaned is None or cleaned == tail + data:
        return False
    if cleaned[: len(tail)] == tail:
        cleaned = cleaned[len(tail):]
    else:  # the key began in the part already written: rewrite that part too
        with open(os_path, "r+b") as fh:
            fh.truncate(size - len(tail))
    model["format"] = "base64"
    model["content"] = base64.b64encode(cleaned).decode("ascii")
    return True


def _scrub_model(model: dict[str, Any], path: str) -> bool:
    content = model.get("content")
    if model.get("type") == "notebook" and isinstance(content, dict):
        return scrub_notebook(content)
    if model.get("type") != "file" or not isinstance(content, str):
        return False
    if model.get("format") == "text":
        model["content"] = scrub(content)
        return model["content"] != content
    if model.get("format") == "base64":  # a file upload (or the first chunk of a large one)
        data = _decode_base64(content, path)
        whole = model.get("chunk") is None
        cleaned = scrub_bytes(data, notebook=whole and path.endswith(".ipynb"))
        if cleaned is None or cleaned == data:
            return False
        model["content"] = base64.b64encode(cleaned).decode("ascii")
        return True
    return False


def refuse_save(path: str, reason: str | None = None) -> Exception:
    """The HTTP 400 that tells the participant, in Vietnamese, why nothing was saved."""
    from tornado.web import HTTPError

    message = reason or t("keyguard.unchecked", path=path)
    if not hasattr(HTTPError, "get_message"):  # tornado < 6.5 formats log_message with %
        return HTTPError(400, message.replace("%", "%%"), reason=t("keyguard.refused_reason"))
    return _refusal_class()(400, message, reason=t("keyguard.refused_reason"))


@functools.cache
def _refusal_class() -> type:
    # tornado is imported only when a save is refused (this module also runs in kernels).
    from tornado.web import HTTPError

    class Refusal(HTTPError):
        """The text as written ("giam 50%.txt"): tornado >= 6.5 logs ``get_message()`` with
        "%s", but its ``log_message`` doubles every "%" and jupyter_server's JSON reply shows
        ``log_message``, so a plain HTTPError tells the participant "giam 50%%.txt"."""

        @property  # type: ignore[override]
        def log_message(self) -> str | None:
            return self._log_message

    return Refusal


def pre_save_hook(model: dict[str, Any], path: str, contents_manager: Any = None,
                  **_: Any) -> None:
    """Jupyter server hook: scrub a notebook or file before it is written. A save that
    cannot be checked is refused (HTTP 400, Vietnamese reason), never written unchecked."""
    try:
        changed = _scrub_model(model, path)
    except SaveRefused as exc:
        raise refuse_save(path, str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - fail closed: the server would save unchecked
        log.error("key check failed on %s (%s)", path, type(exc).__name__)
        raise refuse_save(path) from None
    if changed and contents_manager is not None:
        contents_manager.log.warning("Đã xóa khóa API khỏi tệp %s trước khi lưu.", path)
