"""The stored rate limiter: limiters in different processes (here: separate instances on
separate engines, used from threads) share one window through the database."""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path

from kontera.post.ratelimit import RateLimiter
from kontera.store.db import make_engine
from kontera.store.migrate import upgrade
from kontera.store.rate_limits import StoredRateLimiter

CALLS, PERIOD, TAKERS, EACH = 4, 0.5, 3, 6


def busiest(times: list[float], period: float) -> int:
    window: deque[float] = deque()
    most = 0
    for moment in sorted(times):
        window.append(moment)
        while window and window[0] <= moment - period:
            window.popleft()
        most = max(most, len(window))
    return most


def take_all(acquirers: list[object]) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def run(limiter: object) -> None:
        for _ in range(EACH):
            limiter.acquire()  # type: ignore[attr-defined]
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=run, args=(a,)) for a in acquirers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return times


def test_separate_stored_limiters_share_one_window(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(make_engine(url))
    limiters = [
        StoredRateLimiter(make_engine(url), "poweroffice:c1", CALLS, PERIOD, margin=0.05)
        for _ in range(TAKERS)
    ]
    times = take_all(limiters)
    assert len(times) == TAKERS * EACH
    assert busiest(times, PERIOD) <= CALLS


def test_in_process_limiters_alone_would_overrun_it() -> None:
    """The control: one in-process limiter per worker lets each spend the whole quota."""
    times = take_all([RateLimiter(CALLS, PERIOD) for _ in range(TAKERS)])
    assert busiest(times, PERIOD) > CALLS


def test_a_pause_holds_every_taker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(make_engine(url))
    first = StoredRateLimiter(make_engine(url), "fortnox:c1", 25, 5.0)
    other = StoredRateLimiter(make_engine(url), "fortnox:c1", 25, 5.0)
    first.pause(0.4)
    started = time.monotonic()
    other.acquire()
    assert time.monotonic() - started >= 0.3
