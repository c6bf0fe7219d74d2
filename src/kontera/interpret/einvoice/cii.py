"""UN/CEFACT CII invoices: ZUGFeRD 1.x, ZUGFeRD 2.x / Factur-X (MINIMUM … EXTENDED), XRechnung.

Reads into the same domain model and the same field paths as `ubl.py`, so one invoice in both
syntaxes gives the same interpretation. The header is read here; parties, lines and the other
repeated groups are in `cii_parts.py`.
"""

from __future__ import annotations

from decimal import Decimal

from kontera.domain.errors import InterpretationFailed
from kontera.domain.filetypes import FileKind
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.interpret.einvoice import cii_parts as parts
from kontera.interpret.einvoice.cii_names import ROOTS
from kontera.interpret.einvoice.cii_names import Dialect
from kontera.interpret.einvoice.finish import XmlInvoiceInterpreter
from kontera.interpret.einvoice.xmlfields import CREDIT_NOTE_CODES
from kontera.interpret.einvoice.xmlfields import Element
from kontera.interpret.einvoice.xmlfields import FieldWriter
from kontera.interpret.einvoice.xmlfields import child
from kontera.interpret.einvoice.xmlfields import children
from kontera.interpret.einvoice.xmlfields import text

_SNIFF_WINDOW = 200_000
_MARKERS = (b"CrossIndustryInvoice:100", b"CrossIndustryDocument:invoice", b"standard:CBFBUY:5")


class CiiInterpreter(XmlInvoiceInterpreter):
    name = "cii"
    kinds = (FileKind.CII, FileKind.XML, FileKind.UBL)  # the sniffer calls the 2014 draft UBL

    def looks_like(self, data: bytes) -> bool:
        return looks_like_cii(data)

    def read(self, root: Element) -> Invoice:
        return read_cii(root)


def looks_like_cii(data: bytes) -> bool:
    head = data[:_SNIFF_WINDOW]
    return any(marker in head for marker in _MARKERS)


def read_cii(root: Element) -> Invoice:
    """Read a parsed CrossIndustryInvoice / CrossIndustryDocument into a domain `Invoice`."""
    n = ROOTS.get(root.tag)
    if n is None:
        raise InterpretationFailed("This XML is not a CII invoice (ZUGFeRD / Factur-X).")
    invoice = Invoice()
    w = FieldWriter(invoice)
    document = child(root, n("document"))
    transaction = child(root, n("transaction"))
    agreement = child(transaction, n("agreement"))
    settlement = child(transaction, n("settlement"))
    _read_document_type(w, n, document)
    _read_header(w, n, root, document, settlement)
    parts.read_party(w, n, "seller", child(agreement, n("SellerTradeParty")))
    parts.read_party(w, n, "buyer", child(agreement, n("BuyerTradeParty")))
    parts.read_payee(w, n, child(settlement, n("PayeeTradeParty")))
    tax_representative = child(agreement, n("SellerTaxRepresentativeTradeParty"))
    parts.read_tax_representative(w, n, tax_representative)
    parts.read_references(w, n, agreement, child(transaction, n("delivery")), settlement)
    parts.read_delivery_and_period(w, n, child(transaction, n("delivery")), settlement)
    parts.read_payment(w, n, settlement)
    parts.read_allowances(w, n, "allowances_charges", settlement)
    parts.read_vat(w, n, settlement)
    parts.read_totals(w, n, child(settlement, n("header_sums")))
    for index, line in enumerate(children(transaction, n("IncludedSupplyChainTradeLineItem"))):
        parts.read_line(w, n, index, line)
    parts.read_attachments(w, n, agreement)
    return invoice


def _read_document_type(w: FieldWriter, n: Dialect, document: Element | None) -> None:
    code = text(document, n("TypeCode"))
    w.set("type_code", code)
    credit = code in CREDIT_NOTE_CODES
    w.set("document_type", DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE)
    w.sign = Decimal(-1) if credit else Decimal(1)


def _read_header(
    w: FieldWriter, n: Dialect, root: Element, document: Element | None, settlement: Element | None
) -> None:
    context = child(root, n("context"))
    w.set("profile", text(context, n("GuidelineSpecifiedDocumentContextParameter"), n("ID")))
    w.set("invoice_number", text(document, n("ID")))
    w.date("issue_date", parts.date_text(n, child(document, n("IssueDateTime"))))
    terms = child(settlement, n("SpecifiedTradePaymentTerms"))
    w.date("due_date", parts.date_text(n, child(terms, n("DueDateDateTime"))))
    w.set("currency", text(settlement, n("InvoiceCurrencyCode")))
    w.set("tax_currency", text(settlement, n("TaxCurrencyCode")))
    notes = [
        note
        for element in children(document, n("IncludedNote"))
        if (note := text(element, n("Content")))
    ]
    w.set("note", "\n".join(notes) if notes else None)
