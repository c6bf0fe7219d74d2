"""A person corrects what Kontera read, and everything that follows from it is derived again.

Correcting a field is not just storing a value: the queue shows the invoice number and the
amount (`Document` columns), the checks' notes and the status reason describe the old
reading, the duplicate check ran on the old number, the suggestion was made for the old
amounts and supplier. All of it is redone here, in the same transaction as the correction:

    correction → notes rechecked → supplier recognised again (if its fields changed)
               → queue columns and search text → credited invoice and duplicate check
               → a new suggestion and the status (and reason) it leads to

A correction that turns the invoice into one that arrived before marks it as that one's
duplicate, exactly as if it had arrived with the corrected number.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import invoice_to_json
from kontera.domain.codec import to_jsonable
from kontera.domain.errors import Conflict
from kontera.domain.fields import Source
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.domain.suppliers import supplier_key
from kontera.interpret.checks.recheck import recheck
from kontera.interpret.fields.recipient import ADDRESSED_ELSEWHERE
from kontera.interpret.matching import find_credited_invoice
from kontera.services.context import AppContext
from kontera.services.pipeline import derive
from kontera.services.pipeline.intake import check_intake
from kontera.services.pipeline.suppliers import seen_invoices
from kontera.services.review.field_values import FieldValueError
from kontera.services.review.field_values import parse_field_value
from kontera.services.suggest.layouts import learn_corrections
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document

# Notes the intake checks write (who sent it, to whom, to be paid where); they are written
# again when the seller, the buyer or the payment details change.
_INTAKE_NOTES = {
    "new_supplier",
    "bank_account_changed",
    "bank_account_of_other_supplier",
    "same_name_other_org",
    ADDRESSED_ELSEWHERE,
}
# Amounts that carry the credit note's sign (negative in the domain, see design.md).
_SIGNED_LEAVES = {"net", "vat", "gross", "payable", "line_total", "prepaid"}


def correct_fields(
    ctx: AppContext,
    *,
    company_id: str,
    document_id: str,
    actor: str,
    changes: dict[str, Any],
) -> Invoice:
    """Apply a person's corrections (typed text or values) and derive everything again.

    Raises `FieldValueError` (naming the field) for a value that does not fit, before
    anything is changed."""
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        if Status(document.status) not in REVIEWABLE:
            raise Conflict("Only documents waiting for review can be corrected.")
        row = repo.latest_interpretation(session, document_id=document_id)
        if row is None:
            raise Conflict("The document has not been interpreted.")
        company = repo.get_company(session, company_id=company_id)
        invoice = invoice_from_json(row.payload)
        values = {
            path: parse_field_value(path, raw, country=company.country)
            for path, raw in changes.items()
        }
        values = _totals_completed(invoice, values)
        before = {path: to_jsonable(invoice.fields.get(path)) for path in values}
        apply_corrections(invoice, values)
        recheck(invoice, values)
        if any(path.startswith(("seller.", "buyer.", "payment.")) for path in values):
            _intake_again(session, document, invoice)
        derive.summarise(session, document, invoice)
        document.warnings = sum(1 for n in invoice.notes if n.severity is not Severity.INFO)
        row.payload = invoice_to_json(invoice)
        session.add(row)
        learn_corrections(
            ctx, session, document=document, interpreter=row.interpreter, invoice=invoice,
            changes=values,
        )  # fmt: skip
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document_id,
            actor=actor,
            action="corrected",
            detail={"before": before, "after": {k: to_jsonable(v) for k, v in values.items()}},
        )
        _route_again(ctx, session, document, invoice, row.interpreter, actor=actor)
    return invoice


def _totals_completed(invoice: Invoice, values: dict[str, Any]) -> dict[str, Any]:
    """A total typed where none was read is both the invoice total and the amount due (they
    differ only by a prepayment, which an invoice read without totals does not show)."""
    completed = dict(values)
    for typed, other in (("totals.payable", "totals.gross"), ("totals.gross", "totals.payable")):
        missing = getattr(invoice.totals, other.split(".")[1]) is None
        if completed.get(typed) is not None and missing and other not in completed:
            completed[other] = completed[typed]
    return completed


def apply_corrections(invoice: Invoice, values: dict[str, Any]) -> None:
    """Set each value as a person's field (full confidence, the reading's box kept).

    A credit note's amounts are negative however they are typed; turning an invoice into a
    credit note (or back) turns the sign of every amount read so far."""
    kind = values.get("document_type")
    if kind is not None and kind is not invoice.document_type:
        _turn_signs(invoice, DocumentType(kind))
    for path, value in values.items():
        if path == "document_type":
            continue
        previous = invoice.fields.get(path)
        try:
            invoice.set_field(
                path,
                _signed(invoice, path, value),
                confidence=1.0,
                source=Source.PERSON,
                page=previous.page if previous else None,
                box=previous.box if previous else None,
            )
        except (AttributeError, IndexError, ValueError) as e:
            raise FieldValueError(path, f"{path} cannot be corrected here.") from e


def _signed(invoice: Invoice, path: str, value: Any) -> Any:
    leaf = path.rsplit(".", 1)[-1]
    if invoice.document_type is DocumentType.CREDIT_NOTE and leaf in _SIGNED_LEAVES and value:
        return -abs(value)
    return value


def _turn_signs(invoice: Invoice, kind: DocumentType) -> None:
    """Change the document type and give every amount the sign that goes with it."""
    sign = -1 if kind is DocumentType.CREDIT_NOTE else 1
    invoice.document_type = kind
    invoice.type_code = "381" if kind is DocumentType.CREDIT_NOTE else "380"
    previous = invoice.fields.get("document_type")
    invoice.set_field(
        "document_type", kind, confidence=1.0, source=Source.PERSON,
        page=previous.page if previous else None, box=previous.box if previous else None,
    )  # fmt: skip
    for path, field in list(invoice.fields.items()):
        leaf = path.rsplit(".", 1)[-1]
        if leaf not in _SIGNED_LEAVES or not field.value:
            continue
        invoice.set_field(
            path, sign * abs(field.value), confidence=field.confidence, source=field.source,
            page=field.page, box=field.box,
        )  # fmt: skip


def _intake_again(session: Session, document: Document, invoice: Invoice) -> None:
    invoice.notes = [n for n in invoice.notes if n.code not in _INTAKE_NOTES]
    document.supplier_key = supplier_key(invoice.seller)
    check_intake(session, document=document, invoice=invoice)


def _route_again(
    ctx: AppContext,
    session: Session,
    document: Document,
    invoice: Invoice,
    interpreter: str,
    *,
    actor: str,
) -> Status:
    """The duplicate check and the suggestion, as if the document arrived as corrected."""
    seen = seen_invoices(session, document=document)
    document.related_document_id = find_credited_invoice(invoice, seen)
    duplicate = derive.duplicate_of(session, document, invoice)
    if duplicate is not None:
        return derive.mark_duplicate(session, document, duplicate, actor=actor)
    document.duplicate_of_id = None
    return derive.suggest_and_route(
        ctx, session, document, invoice, interpreter=interpreter, actor=actor
    ).status
