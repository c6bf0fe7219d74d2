"""Client-side rate limits: stay under each system's published quota instead of hitting 429.

Fortnox allows 25 requests per 5 seconds per tenant, PowerOffice Go 10 per second. One
`RateLimiter` per (system, tenant) is shared by every worker thread of a process; `RateLimiters`
hands out that one instance. Clock and sleep are injectable so tests do not wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

FORTNOX_QUOTA = (25, 5.0)
POWEROFFICE_QUOTA = (10, 1.0)
TRIPLETEX_QUOTA = (100, 1.0)  # Tripletex publishes no fixed quota; it answers 429 + headers


class Limiter(Protocol):
    """What a connector needs of a quota: wait for a slot; stop everyone when told to."""

    def acquire(self) -> None: ...

    def pause(self, seconds: float) -> None: ...


class LimiterSource(Protocol):
    """Hands out one limiter per (system, tenant): in-process (`RateLimiters`) or shared by
    every process through the database (`kontera.store.rate_limits.StoredRateLimiters`)."""

    def get(self, system: str, tenant: str, quota: tuple[int, float]) -> Limiter: ...


class RateLimiter:
    """A sliding window: at most `calls` acquisitions in any `period` seconds."""

    def __init__(
        self,
        calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.calls = calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more call fits in the window, then count it."""
        while True:
            with self._lock:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    self._sent.append(self._clock())
                    return
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """The server said the quota is spent: send nothing for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_needed(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) < self.calls:
            return 0.0
        return self._sent[0] + self.period - now


class RateLimiters:
    """One limiter per (system, tenant) for the whole process; create once at start-up."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[tuple[str, str], RateLimiter] = {}
        self._lock = threading.Lock()

    def get(self, system: str, tenant: str, quota: tuple[int, float]) -> RateLimiter:
        with self._lock:
            key = (system, tenant)
            if key not in self._limiters:
                calls, period = quota
                self._limiters[key] = RateLimiter(
                    calls, period, clock=self._clock, sleep=self._sleep
                )
            return self._limiters[key]
