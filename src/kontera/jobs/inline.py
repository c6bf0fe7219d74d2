"""Immediate mode (tests) has no clock to wait on: a task asked for later runs at once.

A retry asked for by a task that is still running would run inside it; a few levels deep
it stops, so that a failure that persists ends as a task left waiting, not as a loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

NESTED_AT_MOST = 3
_depth = threading.local()


def run_now(task: Callable[[str], object], argument: str, *, later: bool) -> None:
    """Run `task(argument)`; one meant for `later` only while few are nested already."""
    depth: int = getattr(_depth, "value", 0)
    if later and depth >= NESTED_AT_MOST:
        return
    _depth.value = depth + 1
    try:
        task(argument)
    finally:
        _depth.value = depth
