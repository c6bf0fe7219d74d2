"""Signed, retried webhooks; tokens encrypted at rest."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kontera.post.crypto import EncryptedTokenStore
from kontera.post.crypto import TokenCipher
from kontera.post.http import CredentialsRejected
from kontera.post.oauth import OAuthTokens
from kontera.post.webhooks import ReceiverRefused
from kontera.post.webhooks import ReceiverUnavailable
from kontera.post.webhooks import WebhookSender
from kontera.post.webhooks import sign
from kontera.post.webhooks import verify
from tests.fakes.common import FakeClock
from tests.fakes.transport import AppTransport

SECRET = "whsec-integrator-1"


def receiver(answers: list[int], clock: FakeClock) -> tuple[Starlette, list[dict[str, object]]]:
    """An integrator's endpoint: the scripted statuses first; then verifies and keeps events."""
    received: list[dict[str, object]] = []

    async def hook(request: Request) -> Response:
        if answers:
            return Response(status_code=answers.pop(0), headers={"Retry-After": "2"})
        body = await request.body()
        if not verify(SECRET, request.headers["kontera-signature"], body, now=clock()):
            return Response(status_code=401)
        received.append({"delivery": request.headers["kontera-delivery"], **json.loads(body)})
        return Response(status_code=204)

    return Starlette(routes=[Route("/hooks", hook, methods=["POST"])]), received


def sender(app: Starlette, clock: FakeClock) -> WebhookSender:
    return WebhookSender(httpx.Client(transport=AppTransport(app)), clock=clock)


BODY = json.dumps({"id": "evt_1", "type": "document.posted", "data": {"document_id": "d-1"}})


def send(app: Starlette, clock: FakeClock) -> int:
    return (
        sender(app, clock)
        .send(
            "https://integrator.example/hooks?token=abc",
            SECRET,
            delivery_id="del-1",
            event_type="document.posted",
            body=BODY.encode(),
        )
        .status
    )


def test_one_signed_attempt_per_call_never_a_sleep() -> None:
    clock = FakeClock()
    app, received = receiver([503], clock)

    with pytest.raises(ReceiverUnavailable, match="answered 503") as unavailable:
        send(app, clock)
    assert unavailable.value.retry_after == 2.0 and unavailable.value.http_status == 503
    assert clock.now == 1000  # no time passed: retrying is the job queue's business

    assert send(app, clock) == 204
    assert received == [{"delivery": "del-1", **json.loads(BODY)}]


@pytest.mark.parametrize("status", [408, 429, 500, 502])
def test_busy_or_broken_receivers_are_worth_another_try(status: int) -> None:
    clock = FakeClock()
    app, _ = receiver([status], clock)
    with pytest.raises(ReceiverUnavailable):
        send(app, clock)


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_receiver_refusal_is_final(status: int) -> None:
    clock = FakeClock()
    app, _ = receiver([status], clock)
    with pytest.raises(ReceiverRefused, match="refused the event"):
        send(app, clock)


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
