"""The upstream chat-completions server (OpenAI, Gemini, Ollama/vLLM on the LAN, LiteLLM).

One pooled aiohttp session holds the organiser's key in its default headers. aiohttp comes
with JupyterHub itself, keeps connections alive and costs about half the CPU per call of
httpx, whose connection pool also left some of 50 concurrent calls waiting over a second
(benchmarks/README.md). 429 and 503 are retried after the provider's Retry-After (capped);
every other failure becomes an `UpstreamError` with a gateway code and no upstream text
(a provider's 401 quotes part of the key, other errors may quote the prompt).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import AsyncIterator, Mapping

import aiohttp

from course.llm import provider_errors

from .config import GatewayConfig
from .limits import InFlight

RETRY_STATUSES = (429, 503)
PASS_CODES = ("context_length", "content_filter", "content_policy", "safety", "model_not_found")


class UpstreamError(Exception):
    def __init__(self, status: int, code: str, upstream_status: int | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.upstream_status = upstream_status


def retry_after(headers: Mapping[str, str], attempt: int, cap: float) -> float:
    """Seconds to wait: the provider's Retry-After (seconds or a date), else 1, 2, 4 s…"""
    raw_ms = headers.get("retry-after-ms")
    raw = headers.get("retry-after")
    wait = None
    try:
        if raw_ms:
            wait = float(raw_ms) / 1000
        elif raw:
            wait = float(raw)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        if parsed is not None:
            wait = parsed.timestamp() - time.time()
    if wait is None or wait < 0:
        wait = 2.0 ** attempt
    return min(wait, cap)


def _error_for(resp_status: int, body: bytes) -> UpstreamError:
    """The gateway's error for an upstream refusal, from its status and body (the course's
    one parser of provider error bodies, course/llm/provider_errors.py); no upstream text."""
    if resp_status == 429:
        return UpstreamError(429, "gateway_upstream_rate_limited", resp_status)
    if resp_status >= 500:
        return UpstreamError(502, "gateway_upstream_error", resp_status)
    said = provider_errors.parse(body, resp_status)
    if said.kind == "content_filter":  # before the 403s: OpenRouter's moderation is one
        return UpstreamError(400 if resp_status == 403 else resp_status, "content_filter",
                             resp_status)
    if resp_status in (401, 403) or said.kind == "auth":  # Gemini: a bad key is a 400
        return UpstreamError(502, "gateway_upstream_auth", resp_status)
    if resp_status == 404 or said.kind == "model_not_found":
        return UpstreamError(404, "model_not_found", resp_status)
    keep = said.kind if said.kind in PASS_CODES else next(
        (c for c in PASS_CODES if c in said.code), "")
    return UpstreamError(resp_status, keep or "gateway_upstream_refused", resp_status)


def encode(body: dict) -> bytes:
    """The request as JSON. Messages a worker already serialised (`messages_json`, bytes of a
    large body) are spliced in as they are, so the event loop never re-encodes a megabyte."""
    pre = body.get("messages_json")
    if pre is None:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    rest = {k: v for k, v in body.items() if k not in ("messages", "messages_json")}
    head = json.dumps(rest, ensure_ascii=False).encode("utf-8")
    return head[:-1] + b', "messages": ' + pre + b"}"


class Upstream:
    def __init__(self, cfg: GatewayConfig, inflight: InFlight) -> None:
        self.cfg = cfg
        self.inflight = inflight
        self.calls = 0  # requests actually sent upstream (the cache's saving is visible here)
        self.url = cfg.upstream_url + "/chat/completions"
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """Created on first use, inside the running event loop (aiohttp requires it)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.cfg.upstream_key}"},
                # like the SDK's timeouts: connect, then each read (a stream may last long)
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10,
                                              sock_read=self.cfg.upstream_timeout),
                connector=aiohttp.TCPConnector(limit=self.cfg.max_in_flight + 4),
                raise_for_status=False, trust_env=True)
        return self._session

    async def _send(self, body: dict, user: str) -> aiohttp.ClientResponse:
        """Send with retries; returns a 200 response whose body is still to be read."""
        attempt = 0
        data = encode(body)
        headers = {"Content-Type": "application/json"}
        while True:
            self.calls += 1
            try:
                resp = await self.session().post(self.url, data=data, headers=headers)
            except TimeoutError:
                raise UpstreamError(504, "gateway_upstream_timeout") from None
            except aiohttp.ClientError:
                raise UpstreamError(502, "gateway_upstream_unreachable") from None
            if resp.status == 200:
                return resp
            try:
                text = await resp.read()
            except (aiohttp.ClientError, TimeoutError):
                text = b""
            resp.release()
            if resp.status in RETRY_STATUSES and attempt < self.cfg.retries:
                wait = retry_after(resp.headers, attempt, self.cfg.max_retry_wait)
                self.inflight.retry_until[user] = time.monotonic() + wait
                try:
                    await asyncio.sleep(wait)
                finally:
                    self.inflight.retry_until.pop(user, None)
                attempt += 1
                continue
            raise _error_for(resp.status, text)

    async def complete(self, body: dict, user: str) -> dict:
        resp = await self._send(body, user)
        try:
            return json.loads(await resp.read())
        except TimeoutError:
            raise UpstreamError(504, "gateway_upstream_timeout") from None
        except aiohttp.ClientError:
            raise UpstreamError(502, "gateway_upstream_unreachable") from None
        except ValueError:
            raise UpstreamError(502, "gateway_upstream_malformed") from None
        finally:
            resp.release()

    async def stream(self, body: dict, user: str) -> AsyncIterator[str]:
        """Yield the upstream's server-sent-event lines as they come (without line ends)."""
        resp = await self._send(body, user)
        try:
            async for raw in resp.content:
                yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
        except TimeoutError:
            raise UpstreamError(504, "gateway_upstream_timeout") from None
        except aiohttp.ClientError:
            raise UpstreamError(502, "gateway_upstream_unreachable") from None
        except ValueError:  # a line longer than the reader's limit: not server-sent events
            raise UpstreamError(502, "gateway_upstream_malformed") from None
        finally:
            resp.release()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
