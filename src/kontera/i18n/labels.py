"""Names of code values (statuses, roles, document types, fields …) for people to read.

The codes are what the database and the API say (`needs_review`); the names are English
message ids marked for the catalogue, so `Translator.label(kind, code)` gives them in the
reader's language. A code without a name is shown as it is.
"""

from __future__ import annotations

import re

from kontera.domain.messages import N_
from kontera.domain.messages import Message
from kontera.domain.messages import msg

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "open": N_("To review"),
        "all": N_("All"),
        "received": N_("Received"),
        "interpreted": N_("Interpreted"),
        "suggested": N_("Ready to approve"),
        "needs_review": N_("Needs review"),
        "attesting": N_("Waiting for attestation"),
        "approved": N_("Approved"),
        "posting": N_("Posting"),
        "posted": N_("Posted"),
        "rejected": N_("Rejected"),
        "duplicate": N_("Duplicate"),
        "failed": N_("Failed"),
    },
    "role": {
        "attestant": N_("attestant"),
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
        "references.preceding_invoices": N_("Credited invoice"),
        "payment.kid": N_("KID / payment reference"),
        "payment.bank_account": N_("Bank account"),
        "payment.iban": N_("IBAN"),
        "payment.bic": N_("BIC"),
        "payment.bankgiro": N_("Bankgiro"),
        "payment.plusgiro": N_("Plusgiro"),
        "totals.net": N_("Total excl. VAT"),
        "totals.gross": N_("Total incl. VAT"),
        "totals.vat": N_("VAT"),
        "totals.payable": N_("Amount due"),
        "totals.prepaid": N_("Paid in advance"),
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
        "inbox": N_("Ledger inbox read"),
    },
    "line_field": {  # a field of an invoice line ("lines.2.net")
        "net": N_("net amount"),
        "quantity": N_("quantity"),
        "unit_price": N_("net price"),
        "description": N_("Description"),
        "item_name": N_("item name"),
        "vat_rate": N_("VAT rate"),
        "vat_category": N_("VAT category"),
        "unit": N_("unit of measure"),
    },
    "evidence": {  # what two documents share when one is a duplicate of the other
        "invoice_number": N_("invoice number"),
        "amount": N_("amount"),
        "issue_date": N_("issue date"),
        "kid": N_("KID"),
    },
    "action": {  # audit trail entries a bookkeeper sees on a document
        "received": N_("received"),
        "received_again": N_("received again"),
        "corrected": N_("corrected"),
        "exchange_rate:used": N_("exchange rate used"),
        "outbound:call": N_("called the accounting system"),
        "mail:received": N_("received by e-mail"),
        "mail:quarantined": N_("held in the mail quarantine"),
        "mail:released": N_("released from the mail quarantine"),
        "webhook:delivery": N_("webhook sent"),
        "history:import": N_("history imported"),
        "settings:auto_approval": N_("auto-approval settings changed"),
        "connection:set": N_("accounting system connected"),
        "connection:authorized": N_("accounting system authorised"),
        "model:evaluate": N_("suggestions evaluated"),
        "model:skipped": N_("model training skipped"),
        "attest:requested": N_("sent for attestation"),
        "attest:attested": N_("attested"),
        "attest:refused": N_("attestation refused"),
        "settings:attestation": N_("attestation settings changed"),
        "settings:attest_rule_added": N_("attestation rule added"),
        "settings:attest_rule_removed": N_("attestation rule removed"),
        "settings:attest_limit": N_("approval limit changed"),
        "attest:mailed": N_("e-mailed to the attestant"),
        "attest:reminded": N_("attestant reminded by e-mail"),
        "attest:mail_failed": N_("e-mail to the attestant not delivered"),
        "attest:mail_retried": N_("e-mail to the attestant sent again"),
        "attest:link_opened": N_("attestation link opened"),
        "inbox:taken": N_("taken from the accounting system's inbox"),
        "inbox:gone": N_("left the accounting system's inbox (handled there)"),
        "inbox:unavailable": N_("the accounting system's inbox could not be read"),
        "access_point:taken": N_("received by the Peppol access point"),
        "folder:taken": N_("taken from the scan folder"),
    },
    "dimension": {  # a posting line's dimension kinds (review page)
        "department": N_("Department"),
        "project": N_("Project"),
        "cost_centre": N_("Cost centre"),
    },
    "attest_state": {  # an attestation request (services.attestation)
        "pending": N_("Waiting for attestation"),
        "attested": N_("Attested"),
        "refused": N_("Refused"),
        "withdrawn": N_("Withdrawn"),
    },
    "attest_rule": {  # what an attestation rule looks at (services.attest_settings)
        "buyer_reference": N_("Buyer's reference"),
        "department": N_("Department"),
        "project": N_("Project"),
        "supplier": N_("Supplier"),
        "amount": N_("Amount"),
    },
    "attest_mail": {  # an e-mail to an attestant (services.attest_mail)
        "request": N_("Request"),
        "reminder": N_("Reminder"),
        "pending": N_("Will be tried again"),
        "failed": N_("Given up"),
        "sent": N_("Sent"),
        "cancelled": N_("Not needed any more"),
    },
    "actor": {  # who did it, when it was not a person (people are shown by e-mail)
        "worker": N_("Kontera"),
        "poster": N_("Kontera (posting)"),
        "auto-approval": N_("automatic approval"),
        "api": N_("the API"),
        "apikey": N_("an API key"),
        "email": N_("e-mail"),
        "cli": N_("the command line"),
        "trainer": N_("Kontera (learning)"),
        "webhooks": N_("webhooks"),
        "demo": N_("the demo"),
        "admin": N_("an administrator"),
        "fortnox": N_("Fortnox"),
        "inbox": N_("the accounting system's inbox"),
        "access_point": N_("the Peppol access point"),
        "folder": N_("the scan folder"),
    },
    "origin": {  # how a document came to Kontera (Document.source)
        "ledger": N_("ledger inbox"),
        "access_point": N_("access point"),
        "folder": N_("scan folder"),
        "email": N_("e-mail"),
        "upload": N_("upload"),
        "ui": N_("upload"),
        "api": N_("API"),
        "demo": N_("demo"),
    },
    "system": {  # accounting systems and the file export
        "tripletex": N_("Tripletex"),
        "poweroffice": N_("PowerOffice Go"),
        "fortnox": N_("Fortnox"),
        "export": N_("file export (SIE/CSV)"),
    },
    "history_source": {  # where a posting-history line came from
        "import": N_("imported"),
        "approval": N_("approvals"),
        "demo": N_("demo"),
    },
    "model_card": {  # the facts of a trained model's card
        "file": N_("file"),
        "data_hash": N_("training data hash"),
        "n_lines": N_("history lines"),
        "n_accounts": N_("accounts"),
        "n_suppliers": N_("suppliers"),
        "chart": N_("chart of accounts"),
        "metrics": N_("figures"),
        "candidate_recall": N_("share of lines whose right account was among the candidates"),
        "format_version": N_("format version"),
        "sklearn_version": N_("scikit-learn version"),
        "skops_version": N_("skops version"),
        "trained_at": N_("trained"),
        "train_accuracy": N_("accuracy on the training lines"),
        "top1": N_("right at the first suggestion"),
        "top3": N_("right among the three first suggestions"),
        "coverage": N_("share of lines suggested"),
        "ece": N_("calibration error (ECE)"),
        "model": N_("model"),
        "model_sha256": N_("model file checksum"),
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


def label_message(kind: str, code: str) -> Message:
    """The name of a code value as a message (translated where it is shown), or the code."""
    return Message(label_text(kind, code) or code)


def field_label(path: str) -> Message:
    """A field's name as a message ("totals.payable" → "Amount due", "lines.1.net" → "Line 2:
    net amount"), or its path when it has no name."""
    line = _LINE_FIELD.fullmatch(path)
    if line:
        name = label_message("line_field", line.group(2))
        return msg("Line {n}: {field}", n=int(line.group(1)) + 1, field=name)
    return Message(label_text("field", path) or path)


_LINE_FIELD = re.compile(r"lines\.(\d+)\.(\w+)")
