"""`ask`, `chat` and `stream`: one path for every backend.

A request is validated and normalised to NFC, checked for personal data, answered from the
cache when it can be, checked against the session budget, sent to the backend, then recorded
in the usage log and the cache.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from .. import numbers
from ..config import PROVIDERS, Settings
from ..i18n import t
from ..text import nfc
from . import errors as E
from . import offline, online
from .cache import ResponseCache, request_key
from .session import current
from .tokens import count_message_tokens, count_tokens, estimate_tokens
from .usage import UsageRecord, cost_vnd, now


class PersonalDataWarning(UserWarning):
    """Shown when a prompt contains personal data (see `course.find_pii`)."""


class LongPromptWarning(UserWarning):
    """A very long prompt (a pasted document): it costs more; the simulation only skims it."""


LONG_PROMPT_TOKENS = 20_000


# --------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Request:
    settings: Settings
    model: str
    messages: list[dict]
    temperature: float | None
    max_tokens: int | None

    def cache_key(self) -> str:
        s = self.settings
        return request_key(backend=s.backend, base_url=s.base_url, model=self.model,
                           messages=self.messages, temperature=self.temperature,
                           max_tokens=self.max_tokens)


def _messages(prompt_or_messages: str | list[dict], system: str | None) -> list[dict]:
    if isinstance(prompt_or_messages, str):
        if not prompt_or_messages.strip():
            raise E.LLMError(t("llm.error_empty_prompt"))
        msgs = [{"role": "user", "content": prompt_or_messages}]
        if system:
            msgs.insert(0, {"role": "system", "content": system})
        return msgs
    if not isinstance(prompt_or_messages, list | tuple) or not prompt_or_messages:
        raise E.LLMError(t("llm.error_bad_messages"))
    out = []
    for m in prompt_or_messages:
        if not isinstance(m, dict) or "role" not in m or not isinstance(m.get("content"), str):
            raise E.LLMError(t("llm.error_bad_messages"))
        out.append({"role": m["role"], "content": m["content"]})
    if system:
        out.insert(0, {"role": "system", "content": system})
    if not any(m["content"].strip() for m in out if m["role"] == "user"):
        raise E.LLMError(t("llm.error_empty_prompt"))
    return out


def _prepare(prompt_or_messages: str | list[dict], *, system: str | None, model: str | None,
             temperature: float | None, max_tokens: int | None) -> Request:
    messages = [{"role": m["role"], "content": nfc(m["content"])}
                for m in _messages(prompt_or_messages, system)]
    s = current().settings
    _check_personal_data(messages, s)
    size = sum(estimate_tokens(m["content"]) for m in messages)
    if size > LONG_PROMPT_TOKENS:
        warnings.warn(t("llm.warn_long_prompt", tokens=numbers.number(size)),
                      LongPromptWarning, stacklevel=4)
    chosen = model or s.effective_model
    if s.backend == "offline":
        chosen = model or s.model or "mo-phong"
    return Request(s, chosen, messages, temperature, max_tokens)


def _check_personal_data(messages: list[dict], s: Settings) -> None:
    if s.pii_policy == "off":
        return
    try:
        from ..privacy import find_pii, pii_summary
    except ImportError:
        return
    found = [m for msg in messages if msg["role"] != "assistant" for m in find_pii(msg["content"])]
    if not found:
        return
    summary = pii_summary(found)
    if s.pii_policy == "refuse":
        raise E.PersonalDataError(summary=summary)
    warnings.warn(t("llm.warn_pii", summary=summary), PersonalDataWarning, stacklevel=4)


def _check_budget(req: Request, tokens_in: int) -> None:
    s = req.settings
    if s.budget_vnd is None or s.backend == "offline":
        return
    spent = current().usage.spent_vnd()
    expected = cost_vnd(tokens_in, 0, req.model, usd_to_vnd=s.usd_to_vnd)
    if spent >= s.budget_vnd or spent + expected > s.budget_vnd:
        raise E.BudgetExceededError(budget=numbers.number(s.budget_vnd),
                                    spent=numbers.number(spent))


def _record(req: Request, tokens_in: int, tokens_out: int, exact: bool, cached: bool,
            started: float) -> None:
    s = req.settings
    cost = 0.0 if cached or s.backend == "offline" else cost_vnd(
        tokens_in, tokens_out, req.model, usd_to_vnd=s.usd_to_vnd)
    current().usage.add(UsageRecord(now(), s.backend, s.provider if s.backend == "openai" else None,
                           req.model, tokens_in, tokens_out, exact, cost, cached,
                           time.perf_counter() - started))


def _estimate_in(req: Request) -> int:
    return sum(estimate_tokens(m["content"]) + 4 for m in req.messages) + 2


def _cache(req: Request) -> ResponseCache | None:
    return current().cache_for(req.settings)


def _api_key(s: Settings) -> str:
    if s.api_key:
        return s.api_key
    raise E.AuthError()


def _cached(req: Request, started: float) -> tuple[ResponseCache | None, str, str | None]:
    """The cache, the request's key, and the cached answer if there is one (recorded as free)."""
    cache = _cache(req)
    key = req.cache_key() if cache else ""
    hit = cache.get(key) if cache else None
    if hit is None:
        return cache, key, None
    _record(req, hit[1], hit[2], True, True, started)
    return cache, key, hit[0]


def _online_args(req: Request) -> dict:
    s = req.settings
    return {"api_key": _api_key(s), "base_url": s.base_url, "timeout": s.timeout,
            "max_retries": s.max_retries, "model": req.model, "messages": req.messages,
            "temperature": req.temperature, "max_tokens": req.max_tokens}


def _finish(req: Request, cache: ResponseCache | None, key: str, text: str, started: float,
            tokens_in: int, api_in: int | None, api_out: int | None) -> None:
    """Record usage (the API's token counts when it gave them) and keep the answer."""
    t_in = api_in if api_in is not None else tokens_in
    t_out = api_out if api_out is not None else count_tokens(text, req.model)
    _record(req, t_in, t_out, api_in is not None, False, started)
    if cache:
        cache.put(key, text, req.model, t_in, t_out)


def _complete(req: Request) -> str:
    started = time.perf_counter()
    if req.settings.backend == "offline":  # estimates: the simulation never waits for a tokenizer
        text = offline.answer(req.messages, req.temperature)
        _record(req, _estimate_in(req), estimate_tokens(text), False, False, started)
        return text
    cache, key, hit = _cached(req, started)
    if hit is not None:
        return hit
    tokens_in = count_message_tokens(req.messages, req.model)
    _check_budget(req, tokens_in)
    reply = online.complete(**_online_args(req))
    _finish(req, cache, key, reply.text, started, tokens_in, reply.tokens_in, reply.tokens_out)
    return reply.text


def chat(messages: list[dict], *, model: str | None = None, temperature: float | None = None,
         max_tokens: int | None = None) -> str:
    """Send an OpenAI-style list of messages; return the answer text."""
    return _complete(_prepare(messages, system=None, model=model, temperature=temperature,
                              max_tokens=max_tokens))


def ask(prompt: str, *, system: str | None = None, model: str | None = None,
        temperature: float | None = None, max_tokens: int | None = None) -> str:
    """Ask one question (with an optional system prompt); return the answer text."""
    return _complete(_prepare(prompt, system=system, model=model, temperature=temperature,
                              max_tokens=max_tokens))


def stream(prompt_or_messages: str | list[dict], *, system: str | None = None,
           model: str | None = None, temperature: float | None = None,
           max_tokens: int | None = None) -> Iterator[str]:
    """Like `ask`/`chat` but yields the answer in pieces as they arrive."""
    req = _prepare(prompt_or_messages, system=system, model=model, temperature=temperature,
                   max_tokens=max_tokens)
    return _stream(req)


def _stream(req: Request) -> Iterator[str]:
    started = time.perf_counter()
    pieces: list[str] = []
    if req.settings.backend == "offline":
        for piece in offline.stream_answer(req.messages, req.temperature):
            pieces.append(piece)
            yield piece
        _record(req, _estimate_in(req), estimate_tokens("".join(pieces)), False, False, started)
        return
    cache, key, hit = _cached(req, started)
    if hit is not None:
        yield hit
        return
    tokens_in = count_message_tokens(req.messages, req.model)
    _check_budget(req, tokens_in)
    usage_out: dict = {}
    for piece in online.stream(**_online_args(req), usage_out=usage_out):
        pieces.append(piece)
        yield piece
    _finish(req, cache, key, "".join(pieces), started, tokens_in,
            usage_out.get("tokens_in"), usage_out.get("tokens_out"))


def test_connection() -> tuple[bool, str]:
    """Send a tiny request; return (ok, Vietnamese message). Never raises for provider errors."""
    s = current().settings
    if s.backend == "offline":
        return True, t("llm.connection_offline")
    label = PROVIDERS[s.provider].label if s.provider in PROVIDERS else (s.base_url or "OpenAI")
    try:
        online.complete(api_key=_api_key(s), base_url=s.base_url, timeout=min(s.timeout, 20),
                        max_retries=0, model=s.effective_model,
                        messages=[{"role": "user", "content": "Xin chào"}], temperature=0,
                        max_tokens=5)
    except E.LLMError as err:
        return False, str(err)
    return True, t("llm.connection_ok", provider=label, model=s.effective_model)
