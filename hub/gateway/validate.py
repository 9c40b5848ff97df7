"""Strict checks of a chat-completions request body: every field a participant sends is
attacker input. A bad body is a 400 with a Vietnamese message naming the field, never a
500 and never forwarded (NaN, 1e400, "temperature": "hot", JSON nested a thousand deep).

Only what the gateway forwards is checked and kept; other OpenAI fields (tools, n, user,
logit_bias…) are dropped, as before, but must still be well-formed JSON of bounded depth.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

MAX_DEPTH = 32  # deepest nesting accepted anywhere in the body (a json_schema needs ~10)
ROLES = ("system", "developer", "user", "assistant")
MAX_OUTPUT_TOKENS = 200_000  # the largest max_tokens any listed model accepts
# field: (low, high) for numbers the gateway forwards
RANGES = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0), "presence_penalty": (-2.0, 2.0),
          "frequency_penalty": (-2.0, 2.0)}


class BadRequest(ValueError):
    """A 400: `message` is the Vietnamese sentence for the participant."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class ChatRequest:
    model: object  # as asked (the gateway picks an allowed one)
    messages: list[dict]
    params: dict  # the forwarded parameters, checked
    stream: bool


def _reject_constant(name: str) -> float:
    raise BadRequest(f"Yêu cầu có giá trị số không hợp lệ ({name}). Chỉ dùng số bình thường.")


def parse_json(raw: bytes) -> object:
    """The body as JSON: no NaN/Infinity, no non-finite numbers, nesting of bounded depth."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Nội dung yêu cầu không phải văn bản UTF-8.") from None
    try:
        data = json.loads(text or "{}", parse_constant=_reject_constant)
    except RecursionError:
        raise BadRequest("Yêu cầu lồng nhau quá sâu.") from None
    except ValueError as err:  # JSONDecodeError, BadRequest, int of more than 4300 digits
        if isinstance(err, BadRequest):
            raise
        raise BadRequest("Nội dung yêu cầu không phải JSON hợp lệ.") from None
    _check_depth(data)
    return data


def _check_depth(data: object) -> None:
    """Iterative (no recursion to exhaust); also refuses 1e400, which json reads as inf."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            raise BadRequest("Yêu cầu có số quá lớn hoặc không hợp lệ.")
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise BadRequest("Yêu cầu lồng nhau quá sâu.")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def _number(body: dict, name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    low, high = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(f"Trường '{name}' phải là một số từ {low:g} đến {high:g}.", name)
    return value


def _integer(body: dict, name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"Trường '{name}' phải là một số nguyên từ {low} đến {high}.", name)
    return value


def _content(value: object, n: int, role: str) -> str:
    """A message's text: a string, or OpenAI's list of text parts (joined)."""
    if isinstance(value, str):
        return value
    if value is None and role == "assistant":
        return ""
    if isinstance(value, list):
        parts = []
        for part in value:
            if not (isinstance(part, dict) and part.get("type") == "text"
                    and isinstance(part.get("text"), str)):
                raise BadRequest(f"Tin nhắn số {n}: AI của lớp chỉ nhận văn bản.", "messages")
            parts.append(part["text"])
        return "".join(parts)
    raise BadRequest(f"Tin nhắn số {n} phải có nội dung là văn bản.", "messages")


def chat_request(data: object) -> ChatRequest:
    """The checked request; raises BadRequest with the field at fault."""
    if not isinstance(data, dict):
        raise BadRequest("Yêu cầu phải là một đối tượng JSON.")
    raw_messages = data.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise BadRequest("Yêu cầu thiếu danh sách tin nhắn ('messages').", "messages")
    messages = []
    for n, m in enumerate(raw_messages, start=1):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise BadRequest(f"Tin nhắn số {n} phải có vai trò ('role') là system, user hoặc "
                             "assistant.", "messages")
        messages.append({"role": m["role"], "content": _content(m.get("content"), n, m["role"])})
    model = data.get("model")
    if model is not None and not isinstance(model, str):
        raise BadRequest("Trường 'model' phải là tên mô hình (chuỗi).", "model")
    stream = data.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise BadRequest("Trường 'stream' phải là true hoặc false.", "stream")
    params: dict = {}
    for name in RANGES:
        value = _number(data, name)
        if value is not None:
            params[name] = value
    for name in ("max_tokens", "max_completion_tokens"):
        value = _integer(data, name, 1, MAX_OUTPUT_TOKENS)
        if value is not None:
            params[name] = value
    seed = _integer(data, "seed", -(2**63), 2**63 - 1)
    if seed is not None:
        params["seed"] = seed
    stop = data.get("stop")
    if stop is not None:
        if isinstance(stop, str):
            stop = [stop]
        if not (isinstance(stop, list) and len(stop) <= 4
                and all(isinstance(s, str) and len(s) <= 200 for s in stop)):
            raise BadRequest("Trường 'stop' phải là tối đa 4 chuỗi ngắn.", "stop")
        params["stop"] = stop
    fmt = data.get("response_format")
    if fmt is not None:
        if not (isinstance(fmt, dict)
                and fmt.get("type") in ("text", "json_object", "json_schema")):
            raise BadRequest("Trường 'response_format' phải có 'type' là text, json_object hoặc "
                             "json_schema.", "response_format")
        params["response_format"] = fmt
    return ChatRequest(model, messages, params, stream)
