"""Documents that look like invoices but must not be posted as ordinary supplier invoices.

Each kind gets a warning note with code `not_ordinary_invoice`, so the service routes the
document to a person instead of auto-approving it:

* self-billing (UNCL 1001 389/527, credit 261; Peppol self-billing customisation): the buyer
  wrote it, so our own sale may be described, not a purchase;
* forward-billing (EHF nettleie, type 82): a third party's charge billed on its behalf;
* reminders (EHF reminder): the debt is already booked from the original invoice;
* payment requests (EHF betalingsanmodning): not an invoice, no VAT to deduct;
* orders and other order-process documents (UBL Order, OrderResponse, DespatchAdvice …).
"""

from __future__ import annotations

from dataclasses import dataclass

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import Message
from kontera.domain.messages import msg

NOT_ORDINARY = "not_ordinary_invoice"


@dataclass(frozen=True, slots=True)
class DocumentKind:
    key: str
    explanation: Message


SELF_BILLING = DocumentKind(
    "self_billing",
    msg(
        "This is a self-billing invoice: the buyer issued it on the seller's behalf. Check whether "
        "it describes a purchase or one of your own sales before posting."
    ),
)
FORWARD_BILLING = DocumentKind(
    "forward_billing",
    msg(
        "This is a forward-billed invoice (for example grid rent billed by the power supplier): "
        "it is another company's charge, passed on. Check the supplier and VAT before posting."
    ),
)
REMINDER = DocumentKind(
    "reminder",
    msg(
        "This is a payment reminder. The original invoice is already the voucher; post only the "
        "reminder fee or interest, if any."
    ),
)
PAYMENT_REQUEST = DocumentKind(
    "payment_request",
    msg("This is a payment request, not an invoice: it gives no right to deduct VAT."),
)
ORDER = DocumentKind(
    "order",
    msg(
        "This is an order-process document (order, order response or despatch advice), not an "
        "invoice. Nothing should be posted from it."
    ),
)

_SELF_BILLING_CODES = frozenset({"389", "527", "261"})
_FORWARD_BILLING_CODES = frozenset({"82"})
_ORDER_CODES = frozenset({"220", "230", "231", "351"})  # order, change, response, despatch
# Markers in the CustomizationID (BT-24) of the EHF / Peppol specifications.
_PROFILE_MARKERS = (
    ("selfbilling", SELF_BILLING),
    ("self-billing", SELF_BILLING),
    ("forward-billing", FORWARD_BILLING),
    (":reminder:", REMINDER),
    ("payment-request", PAYMENT_REQUEST),
)


def document_kind(invoice: Invoice) -> DocumentKind | None:
    """The special kind of this document, or None for an ordinary invoice or credit note."""
    profile = (invoice.profile or "").lower()
    for marker, kind in _PROFILE_MARKERS:
        if marker in profile:
            return kind
    if invoice.type_code in _SELF_BILLING_CODES:
        return SELF_BILLING
    if invoice.type_code in _FORWARD_BILLING_CODES:
        return FORWARD_BILLING
    if invoice.type_code in _ORDER_CODES:
        return ORDER
    return None


def flag_document_kind(invoice: Invoice, kind: DocumentKind | None = None) -> DocumentKind | None:
    """Add the `not_ordinary_invoice` note when the document is one of the special kinds."""
    kind = kind or document_kind(invoice)
    if kind is not None and not any(n.code == NOT_ORDINARY for n in invoice.notes):
        flag = note(kind.explanation, Severity.WARNING, NOT_ORDINARY, field="document_type")
        invoice.add_note(flag)
    return kind
