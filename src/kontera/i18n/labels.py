"""Names of code values (statuses, roles, document types, fields …) for people to read.

The codes are what the database and the API say (`needs_review`); the names are English
message ids marked for the catalogue, so `Translator.label(kind, code)` gives them in the
reader's language. A code without a name is shown as it is.
"""

from __future__ import annotations

from kontera.domain.messages import N_

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "open": N_("To review"),
        "all": N_("All"),
        "received": N_("Received"),
        "interpreted": N_("Interpreted"),
        "suggested": N_("Ready to approve"),
        "needs_review": N_("Needs review"),
        "approved": N_("Approved"),
        "posting": N_("Posting"),
        "posted": N_("Posted"),
        "rejected": N_("Rejected"),
        "duplicate": N_("Duplicate"),
        "failed": N_("Failed"),
    },
    "role": {
        "bookkeeper": N_("bookkeeper"),
        "approver": N_("approver"),
        "admin": N_("administrator"),
    },
    "doctype": {
        "invoice": N_("invoice"),
        "credit_note": N_("credit note"),
        "self_billing": N_("self-billing"),
        "prepayment": N_("prepayment invoice"),
        "corrective": N_("corrective invoice"),
    },
    "sort": {
        "due": N_("due date"),
        "received": N_("received"),
        "amount": N_("amount"),
        "supplier": N_("supplier"),
        "confidence": N_("confidence"),
        "status": N_("status"),
    },
    "field": {
        "document_type": N_("Document type"),
        "invoice_number": N_("Invoice number"),
        "issue_date": N_("Issue date"),
        "due_date": N_("Due date"),
        "currency": N_("Currency"),
        "seller.name": N_("Supplier"),
        "seller.org_number": N_("Supplier org. no."),
        "seller.vat_id": N_("Supplier VAT id"),
        "buyer.name": N_("Buyer"),
        "buyer.org_number": N_("Buyer org. no."),
        "references.order": N_("Order reference"),
        "references.buyer_reference": N_("Buyer reference"),
        "payment.kid": N_("KID / payment reference"),
        "payment.bank_account": N_("Bank account"),
        "payment.iban": N_("IBAN"),
        "totals.net": N_("Total excl. VAT"),
        "totals.vat": N_("VAT"),
        "totals.payable": N_("Amount due"),
    },
    "source": {
        "xml": N_("from the e-invoice"),
        "pdf_text": N_("from the PDF text"),
        "ocr": N_("from OCR"),
        "person": N_("corrected by a person"),
        "none": N_("unknown source"),
    },
    "sync_state": {  # a ledger sync run
        "running": N_("running"),
        "succeeded": N_("completed"),
        "failed": N_("failed"),
    },
    "sync_read": {  # what a ledger sync read
        "chart": N_("Chart read"),
        "suppliers": N_("Suppliers read"),
        "dimensions": N_("Dimensions read"),
        "history": N_("History read"),
    },
    "language": {
        "nb": N_("Norwegian (bokmål)"),
        "sv": N_("Swedish"),
        "en": N_("English"),
    },
    "warning": {
        "duplicate": N_("Possible duplicate of"),
        "bank_account": N_("New bank account for this supplier:"),
        "credit_note": N_("Credit note:"),
        "status": N_("Needs review:"),
        "note": N_("Note:"),
        "voucher": N_("Cannot be approved:"),
    },
}


def label_text(kind: str, code: str | None) -> str | None:
    """The English name of `code` in `kind`, or None when it has none."""
    return LABELS.get(kind, {}).get(code or "")
