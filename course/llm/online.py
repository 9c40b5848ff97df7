"""The online backend: the official openai SDK's chat.completions, for every compatible provider.

Retries, back-off, Retry-After and timeouts are the SDK's own (`max_retries`, `timeout`).
SDK exceptions are translated into `LLMError` subclasses *outside* the `except` block, so
no SDK exception (which can carry the request and its headers) is chained to ours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from . import errors as E
from . import gateway, provider_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    text: str
    tokens_in: int | None  # from the API's `usage`, when it reports it
    tokens_out: int | None


@lru_cache(maxsize=8)
def _client(api_key: str, base_url: str | None, timeout: float, max_retries: int,
            class_gateway: gateway.Gateway | None = None):  # -> OpenAI
    import openai  # imported on first online call: `import course` stays fast offline

    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout,
                         max_retries=max_retries, http_client=gateway.http_client(class_gateway))


def _where(base_url: str | None) -> str:
    return urlsplit(base_url).netloc if base_url else "api.openai.com"


def translate(exc: Exception, *, base_url: str | None, timeout: float, model: str,
              class_gateway: gateway.Gateway | None = None) -> E.LLMError:
    """Map an SDK/transport exception to our Vietnamese error (no key, no request body).

    `class_gateway`: the workshop hub's class AI when `base_url` is its address."""
    import openai

    class_gateway = gateway.serving(class_gateway, base_url)
    mapped = gateway.translate(exc, class_gateway)  # the class AI gateway's own refusals
    if mapped is not None:
        return mapped
    if class_gateway is not None and isinstance(exc, openai.APIStatusError):
        said = provider_errors.parse(exc.body, exc.status_code)
        if said.code in ("gateway_body_too_large", "gateway_bad_request") and said.message:
            # the class gateway's own Vietnamese sentence: what was wrong, how to shorten
            return E.LLMError(said.message[:500], detail=f"HTTP {exc.status_code} {said.code}")
    if isinstance(exc, openai.APITimeoutError):
        return E.LLMTimeoutError(seconds=int(timeout), detail="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return E.LLMConnectionError(where=_where(base_url), detail="connection")
    import httpx

    if isinstance(exc, httpx.TransportError):  # the connection broke part way through a stream
        return E.LLMConnectionError(where=_where(base_url), detail=type(exc).__name__)
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError):
        return E.MalformedResponseError(detail=type(exc).__name__)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        said = provider_errors.parse(exc.body, status)  # the provider's own words
        detail = f"HTTP {status} {said.code}".strip()
        if said.kind == "content_filter":  # before the 403s: OpenRouter's moderation is one
            return E.ContentRefusedError(detail=detail)
        if status in (401, 403) or said.kind == "auth":  # Gemini: a bad key is a 400
            return E.AuthError(detail=detail)
        if said.kind == "quota":  # OpenAI's 429 insufficient_quota, OpenRouter's 402
            return E.QuotaExceededError(detail=detail)
        if status == 429 or said.kind == "rate_limit":
            return E.RateLimitError(detail=detail)
        if status == 404 or said.kind == "model_not_found":
            return E.ModelNotFoundError(model=model, detail=detail)
        if said.kind == "context_length":
            return E.ContextTooLongError(detail=detail)
        if status >= 500:
            return E.ServerError(status=status, detail=detail)
        return E.LLMError(detail=detail)
    if isinstance(exc, ValueError):  # invalid JSON that the SDK surfaces as ValueError
        return E.MalformedResponseError(detail=type(exc).__name__)
    return E.LLMError(detail=type(exc).__name__)


def _log_failure(error: E.LLMError, base_url: str | None) -> None:
    """For developers (silent in notebooks): which server, which failure; never the key."""
    log.warning("request to %s failed: %s (%s)", _where(base_url), type(error).__name__,
                error.detail)


def _params(model: str, messages: list[dict], temperature: float | None,
            max_tokens: int | None) -> dict:
    params: dict = {"model": model, "messages": messages}
    if temperature is not None:
        params["temperature"] = temperature
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    return params


def complete(*, api_key: str, base_url: str | None, timeout: float, max_retries: int,
             model: str, messages: list[dict], temperature: float | None,
             max_tokens: int | None, class_gateway: gateway.Gateway | None = None,
             notice: gateway.WaitNotice | None = None) -> Reply:
    """One answer. `class_gateway`: the workshop hub's class AI when `base_url` is its
    address; `notice` is started as the request goes out (the caller cancels it)."""
    error: E.LLMError | None = None
    try:
        client = _client(api_key, base_url, timeout, max_retries, class_gateway)
        if notice is not None:
            notice.start()
        resp = client.chat.completions.create(**_params(model, messages, temperature, max_tokens))
    except Exception as exc:  # translated below, outside this block
        error = translate(exc, base_url=base_url, timeout=timeout, model=model,
                          class_gateway=class_gateway)
    if error is not None:
        _log_failure(error, base_url)
        raise error
    choices = getattr(resp, "choices", None)
    if not choices or getattr(choices[0], "message", None) is None:
        raise E.MalformedResponseError(detail="no choices")
    choice = choices[0]
    if choice.finish_reason == "content_filter" or getattr(choice.message, "refusal", None):
        raise E.ContentRefusedError(detail="refusal")
    text = choice.message.content
    if not isinstance(text, str):
        raise E.MalformedResponseError(detail="no content")
    usage = getattr(resp, "usage", None)
    return Reply(text, getattr(usage, "prompt_tokens", None),
                 getattr(usage, "completion_tokens", None))


# Servers that refused `stream_options` (older OpenAI-compatible servers): not asked again.
_NO_STREAM_USAGE: set[str | None] = set()


def _open_stream(client, base_url: str | None, params: dict):  # -> openai.Stream
    """Start a streamed answer, asking for token usage in its last chunk where the server can."""
    import openai

    if base_url not in _NO_STREAM_USAGE:
        try:
            return client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **params)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            refused = exc  # maybe the option, maybe the request: the plain retry tells
    chunks = client.chat.completions.create(stream=True, **params)
    if base_url not in _NO_STREAM_USAGE:
        _NO_STREAM_USAGE.add(base_url)
        log.info("%s refused stream_options (HTTP %s); streaming without usage counts",
                 _where(base_url), refused.status_code)
    return chunks


def stream(*, api_key: str, base_url: str | None, timeout: float, max_retries: int,
           model: str, messages: list[dict], temperature: float | None,
           max_tokens: int | None, usage_out: dict,
           class_gateway: gateway.Gateway | None = None,
           notice: gateway.WaitNotice | None = None) -> Iterator[str]:
    """Yield text chunks; put the API's token counts in `usage_out` when it reports them."""
    error: E.LLMError | None = None
    try:
        client = _client(api_key, base_url, timeout, max_retries, class_gateway)
        if notice is not None:
            notice.start()
        chunks = _open_stream(client, base_url, _params(model, messages, temperature, max_tokens))
    except Exception as exc:
        error = translate(exc, base_url=base_url, timeout=timeout, model=model,
                          class_gateway=class_gateway)
    if error is not None:
        _log_failure(error, base_url)
        raise error
    iterator = iter(chunks)
    try:
        while True:
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            except Exception as exc:
                error = translate(exc, base_url=base_url, timeout=timeout, model=model,
                                  class_gateway=class_gateway)
            if error is not None:
                _log_failure(error, base_url)
                raise error
            usage = getattr(chunk, "usage", None)
            if usage is not None:
                usage_out["tokens_in"] = usage.prompt_tokens
                usage_out["tokens_out"] = usage.completion_tokens
            for choice in chunk.choices or []:
                if choice.finish_reason == "content_filter":
                    raise E.ContentRefusedError(detail="refusal")
                piece = getattr(choice.delta, "content", None)
                if piece:
                    yield piece
    finally:
        # A stream left part way (the learner's loop broke off, the generator was closed or
        # failed) closes its connection now: the provider stops generating what nobody reads.
        _close(chunks)


def _close(chunks) -> None:  # openai.Stream
    try:
        chunks.close()
    except Exception as exc:  # closing a broken connection: nothing left to save
        log.debug("closing a stream: %s", type(exc).__name__)
