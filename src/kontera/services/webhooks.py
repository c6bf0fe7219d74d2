"""Outbound webhooks: integrators hear when a document arrives, needs review, posts or fails."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import select

from kontera.domain.errors import ExternalServiceError
from kontera.domain.errors import InvalidInput
from kontera.domain.status import Status
from kontera.post import EventType
from kontera.post import WebhookEvent
from kontera.post import WebhookSender
from kontera.services.companies import find_company
from kontera.services.context import AppContext
from kontera.services.secrets import token_cipher
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_post import WebhookEndpoint

log = logging.getLogger(__name__)

EVENT_FOR_STATUS = {
    Status.RECEIVED: EventType.DOCUMENT_RECEIVED,
    Status.NEEDS_REVIEW: EventType.DOCUMENT_NEEDS_REVIEW,
    Status.POSTED: EventType.DOCUMENT_POSTED,
    Status.FAILED: EventType.DOCUMENT_FAILED,
}


def add_endpoint(
    ctx: AppContext, *, company_name: str, url: str, secret: str, events: list[str] | None = None
) -> WebhookEndpoint:
    if not url.startswith(("https://", "http://")):
        raise InvalidInput("A webhook address must start with https:// (or http:// for tests).")
    wanted = events or [str(e) for e in EventType]
    unknown = sorted(set(wanted) - {str(e) for e in EventType})
    if unknown:
        raise InvalidInput(f"Unknown webhook events: {', '.join(unknown)}.")
    company = find_company(ctx, company_name)
    endpoint = WebhookEndpoint(
        company_id=company.id,
        url=url,
        secret=token_cipher(ctx.settings).encrypt(secret),
        events=wanted,
    )
    with session_scope(ctx.engine) as session:
        session.add(endpoint)
        repo.add_event(
            session,
            company_id=company.id,
            document_id=None,
            actor="cli",
            action="webhook:add",
            detail={"url": str(httpx.URL(url).copy_with(query=None)), "events": wanted},
        )
    return endpoint


def notify(ctx: AppContext, *, company_id: str, document_id: str, status: Status) -> int:
    """Queue one delivery per subscribed endpoint; returns how many were queued."""
    event_type = EVENT_FOR_STATUS.get(status)
    if event_type is None:
        return 0
    with session_scope(ctx.engine) as session:
        endpoints = session.exec(
            select(WebhookEndpoint).where(WebhookEndpoint.company_id == company_id)
        ).all()
        targets = [e.id for e in endpoints if str(event_type) in e.events]
    event = WebhookEvent(event_type, {"document_id": document_id, "status": status.value})
    for endpoint_id in targets:
        ctx.queue.deliver_webhook(endpoint_id, _event_json(event))
    return len(targets)


def _event_json(event: WebhookEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": str(event.type),
        "data": event.data,
        "created_at": event.created_at.isoformat(),
    }


def deliver(ctx: AppContext, endpoint_id: str, event: dict[str, Any]) -> None:
    with session_scope(ctx.engine) as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            return
        url, secret = endpoint.url, token_cipher(ctx.settings).decrypt(endpoint.secret)
        company_id = endpoint.company_id
    outcome = "delivered"
    try:
        with httpx.Client(timeout=10) as client:
            WebhookSender(client).deliver(url, secret, _event(event))
    except ExternalServiceError as e:
        outcome = e.message
        log.warning("webhook not delivered", extra={"endpoint": endpoint_id, "why": e.message})
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=event["data"].get("document_id"),
            actor="webhooks",
            action="webhook:delivery",
            detail={"endpoint": endpoint_id, "event": event["type"], "outcome": outcome},
        )


def _event(data: dict[str, Any]) -> WebhookEvent:
    return WebhookEvent(
        EventType(data["type"]),
        data["data"],
        id=data["id"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
