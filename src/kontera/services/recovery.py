"""Finding work that a crash or restart left unfinished."""

from __future__ import annotations

from sqlmodel import col
from sqlmodel import select

from kontera.domain.status import Status
from kontera.post import Step
from kontera.services.context import AppContext
from kontera.services.email_senders import held_document_ids
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord


def unfinished_documents(ctx: AppContext, statuses: list[Status]) -> list[str]:
    """Documents machines still owe work; mail held in quarantine waits for a person."""
    held = held_document_ids(ctx)
    with session_scope(ctx.engine) as session:
        found = repo.documents_in_status(session, statuses=[s.value for s in statuses])
        return [d.id for d in found if d.id not in held]


def unfinished_vouchers(ctx: AppContext) -> list[str]:
    """Vouchers of documents still `posting` whose outbox job has not ended."""
    with session_scope(ctx.engine) as session:
        query = (
            select(VoucherRecord.id)
            .join(Document, col(Document.id) == col(VoucherRecord.document_id))
            .where(
                Document.status == Status.POSTING.value,
                col(VoucherRecord.state).in_([Step.PENDING.value, Step.VOUCHER_CREATED.value]),
            )
        )
        return list(session.exec(query).all())
