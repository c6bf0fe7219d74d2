"""One request quota per connection, kept in the database so every process shares it.

`kontera.post.ratelimit.RateLimiter` counts a quota inside one process; with several workers
(and the web process) posting and syncing for the same company, each would spend the whole
quota and the system answers 429. `StoredRateLimiter` keeps the window of sent calls in the
`rate_bucket` row of the connection instead: a call is allowed when fewer than `calls` were
sent in the last `period` seconds by anyone.

The read-modify-write is made safe by first bumping the row's `version` — an UPDATE, which
takes the row (PostgreSQL) or database (SQLite) write lock — so concurrent takers queue there
instead of both reading the same window. Times are wall-clock seconds (`time.time`), the
only clock processes share. `margin` widens the window a little: a call is counted when it is
taken, the system counts it when it arrives, and the two differ by however long the request
takes to leave (scheduling, a busy machine).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kontera.store.db import session_scope
from kontera.store.tables_sync import RateBucket

DEFAULT_MARGIN = 0.25  # seconds added to every window


class StoredRateLimiter:
    def __init__(
        self,
        engine: Engine,
        key: str,
        calls: int,
        period: float,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.key = key
        self.calls = calls
        self.period = period + margin
        self._clock = clock
        self._sleep = sleep
        self._ensure_row()

    def acquire(self) -> None:
        """Block until one more call fits in the shared window, then count it."""
        while True:
            wait = self._try_take()
            if wait <= 0:
                return
            self._sleep(min(wait, self.period))

    def pause(self, seconds: float) -> None:
        """The system said the quota is spent: nobody sends for `seconds`."""
        with session_scope(self.engine) as session:
            self._lock(session)
            bucket = session.get(RateBucket, self.key)
            if bucket is not None:
                bucket.paused_until = max(bucket.paused_until, self._clock() + seconds)
                session.add(bucket)

    def _try_take(self) -> float:
        with session_scope(self.engine) as session:
            self._lock(session)
            bucket = session.get(RateBucket, self.key)
            if bucket is None:  # removed under us: recreate and try again
                session.add(RateBucket(key=self.key))
                return 0.001
            now = self._clock()
            if now < bucket.paused_until:
                return bucket.paused_until - now
            window = [t for t in bucket.sent if t > now - self.period]
            if len(window) >= self.calls:
                return window[0] + self.period - now
            bucket.sent = [*window, now]
            session.add(bucket)
            return 0.0

    def _lock(self, session: Session) -> None:
        session.connection().execute(
            text("UPDATE rate_bucket SET version = version + 1 WHERE key = :key"),
            {"key": self.key},
        )
        session.expire_all()

    def _ensure_row(self) -> None:
        try:
            with session_scope(self.engine) as session:
                if session.get(RateBucket, self.key) is None:
                    session.add(RateBucket(key=self.key))
        except IntegrityError:
            pass  # another process made it first


class StoredRateLimiters:
    """The `RateLimiters` of a deployment: one stored limiter per (system, company)."""

    def __init__(self, engine: Engine, *, margin: float = DEFAULT_MARGIN) -> None:
        self.engine = engine
        self.margin = margin
        self._limiters: dict[tuple[str, str], StoredRateLimiter] = {}
        self._lock = threading.Lock()

    def get(self, system: str, tenant: str, quota: tuple[int, float]) -> StoredRateLimiter:
        with self._lock:
            key = (system, tenant)
            if key not in self._limiters:
                calls, period = quota
                self._limiters[key] = StoredRateLimiter(
                    self.engine, f"{system}:{tenant}", calls, period, margin=self.margin
                )
            return self._limiters[key]
