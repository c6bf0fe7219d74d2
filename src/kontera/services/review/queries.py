"""Read models for the API and the UI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kontera.domain.codec import to_jsonable
from kontera.services.attest import attestation
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from kontera.store.tables import Document


def document_summary(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "status": document.status,
        "status_reason": document.status_reason,
        "status_reason_text": document.status_reason_text,
        "filename": document.filename,
        "kind": document.kind,
        "source": document.source,
        "external_id": document.external_id,
        "received_at": document.received_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
        "supplier_name": document.supplier_name,
        "invoice_number": document.invoice_number,
        "currency": document.currency,
        "gross": to_jsonable(document.gross),
        "due_date": to_jsonable(document.due_date),
        "confidence": document.confidence,
        "duplicate_of": document.duplicate_of_id,
    }


def event_view(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "detail": event.detail,
    }


def document_view(ctx: AppContext, *, company_id: str, document_id: str) -> dict[str, Any]:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        interpretation = repo.latest_interpretation(session, document_id=document_id)
        suggestion = repo.latest_suggestion(session, document_id=document_id)
        voucher = repo.voucher_for(session, document_id=document_id)
        events = repo.document_events(session, document_id=document_id)
        invoice = interpretation.payload if interpretation else None
        return {
            **document_summary(document),
            "invoice": invoice,
            "suggestion": suggestion.payload if suggestion else None,
            "voucher": _voucher_view(voucher) if voucher else None,
            "notes": (invoice or {}).get("notes", []),
            "attestation": attestation.view(session, document_id),
            "events": [event_view(e) for e in events],
        }


def _voucher_view(voucher: Any) -> dict[str, Any]:
    return {
        "id": voucher.id,
        "state": voucher.state,
        "target": voucher.target,
        "external_id": voucher.external_id,
        "lines": voucher.payload.get("lines", []),
        "last_error": voucher.last_error,
    }


def list_documents(
    ctx: AppContext,
    *,
    company_id: str,
    status: str | None = None,
    limit: int,
    offset: int,
    where: repo.DocumentFilter | None = None,
) -> Sequence[dict[str, Any]]:
    with session_scope(ctx.engine) as session:
        documents = repo.list_documents(
            session, company_id=company_id, limit=limit, offset=offset,
            where=where or repo.DocumentFilter(status=status),
        )  # fmt: skip
        return [document_summary(d) for d in documents]


def count_documents(ctx: AppContext, *, company_id: str, where: repo.DocumentFilter) -> int:
    with session_scope(ctx.engine) as session:
        return repo.count_documents(session, company_id=company_id, where=where)
