"""What the fakes share: a request quota answered with 429, a clock, file signatures."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

# PDF, PNG, JPEG, TIFF (little- and big-endian): what Tripletex and Fortnox accept.
FILE_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


class FakeClock:
    """Time that only moves when someone sleeps: retries and rate limits cost no real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@dataclass
class Quota:
    """At most `calls` requests per `period` seconds; beyond that a 429 with headers."""

    calls: int
    period: float
    clock: Callable[[], float] = time.monotonic
    seen: deque[float] = field(default_factory=deque)
    refused: int = 0

    def take(self) -> dict[str, str] | None:
        """None when the request may proceed, else the 429's rate-limit headers."""
        now = self.clock()
        while self.seen and self.seen[0] <= now - self.period:
            self.seen.popleft()
        if len(self.seen) >= self.calls:
            self.refused += 1
            reset = self.seen[0] + self.period - now
            return {
                "Retry-After": f"{reset:.3f}",
                "X-Rate-Limit-Limit": str(self.calls),
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": f"{reset:.3f}",
            }
        self.seen.append(now)
        return None

    def status(self) -> dict[str, str]:
        """The X-Rate-Limit-* headers Tripletex sends on every answer."""
        now = self.clock()
        live = [t for t in self.seen if t > now - self.period]
        reset = live[0] + self.period - now if live else self.period
        return {
            "X-Rate-Limit-Limit": str(self.calls),
            "X-Rate-Limit-Remaining": str(max(0, self.calls - len(live))),
            "X-Rate-Limit-Reset": f"{reset:.3f}",
        }
