"""The text the archive search looks in, kept beside each document (`SearchText`).

Written when a document is interpreted, corrected or given a note, so a search is one
indexed query per company instead of a walk through every interpretation's JSON.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session
from sqlmodel import select

from kontera.domain.invoice import Invoice
from kontera.store.tables import Document
from kontera.store.tables_finish import DocumentComment
from kontera.store.tables_finish import SearchText


def search_words(document: Document, invoice: Invoice | None, notes: Iterable[str]) -> str:
    parts: list[str | None] = [document.filename, document.sender]
    if invoice is not None:
        seller, refs, pay = invoice.seller, invoice.references, invoice.payment
        parts += [seller.name, seller.org_number, seller.vat_id, invoice.invoice_number]
        parts += [pay.kid, pay.bank_account, pay.iban, refs.order, refs.buyer_reference]
        parts += [refs.contract, refs.project, invoice.note]
        parts += [line.description or line.item_name for line in invoice.lines]
    parts += list(notes)
    return " ".join(" ".join(p.split()) for p in parts if p).casefold()


def store_search_text(session: Session, *, document: Document, invoice: Invoice | None) -> None:
    notes = session.exec(
        select(DocumentComment.text).where(DocumentComment.document_id == document.id)
    ).all()
    row = session.get(SearchText, document.id) or SearchText(
        document_id=document.id, company_id=document.company_id, text=""
    )
    row.text = search_words(document, invoice, notes)
    session.add(row)
