"""Finding work that a crash or restart left unfinished.

At start every such document and voucher counts (no task of the old process survives).
While processes run, the periodic sweep passes `idle_since`: only work untouched since then
counts, so work a live task is doing right now is not handed out twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import col
from sqlmodel import select

from kontera.domain.status import Status
from kontera.post import Step
from kontera.services.context import AppContext
from kontera.services.receive.email_senders import held_document_ids
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from kontera.store.tables_post import AccountingConnection


def unfinished_documents(
    ctx: AppContext, statuses: list[Status], *, idle_since: datetime | None = None
) -> list[str]:
    """Documents machines still owe work; mail held in quarantine waits for a person."""
    held = held_document_ids(ctx)
    with session_scope(ctx.engine) as session:
        found = repo.document_ids_in_status(
            session, statuses=[s.value for s in statuses], idle_since=idle_since
        )
    return [d for d in found if d not in held]


def unfinished_vouchers(ctx: AppContext, *, idle_since: datetime | None = None) -> list[str]:
    """Vouchers of documents still `posting` whose outbox job has not ended.

    With `idle_since`, only those no run holds (no unexpired lease) and no retry is due for
    after that moment: their task was lost."""
    query = (
        select(VoucherRecord.id)
        .join(Document, col(Document.id) == col(VoucherRecord.document_id))
        .where(
            Document.status == Status.POSTING.value,
            col(VoucherRecord.state).in_([Step.PENDING.value, Step.VOUCHER_CREATED.value]),
        )
    )
    if idle_since is not None:
        query = query.where(
            col(Document.updated_at) <= idle_since,
            _before(col(VoucherRecord.lease_until), idle_since),
            _before(col(VoucherRecord.next_attempt_at), idle_since),
        )
    with session_scope(ctx.engine) as session:
        return list(session.exec(query).all())


def _before(column: Any, moment: datetime) -> Any:
    """Unset, or earlier than `moment`."""
    return or_(column.is_(None), column <= moment)


def approved_not_scheduled(ctx: AppContext, *, idle_since: datetime | None = None) -> list[str]:
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
        if idle_since is not None:  # approval schedules the posting a moment after it commits
            query = query.where(col(Document.updated_at) <= idle_since)
        return list(session.exec(query).all())
