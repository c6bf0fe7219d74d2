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
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.review import approvals
from kontera.services.review.approval_checks import suggestion_approvable
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import SuggestionRecord

PAGE_SIZE = 50
OPEN = "open"  # the pseudo-status "waiting for a person": suggested or needs_review
SORTS = ("due", "received", "amount", "supplier", "confidence", "status")
BULK_CONFIDENCE = 0.9
BULK_LIMIT = 200


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
    status_reason_text: dict[str, Any] | None  # the reason as a catalogue message
    confidence: float | None
    warnings: int
    duplicate: bool
    filename: str | None
    source: str = "api"  # how it came: ledger, access_point, folder, email, upload, api
    source_system: str | None = None  # the ledger whose inbox it came from


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
        # Two steps: the ids of the page come from the queue index alone (no table reads for
        # the thousands of rows that are sorted), then only those 50 rows are read.
        ids = session.exec(
            select(Document.id)
            .where(*conditions)
            .order_by(*_order(filters))
            .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        query = (
            select(Document, Company.name)
            .join(Company, col(Company.id) == col(Document.company_id))
            .where(col(Document.id).in_(ids))
        )
        found = {
            document.id: queue_row(document, name) for document, name in session.exec(query).all()
        }
        counts = _counts(session, scope)
    return QueuePage(rows=[found[i] for i in ids], total=total, counts=counts, filters=filters)


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


def _sort_column(f: QueueFilter) -> Any:
    return {
        "due": col(Document.due_date),
        "received": col(Document.received_at),
        "amount": col(Document.gross),
        "supplier": col(Document.supplier_name),
        "confidence": col(Document.confidence),
        "status": col(Document.status),
    }.get(f.sort, col(Document.due_date))


def _order(f: QueueFilter, *, reverse: bool = False) -> list[Any]:
    column = _sort_column(f)
    # Documents without the sorted value (no due date yet) come last either way.
    descending = f.descending != reverse
    keys = [column.is_(None), column, col(Document.received_at), col(Document.id)]
    directions = [reverse, descending, reverse, reverse]
    return [key.desc() if down else key.asc() for key, down in zip(keys, directions, strict=True)]


def _beyond(f: QueueFilter, document: Document, *, before: bool) -> ColumnElement[bool]:
    """Rows after (or before) `document` in the queue's order: keyset paging, so finding the
    next document costs one indexed LIMIT 1 query however long the queue is."""
    column = _sort_column(f)
    value = getattr(document, column.key)
    received, id_ = col(Document.received_at), col(Document.id)
    if before:
        tie = or_(
            received < document.received_at,
            and_(received == document.received_at, id_ < document.id),
        )
        if value is None:
            return or_(column.is_not(None), and_(column.is_(None), tie))
        ahead = column > value if f.descending else column < value
        return and_(column.is_not(None), or_(ahead, and_(column == value, tie)))
    tie = or_(
        received > document.received_at, and_(received == document.received_at, id_ > document.id)
    )
    if value is None:
        return and_(column.is_(None), tie)
    behind = column < value if f.descending else column > value
    return or_(column.is_(None), behind, and_(column == value, tie))


def _counts(session: Any, scope: list[ColumnElement[bool]]) -> dict[str, int]:
    # Naming every status lets the queue index (status, company_id, …) answer alone.
    every_status = col(Document.status).in_([s.value for s in Status])
    query = (
        select(Document.status, func.count()).where(every_status, *scope).group_by(Document.status)
    )
    counts = {status: count for status, count in session.exec(query).all()}
    counts[OPEN] = sum(counts.get(s.value, 0) for s in REVIEWABLE)
    counts["all"] = sum(v for k, v in counts.items() if k != OPEN)
    return counts


def queue_row(document: Document, company_name: str) -> QueueRow:
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
        status_reason_text=document.status_reason_text,
        confidence=document.confidence,
        warnings=document.warnings,
        duplicate=document.duplicate_of_id is not None,
        filename=document.filename,
        source=document.source,
        source_system=(document.provenance or {}).get("ledger"),
    )


def neighbours(
    ctx: AppContext, *, company_ids: frozenset[str], filters: QueueFilter, document_id: str
) -> tuple[QueueLink | None, QueueLink | None]:
    """The documents before and after this one in the queue's order (for approve-and-next)."""
    conditions = [*_company_scope(company_ids, filters.company_id), *_conditions(filters)]
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        if document is None or document.company_id not in company_ids:
            return None, None
        found = []
        for before in (True, False):
            query = (
                select(Document.company_id, Document.id)
                .where(*conditions, _beyond(filters, document, before=before))
                .order_by(*_order(filters, reverse=before))
                .limit(1)
            )
            row = session.exec(query).first()
            found.append(QueueLink(row[0], row[1]) if row else None)
    return found[0], found[1]


@dataclass(frozen=True, slots=True)
class BulkResult:
    approved: list[str]
    skipped: dict[str, str]


def confident_documents(
    ctx: AppContext,
    *,
    company_ids: frozenset[str],
    document_ids: Sequence[str],
    threshold: float = BULK_CONFIDENCE,
) -> list[Document]:
    """Those of `document_ids` a person may approve in bulk: they passed every check (status
    `suggested`), were read with high confidence, have no warnings, and every suggested line
    is confident too, and the voucher it makes is one approval accepts (balanced against the
    invoice, every account and VAT code in the chart)."""
    conditions = [
        *_company_scope(company_ids, None),
        col(Document.id).in_(list(document_ids)[:BULK_LIMIT]),
        col(Document.status) == Status.SUGGESTED.value,
        col(Document.warnings) == 0,
        col(Document.confidence) >= threshold,
        col(Document.duplicate_of_id).is_(None),
    ]
    with session_scope(ctx.engine) as session:
        documents = list(session.exec(select(Document).where(*conditions)).all())
        sure = _suggestion_confidences(session, [d.id for d in documents])
        return [
            d
            for d in documents
            if sure.get(d.id, 0.0) >= threshold
            and suggestion_approvable(session, company_id=d.company_id, document_id=d.id)
        ]


def _suggestion_confidences(session: Any, document_ids: list[str]) -> dict[str, float]:
    """The lowest line confidence of each document's latest suggestion, in one query."""
    query = (
        select(SuggestionRecord)
        .where(col(SuggestionRecord.document_id).in_(document_ids))
        .order_by(col(SuggestionRecord.created_at))
    )
    latest = {record.document_id: record for record in session.exec(query).all()}
    return {
        document_id: min(
            (_line_confidence(line) for line in record.payload.get("lines", [])),
            default=0.0,
        )
        for document_id, record in latest.items()
    }


def _line_confidence(line: dict[str, Any]) -> float:
    """The lower of the account's and the VAT code's confidence (older suggestions have only
    the first)."""
    account = float(line.get("confidence") or 0.0)
    return min(account, float(line.get("vat_confidence", account) or 0.0))


def bulk_approve(
    ctx: AppContext, *, company_ids: frozenset[str], document_ids: Sequence[str], actor: str
) -> BulkResult:
    """Approve each chosen confident document with its suggested postings."""
    chosen = confident_documents(ctx, company_ids=company_ids, document_ids=document_ids)
    confident = {d.id: d for d in chosen}
    approved: list[str] = []
    skipped: dict[str, str] = {}
    for document_id in document_ids:
        document = confident.get(document_id)
        if document is None:
            skipped[document_id] = "not confident enough for bulk approval"
            continue
        try:
            done = approvals.approve(
                ctx, company_id=document.company_id, document_id=document_id, actor=actor
            )
        except KonteraError as e:
            skipped[document_id] = e.message
            continue
        if done.status not in (Status.APPROVED.value, Status.POSTING.value):
            # Two people must act: this approval stands as the person's attestation.
            skipped[document_id] = done.status_reason or "waits for a second person"
            continue
        approved.append(document_id)
    return BulkResult(approved, skipped)
