"""A person decides: approve (with edited postings), reject, correct fields, retry."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import to_jsonable
from kontera.domain.errors import Conflict
from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import joined
from kontera.domain.messages import msg
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.post import PostingJob
from kontera.post import retry_failed
from kontera.services.attest import attestation
from kontera.services.context import AppContext
from kontera.services.pipeline import steps
from kontera.services.pipeline.suppliers import confirm_accounts
from kontera.services.post.accrual_posting import check_accrual
from kontera.services.post.accrual_posting import kept_release_jobs
from kontera.services.receive.email_senders import on_document_approved
from kontera.services.review.approval_checks import require_approvable
from kontera.services.review.corrections import correct_fields as correct_fields
from kontera.services.suggest.suggestions import should_retrain
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import PostingHistory
from kontera.store.tables import SuggestionRecord
from kontera.store.tables import VoucherRecord


@dataclass(frozen=True, slots=True)
class ApprovedLine:
    account: str
    amount: Decimal | None = None
    vat_code: str | None = None
    description: str | None = None
    line_index: int | None = None
    # kind ("department", "project", "cost_centre") → code; an accrual schedule as JSON
    # (`kontera.domain.accrual.Accrual.to_json`).
    dimensions: dict[str, str] | None = None
    accrual: dict[str, Any] | None = None


def approve(
    ctx: AppContext,
    *,
    company_id: str,
    document_id: str,
    actor: str,
    lines: list[ApprovedLine] | None = None,
    auto: bool = False,
    posting_delay: float = 0.0,
) -> Document:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        if Status(document.status) not in REVIEWABLE:
            raise Conflict(
                msg(
                    "Only documents waiting for review can be approved (it is {status}).",
                    status=document.status,
                )
            )
        invoice = _invoice(session, document_id)
        suggested = _suggested_lines(session, document_id)
        approved = lines if lines is not None else suggested
        _check_lines(approved)
        require_approvable(session, company_id=company_id, invoice=invoice, lines=list(approved))
        edited = lines is not None and lines != suggested
        gate = attestation.gate(session, document=document, invoice=invoice, actor=actor, auto=auto)
        if gate.approve:
            _record_approval(session, document, invoice, approved, actor=actor, auto=auto,
                             edited=edited)  # fmt: skip
        else:
            _hold(session, document, invoice, gate, approved if edited else None, actor=actor)
    if not gate.approve:
        if gate.sent_to is not None:
            raise attestation.AwaitingAttestation(
                msg("This invoice must be attested by {person} first ({why}); it has been "
                    "sent to them.", person=gate.sent_to, why=gate.why)
            )  # fmt: skip
        return document
    on_document_approved(ctx, document_id)
    steps.after_approval(ctx, document_id, delay=posting_delay)
    if should_retrain(ctx, company_id):
        ctx.queue.train_company(company_id)
    else:
        ctx.queue.refresh_company(company_id, document.supplier_key)
    return document


def _record_approval(
    session: Session,
    document: Document,
    invoice: Invoice,
    approved: list[ApprovedLine],
    *,
    actor: str,
    auto: bool,
    edited: bool,
) -> None:
    voucher = _voucher_record(session, document, actor=actor)
    voucher.payload = {
        "lines": [to_jsonable(line) for line in approved],
        "edited": edited,
        # Release vouchers already sent stay known by their jobs, so approving again after
        # a refusal finds them instead of sending them twice.
        **kept_release_jobs(voucher.payload),
    }
    session.add(voucher)
    _learn(session, document, invoice, approved)
    confirm_accounts(session, document=document, invoice=invoice)
    repo.move_document(
        session,
        document=document,
        target=Status.APPROVED,
        actor=actor,
        detail={"auto": auto, "edited": edited, "lines": voucher.payload["lines"]},
    )


def _hold(
    session: Session,
    document: Document,
    invoice: Invoice,
    gate: attestation.Gate,
    edited: list[ApprovedLine] | None,
    *,
    actor: str,
) -> None:
    """The approval stands as an attestation (or the invoice went to its attestant): the
    document waits for the next person, with the lines this person chose as its proposal."""
    if edited is not None:
        session.add(
            SuggestionRecord(
                document_id=document.id,
                model=f"edited by {actor}",
                payload={"lines": [_proposal(line) for line in edited], "model": "edited"},
            )
        )
    session.flush()
    target, reasons = attestation.placement(session, document)
    repo.move_document(
        session,
        document=document,
        target=target,
        actor=actor,
        reason=joined(reasons) if reasons else None,
        detail={"attested_only": gate.attested_only, "sent_to": gate.sent_to},
    )


def _proposal(line: ApprovedLine) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(line)
    return {**data, "line_index": line.line_index or 0, "confidence": 1.0,
            "reason": "Chosen by the person who attested.", "abstained": False}  # fmt: skip


def _voucher_record(session: Session, document: Document, *, actor: str) -> VoucherRecord:
    """The document's one voucher. Approved again after a refused posting, it is reused with
    its idempotency key, so a voucher the system did create is found, never made twice."""
    record = repo.voucher_for(session, document_id=document.id)
    if record is None:
        return VoucherRecord(
            document_id=document.id,
            company_id=document.company_id,
            approved_by=actor,
            idempotency_key=f"kontera-{document.id}",
        )
    job = retry_failed(PostingJob.from_json(record.job)) if record.job else None
    record.approved_by = actor
    record.job = job.to_json() if job else {}
    record.state = job.step.value if job else "pending"
    record.last_error = None
    record.next_attempt_at = None
    return record


def _invoice(session: Session, document_id: str) -> Invoice:
    row = repo.latest_interpretation(session, document_id=document_id)
    if row is None:
        raise Conflict("The document has not been interpreted.")
    return invoice_from_json(row.payload)


def _suggested_lines(session: Session, document_id: str) -> list[ApprovedLine]:
    record = repo.latest_suggestion(session, document_id=document_id)
    if record is None:
        return []
    return [
        ApprovedLine(
            account=line["account"] or "",
            amount=Decimal(line["amount"]) if line.get("amount") is not None else None,
            vat_code=line.get("vat_code"),
            description=line.get("description"),
            line_index=line.get("line_index"),
            dimensions=dict(line.get("dimensions") or {}) or None,
            accrual=line.get("accrual") or None,
        )
        for line in record.payload.get("lines", [])
    ]


def _check_lines(lines: list[ApprovedLine]) -> None:
    if not lines:
        raise InvalidInput("Choose at least one account before approving.")
    for number, line in enumerate(lines, start=1):
        if not line.account or not line.account.strip():
            raise InvalidInput(
                msg("Choose an account for line {number} before approving.", number=number)
            )
        if line.accrual:
            check_accrual(line.accrual, line.account, line.amount, number)


def _learn(
    session: Session, document: Document, invoice: Invoice, lines: list[ApprovedLine]
) -> None:
    """Every approval becomes posting history: the feedback loop of the suggestions."""
    for line in lines:
        session.add(
            PostingHistory(
                company_id=document.company_id,
                entry_date=invoice.issue_date,
                supplier_name=invoice.seller.name,
                supplier_org_number=invoice.seller.org_number,
                supplier_key=document.supplier_key or "unknown",
                description=line.description,
                amount=line.amount,
                currency=invoice.currency,
                account=line.account,
                vat_code=line.vat_code,
                source="approval",
                document_id=document.id,
                department=_dimension(line, "department"),
                project=_dimension(line, "project"),
                cost_centre=_dimension(line, "cost_centre"),
                buyer_reference=invoice.references.buyer_reference,
                order_reference=invoice.references.order,
            )
        )


def _dimension(line: ApprovedLine, kind: str) -> str | None:
    return (line.dimensions or {}).get(kind) or None


def reject(
    ctx: AppContext,
    *,
    company_id: str,
    document_id: str,
    actor: str,
    reason: str | Message | None = None,
) -> Document:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        repo.move_document(
            session,
            document=document,
            target=Status.REJECTED,
            actor=actor,
            reason=reason or msg("Rejected by a person."),
        )
    return document


def retry(ctx: AppContext, *, company_id: str, document_id: str, actor: str) -> Document:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        repo.move_document(session, document=document, target=Status.RECEIVED, actor=actor)
    ctx.queue.process_document(document_id)
    return document
