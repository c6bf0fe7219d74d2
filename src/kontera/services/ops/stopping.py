"""A process that is stopping (SIGTERM): its running work finishes or is handed back in time.

When a worker is told to stop it takes no new tasks and gives the running ones a grace
period (`KONTERA_SHUTDOWN_GRACE_SECONDS`). A posting run goes on while it can finish within
that period; once the hand-back moment has passed, it stops at its next safe point — right
after saving a step, with no request to the ledger in flight — releases the voucher's lease
and puts the voucher back in the queue, so another worker takes it at once rather than
after the lease expired. What is still running when the grace period ends is handed back by
the consumer (`kontera.jobs.queue`): documents are requeued (a compare-and-set makes a copy
harmless), and a posting caught inside a ledger request keeps others off only until that
request has certainly ended (`REQUEST_SETTLE`), not for a whole lease.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kontera.services.post.lease import Lease

# Longer than the posting HTTP client's read timeout: after it, a request that was in flight
# when its process died has been answered or abandoned by the ledger.
REQUEST_SETTLE = timedelta(seconds=35)
# Posting runs hand back this long before the grace period ends, so their hand-back (a few
# database writes) is done before the consumer gives up on them.
HAND_BACK_MARGIN = 5.0


class HandBack(Exception):
    """The process is stopping: this run stops at a safe point and requeues its work."""


class Stopping:
    """One process's shutdown, shared by its consumer and the runs it is waiting for."""

    def __init__(self) -> None:
        self._hand_back_at: float | None = None
        self._lock = threading.Lock()
        self._leases: dict[int, Lease] = {}

    def begin(self, grace_seconds: float) -> None:
        with self._lock:
            if self._hand_back_at is None:
                margin = min(HAND_BACK_MARGIN, grace_seconds / 2)
                self._hand_back_at = time.monotonic() + grace_seconds - margin

    @property
    def requested(self) -> bool:
        return self._hand_back_at is not None

    def hand_back_due(self) -> bool:
        at = self._hand_back_at
        return at is not None and time.monotonic() >= at

    def track(self, lease: Lease) -> None:
        with self._lock:
            self._leases[id(lease)] = lease

    def untrack(self, lease: Lease) -> None:
        with self._lock:
            self._leases.pop(id(lease), None)

    def leases_of(self, voucher_id: str) -> list[Lease]:
        with self._lock:
            return [lease for lease in self._leases.values() if lease.voucher_id == voucher_id]
