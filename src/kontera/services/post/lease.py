"""A posting run's hold on one voucher: a short lease renewed by a heartbeat, with fencing.

The `lease_until` a run last wrote is its token; every renewal, save and release is a
compare-and-set on it, so a run that stalled past its lease and was taken over can neither
write nor send anything again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import or_
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from kontera.domain.voucher import Voucher
from kontera.post import AttachmentFile
from kontera.post import Connector
from kontera.store.db import session_scope
from kontera.store.tables import VoucherRecord
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
# Short, so a voucher whose worker died mid-run is taken over soon; a live run renews it.
LEASE = timedelta(seconds=90)
# Several renewals fit in one lease, so a slow database write or two does not lose it.
HEARTBEAT = timedelta(seconds=20)
Clock = Callable[[], datetime]


class LeaseLost(Exception):
    """Another runner holds the voucher now; this run must stop without writing."""


class Lease:
    """One run's hold on one voucher.

    The `lease_until` this run last wrote is its fencing token: renewal, every save of the job
    and the release are compare-and-sets on it. Once another runner has taken an expired lease
    over, the token no longer matches and this run's writes fail with `LeaseLost`.
    """

    def __init__(
        self,
        engine: Engine,
        voucher_id: str,
        until: datetime,
        length: timedelta,
        clock: Clock = utcnow,
    ):
        self.engine, self.voucher_id, self.length, self.clock = engine, voucher_id, length, clock
        self._until = until
        self._lock = threading.Lock()  # the heartbeat and the run both move the token
        self._released = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self.lost = False

    @property
    def until(self) -> datetime:
        """When the lease runs out unless renewed: this run's fencing token."""
        return self._until

    @classmethod
    def take(
        cls, engine: Engine, voucher_id: str, length: timedelta = LEASE, clock: Clock = utcnow
    ) -> Lease | None:
        """Compare-and-set, so two runners never call the system for one voucher at once."""
        now = clock()
        with session_scope(engine) as session:
            result = session.execute(
                update(VoucherRecord)
                .where(
                    col(VoucherRecord.id) == voucher_id,
                    or_(
                        col(VoucherRecord.lease_until).is_(None),
                        col(VoucherRecord.lease_until) < now,
                    ),
                )
                .values(lease_until=now + length)
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return cls(engine, voucher_id, now + length, length, clock)

    def write(self, **columns: object) -> None:
        """Renew the lease for its full length and, in the same statement, write `columns`.

        Raises `LeaseLost` (and writes nothing) when this run no longer holds the lease."""
        with self._lock:
            if self.lost:
                raise LeaseLost(self.voucher_id)
            until = self.clock() + self.length
            with session_scope(self.engine) as session:
                result = session.execute(
                    update(VoucherRecord)
                    .where(
                        col(VoucherRecord.id) == self.voucher_id,
                        col(VoucherRecord.lease_until) == self._until,
                    )
                    .values(lease_until=until, **columns)
                )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                self.lost = True
                raise LeaseLost(self.voucher_id)
            self._until = until

    def keep_alive(self, every: timedelta) -> None:
        """Renew in the background, so a long HTTP call (timeouts × retries) keeps the lease."""
        self._heartbeat = threading.Thread(
            target=self._beat, args=(every.total_seconds(),), name="lease-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def _beat(self, every: float) -> None:
        while not self._released.wait(every):
            try:
                self.write()
            except LeaseLost:
                return  # the run notices at its next write or request
            except SQLAlchemyError:  # a database hiccup: the next beat tries again
                log.warning("lease renewal failed", extra={"voucher_id": self.voucher_id})

    def release(self) -> None:
        """Stop the heartbeat and free the voucher, unless another runner holds it now."""
        self._released.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        with self._lock, session_scope(self.engine) as session:
            session.execute(
                update(VoucherRecord)
                .where(
                    col(VoucherRecord.id) == self.voucher_id,
                    col(VoucherRecord.lease_until) == self._until,
                )
                .values(lease_until=None)
            )

    def cut_short(self, settle: timedelta) -> None:
        """This process is going away with a request perhaps in flight: write nothing more,
        and let others take the voucher once that request has certainly ended."""
        self._released.set()
        with self._lock:
            self.lost = True
            with session_scope(self.engine) as session:
                session.execute(
                    update(VoucherRecord)
                    .where(
                        col(VoucherRecord.id) == self.voucher_id,
                        col(VoucherRecord.lease_until) == self._until,
                    )
                    .values(lease_until=self.clock() + settle)
                )


@dataclass(slots=True)
class Fenced:
    """The connector, except that a request that changes the ledger first renews the lease.

    A run that lost its lease sends nothing; one that holds it has a whole lease for the call."""

    name: str
    inner: Connector
    lease: Lease

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        return self.inner.find_voucher(idempotency_key, since)

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        self.lease.write()
        return self.inner.create_voucher(voucher, idempotency_key)

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        return self.inner.find_attachment(external_id, idempotency_key)

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        self.lease.write()
        return self.inner.attach(external_id, file, idempotency_key)
