"""Outbound webhooks for integrators: document received / needs review / posted / failed.

Each delivery is a JSON POST signed with the integrator's secret:

    Kontera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
    Kontera-Event: document.posted
    Kontera-Delivery: <delivery id, the same on every retry: receivers deduplicate on it>

The timestamp is inside the signed text so a captured delivery cannot be replayed later
(`verify` refuses signatures older than five minutes). Deliveries are retried with backoff
on timeouts, 429 and 5xx; a 4xx is the receiver's final answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.post.http import RetryPolicy

log = logging.getLogger("kontera.post.webhooks")


class EventType(StrEnum):
    DOCUMENT_RECEIVED = "document.received"
    DOCUMENT_NEEDS_REVIEW = "document.needs_review"
    DOCUMENT_POSTED = "document.posted"
    DOCUMENT_FAILED = "document.failed"


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    type: EventType
    data: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def body(self) -> bytes:
        payload = {
            "id": self.id,
            "type": str(self.type),
            "created_at": self.created_at.isoformat(),
            "data": self.data,
        }
        return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


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


@dataclass(frozen=True, slots=True)
class Delivery:
    status: int
    attempts: int


class WebhookSender:
    def __init__(
        self,
        client: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.retry = retry or RetryPolicy(attempts=5, base_delay=1.0, max_delay=60.0)
        self.clock = clock

    def deliver(self, url: str, secret: str, event: WebhookEvent) -> Delivery:
        """POST until a 2xx; PermanentError on a 4xx, TransientError when retries run out."""
        body = event.body()
        problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            headers = {
                "Content-Type": "application/json",
                "Kontera-Event": str(event.type),
                "Kontera-Delivery": event.id,
                "Kontera-Signature": sign(secret, int(self.clock()), body),
            }
            retry_after: float | None = None
            started = time.perf_counter()
            try:
                response = self.client.post(url, content=body, headers=headers)
            except httpx.HTTPError as e:
                problem = f"the receiver could not be reached ({type(e).__name__})"
                _log(url, event, attempt, started, type(e).__name__)
            else:
                _log(url, event, attempt, started, str(response.status_code))
                if response.status_code < 300:
                    return Delivery(response.status_code, attempt)
                if response.status_code < 500 and response.status_code != 429:
                    raise PermanentError(
                        f"The webhook receiver refused the event ({response.status_code})."
                    )
                problem = f"the receiver answered {response.status_code}"
                retry_after = _seconds(response.headers.get("Retry-After"))
            if attempt < self.retry.attempts:
                self.retry.sleep(self.retry.delay(attempt, retry_after))
        raise TransientError(f"Webhook not delivered: {problem}.")


def _log(url: str, event: WebhookEvent, attempt: int, started: float, outcome: str) -> None:
    # The URL's query may carry an integrator's token: log scheme, host and path only.
    safe = httpx.URL(url).copy_with(query=None, fragment=None)
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info(
        "webhook %s %s -> %s in %.0f ms (attempt %d)",
        event.type,
        safe,
        outcome,
        elapsed_ms,
        attempt,
    )


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
