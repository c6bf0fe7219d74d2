"""The posting lease is short, renewed while its run lives, and fences a run that lost it.

A worker killed mid-posting used to leave a 10-minute lease behind. Now the lease lasts about
a minute and a live run renews it (heartbeat, and before every save and ledger request), so:

- a lease whose holder stopped renewing is taken over once it expires;
- a run that keeps renewing is never taken over, however long it takes;
- a run that stalled past its lease and was taken over writes and sends nothing more.

Time is a clock in the context that the tests move by hand, so they use the real lease length
and never sleep on it (a busy machine cannot make them flaky); only the heartbeat's own
interval is real time, shortened so a renewal follows soon after the clock moves.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from huey import Huey

from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.post import Connector
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import lease
from kontera.services.post import posting
from kontera.services.post.connections import connector_for as real_connector_for
from kontera.services.post.lease import Lease
from kontera.services.post.lease import LeaseLost
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import VoucherRecord
from kontera.store.types import utcnow
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.crashrun import fake_tripletex
from tests.reliability.test_recovery import approved_document
from tests.reliability.test_recovery import run_all
from tests.reliability.test_recovery import status

LEASE = lease.LEASE
PAST_IT = LEASE + timedelta(seconds=1)
QUICK_BEATS = timedelta(milliseconds=20)


class HandClock:
    """UTC time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


def eventually(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for another thread (the heartbeat) to have done something; never for a lease."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the heartbeat did not renew the lease"
        time.sleep(0.01)


class Posting:
    """A document in `posting` whose task has not run yet, and the fake Tripletex."""

    def __init__(self, ctx: AppContext, huey: Huey, tripletex: FakeTripletex, url: str) -> None:
        self.clock = HandClock()
        self.ctx, self.tripletex = dataclasses.replace(ctx, clock=self.clock), tripletex
        self.document_id = approved_document(ctx, huey, url, tripletex)
        run_all(huey)
        assert posting.schedule_posting(ctx, document_id=self.document_id)
        huey.flush()  # the queued task is run by hand below
        with session_scope(ctx.engine) as session:
            record = repo.voucher_for(session, document_id=self.document_id)
            assert record is not None
            self.voucher_id = record.id

    def post(self, **lease: timedelta) -> str:
        return posting.post_voucher(self.ctx, self.voucher_id, **lease)

    def record(self) -> VoucherRecord:
        with session_scope(self.ctx.engine) as session:
            record = session.get(VoucherRecord, self.voucher_id)
            assert record is not None
            return record


@pytest.fixture
def waiting(tmp_path: Path) -> Iterator[Posting]:
    with fake_tripletex() as (fake, url):
        settings = Settings(
            data_dir=tmp_path / "data", log_json=False, tripletex_consumer_token=fake.consumer_token
        )
        ctx, huey = attach_queue(build_context(settings))
        yield Posting(ctx, huey, fake, url)
        ctx.engine.dispose()


def test_the_lease_is_short_and_renewed_several_times_within_it() -> None:
    assert timedelta(seconds=90) >= lease.LEASE
    assert lease.HEARTBEAT * 3 <= lease.LEASE


def test_a_lease_whose_holder_stopped_renewing_is_taken_over_once_it_expires(
    waiting: Posting,
) -> None:
    """GIVEN a run that took the lease and then died (no heartbeat)
    WHEN  another runner tries while the lease holds, and again after it expired
    THEN  the first try is turned away, the second posts the voucher once, and the dead
          run, should it wake up, can no longer write."""
    dead = Lease.take(waiting.ctx.engine, waiting.voucher_id, LEASE, waiting.clock)
    assert dead is not None

    assert waiting.post() == "busy"
    waiting.clock.advance(LEASE - timedelta(seconds=1))
    assert waiting.post() == "busy"
    assert waiting.tripletex.vouchers == {}

    waiting.clock.advance(timedelta(seconds=2))
    assert waiting.post() == "posted"

    assert status(waiting.ctx, waiting.document_id) == "posted"
    assert len(waiting.tripletex.vouchers) == 1
    with pytest.raises(LeaseLost):
        dead.write(state="pending")
    assert waiting.record().state == "posted"


def test_a_run_that_keeps_renewing_is_never_taken_over(waiting: Posting) -> None:
    """GIVEN a live run renewing its short lease by heartbeat
    WHEN  another runner tries again and again for several lease lengths
    THEN  it is turned away every time; once the run releases, the voucher is posted once."""
    live = Lease.take(waiting.ctx.engine, waiting.voucher_id, LEASE, waiting.clock)
    assert live is not None
    live.keep_alive(QUICK_BEATS)
    try:
        for _ in range(4):  # 2.4 lease lengths in all: only renewals keep it
            waiting.clock.advance(LEASE * 0.6)
            eventually(lambda: live.until == waiting.clock() + LEASE)
            assert waiting.post() == "busy"
        assert not live.lost
    finally:
        live.release()

    assert waiting.tripletex.vouchers == {}
    assert waiting.post() == "posted"
    assert len(waiting.tripletex.vouchers) == 1


class StallAfterLookup:
    """A connector whose lookup answers "not posted yet", then hangs until told to go on."""

    def __init__(self, inner: Connector, stalled: threading.Event, go_on: threading.Event):
        self.name, self.inner = inner.name, inner
        self.stalled, self.go_on = stalled, go_on

    def find_voucher(self, idempotency_key: str, since: Any = None) -> str | None:
        found = self.inner.find_voucher(idempotency_key, since)
        self.stalled.set()
        assert self.go_on.wait(timeout=30)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_run_that_stalled_past_its_lease_and_was_taken_over_sends_nothing(
    waiting: Posting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN run A has looked the voucher up in Tripletex (none yet) and then stalls without
          renewing (a paused process, an unreachable database) until its lease expires
    WHEN  run B takes over and posts, and A then wakes up to create the voucher
    THEN  A stops ("lost") before sending anything: one voucher, one attachment, B's record."""
    stalled, go_on = threading.Event(), threading.Event()
    stalling_thread: list[threading.Thread] = []

    def connector_for(*args: Any, **kwargs: Any) -> Any:
        connector = real_connector_for(*args, **kwargs)
        if threading.current_thread() in stalling_thread:
            return StallAfterLookup(connector, stalled, go_on)
        return connector

    monkeypatch.setattr("kontera.services.post.posting.connector_for", connector_for)
    outcome: list[str] = []
    never_renews = timedelta(hours=1)
    run_a = threading.Thread(target=lambda: outcome.append(waiting.post(heartbeat=never_renews)))
    stalling_thread.append(run_a)
    run_a.start()
    assert stalled.wait(timeout=30)

    waiting.clock.advance(PAST_IT)
    assert waiting.post() == "posted"
    go_on.set()
    run_a.join(timeout=30)

    assert outcome == ["lost"]
    assert len(waiting.tripletex.vouchers) == 1
    assert [len(files) for files in waiting.tripletex.attachments.values()] == [1]
    record = waiting.record()
    assert (record.state, record.lease_until) == ("posted", None)
    assert status(waiting.ctx, waiting.document_id) == "posted"
