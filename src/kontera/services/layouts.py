"""Learning where each supplier puts its fields, from a bookkeeper's corrections.

A correction on a PDF is located on the page (`kontera.interpret.layout`), and the hint is
kept per company under every identity of the seller (VAT id, org.nr, name), which is how the
interpreter looks hints up on the supplier's next invoice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from sqlmodel import Session
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.domain.invoice import Invoice
from kontera.interpret.base import InterpretContext
from kontera.interpret.layout import learn_from_correction
from kontera.interpret.pdf import read_pdf_pages
from kontera.services.context import AppContext
from kontera.store.tables import Document
from kontera.store.tables_interpret import SupplierLayout
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
# Reading pages again is cheap for born-digital PDFs; scans would need OCR on every edit.
LEARNABLE_INTERPRETERS = {"pdf_text"}


def layout_hints(session: Session, *, company_id: str) -> dict[str, list[dict[str, Any]]]:
    rows = session.exec(select(SupplierLayout).where(SupplierLayout.company_id == company_id))
    hints: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        hints[row.identity].append(row.hint)
    return dict(hints)


def identities(invoice: Invoice) -> list[str]:
    seller = invoice.seller
    return [value for value in (seller.vat_id, seller.org_number, seller.name) if value]


def learn_corrections(
    ctx: AppContext,
    session: Session,
    *,
    document: Document,
    interpreter: str,
    invoice: Invoice,
    changes: dict[str, Any],
) -> int:
    """Remember where corrected values sit; returns how many hints were learned."""
    if interpreter not in LEARNABLE_INTERPRETERS or not identities(invoice):
        return 0
    try:
        pages = read_pdf_pages(ctx.blobs.get(document.sha256), InterpretContext())
    except KonteraError:
        log.warning("cannot re-read the PDF to learn its layout", extra={"document": document.id})
        return 0
    learned = 0
    for path in changes:
        value = invoice.fields[path].value if path in invoice.fields else None
        hint = next(
            (h for page in pages if (h := learn_from_correction(page, path, value)) is not None),
            None,
        )
        if hint is not None:
            _store(session, document.company_id, identities(invoice), path, hint)
            learned += 1
    return learned


def _store(
    session: Session, company_id: str, names: list[str], field: str, hint: dict[str, Any]
) -> None:
    for identity in names:
        row = session.exec(
            select(SupplierLayout).where(
                SupplierLayout.company_id == company_id,
                SupplierLayout.identity == identity,
                SupplierLayout.field == field,
            )
        ).first() or SupplierLayout(company_id=company_id, identity=identity, field=field)
        row.hint, row.updated_at = hint, utcnow()
        session.add(row)
