"""Class days: budgets reset at a local hour (midnight in Vietnam by default)."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta, timezone

from .config import GatewayConfig

DAY = 86_400


def period(cfg: GatewayConfig, ts: float | None = None) -> tuple[str, float]:
    """The class period containing `ts`: its id (e.g. "2026-11-29") and when it ends (epoch)."""
    ts = time.time() if ts is None else ts
    if cfg.reset_every_seconds > 0:  # rehearsals and tests: short periods
        n = math.floor(ts / cfg.reset_every_seconds)
        return f"p{n}", (n + 1) * cfg.reset_every_seconds
    shift = cfg.tz_offset_hours * 3600 - cfg.reset_hour * 3600
    day = math.floor((ts + shift) / DAY)
    pid = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%d")
    return pid, (day + 1) * DAY - shift


def local_text(cfg: GatewayConfig, ts: float) -> str:
    """A time as Vietnamese readers write it: "00:00 ngày 30/11/2026" (class time zone)."""
    tz = timezone(timedelta(hours=cfg.tz_offset_hours))
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M ngày %d/%m/%Y")
