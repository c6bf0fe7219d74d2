"""Integrators' webhooks: their endpoints, one attempt per delivery task, the dead letters.

Events are recorded with every status change (`kontera.store.webhook_outbox`); this module
manages endpoints and sends. `deliver` makes one attempt per queued task: a receiver that is
down or busy raises `ReceiverUnavailable` carrying the wait before the next attempt (doubling
from `KONTERA_WEBHOOK_RETRY_SECONDS`, or longer if the receiver's `Retry-After` says so), and
the job queue schedules it; after `KONTERA_WEBHOOK_MAX_ATTEMPTS`, or at once when the
receiver refuses with a 4xx, the delivery is a dead letter, listed with its last error on the
settings page, and can be sent again from there. docs/webhooks.md is the integrators' guide.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import or_
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.post import ReceiverRefused
from kontera.post import ReceiverUnavailable
from kontera.post import WebhookSender
from kontera.services.admin.secrets import token_cipher
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store import webhook_outbox
from kontera.store.db import session_scope
from kontera.store.tables_post import WebhookEndpoint
from kontera.store.tables_webhooks import DEAD
from kontera.store.tables_webhooks import DELIVERED
from kontera.store.tables_webhooks import PENDING
from kontera.store.tables_webhooks import WebhookDelivery
from kontera.store.types import new_id
from kontera.store.types import utcnow

log = logging.getLogger(__name__)

ALL_EVENTS = webhook_outbox.ALL_EVENTS
TEST_EVENT = "webhook.test"
MAX_WAIT = timedelta(hours=6)
MIN_SECRET = 16


def event_types() -> list[str]:
    """Every event an endpoint can subscribe to: one per document status."""
    return [webhook_outbox.event_type_for(status.value) for status in Status]


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once; stored encrypted


@dataclass(frozen=True, slots=True)
class EndpointView:
    id: str
    url: str
    events: list[str]
    created_at: datetime
    pending: int
    dead: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    endpoint_id: str
    endpoint_url: str | None
    event_type: str
    document_id: str | None
    attempts: int
    last_status: int | None
    last_error: str | None
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class TestResult:
    delivered: bool
    status: int | None
    message: str


# --- endpoints --------------------------------------------------------------------------------


def add_endpoint(
    ctx: AppContext,
    *,
    company_id: str,
    url: str,
    secret: str | None = None,
    events: list[str] | None = None,
    actor: str = "cli",
) -> NewEndpoint:
    """Subscribe `url` to the company's events (all of them unless `events` says which)."""
    checked_url = _checked_url(url)
    wanted = _checked_events(events)
    secret = secret or f"whsec_{secrets.token_urlsafe(32)}"
    if len(secret) < MIN_SECRET:
        raise InvalidInput(
            msg(
                "A webhook secret must be at least {MIN_SECRET} characters long.",
                MIN_SECRET=MIN_SECRET,
            )
        )
    endpoint = WebhookEndpoint(
        company_id=company_id,
        url=checked_url,
        secret=token_cipher(ctx.settings).encrypt(secret),
        events=wanted,
    )
    with session_scope(ctx.engine) as session:
        repo.get_company(session, company_id=company_id)
        session.add(endpoint)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="webhook:add",
            detail={"endpoint": endpoint.id, "url": display_url(checked_url), "events": wanted},
        )
    return NewEndpoint(endpoint, secret)


def _checked_url(url: str) -> str:
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as e:
        raise InvalidInput(msg("{url} is not a web address.", url=repr(url))) from e
    if parsed.scheme == "https" and parsed.host:
        return text
    if parsed.scheme == "http" and _loopback(parsed.host):
        return text  # a receiver on this machine (development, tests)
    raise InvalidInput("A webhook address must start with https:// (http:// only for localhost).")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _checked_events(events: list[str] | None) -> list[str]:
    if not events or ALL_EVENTS in events:
        return [ALL_EVENTS]
    unknown = sorted(set(events) - set(event_types()))
    if unknown:
        raise InvalidInput(
            msg(
                "Unknown webhook events: {unknown}. Known: {event_types}.",
                unknown=tuple(unknown),
                event_types=tuple(event_types()),
            )
        )
    return sorted(set(events))


def display_url(url: str) -> str:
    """Scheme, host and path: the query may hold the integrator's token."""
    return str(httpx.URL(url).copy_with(query=None, fragment=None))


def endpoints(ctx: AppContext, *, company_id: str) -> list[EndpointView]:
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.company_id == company_id)
            .order_by(col(WebhookEndpoint.created_at))
        ).all()
        return [
            EndpointView(
                id=row.id,
                url=display_url(row.url),
                events=list(row.events),
                created_at=row.created_at,
                pending=_count(session, row.id, PENDING),
                dead=_count(session, row.id, DEAD),
            )
            for row in rows
        ]


def _count(session: Session, endpoint_id: str, state: str) -> int:
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == state
    )
    return len(session.exec(query).all())


def delete_endpoint(ctx: AppContext, *, company_id: str, endpoint_id: str, actor: str) -> None:
    """Remove the endpoint; what was still waiting for it becomes a dead letter."""
    with session_scope(ctx.engine) as session:
        endpoint = _endpoint(session, company_id, endpoint_id)
        session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.endpoint_id) == endpoint_id,
                col(WebhookDelivery.state) == PENDING,
            )
            .values(state=DEAD, last_error="The endpoint was deleted.", updated_at=utcnow())
        )
        session.delete(endpoint)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="webhook:delete",
            detail={"endpoint": endpoint_id, "url": display_url(endpoint.url)},
        )


def _endpoint(session: Session, company_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.company_id != company_id:
        raise NotFound("No such webhook.")
    return endpoint


def send_test(ctx: AppContext, *, company_id: str, endpoint_id: str, actor: str) -> TestResult:
    """Send a `webhook.test` event now, once, and say what the receiver answered."""
    with session_scope(ctx.engine) as session:
        endpoint = _endpoint(session, company_id, endpoint_id)
        url, secret = endpoint.url, token_cipher(ctx.settings).decrypt(endpoint.secret)
    delivery_id = new_id()
    body = {
        "id": f"evt_{new_id()}",
        "type": TEST_EVENT,
        "created_at": utcnow().isoformat(),
        "company_id": company_id,
        "data": {"endpoint_id": endpoint_id, "message": "A test event from Kontera."},
    }
    try:
        with _client(ctx) as client:
            sent = WebhookSender(client).send(
                url, secret, delivery_id=delivery_id, event_type=TEST_EVENT, body=_bytes(body)
            )
        result = TestResult(True, sent.status, f"Delivered ({sent.status}).")
    except (ReceiverUnavailable, ReceiverRefused) as e:
        result = TestResult(False, e.http_status, e.message)
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="webhook:test",
            detail={
                "endpoint": endpoint_id,
                "delivered": result.delivered,
                "status": result.status,
            },
        )
    return result


# --- delivery ---------------------------------------------------------------------------------


def connect_outbox(ctx: AppContext) -> None:
    """Deliveries recorded through this engine go to this context's job queue on commit."""
    queue = ctx.queue

    def dispatch(delivery_ids: list[str]) -> None:
        for delivery_id in delivery_ids:
            queue.deliver_webhook(delivery_id)

    webhook_outbox.set_dispatcher(ctx.engine, dispatch)


def deliver(ctx: AppContext, delivery_id: str) -> str:
    """One attempt. Returns the delivery's state; raises ReceiverUnavailable to be retried."""
    claimed = _claim(ctx, delivery_id)
    if claimed is None:
        return "skipped"  # delivered, dead, not due yet, or another worker is sending it
    delivery, url, secret = claimed
    try:
        with _client(ctx) as client:
            sent = WebhookSender(client).send(
                url,
                secret,
                delivery_id=delivery.id,
                event_type=delivery.event_type,
                body=_bytes(delivery.payload),
            )
    except ReceiverRefused as e:
        _dead(ctx, delivery, e.message, e.http_status)
        return DEAD
    except ReceiverUnavailable as e:
        if delivery.attempts >= ctx.settings.webhook_max_attempts:
            _dead(ctx, delivery, e.message, e.http_status)
            return DEAD
        wait = retry_wait(ctx, delivery.attempts, e.retry_after)
        _finish(ctx, delivery.id, PENDING, e.message, e.http_status, next_attempt=utcnow() + wait)
        raise ReceiverUnavailable(
            e.message, status=e.http_status, retry_after=wait.total_seconds()
        ) from None
    _finish(ctx, delivery.id, DELIVERED, None, sent.status)
    return DELIVERED


def retry_wait(ctx: AppContext, attempts: int, retry_after: float | None) -> timedelta:
    """30 s, 1 min, 2 min … (doubling, at most 6 h), or longer if the receiver asks."""
    base = ctx.settings.webhook_retry_seconds * 2 ** max(attempts - 1, 0)
    wanted = max(base, retry_after or 0.0)
    return min(timedelta(seconds=wanted), MAX_WAIT)


def _claim(ctx: AppContext, delivery_id: str) -> tuple[WebhookDelivery, str, str] | None:
    now = utcnow()
    hold = now + timedelta(seconds=ctx.settings.webhook_timeout_seconds + 30)
    with session_scope(ctx.engine) as session:
        taken = session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookDelivery.state) == PENDING,
                or_(
                    col(WebhookDelivery.next_attempt_at).is_(None),
                    col(WebhookDelivery.next_attempt_at) <= now + timedelta(seconds=1),
                ),
                or_(
                    col(WebhookDelivery.claimed_until).is_(None),
                    col(WebhookDelivery.claimed_until) < now,
                ),
            )
            .values(
                claimed_until=hold,
                attempts=col(WebhookDelivery.attempts) + 1,
                updated_at=now,
            )
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        session.refresh(delivery)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None:
            delivery.state, delivery.last_error = DEAD, "The endpoint was deleted."
            session.add(delivery)
            return None
        return delivery, endpoint.url, token_cipher(ctx.settings).decrypt(endpoint.secret)


def _finish(
    ctx: AppContext,
    delivery_id: str,
    state: str,
    error: str | None,
    status: int | None,
    *,
    next_attempt: datetime | None = None,
) -> None:
    now = utcnow()
    with session_scope(ctx.engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.state, delivery.last_error, delivery.last_status = state, error, status
        delivery.updated_at, delivery.claimed_until = now, None
        delivery.next_attempt_at = next_attempt
        if state == DELIVERED:
            delivery.delivered_at = now
        session.add(delivery)


def _dead(ctx: AppContext, delivery: WebhookDelivery, error: str, status: int | None) -> None:
    _finish(ctx, delivery.id, DEAD, error, status)
    log.warning(
        "webhook delivery gave up",
        extra={"delivery": delivery.id, "event": delivery.event_type, "why": error},
    )
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=delivery.company_id,
            document_id=delivery.document_id,
            actor="webhooks",
            action="webhook:dead",
            detail={
                "delivery": delivery.id,
                "endpoint": delivery.endpoint_id,
                "event": delivery.event_type,
                "attempts": delivery.attempts,
                "error": error,
            },
        )


def _client(ctx: AppContext) -> httpx.Client:
    # No redirects: a receiver that moved must be updated here, not followed anywhere.
    return ctx.http_client(timeout=ctx.settings.webhook_timeout_seconds, follow_redirects=False)


def _bytes(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


# --- dead letters and recovery ----------------------------------------------------------------


def dead_letters(ctx: AppContext, *, company_id: str, limit: int = 50) -> list[DeadLetter]:
    with session_scope(ctx.engine) as session:
        query = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(
                WebhookEndpoint,
                col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id),
                isouter=True,
            )
            .where(WebhookDelivery.company_id == company_id, WebhookDelivery.state == DEAD)
            .order_by(col(WebhookDelivery.updated_at).desc())
            .limit(limit)
        )
        return [
            DeadLetter(
                id=delivery.id,
                endpoint_id=delivery.endpoint_id,
                endpoint_url=display_url(endpoint.url) if endpoint else None,
                event_type=delivery.event_type,
                document_id=delivery.document_id,
                attempts=delivery.attempts,
                last_status=delivery.last_status,
                last_error=delivery.last_error,
                failed_at=delivery.updated_at,
            )
            for delivery, endpoint in session.exec(query).all()
        ]


def resend(ctx: AppContext, *, company_id: str, delivery_id: str, actor: str) -> None:
    """Give a dead letter a fresh set of attempts (same delivery id: receivers deduplicate)."""
    with session_scope(ctx.engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.company_id != company_id or delivery.state != DEAD:
            raise NotFound("No such failed webhook delivery.")
        if session.get(WebhookEndpoint, delivery.endpoint_id) is None:
            raise InvalidInput("The webhook it was for has been deleted.")
        delivery.state, delivery.attempts, delivery.next_attempt_at = PENDING, 0, utcnow()
        delivery.claimed_until = None
        session.add(delivery)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=delivery.document_id,
            actor=actor,
            action="webhook:resend",
            detail={"delivery": delivery_id, "event": delivery.event_type},
        )
    ctx.queue.deliver_webhook(delivery_id)


def overdue(ctx: AppContext, *, due_before: datetime) -> list[str]:
    """Pending deliveries whose attempt was due before `due_before` (their task was lost)."""
    with session_scope(ctx.engine) as session:
        query = select(WebhookDelivery.id).where(
            WebhookDelivery.state == PENDING,
            or_(
                col(WebhookDelivery.next_attempt_at).is_(None),
                col(WebhookDelivery.next_attempt_at) <= due_before,
            ),
        )
        return list(session.exec(query).all())
