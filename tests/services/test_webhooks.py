"""Integrators' webhooks: signed deliveries as documents move."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import HTTPServer

import pytest

from kontera.post.webhooks import verify
from kontera.services import webhooks
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

SECRET = "shared-secret-for-tests"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks?token=abc", received
    server.shutdown()


def test_document_events_arrive_signed(
    ctx: AppContext, api: ApiClient, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    webhooks.add_endpoint(ctx, company_name="Fjordbyrå Kunde AS", url=url, secret=SECRET)

    api.upload((FIXTURES / "demo" / "ehf-01.xml").read_bytes())
    api.upload(b"garbage, not an invoice", "x.bin")

    events = [headers["Kontera-Event"] for headers, _ in received]
    assert events.count("document.received") == 2
    assert "document.failed" in events
    for headers, body in received:
        assert verify(SECRET, headers["Kontera-Signature"], body)
    with session_scope(ctx.engine) as session:
        deliveries = session.query(AuditEvent).filter(AuditEvent.action == "webhook:delivery").all()
        added = session.query(AuditEvent).filter(AuditEvent.action == "webhook:add").one()
    assert {d.detail["outcome"] for d in deliveries} == {"delivered"}
    # The receiver's token in the URL never reaches the audit trail.
    assert "token" not in added.detail["url"]
