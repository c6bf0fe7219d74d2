"""Pages of positioned words → an `Invoice` whose every field carries confidence, page and box.

Shared by the PDF and the image backends. Steps: extract the scored choices, let learned
layout hints for this supplier correct them, calibrate, normalise the credit-note sign once,
and leave notes for a person where something is missing or unsure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kontera.domain import identifiers as ids
from kontera.domain.fields import Source
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.interpret.base import InterpretContext
from kontera.interpret.calibration import calibrate
from kontera.interpret.choice import Choice
from kontera.interpret.fields import document_type
from kontera.interpret.fields import extract_fields
from kontera.interpret.layout import apply_hints
from kontera.interpret.textpage import Page

REVIEW_BELOW = 0.8
_REQUIRED = {
    "invoice_number": "the invoice number",
    "issue_date": "the invoice date",
    "totals.gross": "the total amount",
}
_AMOUNTS = ("totals.net", "totals.vat", "totals.gross", "totals.payable")


def assemble_invoice(pages: list[Page], ctx: InterpretContext) -> Invoice:
    choices = extract_fields(pages)
    choices = apply_hints(choices, pages, ctx.layout_hints)
    invoice = Invoice(document_type=document_type(pages))
    invoice.type_code = "381" if invoice.document_type is DocumentType.CREDIT_NOTE else "380"
    sources = {page.number: page.source for page in pages}
    default_source = pages[0].source if pages else Source.PDF_TEXT
    for choice in choices.values():
        source = sources.get(choice.page or 0, default_source)
        value = _signed(choice, invoice)
        confidence = calibrate(choice.raw, choice.group, source.value)
        invoice.set_field(choice.path, value, confidence=confidence, source=source, page=choice.page, box=choice.box)
    _derive_org_number(invoice, default_source)
    _add_notes(invoice)
    return invoice


def _signed(choice: Choice, invoice: Invoice) -> Any:
    """Credit notes carry negative amounts in the domain, however the document prints them."""
    if choice.path in _AMOUNTS and isinstance(choice.value, Decimal):
        if invoice.document_type is DocumentType.CREDIT_NOTE:
            return -abs(choice.value)
    return choice.value


def _derive_org_number(invoice: Invoice, source: Source) -> None:
    vat_id = invoice.seller.vat_id
    if invoice.seller.org_number or not vat_id:
        return
    org = ids.org_number_from_no_vat_id(vat_id)
    if org:
        vat_field = invoice.fields["seller.vat_id"]
        invoice.set_field(
            "seller.org_number",
            org,
            confidence=vat_field.confidence,
            source=vat_field.source,
            page=vat_field.page,
            box=vat_field.box,
        )
        invoice.seller.country = "NO"


def _add_notes(invoice: Invoice) -> None:
    for path, what in _REQUIRED.items():
        if path not in invoice.fields:
            invoice.add_note(
                Note(f"Could not find {what} on the document.", Severity.WARNING, "missing_field", field=path)
            )
    for path, field in sorted(invoice.fields.items()):
        if field.confidence < REVIEW_BELOW:
            invoice.add_note(
                Note(
                    f"Unsure of {path.replace('_', ' ')} ({field.value}): please check it.",
                    Severity.WARNING,
                    "low_confidence",
                    field=path,
                )
            )
    _check_totals(invoice)


def _check_totals(invoice: Invoice) -> None:
    totals = invoice.totals
    if totals.net is None or totals.vat is None or totals.gross is None:
        return
    if abs(totals.net + totals.vat - totals.gross) > Decimal("0.02"):
        invoice.add_note(
            Note(
                f"Net {totals.net} + VAT {totals.vat} does not equal the total {totals.gross}.",
                Severity.WARNING,
                "totals_mismatch",
                field="totals.gross",
            )
        )
