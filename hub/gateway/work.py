"""The CPU work of one request that grows with its size: JSON parsing and checking, token
counting (the budget hold), the personal-data scan (the class cache) and masking (stored
prompts).

`examine` is a pure function of the body's bytes, so the gateway runs it for large bodies in
worker processes (`Examiner`): pure-Python work in a thread would still hold the GIL and
stall the event loop every participant's answer goes through. Small bodies, the usual
lesson prompts, are examined in place (a few milliseconds). The scan itself is bounded:
at most `scan_chars` characters per request, whatever the body's size.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from .validate import BadRequest, ChatRequest, chat_request, parse_json

INLINE_BYTES = 2_000  # bodies up to this size are examined on the event loop


def mask(text: str) -> str:
    """The course's own personal-data masking (phones, ID numbers, bank accounts…)."""
    from course.privacy import mask_pii

    return mask_pii(text)


def has_pii(messages: list[dict]) -> bool:
    from course.privacy import find_pii

    return any(find_pii(m["content"]) for m in messages if m["role"] != "assistant")


def count_tokens(messages: list[dict], text: str, model: str) -> tuple[int, int]:
    from course.llm.tokens import count_message_tokens
    from course.llm.tokens import count_tokens as count

    return count_message_tokens(messages, model), count(text, model)


def _cut(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` characters, at a space so no word is split."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = max(head.rfind(" "), head.rfind("\n"))
    return head[:space] if space > limit // 2 else head


def prepare_text(messages: list[dict], model: str, scan_chars: int,
                 store: bool) -> tuple[int, bool, list[dict] | None]:
    """Prompt tokens, "personal?" and (if prompts are stored) the masked messages.

    The work is bounded: at most `scan_chars` characters are scanned for personal data. A
    longer prompt counts as personal (never cached nor shared, the safe side) and is stored
    masked only up to that length, so its cost cannot grow with what a participant sends.
    """
    tokens_in = count_tokens(messages, "", model)[0]
    asked = [m for m in messages if m["role"] != "assistant"]
    long = sum(len(m["content"]) for m in asked) > scan_chars
    personal = long or has_pii(asked)
    stored = None
    if store:
        left, stored = scan_chars, []
        for m in messages:
            part = _cut(m["content"], left)
            left -= len(part)
            cut = len(m["content"]) - len(part)
            stored.append({"role": m["role"], "content": mask(part) + (
                f" […đã cắt {cut} ký tự không lưu]" if cut else "")})
    return tokens_in, personal, stored


@dataclass
class Examined:
    request: ChatRequest | None
    error: tuple[str, str] | None  # (Vietnamese message, field) of a 400
    model: str = ""
    tokens_in: int = 0
    personal: bool = True
    stored: list[dict] | None = None
    messages_json: bytes | None = None  # the messages as the upstream gets them, if encoded


def examine(raw: bytes, models: tuple[str, ...], scan_chars: int, store: bool,
            encode: bool = False) -> Examined:
    """Parse, check and measure one body. `models[0]` is the class model: an unknown name
    falls back to it (lessons written for OpenAI still run on a class's LAN Ollama).
    `encode`: also serialise the messages for the upstream (a worker does it for large ones).
    """
    try:
        req = chat_request(parse_json(raw))
    except BadRequest as err:
        return Examined(None, (err.message, err.field))
    model = req.model if isinstance(req.model, str) and req.model in models else models[0]
    tokens_in, personal, stored = prepare_text(req.messages, model, scan_chars, store)
    encoded = json.dumps(req.messages, ensure_ascii=False).encode() if encode else None
    return Examined(req, None, model, tokens_in, personal, stored, encoded)


def _warm() -> int:
    """Load the tokenizer and the personal-data rules in a new worker."""
    return prepare_text([{"role": "user", "content": "Chị Lan 0912 345 678"}], "gpt-4o-mini",
                        1000, True)[0]


class Examiner:
    """Worker processes for large bodies, at most one body per participant at a time, so a
    participant sending the largest bodies back to back holds one worker, never all."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._busy: dict[str, asyncio.Lock] = {}

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a clean interpreter (forking a process with threads and sockets is not)
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def warm(self) -> None:
        """Start the workers now rather than on the first large body (about 2 s each)."""
        for _ in range(self.workers):
            self.pool().submit(_warm)

    async def examine(self, user: str, raw: bytes, models: tuple[str, ...], scan_chars: int,
                      store: bool) -> Examined:
        if len(raw) <= INLINE_BYTES:
            return examine(raw, models, scan_chars, store)
        lock = self._busy.setdefault(user, asyncio.Lock())
        try:
            async with lock:
                loop = asyncio.get_running_loop()
                try:
                    return await loop.run_in_executor(self.pool(), examine, raw, models,
                                                      scan_chars, store, True)
                except BrokenProcessPool:  # a worker died (out of memory?): start afresh
                    self._pool = None
                    return await loop.run_in_executor(self.pool(), examine, raw, models,
                                                      scan_chars, store, True)
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._busy.pop(user, None)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
