"""Repository functions: small, keyword-only, one query each. Sessions come from the caller."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import Conflict
from kontera.domain.errors import NotFound
from kontera.domain.messages import Message
from kontera.domain.status import Status
from kontera.domain.status import check_transition
from kontera.store import webhook_outbox
from kontera.store.tables import ApiKey
from kontera.store.tables import AuditEvent
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import Interpretation
from kontera.store.tables import PostingHistory
from kontera.store.tables import SuggestionRecord
from kontera.store.tables import VoucherRecord
from kontera.store.types import utcnow


def get_company(session: Session, *, company_id: str) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("No such company.")
    return company


def find_company(session: Session, *, name_or_slug: str) -> Company | None:
    query = select(Company).where(
        or_(
            col(Company.slug) == name_or_slug,
            col(Company.name) == name_or_slug,
            # SQLite's lower() folds ASCII only: "Örebro AB" is found by its exact name above.
            func.lower(Company.name) == name_or_slug.lower(),
        )
    )
    return session.exec(query).first()


def list_companies(session: Session) -> Sequence[Company]:
    return session.exec(select(Company).order_by(Company.name)).all()


def find_api_key(session: Session, *, key_hash: str) -> ApiKey | None:
    query = select(ApiKey).where(ApiKey.key_hash == key_hash, col(ApiKey.revoked_at).is_(None))
    return session.exec(query).first()


def get_document(session: Session, *, company_id: str, document_id: str) -> Document:
    """A document of this company. Another company's id is simply not found."""
    document = session.get(Document, document_id)
    if document is None or document.company_id != company_id:
        raise NotFound("No such document.")
    return document


def find_document_by_sha(session: Session, *, company_id: str, sha256: str) -> Document | None:
    query = select(Document).where(Document.company_id == company_id, Document.sha256 == sha256)
    return session.exec(query).first()


def find_document_by_external_id(
    session: Session, *, company_id: str, external_id: str
) -> Document | None:
    query = select(Document).where(
        Document.company_id == company_id, Document.external_id == external_id
    )
    return session.exec(query).first()


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    status: str | None = None
    external_id: str | None = None
    changed_since: datetime | None = None  # updated at or after


def list_documents(
    session: Session,
    *,
    company_id: str,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    where: DocumentFilter | None = None,
) -> Sequence[Document]:
    found = where or DocumentFilter(status=status)
    query = _filtered(select(Document), company_id, found)
    query = query.order_by(col(Document.received_at).desc(), col(Document.id))
    documents: Sequence[Document] = session.exec(query.offset(offset).limit(limit)).all()
    return documents


def count_documents(session: Session, *, company_id: str, where: DocumentFilter) -> int:
    query = _filtered(select(func.count()).select_from(Document), company_id, where)
    return int(session.exec(query).one())


def _filtered(query: Any, company_id: str, where: DocumentFilter) -> Any:
    query = query.where(Document.company_id == company_id)
    if where.status:
        query = query.where(Document.status == where.status)
    if where.external_id is not None:
        query = query.where(Document.external_id == where.external_id)
    if where.changed_since is not None:
        query = query.where(col(Document.updated_at) >= where.changed_since)
    return query


def document_ids_in_status(
    session: Session, *, statuses: Sequence[str], idle_since: datetime | None = None
) -> list[str]:
    """Ids of documents in one of `statuses`; with `idle_since`, only those untouched since."""
    query = select(Document.id).where(col(Document.status).in_(statuses))
    if idle_since is not None:
        query = query.where(col(Document.updated_at) <= idle_since)
    return list(session.exec(query).all())


def move_document(
    session: Session,
    *,
    document: Document,
    target: Status,
    actor: str,
    reason: str | Message | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Change status with a compare-and-set, so two workers never both move one document.

    A `Message` reason is kept as English (`status_reason`) and as the message itself
    (`status_reason_text`), which the UI says in the reader's language."""
    current = Status(document.status)
    check_transition(current, target)
    now = utcnow()
    english = str(reason) if reason is not None else None
    text = reason.to_json() if isinstance(reason, Message) else None
    result = session.execute(
        update(Document)
        .where(col(Document.id) == document.id, col(Document.status) == current.value)
        .values(status=target.value, status_reason=english, status_reason_text=text, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The document was changed by someone else; reload and try again.")
    document.status, document.status_reason, document.updated_at = target.value, english, now
    document.status_reason_text = text
    add_event(
        session,
        company_id=document.company_id,
        document_id=document.id,
        actor=actor,
        action=f"status:{target.value}",
        from_status=current.value,
        to_status=target.value,
        detail={"reason": english, **({"reason_text": text} if text else {}), **(detail or {})},
    )


def add_event(
    session: Session,
    *,
    company_id: str | None,
    document_id: str | None,
    actor: str,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        company_id=company_id,
        document_id=document_id,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
    )
    session.add(event)
    # Every status change passes here: integrators' webhooks are recorded with it.
    webhook_outbox.record_status_change(session, event)
    return event


def document_events(session: Session, *, document_id: str) -> Sequence[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.document_id == document_id)
    return session.exec(query.order_by(col(AuditEvent.id))).all()


def company_events(
    session: Session, *, company_id: str, start: date | None = None, end: date | None = None
) -> Sequence[AuditEvent]:
    """The company's audit trail, optionally from `start` up to and including `end`."""
    query = select(AuditEvent).where(AuditEvent.company_id == company_id)
    if start is not None:
        query = query.where(col(AuditEvent.at) >= datetime.combine(start, time.min, UTC))
    if end is not None:
        query = query.where(
            col(AuditEvent.at) < datetime.combine(end + timedelta(days=1), time.min, UTC)
        )
    return session.exec(query.order_by(col(AuditEvent.id))).all()


def latest_interpretation(session: Session, *, document_id: str) -> Interpretation | None:
    query = select(Interpretation).where(Interpretation.document_id == document_id)
    return session.exec(query.order_by(col(Interpretation.created_at).desc())).first()


def latest_suggestion(session: Session, *, document_id: str) -> SuggestionRecord | None:
    query = select(SuggestionRecord).where(SuggestionRecord.document_id == document_id)
    return session.exec(query.order_by(col(SuggestionRecord.created_at).desc())).first()


def voucher_for(session: Session, *, document_id: str) -> VoucherRecord | None:
    return session.exec(
        select(VoucherRecord).where(VoucherRecord.document_id == document_id)
    ).first()


def supplier_history(
    session: Session, *, company_id: str, supplier_key: str | None = None
) -> Sequence[PostingHistory]:
    query = select(PostingHistory).where(PostingHistory.company_id == company_id)
    if supplier_key is not None:
        query = query.where(PostingHistory.supplier_key == supplier_key)
    return session.exec(query).all()
