"""UBL 2.1 invoices and credit notes: EHF / Peppol BIS Billing 3.0, EHF 2.0, any EN 16931 UBL.

Reads every business term the interpretation JSON carries into the domain `Invoice` (paths
named after the domain attributes, provenance `Source.XML`). Parties, lines and the other
repeated groups live in `ubl_parts.py` so each module stays readable.
"""

from __future__ import annotations

from decimal import Decimal

from kontera.domain.errors import InterpretationFailed
from kontera.domain.filetypes import FileKind
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.interpret.einvoice import ubl_parts as parts
from kontera.interpret.einvoice.finish import XmlInvoiceInterpreter
from kontera.interpret.einvoice.ubl_parts import CAC
from kontera.interpret.einvoice.ubl_parts import CBC
from kontera.interpret.einvoice.xmlfields import CREDIT_NOTE_CODES
from kontera.interpret.einvoice.xmlfields import Element
from kontera.interpret.einvoice.xmlfields import FieldWriter
from kontera.interpret.einvoice.xmlfields import child
from kontera.interpret.einvoice.xmlfields import children
from kontera.interpret.einvoice.xmlfields import note_text
from kontera.interpret.einvoice.xmlfields import text

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_ROOTS = {f"{{{INVOICE_NS}}}Invoice": False, f"{{{CREDIT_NOTE_NS}}}CreditNote": True}
# Order-process documents, with their UNCL 1001 document codes: recognised so they can be
# routed to a person, never posted.
_ORDER_CODES = {
    "Order": "220",
    "OrderChange": "230",
    "OrderResponse": "231",
    "OrderResponseSimple": "231",
    "DespatchAdvice": "351",
}
_ORDER_ROOTS = {
    f"{{urn:oasis:names:specification:ubl:schema:xsd:{name}-2}}{name}": code
    for name, code in _ORDER_CODES.items()
}
_ORDER_MARKERS = tuple(
    f"urn:oasis:names:specification:ubl:schema:xsd:{name}-2".encode() for name in _ORDER_CODES
)


class UblInterpreter(XmlInvoiceInterpreter):
    name = "ubl"
    kinds = (FileKind.UBL, FileKind.XML)

    def looks_like(self, data: bytes) -> bool:
        return looks_like_ubl(data)

    def read(self, root: Element) -> Invoice:
        return read_ubl(root)


def looks_like_ubl(data: bytes) -> bool:
    head = data[:200_000]
    if INVOICE_NS.encode() in head or CREDIT_NOTE_NS.encode() in head:
        return True
    return any(marker + b'"' in head for marker in _ORDER_MARKERS)


def read_ubl(root: Element) -> Invoice:
    """Read a parsed UBL Invoice or CreditNote element into a domain `Invoice`."""
    if root.tag in _ORDER_ROOTS:
        return read_order_document(root)
    is_credit_note_root = _ROOTS.get(root.tag)
    if is_credit_note_root is None:
        raise InterpretationFailed(
            "This XML is not a UBL 2.1 Invoice or CreditNote (EHF / Peppol BIS)."
        )
    invoice = Invoice()
    w = FieldWriter(invoice)
    _read_document_type(w, root, is_credit_note_root)
    _read_header(w, root)
    parts.read_party(w, "seller", descend_party(root, "AccountingSupplierParty"))
    parts.read_party(w, "buyer", descend_party(root, "AccountingCustomerParty"))
    parts.read_payee(w, child(root, CAC + "PayeeParty"))
    parts.read_tax_representative(w, child(root, CAC + "TaxRepresentativeParty"))
    parts.read_references(w, root)
    parts.read_delivery_and_period(w, root)
    parts.read_payment(w, root)
    parts.read_allowances(w, "allowances_charges", root)
    parts.read_vat(w, root)
    parts.read_totals(w, child(root, CAC + "LegalMonetaryTotal"))
    # Either line element in either root: broken senders mix them, and a line is a line.
    lines = root.iterchildren(CAC + "InvoiceLine", CAC + "CreditNoteLine")
    for index, line in enumerate(lines):
        parts.read_line(w, index, line)
    parts.read_attachments(w, root)
    return invoice


def read_order_document(root: Element) -> Invoice:
    """Identify an order-process document (number, date, parties) and flag it for review."""
    invoice = Invoice()
    w = FieldWriter(invoice)
    w.set("type_code", _ORDER_ROOTS[root.tag])
    w.set("profile", text(root, CBC + "CustomizationID"))
    w.set("invoice_number", text(root, CBC + "ID"))
    w.date("issue_date", text(root, CBC + "IssueDate"))
    w.set("currency", text(root, CBC + "DocumentCurrencyCode"))
    parts.read_party(w, "seller", descend_party(root, "SellerSupplierParty"))
    parts.read_party(w, "buyer", descend_party(root, "BuyerCustomerParty"))
    return invoice


def descend_party(root: Element, role: str) -> Element | None:
    return child(child(root, CAC + role), CAC + "Party")


def _read_document_type(w: FieldWriter, root: Element, is_credit_note_root: bool) -> None:
    code = text(root, CBC + "CreditNoteTypeCode") or text(root, CBC + "InvoiceTypeCode")
    w.set("type_code", code)
    credit = is_credit_note_root or code in CREDIT_NOTE_CODES
    document_type = DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE
    w.set("document_type", document_type)
    w.sign = Decimal(-1) if credit else Decimal(1)


def _read_header(w: FieldWriter, root: Element) -> None:
    w.set("profile", text(root, CBC + "CustomizationID"))
    w.set("invoice_number", text(root, CBC + "ID"))
    w.date("issue_date", text(root, CBC + "IssueDate"))
    due = text(root, CBC + "DueDate") or text(root, CAC + "PaymentMeans", CBC + "PaymentDueDate")
    w.date("due_date", due)
    w.set("currency", text(root, CBC + "DocumentCurrencyCode"))
    w.set("tax_currency", text(root, CBC + "TaxCurrencyCode"))
    notes = [n for n in (note_text(text(e)) for e in children(root, CBC + "Note")) if n]
    w.set("note", "\n".join(notes) if notes else None)
