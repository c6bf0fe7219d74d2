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
from kontera.store.tables_post import AccountingConnection


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


def approved_not_scheduled(ctx: AppContext) -> list[str]:
    """Approved after their company connected an accounting system, yet never scheduled.

    Approval commits first and schedules posting afterwards, so a crash in between leaves the
    document `approved`. Documents approved before the connection existed are left alone:
    connecting must not post old invoices that may have been booked by hand.
    """
    with session_scope(ctx.engine) as session:
        query = (
            select(Document.id)
            .join(VoucherRecord, col(VoucherRecord.document_id) == col(Document.id))
            .join(
                AccountingConnection,
                col(AccountingConnection.company_id) == col(Document.company_id),
            )
            .where(
                Document.status == Status.APPROVED.value,
                VoucherRecord.state == Step.PENDING.value,
                col(VoucherRecord.created_at) >= col(AccountingConnection.created_at),
            )
        )
        return list(session.exec(query).all())
