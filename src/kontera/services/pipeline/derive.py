"""What Kontera derives from an interpretation, shared by the first processing of a document
and by every later change to what it says (a person's correction, a re-suggestion).

- `summarise`: the queue's columns (`Document.invoice_number`, amount, dates …) and the
  archive's search text, copied from the invoice;
- `duplicate_of`: the earlier document this one repeats, unless a person said it does not;
- `suggest_and_route`: a fresh suggestion and the status it leads to (`suggested`, or
  `needs_review` with the reasons in words).

Each takes an open session and changes nothing outside it, so a caller commits the
interpretation, the summary, the suggestion and the status change together.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.codec import to_jsonable
from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import as_message
from kontera.domain.messages import joined
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.domain.suggestion import Suggestion
from kontera.i18n.labels import label_message
from kontera.interpret.matching import DuplicateMatch
from kontera.interpret.matching import find_duplicate
from kontera.services.attest import attestation
from kontera.services.context import AppContext
from kontera.services.pipeline.suppliers import seen_invoices
from kontera.services.review.approval_checks import suggestion_problems
from kontera.services.review.archive_text import store_search_text
from kontera.services.review.rules import review_reasons
from kontera.services.suggest.suggestions import suggest_postings
from kontera.store import repo
from kontera.store.tables import Document
from kontera.store.tables import SuggestionRecord
from kontera.store.tables_finish import DuplicateDismissal

# Interpretations read from structured XML count as e-invoices for auto-approval.
E_INVOICE_INTERPRETERS = {"ubl": "ubl", "cii": "cii", "pdf_xml": "cii"}


def summarise(session: Session, document: Document, invoice: Invoice) -> None:
    """Denormalise what the queue filters and sorts on, and what the archive searches.

    The supplier key is not touched: it is the recognised supplier's (`recognise_supplier`)."""
    document.document_type = invoice.document_type.value
    document.supplier_name = invoice.seller.name
    document.invoice_number = invoice.invoice_number
    document.currency = invoice.currency
    payable = invoice.totals.payable
    document.gross = payable if payable is not None else invoice.totals.gross
    document.issue_date = invoice.issue_date
    document.due_date = invoice.due_date
    document.kid = invoice.payment.kid
    confidences = [f.confidence for f in invoice.fields.values()]
    document.confidence = min(confidences) if confidences else 0.0
    session.add(document)
    store_search_text(session, document=document, invoice=invoice)


def duplicate_of(session: Session, document: Document, invoice: Invoice) -> DuplicateMatch | None:
    """The earlier invoice this one repeats; pairs a person declared distinct never match
    (either way round)."""
    pairs = session.exec(
        select(DuplicateDismissal.document_id, DuplicateDismissal.other_id).where(
            or_(
                col(DuplicateDismissal.document_id) == document.id,
                col(DuplicateDismissal.other_id) == document.id,
            )
        )
    ).all()
    dismissed = {one for pair in pairs for one in pair} - {document.id}
    seen = [s for s in seen_invoices(session, document=document) if s.document_id not in dismissed]
    return find_duplicate(invoice, seen, document.supplier_key)


def duplicate_reason(match: DuplicateMatch) -> Message:
    return msg(
        "The same invoice arrived earlier (same {evidence}).",
        evidence=tuple(label_message("evidence", e) for e in match.evidence),
    )


def mark_duplicate(
    session: Session, document: Document, duplicate: DuplicateMatch, *, actor: str
) -> Status:
    document.duplicate_of_id = duplicate.document_id
    repo.move_document(
        session,
        document=document,
        target=Status.DUPLICATE,
        actor=actor,
        reason=duplicate_reason(duplicate),
        detail={"duplicate_of": duplicate.document_id, "evidence": list(duplicate.evidence)},
    )
    return Status.DUPLICATE


@dataclass(frozen=True, slots=True)
class Routed:
    status: Status
    suggestion: Suggestion


def suggest_and_route(
    ctx: AppContext,
    session: Session,
    document: Document,
    invoice: Invoice,
    *,
    interpreter: str,
    actor: str,
) -> Routed:
    """Suggest postings for the invoice as it reads now and move the document to where the
    suggestion and the checks send it: `suggested`, or `needs_review` with the reasons."""
    suggestion = suggestion_for(ctx, session, document, invoice, interpreter=interpreter)
    return Routed(route(session, document, invoice, suggestion, actor=actor), suggestion)


def suggestion_for(
    ctx: AppContext, session: Session, document: Document, invoice: Invoice, *, interpreter: str
) -> Suggestion:
    company = repo.get_company(session, company_id=document.company_id)
    return suggest_postings(
        ctx,
        session,
        company=company,
        invoice=invoice,
        supplier_key=document.supplier_key,
        source_kind=E_INVOICE_INTERPRETERS.get(interpreter, interpreter),
    )


def route(
    session: Session, document: Document, invoice: Invoice, suggestion: Suggestion, *, actor: str
) -> Status:
    """Record the suggestion and move the document to `suggested` or `needs_review`."""
    session.add(
        SuggestionRecord(
            document_id=document.id, model=suggestion.model, payload=to_jsonable(suggestion)
        )
    )
    reasons = review_reasons(invoice, suggestion) + suggestion_problems(
        session, company_id=document.company_id, invoice=invoice, suggestion=suggestion
    )
    failure = posting_failure(session, document.id)
    if failure:  # refused by the ledger before: that stays the first thing to fix
        reasons.insert(0, failure)
    target = Status.NEEDS_REVIEW if reasons else Status.SUGGESTED
    target, reasons = attestation.route(session, document, invoice, suggestion, target, reasons)
    repo.move_document(
        session,
        document=document,
        target=target,
        actor=actor,
        reason=joined(reasons) if reasons else None,
        detail={
            "model": suggestion.model,
            "confidence": suggestion.confidence,
            "auto_approvable": suggestion.auto_approvable,
            "policy": suggestion.policy_reason,
        },
    )
    return target


def posting_failure(session: Session, document_id: str) -> Message | None:
    """Why the ledger refused this document's voucher, when it did and it is not fixed yet."""
    record = repo.voucher_for(session, document_id=document_id)
    if record is None or record.state != "failed" or not record.last_error:
        return None
    return msg(
        "Posting to {system} failed: {problem}",
        system=record.target,
        problem=as_message(record.last_error),
    )
