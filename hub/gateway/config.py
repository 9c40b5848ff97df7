"""Gateway settings, all from the service's environment (set by `hubconf.add_gateway`).

The upstream key is read here and nowhere else; `GatewayConfig.__repr__` never shows it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from course import timezone as course_timezone
from course.llm import providers

# Upstreams an organiser can name with GATEWAY_UPSTREAM (the course's provider presets,
# course/llm/providers.py); the URL can always be overridden.
UPSTREAMS: dict[str, tuple[str, str, str | None]] = {
    # name: (base URL, default model, the environment variable that may hold its key)
    p.name: (p.base_url.rstrip("/"), p.default_model, p.key_env) for p in providers.upstreams()
}
NO_KEY = providers.LOCAL_KEY  # local servers ignore the key; the Authorization header still goes


def class_zone(env: Mapping[str, str]) -> tzinfo:
    """The class day's time zone: the course's one zone (COURSE_TIMEZONE through
    course.timezone, as deadlines and certificates), so the class day turns over when theirs
    does. GATEWAY_TZ_OFFSET_HOURS (a fixed offset, e.g. "7") still overrides it."""
    raw = (env.get("GATEWAY_TZ_OFFSET_HOURS") or "").strip()
    if raw:
        return timezone(timedelta(hours=float(raw)))
    return course_timezone.zone(env)


def _num(env: dict, name: str, default: float) -> float:
    raw = (env.get(name) or "").strip().replace("_", "")
    return float(raw) if raw else default


@dataclass
class GatewayConfig:
    upstream: str = "openai"
    upstream_url: str = UPSTREAMS["openai"][0]
    upstream_key: str = field(default="", repr=False)
    model: str = UPSTREAMS["openai"][1]
    models: tuple[str, ...] = ()  # other models participants may ask for by name
    budget_vnd: float = 20_000  # per participant per class day
    class_cap_vnd: float = 0  # whole class per day; 0 = no cap
    reset_hour: int = 0  # local hour at which a class day starts
    zone: tzinfo = ZoneInfo(course_timezone.DEFAULT)  # the course's (COURSE_TIMEZONE)
    reset_every_seconds: float = 0  # >0: rehearsals and tests reset after this many seconds
    rate_per_minute: int = 20  # per participant
    quiz_per_minute: int = 30  # quiz results a participant may report per minute
    max_body_bytes: int = 1024 * 1024  # a request body above this is a 413 (never read whole)
    default_max_tokens: int = 4096  # answer cap (and worst case held) when a request has none
    scan_chars: int = 20_000  # personal-data scan per request; longer prompts are not cached
    scan_workers: int = 2  # threads that count tokens and scan long prompts off the event loop
    max_in_flight: int = 8  # class-wide requests at the upstream at once
    queue_timeout: float = 120  # seconds a request may wait for a slot
    upstream_timeout: float = 60
    retries: int = 3  # upstream 429/503 retries
    max_retry_wait: float = 20  # cap on one Retry-After wait
    cache_variants: int = 3  # answers kept per request when temperature > 0
    usd_to_vnd: float = 26_000
    db_path: Path = Path("ai-gateway.sqlite3")
    budgets_file: Path | None = None  # CSV: username,budget_vnd (per-person overrides)
    instructor_groups: tuple[str, ...] = ("instructors", "formgrade-*")  # or hub admins
    contact: str = "giảng viên"  # whom a participant asks for more budget
    store_prompts: bool = False  # default for the instructor's switch
    auth_cache_seconds: int = 60  # a revoked hub token keeps working at most this long
    prefix: str = "/services/ai/"
    port: int = 0
    ip: str = "127.0.0.1"

    @property
    def tz_offset_hours(self) -> float:
        """The zone's UTC offset now, in hours (7 for Vietnam)."""
        offset = datetime.now(self.zone).utcoffset()
        return offset.total_seconds() / 3600 if offset else 0.0

    @property
    def all_models(self) -> tuple[str, ...]:
        return (self.model, *[m for m in self.models if m != self.model])


def from_env(env: dict | None = None) -> GatewayConfig:
    env = dict(os.environ if env is None else env)
    upstream = (env.get("GATEWAY_UPSTREAM") or "openai").strip().lower()
    url, model, key_var = UPSTREAMS.get(upstream, ("", "", None))
    url = (env.get("GATEWAY_UPSTREAM_URL") or url).rstrip("/")
    key = env.get("GATEWAY_UPSTREAM_KEY") or (env.get(key_var) if key_var else None)
    if not key and env.get("GATEWAY_UPSTREAM_KEY_FILE"):  # a root-only file: not even in env
        key = Path(env["GATEWAY_UPSTREAM_KEY_FILE"]).read_text(encoding="utf-8").strip()
    key = key or NO_KEY
    c = GatewayConfig(upstream=upstream, upstream_url=url, upstream_key=key,
                      model=env.get("GATEWAY_MODEL") or model or UPSTREAMS["openai"][1])
    c.models = tuple(m.strip() for m in (env.get("GATEWAY_MODELS") or "").split(",") if m.strip())
    c.budget_vnd = _num(env, "GATEWAY_BUDGET_VND", c.budget_vnd)
    c.class_cap_vnd = _num(env, "GATEWAY_CLASS_CAP_VND", c.class_cap_vnd)
    c.reset_hour = int(_num(env, "GATEWAY_RESET_HOUR", c.reset_hour)) % 24
    c.zone = class_zone(env)
    c.reset_every_seconds = _num(env, "GATEWAY_RESET_EVERY_SECONDS", 0)
    c.rate_per_minute = int(_num(env, "GATEWAY_RATE_PER_MINUTE", c.rate_per_minute))
    c.quiz_per_minute = int(_num(env, "GATEWAY_QUIZ_RATE_PER_MINUTE", c.quiz_per_minute))
    c.max_body_bytes = max(4096, int(_num(env, "GATEWAY_MAX_BODY_KB", c.max_body_bytes / 1024)
                                     * 1024))
    c.default_max_tokens = max(1, int(_num(env, "GATEWAY_DEFAULT_MAX_TOKENS",
                                           c.default_max_tokens)))
    c.scan_chars = max(1000, int(_num(env, "GATEWAY_SCAN_CHARS", c.scan_chars)))
    c.scan_workers = max(1, int(_num(env, "GATEWAY_SCAN_WORKERS", c.scan_workers)))
    c.max_in_flight = max(1, int(_num(env, "GATEWAY_MAX_IN_FLIGHT", c.max_in_flight)))
    c.queue_timeout = _num(env, "GATEWAY_QUEUE_TIMEOUT", c.queue_timeout)
    c.upstream_timeout = _num(env, "GATEWAY_UPSTREAM_TIMEOUT", c.upstream_timeout)
    c.retries = int(_num(env, "GATEWAY_RETRIES", c.retries))
    c.max_retry_wait = _num(env, "GATEWAY_MAX_RETRY_WAIT", c.max_retry_wait)
    c.cache_variants = int(_num(env, "GATEWAY_CACHE_VARIANTS", c.cache_variants))
    c.usd_to_vnd = _num(env, "GATEWAY_USD_TO_VND", c.usd_to_vnd)
    c.db_path = Path(env.get("GATEWAY_DB") or c.db_path)
    if env.get("GATEWAY_BUDGETS_FILE"):
        c.budgets_file = Path(env["GATEWAY_BUDGETS_FILE"])
    if env.get("GATEWAY_INSTRUCTOR_GROUPS") is not None:
        c.instructor_groups = tuple(
            g.strip() for g in env["GATEWAY_INSTRUCTOR_GROUPS"].split(",") if g.strip())
    c.contact = env.get("GATEWAY_CONTACT") or c.contact
    c.store_prompts = env.get("GATEWAY_STORE_PROMPTS", "0") == "1"
    c.auth_cache_seconds = int(_num(env, "GATEWAY_AUTH_CACHE_SECONDS", c.auth_cache_seconds))
    c.prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or c.prefix
    service_url = env.get("JUPYTERHUB_SERVICE_URL") or ""
    if service_url:
        from urllib.parse import urlsplit

        parts = urlsplit(service_url)
        c.ip = parts.hostname or c.ip
        c.port = parts.port or 0
    if env.get("GATEWAY_PORT"):
        c.port = int(env["GATEWAY_PORT"])
    return c
