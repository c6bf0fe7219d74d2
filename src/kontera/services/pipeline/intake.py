"""Checks that protect the money, run once when a document has been read.

The invoice must be addressed to the company that received it, and its seller is matched to
the company's suppliers by org.nr / VAT id first (`services.suppliers`). What they find is a
WARNING note on the invoice: the document waits for a person ("needs review", with the note
as the reason) and bulk approval never takes it.
"""

from __future__ import annotations

from sqlmodel import Session

from kontera.domain.invoice import Invoice
from kontera.interpret.fields.recipient import recipient_note
from kontera.services.pipeline.suppliers import recognise_supplier
from kontera.store import repo
from kontera.store.tables import Document


def check_intake(session: Session, *, document: Document, invoice: Invoice) -> None:
    company = repo.get_company(session, company_id=document.company_id)
    note = recipient_note(invoice, company.name, company.org_number)
    if note is not None:
        invoice.add_note(note)
    recognise_supplier(session, document=document, invoice=invoice)
