"""Webhook events are recorded where every status change is: in the audit event that records it.

`repo.add_event` calls `record_status_change` for every event that moves a document to a
status (`repo.move_document` for every transition, `receive_document` for arrival), so every
state change, today's and any added later, reaches the integrators by this one path. The
outbox rows are written in the status change's own transaction; once it commits, their ids go
to the dispatcher registered for the engine (the job queue), and the workers' periodic sweep
sends whatever a crash kept from the queue.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session
from sqlmodel import select

from kontera.store.tables import AuditEvent
from kontera.store.tables import Document
from kontera.store.tables_post import WebhookEndpoint
from kontera.store.tables_webhooks import WebhookDelivery

log = logging.getLogger(__name__)
ALL_EVENTS = "*"
_NEW = "kontera.webhook_outbox.new"
Dispatcher = Callable[[list[str]], None]
_dispatchers: weakref.WeakKeyDictionary[Engine, Dispatcher] = weakref.WeakKeyDictionary()


def event_type_for(status: str) -> str:
    return f"document.{status}"


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return ALL_EVENTS in endpoint.events or event_type in endpoint.events


def record_status_change(session: Session, audit: AuditEvent) -> list[WebhookDelivery]:
    """One pending delivery per endpoint of the company that subscribes to this change."""
    if audit.to_status is None or audit.document_id is None or audit.company_id is None:
        return []
    event_type = event_type_for(audit.to_status)
    query = select(WebhookEndpoint).where(WebhookEndpoint.company_id == audit.company_id)
    targets = [e for e in session.exec(query).all() if subscribed(e, event_type)]
    if not targets:
        return []
    document = session.get(Document, audit.document_id)
    payload = status_payload(audit, document, event_type)
    rows = [
        WebhookDelivery(
            endpoint_id=target.id,
            company_id=audit.company_id,
            event_id=payload["id"],
            event_type=event_type,
            document_id=audit.document_id,
            payload=payload,
            next_attempt_at=audit.at,
        )
        for target in targets
    ]
    for row in rows:
        session.add(row)
    session.info.setdefault(_NEW, []).extend(row.id for row in rows)
    return rows


def status_payload(audit: AuditEvent, document: Document | None, event_type: str) -> dict[str, Any]:
    """The event as integrators receive it (documented in docs/webhooks.md)."""
    data: dict[str, Any] = {
        "document_id": audit.document_id,
        "status": audit.to_status,
        "previous_status": audit.from_status,
        "reason": (audit.detail or {}).get("reason"),
        "actor": audit.actor,
        "changed_at": audit.at.isoformat(),
    }
    if document is not None:
        data |= {
            "external_id": document.external_id,
            "source": document.source,
            "filename": document.filename,
            "invoice_number": document.invoice_number,
            "supplier_name": document.supplier_name,
            "currency": document.currency,
            "gross": _amount(document.gross),
            "due_date": document.due_date.isoformat() if document.due_date else None,
        }
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "created_at": audit.at.isoformat(),
        "company_id": audit.company_id,
        "data": data,
    }


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- after commit: hand the new deliveries to the queue ---------------------------------------


def set_dispatcher(engine: Engine, dispatch: Dispatcher) -> None:
    """Who sends the deliveries committed through `engine` (the job queue's enqueue)."""
    _dispatchers[engine] = dispatch


def _dispatch_committed(session: OrmSession) -> None:
    ids: list[str] = session.info.pop(_NEW, [])
    bind = session.bind
    dispatch = _dispatchers.get(bind) if isinstance(bind, Engine) else None
    if ids and dispatch is not None:
        try:
            dispatch(ids)
        except Exception:  # committed already; the workers' sweep sends them later
            log.exception("queueing webhook deliveries failed", extra={"deliveries": ids})


def _forget(session: OrmSession, *_args: Any) -> None:
    session.info.pop(_NEW, None)


event.listen(Session, "after_commit", _dispatch_committed)
event.listen(Session, "after_rollback", _forget)
