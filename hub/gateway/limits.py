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


class Reservation:
    """One call's worst-case cost, held against a participant's and the class's budget."""

    def __init__(self, book: Reservations, period: str, user: str, amount: float) -> None:
        self.book, self.period, self.user, self.amount = book, period, user, amount
        self.open = True

    def release(self) -> None:
        """Give the hold back (the real cost is recorded in the store at the same moment)."""
        if self.open:
            self.open = False
            self.book.release(self)


class Reservations:
    """Budget holds of the calls on their way, by (period, participant) and by period.

    Admission and holding happen in one synchronous step on the event loop (no await in
    between), so no interleaving of concurrent calls can pass the same check twice: each
    call is admitted only while settled spend plus holds is below the budget, so the total
    can exceed it by at most the last admitted call's worst case.
    """

    def __init__(self) -> None:
        self._user: dict[tuple[str, str], float] = defaultdict(float)
        self._class: dict[str, float] = defaultdict(float)
        self.count = 0  # holds open now

    def held(self, period: str, user: str) -> float:
        return self._user.get((period, user), 0.0)

    def held_class(self, period: str) -> float:
        return self._class.get(period, 0.0)

    def hold(self, period: str, user: str, amount: float) -> Reservation:
        amount = max(0.0, float(amount))
        self._user[(period, user)] += amount
        self._class[period] += amount
        self.count += 1
        return Reservation(self, period, user, amount)

    def release(self, r: Reservation) -> None:
        self.count -= 1
        key = (r.period, r.user)
        self._user[key] -= r.amount
        self._class[r.period] -= r.amount
        if self._user[key] <= 1e-9:  # float dust: keep the maps small and exact at rest
            del self._user[key]
        if self._class[r.period] <= 1e-9:
            del self._class[r.period]
