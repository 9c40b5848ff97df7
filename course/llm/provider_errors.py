"""What a provider's error body says, whichever OpenAI-compatible server sent it.

The one parser of error bodies, used by the online backend (course/llm/online.py), the class
gateway's client side (course/llm/gateway.py) and the gateway's upstream (hub/gateway/
upstream.py). The shapes met in practice:

- OpenAI, LM Studio, LiteLLM, Ollama's /v1: ``{"error": {"message", "type", "param", "code"}}``
- the openai SDK's ``APIStatusError.body``: the same object, already taken out of "error"
- Gemini's OpenAI-compatible endpoint: a list, ``[{"error": {"code": 400, "message",
  "status": "INVALID_ARGUMENT", "details": [{"reason": "API_KEY_INVALID", ...}]}}]``
- vLLM: ``{"object": "error", "message", "type": "BadRequestError", "code": 400}`` (newer
  versions wrap it in "error")
- OpenRouter: ``{"error": {"code": 402, "message", "metadata": {...}}}``
- Ollama's own API and some proxies: ``{"error": "model 'x' not found"}``

`message` may quote the prompt or part of a key: it is for classifying, never shown as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# What an error means for the course, whatever the provider called it.
KINDS = ("auth", "quota", "rate_limit", "context_length", "content_filter", "model_not_found")

_MESSAGE_KINDS = (  # checked in this order on the lower-cased message
    ("context_length", re.compile(
        r"context length|maximum context|context window|context_length|prompt is too long"
        r"|exceeds the maximum number of tokens|too many tokens|input token count")),
    ("content_filter", re.compile(r"flagged|moderation|content management policy|safety")),
    ("quota", re.compile(r"insufficient_quota|insufficient credits|more credits"
                         r"|exceeded your current quota, please check your plan")),
    ("auth", re.compile(r"api key not valid|incorrect api key|invalid api key|no auth credentials"
                        r"|api_key_invalid|unauthenticated")),
    ("model_not_found", re.compile(r"models?\b.*\b(not found|does not exist)"
                                   r"|not a valid model|unknown model|no such model")),
    ("rate_limit", re.compile(r"rate limit|rate_limit|too many requests|resource_exhausted")),
)
_CODE_KINDS = (  # substrings of the code, type or status
    ("context_length", ("context_length",)),
    ("content_filter", ("content_policy", "content_filter", "safety")),
    ("quota", ("insufficient_quota",)),
    ("auth", ("invalid_api_key", "unauthenticated", "permission_denied", "api_key_invalid")),
    ("model_not_found", ("model_not_found",)),
    ("rate_limit", ("rate_limit", "resource_exhausted")),
)


@dataclass(frozen=True)
class ProviderError:
    code: str = ""  # the provider's own code, type or status, lower case ("" when none)
    kind: str = ""  # one of KINDS, or "" when the body does not say
    message: str = ""  # the provider's text (may quote the prompt: never shown as is)
    fields: Mapping[str, object] = field(default_factory=dict)  # the error object as sent


def error_object(body: object) -> dict:
    """The error object inside `body` (bytes, text, a dict or Gemini's list); {} if none."""
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body) if body.strip() else {}
        except ValueError:
            return {"message": body[:2000]}  # a proxy's plain-text page
    if isinstance(body, list) and body:  # Gemini: one error object in a list
        body = body[0]
    if not isinstance(body, dict):
        return {}
    err = body.get("error", body)
    if isinstance(err, str):  # Ollama's own API: {"error": "model 'x' not found"}
        return {"message": err}
    return err if isinstance(err, dict) else {}


def _text(value: object) -> str:
    return value.lower() if isinstance(value, str) else ""


def parse(body: object, status: int | None = None) -> ProviderError:
    """Read a provider's error body; `status` (the HTTP status) helps where the body is vague."""
    err = error_object(body)
    # A numeric "code" (Gemini, vLLM, OpenRouter) is the HTTP status again, not a name.
    code = next((t for t in (_text(err.get("code")), _text(err.get("type")),
                             _text(err.get("status"))) if t), "")
    names = " ".join([_text(err.get(k)) for k in ("code", "type", "status")] + [
        _text(d.get("reason")) for d in err.get("details") or [] if isinstance(d, dict)])
    message = err.get("message") if isinstance(err.get("message"), str) else ""
    kind = next((k for k, parts in _CODE_KINDS if any(p in names for p in parts)), "")
    metadata = err.get("metadata")
    if not kind and isinstance(metadata, dict) and metadata.get("reasons"):
        kind = "content_filter"  # OpenRouter's moderation: the reasons it flagged
    if not kind and message:
        kind = next((k for k, pattern in _MESSAGE_KINDS if pattern.search(message.lower())), "")
    if not kind and status == 402:  # OpenRouter: out of credits
        kind = "quota"
    return ProviderError(code, kind, message, err)
