"""Provider presets: the one table of OpenAI-compatible servers the course knows by name.

Used by the course's settings and connection panel (course/config.py: `PRESETS`) and by the
class AI gateway's upstream names (hub/gateway/config.py: `UPSTREAMS`), so a URL or a default
model is changed in one place. Plain data, no imports from the course: the gateway and the
JupyterHub configuration read it too.
"""

from __future__ import annotations

from dataclasses import dataclass

OPENAI_URL = "https://api.openai.com/v1"  # the openai SDK's default
LOCAL_KEY = "not-needed"  # local servers ignore the key, but the SDK and the header want one


@dataclass(frozen=True)
class Preset:
    name: str
    label: str  # how the course's connection panel names it
    base_url: str
    default_model: str
    key_env: str | None = None  # the environment variable that may hold its key; None: local
    in_course: bool = True  # offered in the course's connection panel
    upstream: bool = True  # a GATEWAY_UPSTREAM name for the class gateway

    @property
    def needs_key(self) -> bool:
        return self.key_env is not None


PRESETS: tuple[Preset, ...] = (
    Preset("openai", "OpenAI", OPENAI_URL, "gpt-4o-mini", "OPENAI_API_KEY"),
    Preset("gemini", "Google Gemini", "https://generativelanguage.googleapis.com/v1beta/openai/",
           "gemini-2.5-flash", "GEMINI_API_KEY"),
    Preset("ollama", "Ollama (máy của bạn)", "http://localhost:11434/v1", "qwen2.5:3b"),
    Preset("lmstudio", "LM Studio (máy của bạn)", "http://localhost:1234/v1",
           "qwen2.5-7b-instruct", upstream=False),
    Preset("vllm", "vLLM (máy chủ riêng)", "http://localhost:8000/v1",
           "Qwen/Qwen2.5-7B-Instruct"),
    # Not a gateway upstream: the gateway prices only the models of its priced upstreams.
    Preset("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "openai/gpt-4o-mini",
           "OPENROUTER_API_KEY", upstream=False),
    # A LiteLLM proxy in front of several providers: for the gateway, not the panel.
    Preset("litellm", "LiteLLM", "http://localhost:4000/v1", "gpt-4o-mini",
           "LITELLM_MASTER_KEY", in_course=False),
)


def for_course() -> tuple[Preset, ...]:
    return tuple(p for p in PRESETS if p.in_course)


def upstreams() -> tuple[Preset, ...]:
    return tuple(p for p in PRESETS if p.upstream)
