"""The review queue: which documents a person should look at next, filtered and sorted.

Everything here filters and sorts on the denormalised, indexed `Document` columns (status,
company, due date, supplier, amount, confidence, warnings), never on interpretation JSON, so a
page of 50 out of tens of thousands costs two small queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.services import approvals
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document

PAGE_SIZE = 50
OPEN = "open"  # the pseudo-status "waiting for a person": suggested or needs_review
SORTS = ("due", "received", "amount", "supplier", "confidence", "status")
BULK_CONFIDENCE = 0.9
BULK_LIMIT = 200
NEIGHBOUR_WINDOW = 5000  # how far down the queue approve-and-next looks


@dataclass(frozen=True, slots=True)
class QueueFilter:
    company_id: str | None = None
    status: str = OPEN
    supplier: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    max_confidence: float | None = None
    warnings_only: bool = False
    sort: str = "due"
    descending: bool = False
    page: int = 1

    def with_page(self, page: int) -> QueueFilter:
        return replace(self, page=page)


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str
    company_id: str
    company_name: str
    supplier_name: str | None
    invoice_number: str | None
    document_type: str | None
    currency: str | None
    gross: Decimal | None
    due_date: date | None
    received_at: datetime
    status: str
    status_reason: str | None
    confidence: float | None
    warnings: int
    duplicate: bool
    filename: str | None


@dataclass(frozen=True, slots=True)
class QueueLink:
    company_id: str
    document_id: str


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    counts: dict[str, int]
    filters: QueueFilter

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def queue_page(ctx: AppContext, *, company_ids: frozenset[str], filters: QueueFilter) -> QueuePage:
    """One page of the queue over the companies the person may see."""
    scope = _company_scope(company_ids, filters.company_id)
    conditions = [*scope, *_conditions(filters)]
    with session_scope(ctx.engine) as session:
        total = session.exec(select(func.count()).select_from(Document).where(*conditions)).one()
        query = (
            select(Document, Company.name)
            .join(Company, col(Company.id) == col(Document.company_id))
            .where(*conditions)
            .order_by(*_order(filters))
            .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        rows = [_row(document, name) for document, name in session.exec(query).all()]
        counts = _counts(session, scope)
    return QueuePage(rows=rows, total=total, counts=counts, filters=filters)


def _company_scope(company_ids: frozenset[str], wanted: str | None) -> list[ColumnElement[bool]]:
    if wanted is None:
        return [col(Document.company_id).in_(sorted(company_ids))]
    ids = [wanted] if wanted in company_ids else []
    return [col(Document.company_id).in_(ids)]


def _conditions(f: QueueFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if f.status == OPEN:
        found.append(col(Document.status).in_([s.value for s in REVIEWABLE]))
    elif f.status and f.status != "all":
        found.append(col(Document.status) == f.status)
    if f.supplier:
        found.append(func.lower(col(Document.supplier_name)).contains(f.supplier.strip().lower()))
    if f.due_from is not None:
        found.append(col(Document.due_date) >= f.due_from)
    if f.due_to is not None:
        found.append(col(Document.due_date) <= f.due_to)
    if f.min_amount is not None:
        found.append(col(Document.gross) >= f.min_amount)
    if f.max_amount is not None:
        found.append(col(Document.gross) <= f.max_amount)
    if f.max_confidence is not None:
        found.append(col(Document.confidence) <= f.max_confidence)
    if f.warnings_only:
        found.append(col(Document.warnings) > 0)
    return found


def _order(f: QueueFilter) -> list[Any]:
    column = {
        "due": col(Document.due_date),
        "received": col(Document.received_at),
        "amount": col(Document.gross),
        "supplier": col(Document.supplier_name),
        "confidence": col(Document.confidence),
        "status": col(Document.status),
    }.get(f.sort, col(Document.due_date))
    # Documents without the sorted value (no due date yet) come last either way.
    ordered = column.desc() if f.descending else column.asc()
    return [column.is_(None), ordered, col(Document.received_at).asc(), col(Document.id)]


def _counts(session: Any, scope: list[ColumnElement[bool]]) -> dict[str, int]:
    query = select(Document.status, func.count()).where(*scope).group_by(Document.status)
    counts = {status: count for status, count in session.exec(query).all()}
    counts[OPEN] = sum(counts.get(s.value, 0) for s in REVIEWABLE)
    counts["all"] = sum(v for k, v in counts.items() if k != OPEN)
    return counts


def _row(document: Document, company_name: str) -> QueueRow:
    return QueueRow(
        id=document.id,
        company_id=document.company_id,
        company_name=company_name,
        supplier_name=document.supplier_name,
        invoice_number=document.invoice_number,
        document_type=document.document_type,
        currency=document.currency,
        gross=document.gross,
        due_date=document.due_date,
        received_at=document.received_at,
        status=document.status,
        status_reason=document.status_reason,
        confidence=document.confidence,
        warnings=document.warnings,
        duplicate=document.duplicate_of_id is not None,
        filename=document.filename,
    )


def neighbours(
    ctx: AppContext, *, company_ids: frozenset[str], filters: QueueFilter, document_id: str
) -> tuple[QueueLink | None, QueueLink | None]:
    """The documents before and after this one in the queue's order (for approve-and-next)."""
    conditions = [*_company_scope(company_ids, filters.company_id), *_conditions(filters)]
    with session_scope(ctx.engine) as session:
        query = (
            select(Document.company_id, Document.id)
            .where(*conditions)
            .order_by(*_order(filters))
            .limit(NEIGHBOUR_WINDOW)
        )
        links = [QueueLink(company_id, id_) for company_id, id_ in session.exec(query).all()]
    ids = [link.document_id for link in links]
    if document_id not in ids:
        return None, links[0] if links else None
    at = ids.index(document_id)
    before = links[at - 1] if at > 0 else None
    after = links[at + 1] if at + 1 < len(links) else None
    return before, after


@dataclass(frozen=True, slots=True)
class BulkResult:
    approved: list[str]
    skipped: dict[str, str]


def confident_documents(
    ctx: AppContext,
    *,
    company_ids: frozenset[str],
    company_id: str | None = None,
    threshold: float = BULK_CONFIDENCE,
) -> list[Document]:
    """Documents that passed every check (status `suggested`), read with high confidence and
    without warnings: the ones a person may approve in bulk."""
    conditions = [
        *_company_scope(company_ids, company_id),
        col(Document.status) == Status.SUGGESTED.value,
        col(Document.warnings) == 0,
        col(Document.confidence) >= threshold,
        col(Document.duplicate_of_id).is_(None),
    ]
    with session_scope(ctx.engine) as session:
        query = select(Document).where(*conditions).order_by(col(Document.due_date))
        documents = list(session.exec(query.limit(BULK_LIMIT)).all())
        return [d for d in documents if _suggestion_confidence(session, d.id) >= threshold]


def _suggestion_confidence(session: Any, document_id: str) -> float:
    record = repo.latest_suggestion(session, document_id=document_id)
    lines = record.payload.get("lines", []) if record else []
    if not lines:
        return 0.0
    return min(float(line.get("confidence") or 0.0) for line in lines)


def bulk_approve(
    ctx: AppContext, *, company_ids: frozenset[str], document_ids: Sequence[str], actor: str
) -> BulkResult:
    """Approve each chosen confident document with its suggested postings."""
    confident = {d.id: d for d in confident_documents(ctx, company_ids=company_ids)}
    approved: list[str] = []
    skipped: dict[str, str] = {}
    for document_id in document_ids:
        document = confident.get(document_id)
        if document is None:
            skipped[document_id] = "not confident enough for bulk approval"
            continue
        try:
            approvals.approve(
                ctx, company_id=document.company_id, document_id=document_id, actor=actor
            )
        except KonteraError as e:
            skipped[document_id] = e.message
            continue
        approved.append(document_id)
    return BulkResult(approved, skipped)
