"""Pages of positioned words → an `Invoice` whose every field carries confidence, page and box.

Shared by the PDF and the image backends. Steps: extract the scored choices, let learned
layout hints for this supplier correct them, calibrate, normalise the credit-note sign once,
and leave notes for a person where something is missing or unsure.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from kontera.domain import identifiers as ids
from kontera.domain.fields import Source
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.i18n.labels import field_label
from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.calibration import calibrate
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.extract import document_type
from kontera.interpret.fields.extract import extract_fields
from kontera.interpret.fields.home_currency import fill_home_currency
from kontera.interpret.fields.layout import apply_hints
from kontera.interpret.fields.line_items import ReadLine
from kontera.interpret.fields.line_items import read_line_items
from kontera.interpret.textpage import Page

REVIEW_BELOW = 0.8
# Totals that contradict each other are not shown as sure: below review level.
_DISPUTED = 0.5
_REQUIRED = {
    "invoice_number": msg("the invoice number"),
    "issue_date": msg("the invoice date"),
    "totals.gross": msg("the total amount"),
}
_AMOUNTS = ("totals.net", "totals.vat", "totals.gross", "totals.payable", "totals.prepaid")


def assemble_invoice(pages: list[Page], ctx: InterpretContext) -> Invoice:
    return assemble_scored(pages, ctx)[0]


def assemble_scored(pages: list[Page], ctx: InterpretContext) -> tuple[Invoice, dict[str, float]]:
    """The invoice and each field's raw (uncalibrated) score, which calibration is fitted on."""
    choices = extract_fields(pages, ctx.field_reader)
    choices = apply_hints(choices, pages, ctx.layout_hints)
    invoice = Invoice()
    sources = {page.number: page.source for page in pages}
    default_source = pages[0].source if pages else Source.PDF_TEXT
    kind, kind_confidence = _kind(pages, choices.get("document_type"), default_source)
    invoice.set_field(
        "document_type", kind, confidence=kind_confidence, source=default_source, page=1
    )
    invoice.type_code = "381" if kind is DocumentType.CREDIT_NOTE else "380"
    for choice in choices.values():
        if choice.path == "document_type":
            continue
        source = sources.get(choice.page or 0, default_source)
        value = _signed(choice, invoice)
        confidence = (
            choice.confidence
            if choice.confidence is not None
            else calibrate(choice.raw, choice.group, source.value)
        )
        invoice.set_field(
            choice.path,
            value,
            confidence=confidence,
            source=source,
            page=choice.page,
            box=choice.box,
        )
    _derive_ids(invoice)
    fill_home_currency(invoice, default_source)
    _add_lines(invoice, read_line_items(pages), default_source)
    _add_notes(invoice)
    raw = {path: choice.raw for path, choice in choices.items()}
    for derived, origin in (
        ("seller.org_number", "seller.vat_id"),
        ("payment.bank_account", "payment.iban"),
    ):
        if derived not in raw and origin in raw and derived in invoice.fields:
            raw[derived] = raw[origin]
    return invoice, raw


def _kind(pages: list[Page], learned: Choice | None, source: Source) -> tuple[DocumentType, float]:
    """The learned reader calibrates the title evidence on held-out layouts; the rules keep
    their old table (a title-less page stays below review level there)."""
    if learned is not None and learned.confidence is not None:
        return learned.value, learned.confidence
    kind = document_type(pages)
    # A credit-note title is explicit; its absence is weaker evidence of an invoice.
    raw = 0.9 if kind is DocumentType.CREDIT_NOTE else 0.6
    return kind, calibrate(raw, "kind", source.value)


def _add_lines(invoice: Invoice, rows: list[ReadLine], source: Source) -> None:
    """Table rows become invoice lines only when they add up to the net total: a table read
    wrong is worse than none (the bookkeeper still has the PDF)."""
    net = invoice.totals.net
    if not rows or net is None or abs(sum(abs(r.net) for r in rows) - abs(net)) > Decimal("0.02"):
        return
    sign = Decimal(-1) if invoice.document_type is DocumentType.CREDIT_NOTE else Decimal(1)
    confidence = calibrate(0.9, "line", source.value)
    for index, row in enumerate(rows):
        invoice.lines.append(InvoiceLine())
        values = {
            "description": row.description or None,
            "quantity": sign * abs(row.quantity) if row.quantity is not None else None,
            "unit_price": abs(row.unit_price) if row.unit_price is not None else None,
            "net": sign * abs(row.net),
            "vat_rate": row.vat_rate,
        }
        for name, value in values.items():
            if value is not None:
                invoice.set_field(
                    f"lines.{index}.{name}",
                    value,
                    confidence=confidence,
                    source=source,
                    page=row.page,
                    box=row.box,
                )


def _signed(choice: Choice, invoice: Invoice) -> Any:
    """Credit notes carry negative amounts in the domain, however the document prints them."""
    credit = invoice.document_type is DocumentType.CREDIT_NOTE
    if credit and choice.path in _AMOUNTS and isinstance(choice.value, Decimal):
        return -abs(choice.value)
    return choice.value


def _derive_ids(invoice: Invoice) -> None:
    """The org.nr inside a NO/SE VAT id, the account number inside a NO IBAN."""
    vat_id = invoice.seller.vat_id
    if vat_id and not invoice.seller.org_number:
        org = ids.org_number_from_no_vat_id(vat_id) or _se_org_from_vat_id(vat_id)
        if org:
            _copy_field(invoice, "seller.vat_id", "seller.org_number", org)
            invoice.seller.country = vat_id[:2].upper()
    iban = invoice.payment.iban
    if iban and not invoice.payment.bank_account:
        account = ids.no_bank_account_from_iban(iban)
        if account and ids.valid_no_bank_account(account):
            _copy_field(invoice, "payment.iban", "payment.bank_account", account)


def _se_org_from_vat_id(vat_id: str) -> str | None:
    value = ids.normalise_vat_id(vat_id)
    if value.startswith("SE") and len(value) == 14 and ids.valid_vat_id(value):
        return f"{value[2:8]}-{value[8:12]}"
    return None


def _copy_field(invoice: Invoice, source_path: str, path: str, value: Any) -> None:
    origin = invoice.fields[source_path]
    invoice.set_field(
        path,
        value,
        confidence=origin.confidence,
        source=origin.source,
        page=origin.page,
        box=origin.box,
    )


def _add_notes(invoice: Invoice) -> None:
    for path, what in _REQUIRED.items():
        if path not in invoice.fields:
            invoice.add_note(
                note(
                    msg("Could not find {what} on the document.", what=what),
                    Severity.WARNING,
                    "missing_field",
                    field=path,
                )
            )
    for path, field in sorted(invoice.fields.items()):
        # Line rows and the document kind are supporting detail, not reasons for review.
        if path == "document_type" or path.startswith("lines."):
            continue
        if field.confidence < REVIEW_BELOW:
            invoice.add_note(
                note(
                    msg(
                        "Unsure of the field “{field}” ({value}): please check it.",
                        field=field_label(path),
                        value=str(field.value),
                    ),
                    Severity.WARNING,
                    "low_confidence",
                    field=path,
                )
            )
    _check_totals(invoice)


def _check_payable(invoice: Invoice) -> None:
    """What the page says is to pay must be the total less what was paid already: a reading
    where it is not (OCR that made up totals that add up among themselves, 26 + 260 = 286,
    while the page asks for 380) is not believed, whatever its parts' confidence."""
    totals = invoice.totals
    if totals.payable is None or totals.gross is None:
        return
    owed = abs(totals.gross) - abs(totals.prepaid or Decimal(0))
    if abs(abs(totals.payable) - owed) <= Decimal("0.02"):
        return
    _dispute_totals(invoice)
    invoice.add_note(
        note(
            msg(
                "The amount to pay ({payable}) is not the total ({gross}) less a prepayment: "
                "please check the totals.",
                payable=totals.payable,
                gross=totals.gross,
            ),
            Severity.WARNING,
            "payable_mismatch",
            field="totals.payable",
        )
    )


def _check_totals(invoice: Invoice) -> None:
    totals = invoice.totals
    _check_payable(invoice)
    if totals.net is None or totals.vat is None or totals.gross is None:
        return
    if abs(totals.net + totals.vat - totals.gross) > Decimal("0.02"):
        _dispute_totals(invoice)
        invoice.add_note(
            note(
                msg(
                    "Net {net} + VAT {vat} does not equal the total {gross}.",
                    net=totals.net,
                    vat=totals.vat,
                    gross=totals.gross,
                ),
                Severity.WARNING,
                "totals_mismatch",
                field="totals.gross",
            )
        )


def _dispute_totals(invoice: Invoice) -> None:
    for path in ("totals.net", "totals.vat", "totals.gross", "totals.payable"):
        field = invoice.fields.get(path)
        if field is not None and field.confidence > _DISPUTED:
            invoice.fields[path] = replace(field, confidence=_DISPUTED)
