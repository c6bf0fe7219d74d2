"""The archive: every document of the companies a person reaches, in any status, found by
invoice number, KID, amount, supplier or any word of it (lines, references, file name,
people's notes).

A query that reads as an amount (`12 500,00`, `12500`, `−1 234,56`) also finds the documents
of that total, a credit note's too (its total is negative in the books). Otherwise each word
must occur in the document's search text (`SearchText`, kept by `archive_text`), so
`hansen 2024` finds Hansen's invoices whose number or text holds "2024". Newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlmodel import col
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.services.review.field_values import FieldValueError
from kontera.services.review.field_values import parse_amount_text
from kontera.services.review.queue import QueueRow
from kontera.services.review.queue import queue_row
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables_finish import SearchText

PAGE_SIZE = 50
MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class ArchivePage:
    query: str
    rows: list[QueueRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(
    ctx: AppContext,
    *,
    company_ids: frozenset[str],
    query: str,
    company_id: str | None = None,
    page: int = 1,
) -> ArchivePage:
    text = " ".join(query.split())
    scope = sorted(company_ids if company_id is None else company_ids & {company_id})
    if not text or not scope:
        return ArchivePage(text, [], 0, 1)
    condition = and_(col(Document.company_id).in_(scope), _matches(text))
    base = select(Document, Company.name).join(Company, col(Company.id) == col(Document.company_id))
    base = base.outerjoin(SearchText, col(SearchText.document_id) == col(Document.id))
    with session_scope(ctx.engine) as session:
        total = session.exec(
            select(func.count())
            .select_from(Document)
            .outerjoin(SearchText, col(SearchText.document_id) == col(Document.id))
            .where(condition)
        ).one()
        found = session.exec(
            base.where(condition)
            .order_by(col(Document.received_at).desc(), col(Document.id))
            .offset((max(page, 1) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        rows = [queue_row(document, name) for document, name in found]
    return ArchivePage(text, rows, int(total), max(page, 1))


def _matches(text: str) -> ColumnElement[bool]:
    words = [_like(word) for word in text.casefold().split()[:MAX_WORDS]]
    by_words = and_(*words)
    amount = _amount(text)
    if amount is None:
        return by_words
    return or_(col(Document.gross).in_([amount, -amount]), by_words)


def _like(word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return col(SearchText.text).like(f"%{escaped}%", escape="\\")


def _amount(text: str) -> Decimal | None:
    if not any(ch.isdigit() for ch in text):
        return None
    try:
        return abs(parse_amount_text(text))
    except FieldValueError:
        return None
