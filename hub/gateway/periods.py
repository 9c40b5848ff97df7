"""Class days: budgets reset at a local hour (midnight in Vietnam by default)."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from datetime import time as dt_time

from .config import GatewayConfig

DAY = 86_400


def period(cfg: GatewayConfig, ts: float | None = None) -> tuple[str, float]:
    """The class period containing `ts`: its id (e.g. "2026-11-29") and when it ends (epoch)."""
    ts = time.time() if ts is None else ts
    if cfg.reset_every_seconds > 0:  # rehearsals and tests: short periods
        n = math.floor(ts / cfg.reset_every_seconds)
        return f"p{n}", (n + 1) * cfg.reset_every_seconds
    # The class day is the local date `reset_hour` hours earlier, in the course's zone (its
    # own offset on that date, so a zone with summer time turns over at its local hour too).
    day = (datetime.fromtimestamp(ts, cfg.zone) - timedelta(hours=cfg.reset_hour)).date()
    ends = datetime.combine(day + timedelta(days=1), dt_time(cfg.reset_hour), tzinfo=cfg.zone)
    return day.isoformat(), ends.timestamp()


def local_text(cfg: GatewayConfig, ts: float) -> str:
    """A time as Vietnamese readers write it: "00:00 ngày 30/11/2026" (class time zone)."""
    return datetime.fromtimestamp(ts, cfg.zone).strftime("%H:%M ngày %d/%m/%Y")
