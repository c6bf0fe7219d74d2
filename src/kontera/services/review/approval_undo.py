"""Taking an approval back, as long as nothing has gone to the accounting system.

"Started" means a posting run holds the voucher or has recorded any step (a request sent, an
attempt made, an external id). The undo takes the voucher's posting lease first, so a run
cannot start between the check and the undo; then the voucher and the posting history the
approval taught are removed, and the document waits for review again. A posting task still
in the queue finds no voucher and ends.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.codec import invoice_from_json
from kontera.domain.errors import Conflict
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.interpret.matching import invoice_accounts
from kontera.services.context import AppContext
from kontera.services.post.lease import Lease
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import Interpretation
from kontera.store.tables import PostingHistory
from kontera.store.tables import VoucherRecord
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_interpret import SupplierBankAccount

UNDOABLE = (Status.APPROVED, Status.POSTING)
STARTED = "Posting to {system} has started, so the approval can no longer be undone."


def can_undo(record: VoucherRecord | None) -> bool:
    """Nothing of this voucher has reached (or may be reaching) the accounting system."""
    if record is None:
        return True
    return (
        record.state == "pending"
        and record.job.get("step", "pending") == "pending"
        and record.external_id is None
        and record.attempts == 0
        and record.posted_at is None
    )


def undo_approval(ctx: AppContext, *, company_id: str, document_id: str, actor: str) -> None:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        if Status(document.status) not in UNDOABLE:
            raise Conflict("Only an approved invoice that is not posted yet can be taken back.")
        record = repo.voucher_for(session, document_id=document_id)
        voucher_id = record.id if record else None
        system = record.target if record else "none"
    lease = Lease.take(ctx.engine, voucher_id) if voucher_id else None
    if voucher_id and lease is None:
        raise Conflict(STARTED.format(system=system))
    try:
        _undo(ctx, company_id, document_id, voucher_id, actor=actor, system=system)
    finally:
        if lease is not None:
            lease.release()


def _undo(
    ctx: AppContext,
    company_id: str,
    document_id: str,
    voucher_id: str | None,
    *,
    actor: str,
    system: str,
) -> None:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        record = session.get(VoucherRecord, voucher_id) if voucher_id else None
        if Status(document.status) not in UNDOABLE or not can_undo(record):
            raise Conflict(STARTED.format(system=system))
        lines = record.payload.get("lines", []) if record else []
        if record is not None:
            session.delete(record)
        session.execute(
            delete(PostingHistory).where(
                col(PostingHistory.document_id) == document_id,
                col(PostingHistory.source) == "approval",
            )
        )
        _unvouch_bank_accounts(session, document)
        repo.move_document(
            session,
            document=document,
            target=Status.NEEDS_REVIEW,
            actor=actor,
            reason=msg(
                "The approval was undone by {actor}: check it and approve again.", actor=actor
            ),
            detail={"undone": True, "lines": lines},
        )


def _unvouch_bank_accounts(session: Session, document: Document) -> None:
    """The approval vouched for the invoice's bank accounts; taken back, it no longer does,
    unless another approved invoice of the supplier carries the same account."""
    row = repo.latest_interpretation(session, document_id=document.id)
    supplier = session.exec(
        select(Supplier).where(
            Supplier.company_id == document.company_id, Supplier.key == document.supplier_key
        )
    ).first()
    if row is None or supplier is None:
        return
    accounts = invoice_accounts(invoice_from_json(row.payload))
    vouched = _accounts_of_other_approved(session, document)
    for account in session.exec(
        select(SupplierBankAccount).where(
            SupplierBankAccount.supplier_id == supplier.id,
            col(SupplierBankAccount.account).in_(sorted(accounts - vouched)),
        )
    ).all():
        account.confirmed = False
        session.add(account)


def _accounts_of_other_approved(session: Session, document: Document) -> set[str]:
    payloads = session.exec(
        select(Interpretation.payload)
        .join(Document, col(Document.id) == col(Interpretation.document_id))
        .where(
            Document.company_id == document.company_id,
            Document.supplier_key == document.supplier_key,
            col(Document.id) != document.id,
            col(Document.status).in_(["approved", "posting", "posted"]),
        )
    ).all()
    return {a for p in payloads for a in invoice_accounts(invoice_from_json(dict(p)))}
