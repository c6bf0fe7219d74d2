"""Per-API-key rate limit: at most N requests in any minute, across every Kontera process.

A sliding-window counter: each key counts its requests per calendar minute, and a request is
let through while `previous minute's count × the share of it still inside the last 60 s +
this minute's count` stays within the limit. Unlike a plain per-minute counter it allows no
burst of 2×N across a minute boundary; unlike a log of timestamps it keeps two numbers per
key. Refused requests count too, so a client that ignores `Retry-After` stays refused.

The counters live where every process sees them: in Redis when `KONTERA_REDIS_URL` is set
(one round trip, INCR + EXPIRE), otherwise in the database (one upsert per request in
its own short transaction; old minutes are deleted as new ones start).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import TooManyRequests
from kontera.domain.messages import msg
from kontera.store.db import session_scope
from kontera.store.tables_security import ApiRateCount

WINDOW = 60


class Counters(Protocol):
    def hit(self, key_id: str, window: int) -> tuple[int, int]:
        """Count one request in `window`; return (this window's count, the previous one's)."""
        ...


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def judge(limit: int, current: int, previous: int, elapsed: float) -> Verdict:
    """`current` includes this request; `elapsed` is seconds into the current window."""
    weight = max(0.0, 1.0 - elapsed / WINDOW)
    if previous * weight + current <= limit:
        return Verdict(True)
    return Verdict(False, _retry_after(limit, current, previous, elapsed))


def _retry_after(limit: int, current: int, previous: int, elapsed: float) -> int:
    """Seconds until one more request would be let through, if none is sent meanwhile."""
    if current + 1 <= limit and previous > 0:
        # Within this window, once enough of the previous one has slid out.
        wait = WINDOW * (1 - (limit - 1 - current) / previous) - elapsed
    else:
        # In the next window this one weighs in as the previous window.
        wait = (WINDOW - elapsed) + WINDOW * max(0.0, 1 - (limit - 1) / current)
    return max(1, math.ceil(wait - 1e-9))  # 16.000000001 s is 16 s


class RateLimiter:
    def __init__(
        self, counters: Counters, *, per_minute: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.counters = counters
        self.per_minute = per_minute
        self.clock = clock

    def check(self, key_id: str) -> None:
        """Count this request for `key_id`; TooManyRequests (429) when over the limit."""
        if self.per_minute <= 0:
            return
        now = self.clock()
        window = int(now // WINDOW)
        current, previous = self.counters.hit(key_id, window)
        verdict = judge(self.per_minute, current, previous, now - window * WINDOW)
        if not verdict.allowed:
            raise TooManyRequests(
                msg(
                    "More than {limit} requests a minute with this API key; try again in "
                    "{seconds} seconds.",
                    limit=self.per_minute,
                    seconds=verdict.retry_after,
                ),
                retry_after=verdict.retry_after,
            )


class DatabaseCounters:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hit(self, key_id: str, window: int) -> tuple[int, int]:
        with session_scope(self.engine) as session:
            table = ApiRateCount.__table__  # type: ignore[attr-defined]
            insert: Any = (
                postgresql.insert(table)
                if self.engine.dialect.name == "postgresql"
                else sqlite.insert(table)
            )
            statement = (
                insert.values(key_id=key_id, minute=window, count=1)
                .on_conflict_do_update(
                    index_elements=["key_id", "minute"], set_={"count": table.c.count + 1}
                )
                .returning(table.c.count)
            )
            current = int(session.execute(statement).scalar_one())
            previous = session.exec(
                select(func.coalesce(func.max(ApiRateCount.count), 0)).where(
                    ApiRateCount.key_id == key_id, ApiRateCount.minute == window - 1
                )
            ).one()
            if current == 1:  # a new minute for this key: forget the ones before the last
                session.execute(
                    delete(ApiRateCount).where(
                        col(ApiRateCount.key_id) == key_id, col(ApiRateCount.minute) < window - 1
                    )
                )
            return current, int(previous)


class RedisCounters:
    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def hit(self, key_id: str, window: int) -> tuple[int, int]:
        key = f"kontera:rate:{key_id}:{window}"
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 2 * WINDOW + 5)
        pipe.get(f"kontera:rate:{key_id}:{window - 1}")
        current, _, previous = pipe.execute()
        return int(current), int(previous or 0)


def limiter_for(
    *,
    per_minute: int,
    engine: Engine,
    redis_url: str | None,
    clock: Callable[[], float] = time.time,
) -> RateLimiter:
    counters: Counters = RedisCounters(redis_url) if redis_url else DatabaseCounters(engine)
    return RateLimiter(counters, per_minute=per_minute, clock=clock)
