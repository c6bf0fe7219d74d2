"""Outbound webhooks for integrators: one signed POST per call, never a sleep.

Each delivery is a JSON POST signed with the integrator's secret:

    Kontera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
    Kontera-Event: document.posted
    Kontera-Delivery: <delivery id, the same on every retry: receivers deduplicate on it>

The timestamp is inside the signed text so a captured delivery cannot be replayed later
(`verify` refuses signatures older than five minutes). `WebhookSender.send` makes one attempt:
a 2xx is delivered; a timeout, a connection failure, 408, 429 or a 5xx is a `TransientError`
(the job queue tries again later, with backoff); any other 4xx is the receiver's final answer
(`PermanentError`). Retrying is the queue's business, so no worker thread ever waits here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.domain.messages import Message
from kontera.domain.messages import msg

log = logging.getLogger("kontera.post.webhooks")
RETRYABLE_STATUS = frozenset({408, 425, 429})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: int = 300
) -> bool:
    """What a receiver does: check the signature and that it is fresh."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, header)


class ReceiverUnavailable(TransientError):
    """The webhook receiver did not take the event this time; it will be sent again."""

    def __init__(
        self, message: str | Message, *, status: int | None, retry_after: float | None
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.http_status = status


class ReceiverRefused(PermanentError):
    """The webhook receiver refused the event; it will not be sent again by itself."""

    def __init__(self, message: str | Message, *, status: int) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass(frozen=True, slots=True)
class Delivered:
    status: int


class WebhookSender:
    def __init__(self, client: httpx.Client, *, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.clock = clock

    def send(
        self, url: str, secret: str, *, delivery_id: str, event_type: str, body: bytes
    ) -> Delivered:
        """One attempt: Delivered, or ReceiverUnavailable / ReceiverRefused."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Kontera-Webhooks/1",
            "Kontera-Event": event_type,
            "Kontera-Delivery": delivery_id,
            "Kontera-Signature": sign(secret, int(self.clock()), body),
        }
        started = time.perf_counter()
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            _log(url, event_type, started, type(e).__name__)
            raise ReceiverUnavailable(
                msg("The receiver could not be reached ({error}).", error=type(e).__name__),
                status=None,
                retry_after=None,
            ) from None
        _log(url, event_type, started, str(response.status_code))
        status = response.status_code
        if status < 300:
            return Delivered(status)
        if status >= 500 or status in RETRYABLE_STATUS:
            raise ReceiverUnavailable(
                msg("The receiver answered {status}.", status=status),
                status=status,
                retry_after=_seconds(response.headers.get("Retry-After")),
            )
        raise ReceiverRefused(
            msg("The receiver refused the event ({status}).", status=status), status=status
        )


def _log(url: str, event_type: str, started: float, outcome: str) -> None:
    # The URL's query may carry an integrator's token: log scheme, host and path only.
    safe = httpx.URL(url).copy_with(query=None, fragment=None)
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info("webhook %s %s -> %s in %.0f ms", event_type, safe, outcome, elapsed_ms)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
