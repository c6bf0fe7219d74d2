"""Approved invoices reach the accounting system through the outbox, exactly once.

The fake Tripletex (tests/fakes) runs on a real loopback port, so the whole path — approval,
queue, voucher building, HTTP, attachment — is the one production takes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.config import Settings
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.services.post import posting
from kontera.store.db import session_scope
from kontera.store.tables import VoucherRecord
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.conftest import make_api_client
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


@pytest.fixture
def tripletex() -> Iterator[tuple[FakeTripletex, str]]:
    fake = FakeTripletex()
    with asgi_server(fake) as url:
        yield fake, f"{url}/v2"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Kontera's application-level Tripletex token is the one the fake accepts."""
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
    )


@pytest.fixture
def connected(
    ctx: AppContext, tripletex: tuple[FakeTripletex, str]
) -> Iterator[tuple[ApiClient, FakeTripletex, AppContext]]:
    from kontera.api.app import create_app

    fake, base_url = tripletex
    context = ctx
    with TestClient(create_app(context)) as client:
        yield connect_tripletex(context, client, fake, base_url), fake, context


def connect_tripletex(
    context: AppContext, client: TestClient, fake: FakeTripletex, base_url: str
) -> ApiClient:
    api = make_api_client(context, client, "Postende Kunde AS", "923609016")
    connections.connect(
        context,
        company_name="Postende Kunde AS",
        system="tripletex",
        secret=fake.employee_token,
        settings={"base_url": base_url},
    )
    return api


def wait_while_posting(api: ApiClient, document_id: str, seconds: float) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while (document := api.get(f"/v1/documents/{document_id}"))["status"] == "posting":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return document  # type: ignore[no-any-return]


def approve(api: ApiClient, document_id: str, postings: list[dict[str, str]]) -> dict:  # type: ignore[type-arg]
    response = api.http.post(
        f"/v1/documents/{document_id}/approve", headers=api.headers, json={"postings": postings}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_approved_invoice_is_posted_with_its_attachment(
    connected: tuple[ApiClient, FakeTripletex, AppContext],
) -> None:
    api, fake, _ = connected
    created = api.upload(EHF, "ehf-01.xml")
    invoice = api.get(f"/v1/documents/{created['id']}")["invoice"]
    lines = [
        {"account": "6900", "vat_code": "1", "amount": line["net"], "line_index": str(i)}
        for i, line in enumerate(invoice["lines"])
    ]

    approve(api, created["id"], lines)
    document = api.get(f"/v1/documents/{created['id']}")

    assert document["status"] == "posted", document["status_reason"]
    assert document["voucher"]["state"] == "posted"
    assert len(fake.vouchers) == 1
    ((voucher_id, voucher),) = fake.vouchers.items()
    assert str(voucher_id) == document["voucher"]["external_id"]
    gross = sum(Decimal(str(p["amountGross"])) for p in voucher["postings"] if p["amountGross"] > 0)
    assert gross == Decimal(invoice["totals"]["payable"])
    assert len(fake.attachments[voucher_id]) == 1
    assert fake.attachments[voucher_id][0].startswith(b"%PDF")
    actions = [e["action"] for e in document["events"]]
    statuses = [a for a in actions if a.startswith("status:")]
    assert statuses[-2:] == ["status:posting", "status:posted"]
    # Every call to Tripletex is on the audit trail, secrets masked.
    calls = [e for e in document["events"] if e["action"] == "outbound:call"]
    assert {c["detail"]["method"] for c in calls} >= {"PUT", "POST"}
    assert all("employee-secret" not in str(c) for c in calls)


def test_running_the_outbox_again_never_posts_twice(
    connected: tuple[ApiClient, FakeTripletex, AppContext],
) -> None:
    api, fake, context = connected
    created = api.upload(EHF)
    approve(api, created["id"], [{"account": "6900", "vat_code": "1"}])
    with session_scope(context.engine) as session:
        voucher_id = session.exec(select(VoucherRecord)).one().id
    for _ in range(3):
        assert posting.post_voucher(context, voucher_id) == "posted"
    assert len(fake.vouchers) == 1
    assert sum(len(files) for files in fake.attachments.values()) == 1


def test_a_refusal_goes_back_to_the_queue_in_plain_words(
    connected: tuple[ApiClient, FakeTripletex, AppContext],
) -> None:
    """GIVEN an account that may not carry input VAT (2400 is a balance account)
    WHEN it is approved and posted
    THEN Tripletex refuses, and the document returns to review with its message."""
    api, fake, _ = connected
    created = api.upload(EHF)
    approve(api, created["id"], [{"account": "1920", "vat_code": "1"}])
    document = wait_while_posting(api, created["id"], 10)
    assert document["status"] == "needs_review"
    assert document["status_reason"].startswith("Posting to tripletex failed:")
    assert fake.vouchers == {}


class DownForOneVoucher(httpx.BaseTransport):
    """Tripletex answers the first voucher creation with 503, then works again."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        creating = request.method == "POST" and request.url.path.endswith("/ledger/voucher")
        if creating and not self.refused:
            self.refused += 1
            return httpx.Response(503, text="maintenance", request=request)
        return self.inner.handle_request(request)


def test_a_passing_outage_is_tried_again_until_the_voucher_is_posted(
    settings: Settings, tripletex: tuple[FakeTripletex, str]
) -> None:
    """GIVEN Tripletex answers the voucher creation with 503 once
    WHEN the invoice is approved
    THEN the outbox tries again after the run has let go of the voucher, and it is posted
    once (a retry queued while the run still held it was turned away as "busy")."""
    from kontera.api.app import create_app
    from kontera.jobs.queue import attach_queue

    fake, base_url = tripletex
    transport = DownForOneVoucher()
    flaky = lambda **options: httpx.Client(transport=transport, **options)  # noqa: E731
    context, _ = attach_queue(dataclasses.replace(build_context(settings), http_client=flaky))
    with TestClient(create_app(context)) as client:
        api = connect_tripletex(context, client, fake, base_url)
        created = api.upload(EHF)
        approve(api, created["id"], [{"account": "6900", "vat_code": "1"}])
        document = wait_while_posting(api, created["id"], 30)
    context.engine.dispose()
    assert transport.refused == 1
    assert document["status"] == "posted", document["status_reason"]
    assert len(fake.vouchers) == 1
