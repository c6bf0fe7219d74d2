"""Integrators' webhooks: every state change, signed, retried by the queue, never lost.

GIVEN an integrator's receiver on a loopback port, subscribed to a company's events
WHEN  documents arrive, are read, suggested, approved, posted, fail, are rejected or are
      duplicates, and the receiver is sometimes down
THEN  it gets one signed event per status change (the same list as the audit trail's), each
      delivery retried by the job queue with growing waits, not by a sleeping worker, and a
      delivery that gives up is listed with its last error and can be sent again.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.errors import InvalidInput
from kontera.jobs.queue import attach_queue
from kontera.jobs.queue import make_consumer
from kontera.jobs.queue import requeue_stale
from kontera.post.webhooks import verify
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.ops import webhooks
from kontera.services.pipeline.documents import receive_document
from kontera.services.post import connections
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from kontera.store.tables import Document
from kontera.store.tables_webhooks import WebhookDelivery
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Jobs run inline here, so a failed attempt's retry never runs: give up after one."""
    return Settings(
        data_dir=tmp_path / "data", immediate_jobs=True, log_json=False, webhook_max_attempts=1
    )


POSTINGS = {"postings": [{"account": "6540", "vat_code": "1"}]}


@dataclass
class Receiver:
    """An integrator's endpoint: answers the scripted statuses first, then 204."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def accepted(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["answer"] < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                answer = state.script.pop(0) if state.script else 204
                state.calls.append(
                    {
                        "at": time.time(),
                        "headers": dict(self.headers),
                        "body": body,
                        "answer": answer,
                    }
                )
            self.send_response(answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks?token=abc"
    yield state
    server.shutdown()


def subscribe(ctx: AppContext, company_id: str, receiver: Receiver, **options: Any) -> str:
    return webhooks.add_endpoint(ctx, company_id=company_id, url=receiver.url, **options).secret


def status_events(ctx: AppContext, document_id: str) -> list[str]:
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.document_id == document_id, AuditEvent.to_status.is_not(None))  # type: ignore[union-attr]
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
        return [f"document.{row.to_status}" for row in rows]


def received_for(receiver: Receiver, document_id: str) -> list[str]:
    return [
        json.loads(c["body"])["type"]
        for c in receiver.accepted()
        if json.loads(c["body"])["data"].get("document_id") == document_id
    ]


def test_every_state_change_reaches_the_integrator_once(
    ctx: AppContext, api: ApiClient, receiver: Receiver, tmp_path: Path
) -> None:
    secret = subscribe(ctx, api.company_id, receiver)
    connections.connect(
        ctx,
        company_name="Fjordbyrå Kunde AS",
        system="export",
        settings={"folder": str(tmp_path / "export"), "format": "csv"},
    )
    posted = api.upload(EHF, "a.xml", external_id="scan-42")["id"]
    approved = api.http.post(f"/v1/documents/{posted}/approve", headers=api.headers, json=POSTINGS)
    assert approved.status_code == 200, approved.text
    failed = api.upload(b"garbage, not an invoice", "x.bin")["id"]
    api.http.post(f"/v1/documents/{failed}/reject", headers=api.headers, json={"reason": "Søppel"})
    duplicate = api.upload(EHF + b"\n<!-- sent again -->\n", "b.xml")["id"]

    journeys = {d: status_events(ctx, d) for d in (posted, failed, duplicate)}
    assert journeys[posted][0] == "document.received"
    assert journeys[posted][-1] == "document.posted"
    assert {"document.approved", "document.posting"} <= set(journeys[posted])
    assert journeys[failed] == ["document.received", "document.failed", "document.rejected"]
    assert journeys[duplicate][-1] == "document.duplicate"
    for document_id, journey in journeys.items():
        assert received_for(receiver, document_id) == journey
    deliveries = [c["headers"]["Kontera-Delivery"] for c in receiver.calls]
    assert len(deliveries) == len(set(deliveries))  # once each
    for call in receiver.calls:
        assert verify(secret, call["headers"]["Kontera-Signature"], call["body"])
        assert call["headers"]["Kontera-Event"] == json.loads(call["body"])["type"]
    first = json.loads(receiver.calls[0]["body"])
    assert first["data"]["external_id"] == "scan-42" and first["company_id"] == api.company_id


def test_an_endpoint_hears_only_what_it_subscribed_to(
    ctx: AppContext, api: ApiClient, receiver: Receiver
) -> None:
    subscribe(ctx, api.company_id, receiver, events=["document.failed"])
    api.upload(EHF)
    failed = api.upload(b"garbage", "x.bin")["id"]
    assert [json.loads(c["body"])["type"] for c in receiver.calls] == ["document.failed"]
    assert json.loads(receiver.calls[0]["body"])["data"]["document_id"] == failed


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[AppContext]:
    """A real Huey queue on SQLite with ONE worker thread, as a small installation runs."""
    settings = Settings(
        data_dir=tmp_path / "data", log_json=False, webhook_retry_seconds=1.0, worker_threads=1
    )
    ctx, huey = attach_queue(build_context(settings))
    consumer = make_consumer(ctx, huey, workers=1, embedded=True)
    consumer.start()
    yield ctx
    consumer.stop(graceful=True)
    ctx.engine.dispose()


def delivery_state(ctx: AppContext, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        query = select(WebhookDelivery.state).where(WebhookDelivery.document_id == document_id)
        return session.exec(query).one()


def wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_receiver_failing_three_times_gets_the_event_once_and_no_worker_waits(
    worker: AppContext, receiver: Receiver
) -> None:
    ctx = worker
    hooked = companies.create_company(ctx, name="Hook AS", org_number="923609016")
    other = companies.create_company(ctx, name="Annen AS", org_number="974760673")
    webhooks.add_endpoint(ctx, company_id=hooked.id, url=receiver.url, events=["document.received"])
    receiver.script = [500, 503, 500]

    first = receive_document(ctx, company_id=hooked.id, data=EHF, filename="a.xml").document
    wait_for(lambda: len(receiver.calls) >= 1)
    # While the delivery waits for its retry, the only worker thread reads another invoice.
    second = receive_document(ctx, company_id=other.id, data=EHF, filename="b.xml").document
    wait_for(lambda: len(receiver.accepted()) == 1, timeout=90)

    assert [c["answer"] for c in receiver.calls] == [500, 503, 500, 204]
    assert len({c["headers"]["Kontera-Delivery"] for c in receiver.calls}) == 1  # one, 4 tries
    assert json.loads(receiver.calls[-1]["body"])["data"]["document_id"] == first.id
    times = [c["at"] for c in receiver.calls]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9 and gaps[2] >= 3.9  # 1 s, 2 s, 4 s: doubling
    wait_for(lambda: delivery_state(ctx, first.id) == "delivered")
    with session_scope(ctx.engine) as session:
        read = session.get(Document, second.id)
        assert read is not None and read.status != "received"
        # Read while the first delivery was still waiting for its last attempt.
        assert read.updated_at.timestamp() < times[-1]
        delivery = session.exec(
            select(WebhookDelivery).where(WebhookDelivery.document_id == first.id)
        ).one()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 4, 204)


def test_a_delivery_that_gives_up_is_a_dead_letter_that_can_be_sent_again(
    ctx: AppContext, api: ApiClient, receiver: Receiver
) -> None:
    one_try = ctx  # KONTERA_WEBHOOK_MAX_ATTEMPTS=1 in this module's settings
    subscribe(one_try, api.company_id, receiver, events=["document.received"])
    receiver.script = [502]
    document_id = api.upload(EHF)["id"]

    [letter] = webhooks.dead_letters(one_try, company_id=api.company_id)
    assert letter.document_id == document_id and letter.attempts == 1
    assert letter.last_error == "The receiver answered 502." and letter.last_status == 502
    assert letter.endpoint_url and "token" not in letter.endpoint_url

    webhooks.resend(one_try, company_id=api.company_id, delivery_id=letter.id, actor="anne")

    assert webhooks.dead_letters(one_try, company_id=api.company_id) == []
    assert [c["answer"] for c in receiver.calls] == [502, 204]
    assert receiver.calls[0]["headers"]["Kontera-Delivery"] == letter.id
    assert receiver.calls[1]["headers"]["Kontera-Delivery"] == letter.id


def test_a_refusal_is_final_at_once(ctx: AppContext, api: ApiClient, receiver: Receiver) -> None:
    subscribe(ctx, api.company_id, receiver, events=["document.received"])
    receiver.script = [410]
    api.upload(EHF)
    [letter] = webhooks.dead_letters(ctx, company_id=api.company_id)
    assert letter.attempts == 1 and "refused" in (letter.last_error or "")


def test_a_delivery_whose_task_was_lost_is_sent_by_the_sweep(
    ctx: AppContext, api: ApiClient, receiver: Receiver
) -> None:
    subscribe(ctx, api.company_id, receiver, events=["document.received"])
    webhooks.connect_outbox(ctx.with_queue(_LostQueue()))
    api.upload(EHF)  # committed; its task never reached the queue
    assert receiver.calls == []
    with ctx.engine.begin() as connection:
        connection.execute(text("UPDATE webhook_delivery SET next_attempt_at = '2000-01-01'"))
    webhooks.connect_outbox(ctx)

    from huey import Huey

    requeue_stale(ctx, Huey("idle", immediate=True))

    assert len(receiver.accepted()) == 1


class _LostQueue:
    def process_document(self, document_id: str) -> None: ...
    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None: ...
    def train_company(self, company_id: str) -> None: ...
    def deliver_webhook(self, delivery_id: str) -> None: ...
    def sync_company(self, company_id: str, full: bool = False, trigger: str = "") -> None: ...


def test_endpoints_are_listed_tested_and_deleted(
    ctx: AppContext, api: ApiClient, receiver: Receiver
) -> None:
    created = webhooks.add_endpoint(ctx, company_id=api.company_id, url=receiver.url)
    assert created.secret.startswith("whsec_") and created.endpoint.events == ["*"]
    [view] = webhooks.endpoints(ctx, company_id=api.company_id)
    assert view.url == receiver.url.split("?")[0]

    result = webhooks.send_test(ctx, company_id=api.company_id, endpoint_id=view.id, actor="anne")
    assert result.delivered and json.loads(receiver.calls[-1]["body"])["type"] == "webhook.test"
    assert verify(
        created.secret,
        receiver.calls[-1]["headers"]["Kontera-Signature"],
        receiver.calls[-1]["body"],
    )

    webhooks.delete_endpoint(ctx, company_id=api.company_id, endpoint_id=view.id, actor="anne")
    assert webhooks.endpoints(ctx, company_id=api.company_id) == []
    api.upload(EHF)
    assert len(receiver.calls) == 1  # only the test event


@pytest.mark.parametrize(
    ("url", "events", "problem"),
    [
        ("http://hooks.example.com/x", None, "https://"),
        ("ftp://hooks.example.com/x", None, "https://"),
        ("https://hooks.example.com/x", ["document.exploded"], "Unknown webhook events"),
    ],
)
def test_bad_endpoints_are_refused(
    ctx: AppContext, api: ApiClient, url: str, events: list[str] | None, problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        webhooks.add_endpoint(ctx, company_id=api.company_id, url=url, events=events)
