"""The upstream chat-completions server (OpenAI, Gemini, Ollama/vLLM on the LAN, LiteLLM).

One pooled httpx client holds the organiser's key in its default headers. 429 and 503 are
retried after the provider's Retry-After (capped); every other failure becomes an
`UpstreamError` with a gateway code and no upstream text (a provider's 401 quotes part
of the key, other errors may quote the prompt).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import AsyncIterator

import httpx

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


def retry_after(headers: httpx.Headers, attempt: int, cap: float) -> float:
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
    if resp_status == 429:
        return UpstreamError(429, "gateway_upstream_rate_limited", resp_status)
    if resp_status in (401, 403):
        return UpstreamError(502, "gateway_upstream_auth", resp_status)
    if resp_status >= 500:
        return UpstreamError(502, "gateway_upstream_error", resp_status)
    try:
        err = json.loads(body or b"{}").get("error") or {}
        err = err if isinstance(err, dict) else {}
        code = str(err.get("code") or err.get("type") or "").lower()
    except (ValueError, AttributeError):
        code = ""
    if resp_status == 404:
        return UpstreamError(404, "model_not_found", resp_status)
    keep = next((c for c in PASS_CODES if c in code), "")
    return UpstreamError(resp_status, keep or "gateway_upstream_refused", resp_status)


class Upstream:
    def __init__(self, cfg: GatewayConfig, inflight: InFlight) -> None:
        self.cfg = cfg
        self.inflight = inflight
        self.calls = 0  # requests actually sent upstream (the cache's saving is visible here)
        self.client = httpx.AsyncClient(
            base_url=cfg.upstream_url + "/",
            headers={"Authorization": f"Bearer {cfg.upstream_key}"},
            timeout=httpx.Timeout(cfg.upstream_timeout, connect=10),
            limits=httpx.Limits(max_connections=cfg.max_in_flight + 4,
                                max_keepalive_connections=cfg.max_in_flight + 4),
        )

    async def _send(self, body: dict, user: str, stream: bool) -> httpx.Response:
        """Send with retries; returns a 200 response (streamed when `stream`)."""
        attempt = 0
        while True:
            self.calls += 1
            try:
                req = self.client.build_request("POST", "chat/completions", json=body)
                resp = await self.client.send(req, stream=stream)
            except httpx.TimeoutException:
                raise UpstreamError(504, "gateway_upstream_timeout") from None
            except httpx.TransportError:
                raise UpstreamError(502, "gateway_upstream_unreachable") from None
            if resp.status_code == 200:
                return resp
            try:
                data = await resp.aread()
            except httpx.HTTPError:
                data = b""
            await resp.aclose()
            if resp.status_code in RETRY_STATUSES and attempt < self.cfg.retries:
                wait = retry_after(resp.headers, attempt, self.cfg.max_retry_wait)
                self.inflight.retry_until[user] = time.monotonic() + wait
                try:
                    await asyncio.sleep(wait)
                finally:
                    self.inflight.retry_until.pop(user, None)
                attempt += 1
                continue
            raise _error_for(resp.status_code, data)

    async def complete(self, body: dict, user: str) -> dict:
        resp = await self._send(body, user, stream=False)
        try:
            return resp.json()
        except ValueError:
            raise UpstreamError(502, "gateway_upstream_malformed") from None

    async def stream(self, body: dict, user: str) -> AsyncIterator[str]:
        """Yield the upstream's server-sent-event lines as they come."""
        resp = await self._send(body, user, stream=True)
        try:
            async for line in resp.aiter_lines():
                yield line
        except httpx.TimeoutException:
            raise UpstreamError(504, "gateway_upstream_timeout") from None
        except httpx.TransportError:
            raise UpstreamError(502, "gateway_upstream_unreachable") from None
        finally:
            await resp.aclose()

    async def close(self) -> None:
        await self.client.aclose()
