"""`ask`, `chat` and `stream`: one request pipeline for every backend.

`_pipeline` reads top to bottom: prepare (messages, NFC, model) → guard (personal data, size,
budget) → cache → backend (simulation or provider) → record (usage log and cache). `ask` and
`chat` join the pieces; `stream` hands them out as they arrive. On a workshop hub, a refusal
of the class AI (budget spent, paused, unreachable) moves the session to the simulation here,
in the pipeline, and nowhere else.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from .. import numbers
from ..config import OFFLINE_MODEL, Settings, providers
from ..i18n import t
from ..privacy import find_pii, pii_summary
from ..text import nfc
from . import errors as E
from . import gateway, offline, online
from .cache import request_key
from .session import Session, current
from .tokens import count_message_tokens, count_tokens, estimate_tokens
from .usage import UsageRecord, cost_vnd, now


class PersonalDataWarning(UserWarning):
    """Shown when a prompt contains personal data (see `course.find_pii`)."""


class LongPromptWarning(UserWarning):
    """A very long prompt (a pasted document): it costs more; the simulation only skims it."""


class WaitingNotice(UserWarning):
    """A call to the class AI has waited a few seconds: why (the class queue, the provider)."""


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


def _pipeline(prompt_or_messages: str | list[dict], *, system: str | None, model: str | None,
              temperature: float | None, max_tokens: int | None,
              streaming: bool) -> Iterator[str]:
    """One request, top to bottom. Checks run now; the answer arrives as the pieces are read."""
    session = current()
    started = time.perf_counter()
    # 1. prepare: valid messages in NFC, the model, the settings of this moment
    req = _prepare(prompt_or_messages, system, model, temperature, max_tokens, session.settings)
    # 2. guard: personal data and size before anything leaves the notebook
    _guard_personal_data(req)
    _warn_if_long(req)
    # 3. cache: an identical earlier request is answered free
    cache = session.cache_for(req.settings)
    key = req.cache_key() if cache else ""
    hit = cache.get(key) if cache else None
    if hit is not None:
        _record(session, req, hit[1], hit[2], exact=True, cached=True, started=started)
        return iter([hit[0]])
    tokens_in = _count_in(req)
    # 2b. guard: the session budget, with this request's input counted
    _guard_budget(session, req, tokens_in)

    def answer() -> Iterator[str]:
        # 4. backend: the simulation or the provider; `reported` gets the API's token counts
        reported: dict = {}
        pieces: list[str] = []
        complete = False
        try:
            for piece in _backend(req, streaming, reported):
                pieces.append(piece)
                yield piece
            complete = True
        except gateway.FallsBack as refusal:
            # 4b. fall back: the class AI refused for now (budget, pause, unreachable); the
            #     participant reads why, and the next cells run on the labelled simulation
            session.fall_back(refusal.reason, refusal.until)
            raise
        finally:
            # 5. record: usage (the API's counts when it gave them, else counted here) and
            #    the answer in the cache. A stream abandoned (the loop left, the generator
            #    closed) or failing part way is recorded too: the provider bills what it sent.
            if complete or pieces:
                text = "".join(pieces)
                exact = reported.get("tokens_in") is not None
                t_in = reported["tokens_in"] if exact else tokens_in
                t_out = reported.get("tokens_out")
                if t_out is None:
                    t_out = _count_out(req, text)
                _record(session, req, t_in, t_out, exact=exact, cached=False, started=started,
                        complete=complete)
                if cache and complete:
                    cache.put(key, text, req.model, t_in, t_out)

    return answer()


def ask(prompt: str, *, system: str | None = None, model: str | None = None,
        temperature: float | None = None, max_tokens: int | None = None) -> str:
    """Ask one question (with an optional system prompt); return the answer text."""
    return "".join(_pipeline(prompt, system=system, model=model, temperature=temperature,
                             max_tokens=max_tokens, streaming=False))


def chat(messages: list[dict], *, model: str | None = None, temperature: float | None = None,
         max_tokens: int | None = None) -> str:
    """Send an OpenAI-style list of messages; return the answer text."""
    return "".join(_pipeline(messages, system=None, model=model, temperature=temperature,
                             max_tokens=max_tokens, streaming=False))


def stream(prompt_or_messages: str | list[dict], *, system: str | None = None,
           model: str | None = None, temperature: float | None = None,
           max_tokens: int | None = None) -> Iterator[str]:
    """Like `ask`/`chat` but yields the answer in pieces as they arrive."""
    return _pipeline(prompt_or_messages, system=system, model=model, temperature=temperature,
                     max_tokens=max_tokens, streaming=True)


# --------------------------------------------------------------------------- the steps
def _prepare(prompt_or_messages: str | list[dict], system: str | None, model: str | None,
             temperature: float | None, max_tokens: int | None, s: Settings) -> Request:
    messages = [{"role": m["role"], "content": nfc(m["content"])}
                for m in _messages(prompt_or_messages, system)]
    if s.backend == "offline":
        chosen = model or s.model or OFFLINE_MODEL
    else:
        chosen = model or s.effective_model
    return Request(s, chosen, messages, temperature, max_tokens)


# Warnings point at the learner's cell: _guard → _pipeline → ask/chat/stream → cell.
_CELL = 4


def _guard_personal_data(req: Request) -> None:
    if req.settings.pii_policy == "off":
        return
    found = [m for msg in req.messages if msg["role"] != "assistant"
             for m in find_pii(msg["content"])]
    if not found:
        return
    summary = pii_summary(found)
    if req.settings.pii_policy == "refuse":
        raise E.PersonalDataError(summary=summary)
    warnings.warn(t("llm.warn_pii", summary=summary), PersonalDataWarning, stacklevel=_CELL)


def _warn_if_long(req: Request) -> None:
    size = sum(estimate_tokens(m["content"]) for m in req.messages)
    if size > LONG_PROMPT_TOKENS:
        warnings.warn(t("llm.warn_long_prompt", tokens=numbers.number(size)),
                      LongPromptWarning, stacklevel=_CELL)


def _count_in(req: Request) -> int:
    if req.settings.backend == "offline":  # estimates: the simulation never waits for a tokenizer
        return sum(estimate_tokens(m["content"]) + 4 for m in req.messages) + 2
    return count_message_tokens(req.messages, req.model)


def _count_out(req: Request, text: str) -> int:
    if req.settings.backend == "offline":
        return estimate_tokens(text)
    return count_tokens(text, req.model)


def _guard_budget(session: Session, req: Request, tokens_in: int) -> None:
    s = req.settings
    if s.budget_vnd is None or s.backend == "offline":
        return
    spent = session.usage.spent_vnd()
    expected = cost_vnd(tokens_in, 0, req.model, usd_to_vnd=s.usd_to_vnd)
    if spent >= s.budget_vnd or spent + expected > s.budget_vnd:
        raise E.BudgetExceededError(budget=numbers.number(s.budget_vnd),
                                    spent=numbers.number(spent))


def _backend(req: Request, streaming: bool, reported: dict) -> Iterator[str]:
    """The answer's pieces from the simulation or the provider (one piece unless streaming)."""
    s = req.settings
    if s.backend == "offline":
        if streaming:
            yield from offline.stream_answer(req.messages, req.temperature)
        else:
            yield offline.answer(req.messages, req.temperature)
        return
    args = {"api_key": _api_key(s), "base_url": s.base_url, "timeout": s.timeout,
            "max_retries": s.max_retries, "model": req.model, "messages": req.messages,
            "temperature": req.temperature, "max_tokens": req.max_tokens,
            "class_gateway": s.on_gateway}
    # On a hub's class AI, a participant who waits is told why (queue or provider): the
    # backend starts the notice as the request goes out; it ends with the first piece.
    notice = args["notice"] = gateway.WaitNotice(s.on_gateway, _tell_waiting)
    try:
        if streaming:
            for piece in online.stream(**args, usage_out=reported):
                notice.cancel()
                yield piece
        else:
            reply = online.complete(**args)
            notice.cancel()
            reported.update(tokens_in=reply.tokens_in, tokens_out=reply.tokens_out)
            yield reply.text
    finally:
        notice.cancel()


def _tell_waiting(text: str) -> None:
    """Show a waiting notice like the course's other notices (a WaitingNotice warning); every
    time, not once per place, as each wait has its own reason."""
    warnings.warn_explicit(text, WaitingNotice, __file__, 0, module=__name__, registry={})


def _record(session: Session, req: Request, tokens_in: int, tokens_out: int, *, exact: bool,
            cached: bool, started: float, complete: bool = True) -> None:
    s = req.settings
    online_call = s.backend == "openai"
    cost = 0.0  # the simulation and cached answers are free
    if online_call and not cached:
        cost = cost_vnd(tokens_in, tokens_out, req.model, usd_to_vnd=s.usd_to_vnd)
    session.usage.add(UsageRecord(now(), s.backend, s.provider if online_call else None,
                                  req.model, tokens_in, tokens_out, exact, cost, cached,
                                  time.perf_counter() - started, complete))


def _api_key(s: Settings) -> str:
    if s.api_key:
        return s.api_key
    raise E.AuthError()


def test_connection() -> tuple[bool, str]:
    """Send a tiny request; return (ok, Vietnamese message). Never raises for provider errors."""
    s = current().settings
    if s.backend == "offline":
        return True, t("llm.connection_offline")
    known = providers(s)
    label = known[s.provider].label if s.provider in known else (s.base_url or "OpenAI")
    try:
        online.complete(api_key=_api_key(s), base_url=s.base_url, timeout=min(s.timeout, 20),
                        max_retries=0, model=s.effective_model,
                        messages=[{"role": "user", "content": "Xin chào"}], temperature=0,
                        max_tokens=5, class_gateway=s.on_gateway)
    except gateway.FallsBack as refusal:  # as in the pipeline (4b): the lesson goes on
        current().fall_back(refusal.reason, refusal.until)
        return False, str(refusal)
    except E.LLMError as err:
        return False, str(err)
    return True, t("llm.connection_ok", provider=label, model=s.effective_model)
