"""The learner's session: connection settings, usage log and response cache behind one lock.

A notebook has one current session. `configure`, `status`, `usage`, `reset_usage` and
`cost_vnd` are thin functions over it. Widgets may call the model from a thread (BatchRun),
so every read-and-change of the session happens under `Session.lock`.

Nothing is read at import: the session reads the environment on first use (`settings`), so
`import course` runs no discovery and no network call.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ..config import LOCAL_KEY, Settings, mask_key, settings_from_env, updated
from ..keyguard import remember_key
from . import gateway
from . import usage as pricing
from .cache import ResponseCache
from .usage import UsageLog


class Session:
    """Settings, usage log and one response cache (one SQLite connection), under one lock."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.lock = threading.RLock()
        self._settings = settings  # None: read from the environment on first use
        self.usage = UsageLog(self.lock)
        self._cache: ResponseCache | None = None
        self._fallback: dict | None = None  # why the class AI gave way to the simulation

    @property
    def settings(self) -> Settings:
        with self.lock:
            if self._settings is None:
                self._settings = settings_from_env()
            return self._settings

    @property
    def fallback(self) -> dict | None:
        with self.lock:
            return self._fallback

    def configure(self, **changes: Any) -> Settings:
        """Apply `changes` (names as in `course.config.updated`) atomically; return the result."""
        with self.lock:
            self._settings = updated(self.settings, **changes)
            if self._settings.backend == "openai":
                self._fallback = None  # a real model again: the class AI or the participant's
            return self._settings

    def fall_back(self, reason: str, until: str | None = None) -> None:
        """Switch to the labelled offline simulation after the class AI refused (the lesson
        goes on); `status()` tells why until the participant is back on the class AI."""
        with self.lock:
            self._settings = updated(self.settings, backend="offline")
            self._fallback = {"reason": reason, "until": until, "since": time.time()}

    def reset(self, settings: Settings | None = None) -> None:
        """Back to `settings` (default: the environment's, read on next use), with an empty
        usage log."""
        with self.lock:
            self._settings = settings
            self._fallback = None
            self.usage.clear()
            self._close_cache()

    def cache_for(self, s: Settings) -> ResponseCache | None:
        """The session's cache for these settings; None when caching does not apply."""
        if not s.cache_enabled or s.cache_dir is None or s.backend == "offline":
            return None  # the simulation is deterministic and instant: nothing to save
        with self.lock:
            folder = Path(s.cache_dir)
            if self._cache is None or self._cache.folder != folder:
                self._close_cache()
                self._cache = ResponseCache(folder, lock=self.lock)
            return self._cache

    def _close_cache(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def status(self) -> dict:
        with self.lock:
            s = self.settings
            spent = self.usage.spent_vnd()
        online = s.backend == "openai"
        return {
            "backend": s.backend,
            "provider": s.provider if online else None,
            "base_url": (s.base_url or "https://api.openai.com/v1") if online else None,
            "model": s.effective_model,
            "api_key": mask_key(s.api_key) if online else None,
            "key_needed": online and s.api_key != LOCAL_KEY,
            "cache": s.cache_enabled,
            "cache_dir": str(s.cache_dir) if s.cache_dir else None,
            "budget_vnd": s.budget_vnd,
            "spent_vnd": round(spent, 2),
            "pii_policy": s.pii_policy,
        }


_current = Session()


def current() -> Session:
    """The notebook's session."""
    return _current


def get_settings() -> Settings:
    return _current.settings


def configure(**changes: object) -> dict:
    """Change the connection settings (see `course.config.updated` for the names)."""
    _current.configure(**changes)
    if changes.get("api_key"):  # the notebook save hook then recognises it (by hash only)
        remember_key(str(changes["api_key"]))
    return _current.status()


def status() -> dict:
    """The session's status; on a workshop hub with the class AI's label, budget left and
    reset time, or why the session went to the simulation."""
    s = _current.settings
    return gateway.annotate(_current.status(), s.gateway, _current.fallback)


def usage():  # -> pandas.DataFrame
    """Every call of this session: time, backend, model, tokens in/out, cost (VND), cached."""
    return _current.usage.frame()


def reset_usage() -> None:
    _current.usage.clear()


def reset() -> None:
    """Back to the settings from the environment, with an empty usage log (used by tests)."""
    _current.reset()


def cost_vnd(tokens_in: int, tokens_out: int, model: str | None = None, *,
             usd_to_vnd: float | None = None) -> float:
    """Cost in VND of a call; `model` and the exchange rate default to the session's."""
    s = _current.settings
    return pricing.cost_vnd(tokens_in, tokens_out, model or s.effective_model,
                            usd_to_vnd=s.usd_to_vnd if usd_to_vnd is None else usd_to_vnd)
