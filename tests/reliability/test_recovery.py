"""Work a crash interrupts is finished after a restart; posting gaps found by the crash campaign.

Found by the crash campaign (`benchmarks/crash.py` with posting): a worker SIGKILLed during
a posting run leaves the voucher's lease behind; the restarted worker's requeued task found
the voucher "busy" and ended, and nothing looked at it again until the next restart.

GIVEN a document in `posting` whose voucher lease a killed worker left behind
WHEN  the requeued posting task runs on a real (SQLite) Huey queue
THEN  it does not post while the lease holds, schedules itself for when the lease has
      expired, and that run posts the voucher exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy import update

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.jobs.queue import requeue_unfinished
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.services.post import lease
from kontera.services.post import posting
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.crashrun import fake_tripletex
from tests.reliability.invoices import demo_invoices


@pytest.fixture
def queued(tmp_path: Path) -> Iterator[tuple[AppContext, Huey, FakeTripletex, str]]:
    """A context whose jobs go into a real SQLite Huey queue (nothing runs by itself)."""
    with fake_tripletex() as (fake, url):
        settings = Settings(
            data_dir=tmp_path / "data", log_json=False, tripletex_consumer_token=fake.consumer_token
        )
        ctx, huey = attach_queue(build_context(settings))
        yield ctx, huey, fake, url
        ctx.engine.dispose()


def approved_document(ctx: AppContext, huey: Huey, url: str, fake: FakeTripletex) -> str:
    company = companies.create_company(ctx, name="Lease AS", org_number="923609016")
    key = companies.create_api_key(ctx, company_name=company.name).key
    with TestClient(create_app(ctx)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        document_id = client.post(
            "/v1/documents", files={"file": ("a.xml", demo_invoices()[0])}
        ).json()["id"]
        run_all(huey)
        approved = client.post(
            f"/v1/documents/{document_id}/approve",
            json={"postings": [{"account": "6540", "vat_code": "1"}]},
        )
        assert approved.status_code == 200, approved.text
    connections.connect(
        ctx,
        company_name=company.name,
        system="tripletex",
        secret=fake.employee_token,
        settings={"base_url": url},
    )
    return document_id


def run_all(huey: Huey) -> int:
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


def test_a_lease_left_by_a_killed_worker_is_retried_when_it_expires(
    queued: tuple[AppContext, Huey, FakeTripletex, str],
) -> None:
    ctx, huey, tripletex, url = queued
    document_id = approved_document(ctx, huey, url, tripletex)
    run_all(huey)  # whatever approval queued
    assert posting.schedule_posting(ctx, document_id=document_id)
    left_behind = datetime.now(UTC) + lease.LEASE
    with session_scope(ctx.engine) as session:
        session.execute(update(VoucherRecord).values(lease_until=left_behind))

    run_all(huey)  # the restarted worker runs the requeued task

    assert status(ctx, document_id) == "posting"
    assert tripletex.vouchers == {}
    (retry,) = [t for t in huey.scheduled() if t.name == "post_voucher"]
    assert retry.eta is not None
    assert retry.eta.replace(tzinfo=UTC) >= left_behind - timedelta(seconds=1)

    with session_scope(ctx.engine) as session:  # ... and ten minutes later:
        session.execute(update(VoucherRecord).values(lease_until=None))
    huey.execute(retry, timestamp=retry.eta + timedelta(seconds=1))

    assert status(ctx, document_id) == "posted"
    assert len(tripletex.vouchers) == 1


def status(ctx: AppContext, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.status


@pytest.fixture
def inline(tmp_path: Path) -> Iterator[tuple[AppContext, FakeTripletex, str]]:
    with fake_tripletex() as (fake, url):
        settings = Settings(
            data_dir=tmp_path / "inline",
            immediate_jobs=True,
            log_json=False,
            tripletex_consumer_token=fake.consumer_token,
        )
        ctx, _ = attach_queue(build_context(settings))
        yield ctx, fake, url
        ctx.engine.dispose()


def test_an_approval_whose_posting_was_never_scheduled_is_posted_after_a_restart(
    inline: tuple[AppContext, FakeTripletex, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN one document approved before the company connected Tripletex, and one approved
    after it, where the process died between the approval's commit and scheduling the posting
    WHEN the service restarts (`requeue_unfinished`)
    THEN the second is posted once; the first, perhaps booked by hand, is left alone."""
    ctx, fake, url = inline
    company = companies.create_company(ctx, name="Avbrutt AS", org_number="923609016")
    key = companies.create_api_key(ctx, company_name=company.name).key
    templates = demo_invoices()
    with TestClient(create_app(ctx)) as client:
        client.headers["Authorization"] = f"Bearer {key}"

        def upload_and_approve(data: bytes) -> str:
            document_id = client.post("/v1/documents", files={"file": ("a.xml", data)}).json()["id"]
            body = {"postings": [{"account": "6540", "vat_code": "1"}]}
            response = client.post(f"/v1/documents/{document_id}/approve", json=body)
            assert response.status_code == 200, response.text
            return str(document_id)

        before_connecting = upload_and_approve(templates[0])
        connections.connect(
            ctx,
            company_name=company.name,
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": url},
        )
        with monkeypatch.context() as crash:
            crash.setattr(
                "kontera.services.pipeline.steps.schedule_posting", lambda *_, **__: False
            )
            interrupted = upload_and_approve(templates[1])
    assert status(ctx, interrupted) == "approved"

    requeue_unfinished(ctx)

    assert status(ctx, interrupted) == "posted"
    assert status(ctx, before_connecting) == "approved"
    assert len(fake.vouchers) == 1


def test_a_document_returned_after_a_refused_posting_can_be_approved_again(
    inline: tuple[AppContext, FakeTripletex, str],
) -> None:
    """GIVEN a posting Tripletex refuses (input VAT on a bank account), back in review
    WHEN the bookkeeper approves it again with a valid account
    THEN the answer is not a server error (the PostgreSQL crash campaign saw 500s here)."""
    ctx, fake, url = inline
    company = companies.create_company(ctx, name="Igjen AS", org_number="923609016")
    key = companies.create_api_key(ctx, company_name=company.name).key
    connections.connect(
        ctx,
        company_name=company.name,
        system="tripletex",
        secret=fake.employee_token,
        settings={"base_url": url},
    )
    with TestClient(create_app(ctx)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        document_id = client.post(
            "/v1/documents", files={"file": ("a.xml", demo_invoices()[0])}
        ).json()["id"]
        refused = {"postings": [{"account": "1920", "vat_code": "1"}]}
        assert client.post(f"/v1/documents/{document_id}/approve", json=refused).status_code == 200
        assert status(ctx, document_id) == "needs_review"

        valid = {"postings": [{"account": "6540", "vat_code": "1"}]}
        again = client.post(f"/v1/documents/{document_id}/approve", json=valid)

    assert again.status_code < 500, again.text
    assert status(ctx, document_id) == "posted"
    assert len(fake.vouchers) == 1
