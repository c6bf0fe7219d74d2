"""Notes people write on a document ("asked Hansen about the freight", "paid in cash").

A note is kept forever (never edited, never deleted: the audit trail has it too), shown on
the document beside the audit trail, and found by the archive search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col
from sqlmodel import select

from kontera.domain.codec import invoice_from_json
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.services.review.archive_text import store_search_text
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_finish import DocumentComment

MAX_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author: str
    text: str
    created_at: datetime


def add_comment(
    ctx: AppContext, *, company_id: str, document_id: str, author: str, text: str
) -> Comment:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("Write something in the note first.")
    if len(cleaned) > MAX_LENGTH:
        raise InvalidInput(msg("A note can be at most {limit} characters long.", limit=MAX_LENGTH))
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        row = DocumentComment(
            company_id=company_id, document_id=document_id, author=author, text=cleaned
        )
        session.add(row)
        session.flush()
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document_id,
            actor=author,
            action="note:added",
            detail={"note": cleaned},
        )
        interpretation = repo.latest_interpretation(session, document_id=document_id)
        invoice = invoice_from_json(interpretation.payload) if interpretation else None
        store_search_text(session, document=document, invoice=invoice)
        return Comment(row.id, row.author, row.text, row.created_at)


def comments(ctx: AppContext, *, company_id: str, document_id: str) -> list[Comment]:
    with session_scope(ctx.engine) as session:
        repo.get_document(session, company_id=company_id, document_id=document_id)
        rows = session.exec(
            select(DocumentComment)
            .where(DocumentComment.document_id == document_id)
            .order_by(col(DocumentComment.created_at))
        ).all()
        return [Comment(r.id, r.author, r.text, r.created_at) for r in rows]
