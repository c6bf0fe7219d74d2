"""Signed, retried webhooks; tokens encrypted at rest."""

from __future__ import annotations

import json
import random
from datetime import UTC
from datetime import datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kontera.domain.errors import PermanentError
from kontera.post.crypto import EncryptedTokenStore
from kontera.post.crypto import TokenCipher
from kontera.post.http import CredentialsRejected
from kontera.post.http import RetryPolicy
from kontera.post.oauth import OAuthTokens
from kontera.post.webhooks import EventType
from kontera.post.webhooks import WebhookEvent
from kontera.post.webhooks import WebhookSender
from kontera.post.webhooks import sign
from kontera.post.webhooks import verify
from tests.fakes.common import FakeClock
from tests.fakes.transport import AppTransport

SECRET = "whsec-integrator-1"


def receiver(fail_first: int, clock: FakeClock) -> tuple[Starlette, list[dict[str, object]]]:
    """An integrator's endpoint: 503 for the first calls, then verifies and keeps events."""
    received: list[dict[str, object]] = []
    calls = {"n": 0}

    async def hook(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] <= fail_first:
            return Response(status_code=503, headers={"Retry-After": "2"})
        body = await request.body()
        if not verify(SECRET, request.headers["kontera-signature"], body, now=clock()):
            return Response(status_code=401)
        received.append({"delivery": request.headers["kontera-delivery"], **json.loads(body)})
        return Response(status_code=204)

    return Starlette(routes=[Route("/hooks", hook, methods=["POST"])]), received


def sender(app: Starlette, clock: FakeClock) -> WebhookSender:
    client = httpx.Client(transport=AppTransport(app))
    return WebhookSender(
        client, retry=RetryPolicy(attempts=4, sleep=clock.sleep, rng=random.Random(1)), clock=clock
    )


def test_webhook_is_signed_and_retried_until_delivered() -> None:
    clock = FakeClock()
    app, received = receiver(fail_first=2, clock=clock)
    event = WebhookEvent(EventType.DOCUMENT_POSTED, {"document_id": "d-1", "external_id": "1001"})

    delivery = sender(app, clock).deliver(
        "https://integrator.example/hooks?token=abc", SECRET, event
    )

    assert (delivery.status, delivery.attempts) == (204, 3)
    expected = {"id": event.id, "type": "document.posted", "data": event.data}
    assert received == [
        {"delivery": event.id, "created_at": event.created_at.isoformat(), **expected}
    ]
    assert clock.now >= 1004  # honoured Retry-After: 2 twice


def test_receiver_refusal_is_final() -> None:
    clock = FakeClock()
    app, _ = receiver(fail_first=0, clock=clock)
    event = WebhookEvent(EventType.DOCUMENT_FAILED, {"reason": "x"})
    with pytest.raises(PermanentError, match="refused the event"):
        sender(app, clock).deliver("https://integrator.example/nowhere", SECRET, event)


def test_signature_fails_for_other_body_secret_or_stale_time() -> None:
    clock = FakeClock()
    body = b'{"a":1}'
    header = sign(SECRET, int(clock()), body)
    assert verify(SECRET, header, body, now=clock())
    assert not verify(SECRET, header, b'{"a":2}', now=clock())
    assert not verify("other", header, body, now=clock())
    assert not verify(SECRET, header, body, now=clock() + 301)


def test_tokens_round_trip_encrypted_and_survive_secret_rotation() -> None:
    tokens = OAuthTokens("access-1", "refresh-1", datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    column: dict[str, str] = {}
    old = TokenCipher("old-secret-0123456789")
    EncryptedTokenStore(old, lambda: column.get("v"), lambda t: column.__setitem__("v", t)).save(
        tokens
    )
    assert "refresh-1" not in column["v"]

    rotated = TokenCipher("new-secret-0123456789", "old-secret-0123456789")
    store = EncryptedTokenStore(
        rotated, lambda: column.get("v"), lambda t: column.__setitem__("v", t)
    )
    assert store.load() == tokens
    column["v"] = rotated.rotate(column["v"])
    assert TokenCipher("new-secret-0123456789").decrypt(column["v"]) == tokens.to_json()


def test_wrong_secret_asks_for_a_reconnect() -> None:
    ciphertext = TokenCipher("one-secret-0123456789").encrypt("x")
    with pytest.raises(CredentialsRejected, match="connect the company"):
        TokenCipher("another-secret-0123456789").decrypt(ciphertext)
