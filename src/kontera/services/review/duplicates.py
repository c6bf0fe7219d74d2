"""A person decides about a document Kontera took for a duplicate.

- **Not a duplicate:** the pair is remembered as distinct (both ways, so neither is flagged
  as the other's duplicate again, after a correction either), and the document goes on as if
  it had just been read: suggested, or waiting for review with its reasons.
- **Keep this one instead:** the two swap places. The complete 3-page scan stuck as the
  duplicate of an incomplete 1-page photo becomes the invoice to book, and the photo becomes
  its duplicate. Refused in words when the other one is already approved or posted.
- **Reject** is the ordinary rejection (`approvals.reject`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from kontera.domain.codec import invoice_from_json
from kontera.domain.errors import Conflict
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.pipeline import derive
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_finish import DuplicateDismissal

# The other document may give way only while nobody has decided it yet.
_MAY_GIVE_WAY = {Status.SUGGESTED, Status.NEEDS_REVIEW, Status.INTERPRETED}


@dataclass(frozen=True, slots=True)
class Decided:
    status: Status
    other_id: str | None


def not_a_duplicate(ctx: AppContext, *, company_id: str, document_id: str, actor: str) -> Decided:
    with session_scope(ctx.engine) as session:
        document = _flagged(session, company_id, document_id)
        other_id = document.duplicate_of_id
        if other_id:
            session.add(
                DuplicateDismissal(
                    company_id=company_id, document_id=document_id, other_id=other_id, actor=actor
                )
            )
            session.flush()
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document_id,
            actor=actor,
            action="duplicate:dismissed",
            detail={"other": other_id},
        )
        status = _go_on(ctx, session, document, actor=actor)
    return Decided(status, other_id)


def keep_this_instead(ctx: AppContext, *, company_id: str, document_id: str, actor: str) -> Decided:
    with session_scope(ctx.engine) as session:
        document = _flagged(session, company_id, document_id)
        other_id = document.duplicate_of_id
        other = session.get(Document, other_id) if other_id else None
        if other is not None and Status(other.status) not in (Status.REJECTED, Status.DUPLICATE):
            _give_way(session, other, document, actor=actor)
        document.duplicate_of_id = None
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document_id,
            actor=actor,
            action="duplicate:kept_instead",
            detail={"other": other_id},
        )
        status = _route(ctx, session, document, actor=actor)
    return Decided(status, other_id)


def _flagged(session: Session, company_id: str, document_id: str) -> Document:
    document = repo.get_document(session, company_id=company_id, document_id=document_id)
    if Status(document.status) is not Status.DUPLICATE:
        raise Conflict("This document is not marked as a duplicate.")
    return document


def _give_way(session: Session, other: Document, kept: Document, *, actor: str) -> None:
    if Status(other.status) not in _MAY_GIVE_WAY:
        raise Conflict(
            "The other document is already approved or posted, so it cannot become the "
            "duplicate. Undo its approval first, or reject this one."
        )
    other.duplicate_of_id = kept.id
    repo.move_document(
        session,
        document=other,
        target=Status.DUPLICATE,
        actor=actor,
        reason=msg("A person kept another copy of this invoice instead."),
        detail={"duplicate_of": kept.id, "swapped": True},
    )


def _go_on(ctx: AppContext, session: Session, document: Document, *, actor: str) -> Status:
    """On as if just read: another earlier match still makes it a duplicate (of that one)."""
    row = repo.latest_interpretation(session, document_id=document.id)
    if row is None:
        raise Conflict("The document has not been interpreted.")
    invoice = invoice_from_json(row.payload)
    match = derive.duplicate_of(session, document, invoice)
    if match is not None:
        document.duplicate_of_id = match.document_id
        reason = derive.duplicate_reason(match)
        document.status_reason, document.status_reason_text = str(reason), reason.to_json()
        session.add(document)
        return Status.DUPLICATE
    document.duplicate_of_id = None
    return derive.suggest_and_route(
        ctx, session, document, invoice, interpreter=row.interpreter, actor=actor
    ).status


def _route(ctx: AppContext, session: Session, document: Document, *, actor: str) -> Status:
    row = repo.latest_interpretation(session, document_id=document.id)
    if row is None:
        raise Conflict("The document has not been interpreted.")
    invoice = invoice_from_json(row.payload)
    return derive.suggest_and_route(
        ctx, session, document, invoice, interpreter=row.interpreter, actor=actor
    ).status
