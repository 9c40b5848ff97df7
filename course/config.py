"""Connection settings: provider presets, environment variables and `configure()`.

`settings_from_env(env)` is a pure function of the environment it is given; on a workshop hub
it stores the class gateway it finds (`course.llm.gateway.discover`) on the settings, and
`providers(settings)` computes the provider list from the presets plus that gateway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import CourseError
from .i18n import t
from .llm import gateway as gw
from .llm import providers as presets


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    base_url: str | None  # None: the SDK's default (OpenAI)
    default_model: str
    needs_key: bool = True


# The presets (course/llm/providers.py, shared with the class gateway); `providers(settings)`
# adds the class gateway where there is one. OpenAI's URL is left to the SDK (None).
PRESETS: Mapping[str, Provider] = MappingProxyType({
    p.name: Provider(p.name, p.label, None if p.base_url == presets.OPENAI_URL else p.base_url,
                     p.default_model, p.needs_key)
    for p in presets.for_course()
})

OFFLINE_MODEL = "mo-phong"  # the simulated model's name in usage tables
LOCAL_KEY = presets.LOCAL_KEY  # placeholder key for local servers
# This machine or the classroom's own network (a shared Ollama/vLLM server on the LAN).
LOCAL_HOSTS = ("localhost", "127.", "0.0.0.0", "[::1]", "host.docker.internal", "10.",
               "192.168.", *(f"172.{n}." for n in range(16, 32)))


def _default_cache_dir(env: Mapping[str, str]) -> Path:
    if env.get("COURSE_CACHE_DIR"):
        return Path(env["COURSE_CACHE_DIR"])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course-ai"


def mask_key(key: str | None) -> str | None:
    """Show a key only as its last 4 characters."""
    if not key or key == LOCAL_KEY:
        return None
    return "…" + key[-4:] if len(key) > 8 else "…"


@dataclass
class Settings:
    backend: str = "offline"  # "offline" | "openai"
    provider: str | None = None
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    budget_vnd: float | None = None
    cache_dir: Path | None = None
    cache_enabled: bool = True
    usd_to_vnd: float = 26_000.0
    timeout: float = 60.0
    max_retries: int = 2
    pii_policy: str = "warn"  # "warn" | "refuse" | "off"
    gateway: gw.Gateway | None = None  # a workshop hub's class AI, found in the environment

    def __repr__(self) -> str:  # never print the key
        fields = {k: v for k, v in self.__dict__.items() if k != "api_key"}
        fields["api_key"] = mask_key(self.api_key)
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"

    @property
    def effective_model(self) -> str:
        if self.backend == "offline":
            return self.model or OFFLINE_MODEL
        if self.model:
            return self.model
        known = providers(self)
        if self.provider in known:
            return known[self.provider].default_model
        return PRESETS["openai"].default_model

    @property
    def on_gateway(self) -> gw.Gateway | None:
        """The class gateway when these settings talk to it, else None."""
        return gw.serving(self.gateway, self.base_url) if self.backend == "openai" else None


def providers(settings: Settings | None = None) -> dict[str, Provider]:
    """The providers to choose from: the presets, plus "AI của lớp học" on a hub that has it."""
    known = dict(PRESETS)
    g = settings.gateway if settings is not None else None
    if g is not None:
        known[gw.PROVIDER] = Provider(gw.PROVIDER, t("gateway.provider_label"), g.base_url,
                                      g.model, needs_key=False)
    return known


def is_local_url(url: str | None) -> bool:
    if not url:
        return False
    host = url.split("://", 1)[-1]
    return host.startswith(LOCAL_HOSTS)


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read OPENAI_API_KEY, OPENAI_BASE_URL, COURSE_MODEL, COURSE_BACKEND and friends.

    This is the single place where the environment decides the backend and provider.
    """
    env = os.environ if env is None else env
    key = env.get("OPENAI_API_KEY") or None
    base_url = env.get("OPENAI_BASE_URL") or None
    backend = (env.get("COURSE_BACKEND") or "").strip().lower()
    if backend not in ("offline", "openai"):
        backend = "openai" if (key or is_local_url(base_url)) else "offline"
    if not key and is_local_url(base_url):
        key = LOCAL_KEY  # local servers ignore the key, but the SDK wants one
    provider = env.get("COURSE_PROVIDER") or None
    if provider and provider in PRESETS and not base_url:
        base_url = PRESETS[provider].base_url
    found = gw.discover(env)  # a workshop hub's class AI gateway: no key to paste
    if found and not key and not base_url and (env.get("COURSE_BACKEND") or "").strip() \
            != "offline":
        backend, provider, base_url, key = "openai", gw.PROVIDER, found.base_url, LOCAL_KEY
    s = Settings(
        backend=backend,
        provider=provider or _guess_provider(base_url, found),
        base_url=base_url,
        model=env.get("COURSE_MODEL") or None,
        api_key=key,
        cache_dir=_default_cache_dir(env),
        cache_enabled=(env.get("COURSE_CACHE", "1") != "0"),
        gateway=found,
    )
    if env.get("COURSE_BUDGET_VND"):
        s.budget_vnd = float(env["COURSE_BUDGET_VND"])
    if env.get("COURSE_USD_TO_VND"):
        s.usd_to_vnd = float(env["COURSE_USD_TO_VND"])
    if env.get("COURSE_PII_POLICY") in ("warn", "refuse", "off"):
        s.pii_policy = env["COURSE_PII_POLICY"]
    return s


def backend_from_env(env: Mapping[str, str] | None = None) -> str:
    """"offline" or "openai" for these environment variables.

    The one rule shared by the kernel (`settings_from_env`), `make lab` (course/lab.py) and
    Binder's start script, so the start-up message and the notebook always agree.
    """
    return settings_from_env(env).backend


def _guess_provider(base_url: str | None, gateway: gw.Gateway | None = None) -> str | None:
    if not base_url:
        return "openai"
    if gateway is not None and gateway.serves(base_url):
        return gw.PROVIDER
    for p in PRESETS.values():
        if p.base_url and base_url.rstrip("/") == p.base_url.rstrip("/"):
            return p.name
    return "custom"


_UNSET: Any = object()


def updated(
    current: Settings,
    *,
    provider: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    backend: str | None = None,
    budget_vnd: float | None = _UNSET,
    cache_dir: str | Path | None = None,
    cache: bool | None = None,
    usd_to_vnd: float | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    pii_policy: str | None = None,
) -> Settings:
    """Return new settings with the given changes; validates names with Vietnamese messages."""
    s = replace(current)
    known = providers(current)
    if provider is not None:
        if provider not in known and provider != "custom":
            names = ", ".join(known)
            raise CourseError(t("config.unknown_provider", name=provider, names=names))
        s.provider = provider
        if provider in known:
            s.base_url = known[provider].base_url
            if model is None:
                s.model = None
        if backend is None:
            s.backend = "openai"
    if base_url is not None:
        s.base_url = base_url.strip() or None
        if provider is None:
            s.provider = _guess_provider(s.base_url, s.gateway)
        if backend is None and s.base_url:
            s.backend = "openai"
    if api_key is not None:
        s.api_key = api_key.strip() or None
        if backend is None and s.api_key:
            s.backend = "openai"
    elif s.base_url != current.base_url or s.provider != current.provider:
        s.api_key = None  # a key belongs to one server: never send it to another one
    if not s.api_key and (is_local_url(s.base_url) or (
            s.provider in known and not known[s.provider].needs_key)):
        s.api_key = LOCAL_KEY  # local servers ignore the key, but the SDK wants one
    if model is not None:
        s.model = model.strip() or None
    if backend is not None:
        if backend not in ("offline", "openai"):
            raise CourseError(t("config.unknown_backend", name=backend))
        s.backend = backend
    if budget_vnd is not _UNSET:
        s.budget_vnd = None if budget_vnd is None else float(budget_vnd)
    if cache_dir is not None:
        s.cache_dir = Path(cache_dir).expanduser()
    if cache is not None:
        s.cache_enabled = bool(cache)
    if usd_to_vnd is not None:
        s.usd_to_vnd = float(usd_to_vnd)
    if timeout is not None:
        s.timeout = float(timeout)
    if max_retries is not None:
        s.max_retries = int(max_retries)
    if pii_policy is not None:
        if pii_policy not in ("warn", "refuse", "off"):
            raise CourseError(t("config.unknown_pii_policy", name=pii_policy))
        s.pii_policy = pii_policy
    return s
