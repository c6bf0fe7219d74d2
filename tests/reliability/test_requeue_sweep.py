"""Running workers requeue work whose task was lost, without copying live work.

A worker that dies while the web process keeps running used to leave its documents
`received` (and its vouchers `posting`) until some process restarted. Now every consumer runs
a periodic sweep (`requeue_stale`): work untouched for a grace period and not in the queue is
requeued; fresh work, work already queued and vouchers a live run holds are left alone.

Tasks go into a real Huey queue and are run by hand; "later" is an injected `now`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy import update
from sqlmodel import col
from sqlmodel import func
from sqlmodel import select

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.jobs.queue import requeue_stale
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.services.post import lease
from kontera.services.post import posting
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import Interpretation
from kontera.store.tables import VoucherRecord
from kontera.store.types import utcnow
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.crashrun import fake_tripletex
from tests.reliability.invoices import demo_invoices
from tests.reliability.test_recovery import approved_document
from tests.reliability.test_recovery import run_all
from tests.reliability.test_recovery import status

LATER = timedelta(minutes=10)  # past every grace period


@pytest.fixture
def queued(tmp_path: Path) -> Iterator[tuple[AppContext, Huey, FakeTripletex, str]]:
    with fake_tripletex() as (fake, url):
        settings = Settings(
            data_dir=tmp_path / "data", log_json=False, tripletex_consumer_token=fake.consumer_token
        )
        ctx, huey = attach_queue(build_context(settings))
        yield ctx, huey, fake, url
        ctx.engine.dispose()


class Company:
    """One client company, talking to Kontera through the API."""

    def __init__(self, ctx: AppContext, name: str = "Sveip AS") -> None:
        self.ctx, self.name = ctx, name
        companies.create_company(ctx, name=name, org_number="923609016")
        self.key = companies.create_api_key(ctx, company_name=name).key

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        with TestClient(create_app(self.ctx)) as client:
            client.headers["Authorization"] = f"Bearer {self.key}"
            response = client.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def upload(self, data: bytes) -> str:
        return str(self.call("POST", "/v1/documents", files={"file": ("a.xml", data)})["id"])

    def approve(self, document_id: str) -> None:
        body = {"postings": [{"account": "6540", "vat_code": "1"}]}
        self.call("POST", f"/v1/documents/{document_id}/approve", json=body)

    def connect(self, fake: FakeTripletex, url: str) -> None:
        connections.connect(
            self.ctx,
            company_name=self.name,
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": url},
        )


def upload(ctx: AppContext, data: bytes) -> str:
    return Company(ctx).upload(data)


def interpretations(ctx: AppContext, document_id: str) -> int:
    with session_scope(ctx.engine) as session:
        query = select(func.count()).where(col(Interpretation.document_id) == document_id)
        return int(session.exec(query).one())


def test_a_document_whose_task_was_lost_is_requeued_and_processed_once(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> None:
    """GIVEN an uploaded document whose task a dying worker took with it
    WHEN  the sweep runs now, and again after the grace period
    THEN  it is left alone while fresh, then requeued once and interpreted once."""
    ctx, huey, _, _ = queued
    document_id = upload(ctx, demo_invoices()[0])
    huey.flush()  # the worker that dequeued the task died

    assert requeue_stale(ctx, huey) == 0
    assert huey.pending_count() == 0

    assert requeue_stale(ctx, huey, now=utcnow() + LATER) == 1
    run_all(huey)

    assert status(ctx, document_id) in ("suggested", "needs_review")
    assert interpretations(ctx, document_id) == 1
    assert requeue_stale(ctx, huey, now=utcnow() + LATER) == 0


def test_a_document_still_waiting_in_the_queue_is_not_copied(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> None:
    """GIVEN a backlog: an old document whose task is still queued
    WHEN  the sweep runs after the grace period
    THEN  no second task is added."""
    ctx, huey, _, _ = queued
    document_id = upload(ctx, demo_invoices()[0])
    assert huey.pending_count() == 1

    assert requeue_stale(ctx, huey, now=utcnow() + LATER) == 0
    assert huey.pending_count() == 1
    run_all(huey)
    assert interpretations(ctx, document_id) == 1


def test_a_copy_of_a_document_task_ends_quietly(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> None:
    """GIVEN two tasks for one document (a sweep copied a task that was still alive)
    WHEN  both run
    THEN  the document is interpreted once and no task fails."""
    ctx, huey, _, _ = queued
    document_id = upload(ctx, demo_invoices()[0])
    ctx.queue.process_document(document_id)

    assert run_all(huey) == 2
    assert interpretations(ctx, document_id) == 1
    assert status(ctx, document_id) in ("suggested", "needs_review")


def posting_voucher(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> tuple[str, str]:
    """A document in `posting` whose task was lost; returns (document id, voucher id)."""
    ctx, huey, fake, url = queued
    document_id = approved_document(ctx, huey, url, fake)
    run_all(huey)
    assert posting.schedule_posting(ctx, document_id=document_id)
    huey.flush()
    with session_scope(ctx.engine) as session:
        record = repo.voucher_for(session, document_id=document_id)
        assert record is not None
        return document_id, record.id


def test_a_voucher_whose_posting_task_was_lost_is_requeued_and_posted_once(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> None:
    ctx, huey, fake, _ = queued
    document_id, _ = posting_voucher(queued)

    assert requeue_stale(ctx, huey) == 0
    assert requeue_stale(ctx, huey, now=utcnow() + LATER) == 1
    run_all(huey)

    assert status(ctx, document_id) == "posted"
    assert len(fake.vouchers) == 1
    assert requeue_stale(ctx, huey, now=utcnow() + LATER) == 0


def test_a_voucher_a_live_run_holds_is_not_requeued(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> None:
    """GIVEN a voucher whose lease a live run keeps renewing
    WHEN  the sweep runs
    THEN  it leaves the voucher to that run."""
    ctx, huey, fake, _ = queued
    _, voucher_id = posting_voucher(queued)
    sweep_at = utcnow() + LATER
    with session_scope(ctx.engine) as session:
        renewed = sweep_at - timedelta(seconds=1) + lease.LEASE
        session.execute(update(VoucherRecord).values(lease_until=renewed))

    assert requeue_stale(ctx, huey, now=sweep_at) == 0
    assert huey.pending_count() == 0
    assert fake.vouchers == {}
    assert voucher_id


def test_an_approval_whose_posting_was_never_scheduled_is_posted_by_the_sweep(
    queued: tuple[AppContext, Huey, FakeTripletex, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a web process that died between committing an approval and scheduling its
          posting, while the workers kept running
    WHEN  the sweep runs after the grace period
    THEN  the posting is scheduled and the voucher posted once."""
    ctx, huey, fake, url = queued
    company = Company(ctx)
    company.connect(fake, url)
    document_id = company.upload(demo_invoices()[0])
    run_all(huey)
    with monkeypatch.context() as crash:
        crash.setattr("kontera.services.pipeline.steps.schedule_posting", lambda *_, **__: False)
        company.approve(document_id)
    assert status(ctx, document_id) == "approved"

    assert requeue_stale(ctx, huey) == 0
    assert requeue_stale(ctx, huey, now=utcnow() + LATER) == 1
    run_all(huey)

    assert status(ctx, document_id) == "posted"
    assert len(fake.vouchers) == 1


def sweep_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "sweep", log_json=False, **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("redis", marks=pytest.mark.live)])
def test_every_consumer_enqueues_the_sweep_and_one_per_round_runs_it(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """GIVEN two consumers sharing one queue (SQLite or Redis), sweeping every 2 minutes
    WHEN  both enqueue the periodic sweep in the same round
    THEN  it is due only on even minutes, and only the first copy requeues the lost work."""
    redis = {"redis_url": request.getfixturevalue("redis_url")} if backend == "redis" else {}
    settings = sweep_settings(tmp_path, requeue_interval_minutes=2, **redis)
    ctx, huey = attach_queue(build_context(settings))
    huey.flush()
    try:
        document_id = upload(ctx, demo_invoices()[0])
        huey.flush()  # the task was lost ...
        with session_scope(ctx.engine) as session:  # ... a while ago
            session.execute(
                update(Document)
                .where(col(Document.id) == document_id)
                .values(updated_at=utcnow() - LATER)
            )

        assert huey.read_periodic(datetime(2026, 5, 4, 10, 3)) == []
        due = datetime(2026, 5, 4, 10, 4)
        from_consumer_a, from_consumer_b = huey.read_periodic(due) + huey.read_periodic(due)
        assert from_consumer_a.name == "requeue_stale"

        assert (huey.execute(from_consumer_a), huey.execute(from_consumer_b)) == (1, 0)
        assert [task.name for task in huey.pending()] == ["process_document"]
    finally:
        huey.flush()
        ctx.engine.dispose()


def test_the_sweep_can_be_switched_off(tmp_path: Path) -> None:
    ctx, huey = attach_queue(build_context(sweep_settings(tmp_path, requeue_interval_minutes=0)))
    assert huey.read_periodic(datetime(2026, 5, 4, 10, 4)) == []
    ctx.engine.dispose()
