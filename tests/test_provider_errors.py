"""One parser of provider error bodies (course/llm/provider_errors.py) for the course and the
class gateway, on the bodies real providers send: OpenAI, Gemini's OpenAI-compatible endpoint,
Ollama, vLLM, OpenRouter. Each body goes through the real openai SDK from a real HTTP server
(tests/llm_server.py) into the course's error, and through the gateway's upstream mapping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from llm_server import Scripted

import course
from course.llm import provider_errors
from hub.gateway import config as gateway_config
from hub.gateway.upstream import _error_for

ROOT = Path(__file__).resolve().parent.parent
KEY_PART = "sk-abc123SECRET"


def gemini(status: int, code_name: str, message: str, **extra) -> list:
    return [{"error": {"code": status, "message": message, "status": code_name, **extra}}]


# name: (HTTP status, body, kind, the course's error, the gateway's (status, code))
CASES = {
    "openai_context": (400, {"error": {
        "message": "This model's maximum context length is 128000 tokens. However, your "
                   "messages resulted in 130512 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}},
        "context_length", course.ContextTooLongError, (400, "context_length")),
    "openai_quota": (429, {"error": {
        "message": "You exceeded your current quota, please check your plan and billing details. "
                   "For more information on this error, read the docs: https://platform.openai.com"
                   "/docs/guides/error-codes/api-errors.",
        "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}},
        "quota", course.QuotaExceededError, (429, "gateway_upstream_rate_limited")),
    "openai_bad_key": (401, {"error": {
        "message": f"Incorrect API key provided: {KEY_PART}***WXYZ. You can find your API key at "
                   "https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}},
        "auth", course.AuthError, (502, "gateway_upstream_auth")),
    "openai_model": (404, {"error": {
        "message": "The model `gpt-9` does not exist or you do not have access to it.",
        "type": "invalid_request_error", "param": None, "code": "model_not_found"}},
        "model_not_found", course.ModelNotFoundError, (404, "model_not_found")),
    "openai_safety": (400, {"error": {
        "message": "Your request was rejected as a result of our safety system.",
        "type": "invalid_request_error", "param": None, "code": "content_policy_violation"}},
        "content_filter", course.ContentRefusedError, (400, "content_filter")),
    "gemini_bad_key": (400, gemini(400, "INVALID_ARGUMENT",
                                   "API key not valid. Please pass a valid API key.",
                                   details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                             "reason": "API_KEY_INVALID",
                                             "domain": "googleapis.com"}]),
                       "auth", course.AuthError, (502, "gateway_upstream_auth")),
    "gemini_rate": (429, gemini(429, "RESOURCE_EXHAUSTED",
                                "You exceeded your current quota, please check your plan and "
                                "billing details. For more information on this error, head to: "
                                "https://ai.google.dev/gemini-api/docs/rate-limits.",
                                details=[{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                          "retryDelay": "35s"}]),
                    "rate_limit", course.RateLimitError, (429, "gateway_upstream_rate_limited")),
    "gemini_context": (400, gemini(400, "INVALID_ARGUMENT",
                                   "The input token count (1200000) exceeds the maximum number of "
                                   "tokens allowed (1048576)."),
                       "context_length", course.ContextTooLongError, (400, "context_length")),
    "gemini_model": (404, gemini(404, "NOT_FOUND",
                                 "models/gemini-9 is not found for API version v1main, or is not "
                                 "supported for generateContent. Call ListModels to see the list "
                                 "of available models and their supported methods."),
                     "model_not_found", course.ModelNotFoundError, (404, "model_not_found")),
    "ollama_model": (404, {"error": {"message": 'model "llama3" not found, try pulling it first',
                                     "type": "api_error", "param": None, "code": None}},
                     "model_not_found", course.ModelNotFoundError, (404, "model_not_found")),
    "ollama_native": (404, {"error": "model 'llama3' not found"},
                      "model_not_found", course.ModelNotFoundError, (404, "model_not_found")),
    "vllm_context": (400, {"object": "error", "message":
                           "This model's maximum context length is 4096 tokens. However, you "
                           "requested 5000 tokens (4000 in the messages, 1000 in the completion). "
                           "Please reduce the length of the messages or completion.",
                           "type": "BadRequestError", "param": None, "code": 400},
                     "context_length", course.ContextTooLongError, (400, "context_length")),
    "vllm_model": (404, {"error": {"message": "The model `gpt-4` does not exist.",
                                   "type": "NotFoundError", "param": None, "code": 404}},
                   "model_not_found", course.ModelNotFoundError, (404, "model_not_found")),
    "openrouter_credits": (402, {"error": {
        "code": 402, "message": "This request requires more credits, or fewer max_tokens. You "
                                "requested up to 4096 tokens, but can only afford 1000. To "
                                "increase, visit https://openrouter.ai/settings/credits"}},
        "quota", course.QuotaExceededError, (402, "gateway_upstream_refused")),
    "openrouter_moderation": (403, {"error": {
        "code": 403, "message": "openai/gpt-4o requires moderation on OpenRouter. Your input was "
                                "flagged for \"harassment\". No credits were charged.",
        "metadata": {"reasons": ["harassment"], "flagged_input": "Gọi chị Lan...",
                     "provider_name": "OpenAI", "model_slug": "openai/gpt-4o"}}},
        "content_filter", course.ContentRefusedError, (400, "content_filter")),
    "openrouter_rate": (429, {"error": {"message": "Rate limit exceeded: free-models-per-min. ",
                                        "code": 429, "metadata": {"headers": {
                                            "X-RateLimit-Limit": "20"}}}},
                        "rate_limit", course.RateLimitError,
                        (429, "gateway_upstream_rate_limited")),
    "openrouter_no_key": (401, {"error": {"message": "No auth credentials found", "code": 401}},
                          "auth", course.AuthError, (502, "gateway_upstream_auth")),
    "openrouter_context": (400, {"error": {
        "message": "This endpoint's maximum context length is 8192 tokens. However, you requested "
                   "about 9120 tokens (8096 of text input, 1024 in the output). Please reduce the "
                   "length of either one, or use the \"middle-out\" transform.",
        "code": 400, "metadata": {"provider_name": None}}},
        "context_length", course.ContextTooLongError, (400, "context_length")),
}


@pytest.mark.parametrize("name", CASES)
def test_each_provider_body_is_read(name):
    status, body, kind, _, _ = CASES[name]
    said = provider_errors.parse(body, status)
    assert said.kind == kind
    assert said.message  # every shape's message is found
    assert not said.code.isdigit()  # a numeric code is the status again, not a name


@pytest.mark.parametrize("name", CASES)
def test_the_course_gets_its_own_error_through_the_sdk(online, name):
    status, body, _, expected, _ = CASES[name]
    online.push(Scripted(status, body))
    with pytest.raises(course.LLMError) as caught:
        course.ask("Viết khẩu hiệu cho tiệm giặt ủi", temperature=0)
    assert type(caught.value) is expected, caught.value.detail
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert KEY_PART not in str(caught.value) and KEY_PART not in (caught.value.detail or "")
    assert f"HTTP {status}" in caught.value.detail


@pytest.mark.parametrize("name", CASES)
def test_the_gateway_maps_the_upstream_with_the_same_parser(name):
    import json

    status, body, _, _, gateway = CASES[name]
    err = _error_for(status, json.dumps(body).encode())
    assert (err.status, err.code) == gateway
    assert KEY_PART not in str(err)


def test_bodies_that_say_nothing():
    for body in (None, b"", "", "<html>502 Bad Gateway</html>", b"\xff\xfe", [], 42, {"error": 5},
                 {"error": None}, [{"unexpected": True}]):
        said = provider_errors.parse(body)
        assert said.kind == "" and said.code == ""
    assert provider_errors.parse(b'{"error": {"code": "gateway_paused"}}').code == "gateway_paused"
    assert provider_errors.parse("", 402).kind == "quota"  # OpenRouter's status alone


def test_one_home_for_provider_presets():
    """URLs and default models live in course/llm/providers.py; course and gateway agree."""
    from course.config import LOCAL_KEY, PRESETS

    ups = gateway_config.UPSTREAMS
    for name in ("openai", "gemini", "ollama", "vllm"):
        assert ups[name][1] == PRESETS[name].default_model
        assert ups[name][0] == (PRESETS[name].base_url or "https://api.openai.com/v1").rstrip("/")
    assert ups["litellm"][2] == "LITELLM_MASTER_KEY" and "litellm" not in PRESETS
    assert gateway_config.NO_KEY == LOCAL_KEY == "not-needed"
    for path in ("course/config.py", "hub/gateway/config.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r"https?://|\"not-needed\"|\"gpt-4o-mini\"", text), path
