"""Per-participant rate limit and the class-wide limit on requests in flight upstream."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque


class RateLimiter:
    """At most `per_minute` requests per participant in any 60-second window."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def check(self, user: str, now: float | None = None) -> float:
        """0 when the request may go; otherwise the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        seen = self._seen[user]
        while seen and now - seen[0] >= 60:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return max(0.1, 60 - (now - seen[0]))
        seen.append(now)
        return 0.0


class InFlight:
    """A class-wide semaphore that also says who is waiting (for the waiting message)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._sem = asyncio.Semaphore(limit)
        self.active = 0
        self.peak = 0
        self.waiting = 0
        self.waiting_by_user: dict[str, int] = defaultdict(int)
        self.retry_until: dict[str, float] = {}  # user -> monotonic time of the next retry

    async def acquire(self, user: str, timeout: float) -> float:
        """Wait for a slot; returns the seconds waited. Raises TimeoutError after `timeout`."""
        started = time.monotonic()
        self.waiting += 1
        self.waiting_by_user[user] += 1
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout)
        finally:
            self.waiting -= 1
            self.waiting_by_user[user] -= 1
            if not self.waiting_by_user[user]:
                del self.waiting_by_user[user]
        self.active += 1
        self.peak = max(self.peak, self.active)
        return time.monotonic() - started

    def release(self) -> None:
        self.active -= 1
        self._sem.release()

    def state_for(self, user: str) -> dict:
        retry = self.retry_until.get(user, 0) - time.monotonic()
        return {"in_flight": self.active, "limit": self.limit, "waiting": self.waiting,
                "you_waiting": self.waiting_by_user.get(user, 0),
                "upstream_retry_in": round(retry, 1) if retry > 0 else 0}
