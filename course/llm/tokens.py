"""Token counting with tiktoken, working offline.

tiktoken downloads its encoding files on first use, which a classroom or Binder without
internet cannot do. `seed_tiktoken_cache()` copies the identical files bundled in the
`bpe-openai` wheel into the folder tiktoken itself reads (tiktoken verifies their SHA-256),
so counting never needs to change the environment. Without them we fall back to a
documented estimate and say so.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..text import nfc

# tiktoken's own download addresses: the cache file name is the SHA-1 of the address.
_TIKTOKEN_FILES = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
_CL100K_PREFIXES = ("gpt-4-", "gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")

# Estimate used when no encoding file is available: measured on the course's Vietnamese
# product texts with o200k_base (about 1.45 tokens per syllable, 1 per punctuation mark).
_WORD = re.compile(r"\w+", re.UNICODE)
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    tokens: int
    exact: bool  # True: tiktoken with the model's own encoding
    encoding: str  # encoding name, or "estimate"


def tiktoken_cache_dir() -> Path:
    """The folder tiktoken reads encoding files from (same rule as `tiktoken.load`)."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            return Path(os.environ[var])
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def seed_tiktoken_cache() -> list[str]:
    """Copy bundled encoding files into tiktoken's cache; return the encodings now available."""
    target = tiktoken_cache_dir()
    ready = []
    for name, url in _TIKTOKEN_FILES.items():
        dest = target / hashlib.sha1(url.encode()).hexdigest()
        if dest.exists():
            ready.append(name)
            continue
        try:
            raw = gzip.decompress((_bundled_dir() / f"{name}.tiktoken.gz").read_bytes())
        except (FileNotFoundError, OSError, TypeError):
            continue
        try:
            target.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(raw)
            tmp.replace(dest)
        except OSError as exc:  # read-only or foreign folder: counts fall back to the estimate
            log.warning("cannot write tiktoken file to %s: %s", target, exc)
            continue
        ready.append(name)
    return ready


def _bundled_dir() -> Path:
    # find_spec locates the package without importing it (its native module is large).
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("bpe_openai")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def encoding_name_for(model: str | None) -> tuple[str, bool]:
    """The tiktoken encoding for a model, and whether it is that model's real tokenizer."""
    m = (model or "").split("/")[-1].lower()
    if m.startswith(_O200K_PREFIXES):
        return "o200k_base", True
    if m.startswith(_CL100K_PREFIXES):
        return "cl100k_base", True
    # Gemini, Qwen, Llama…: a different tokenizer; o200k_base is a close stand-in.
    return "o200k_base", False


@cache
def _encoding(name: str):  # -> tiktoken.Encoding | None
    try:
        import tiktoken
    except ImportError:
        return None
    if name not in seed_tiktoken_cache():
        return None  # no local file: don't let tiktoken try (and wait for) a download
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # an unreadable file: fall back to the estimate
        log.warning("tiktoken encoding %s not usable, counting by estimate: %s", name, exc)
        return None


def estimate_tokens(text: str) -> int:
    words = len(_WORD.findall(text))
    punct = len(_PUNCT.findall(text))
    return int(round(words * 1.45 + punct)) if text else 0


def token_info(text: str, model: str | None = None, *, normalize: bool = True) -> TokenInfo:
    """Tokens of `text` for `model`; NFC first unless `normalize=False` (shows NFD's cost)."""
    text = nfc(text or "") if normalize else (text or "")
    name, real = encoding_name_for(model)
    enc = _encoding(name)
    if enc is None:
        return TokenInfo(estimate_tokens(text), False, "estimate")
    return TokenInfo(len(enc.encode(text, disallowed_special=())), real, name)


def count_tokens(text: str, model: str | None = None, *, normalize: bool = True) -> int:
    """Number of tokens in `text` for `model` (exact with tiktoken when available)."""
    return token_info(text, model, normalize=normalize).tokens


def count_message_tokens(messages: list[dict], model: str | None = None) -> int:
    """Tokens of a chat request: content plus a few tokens of framing per message."""
    return sum(count_tokens(str(m.get("content") or ""), model) + 4 for m in messages) + 2
