"""Learning where each supplier puts its fields, from a bookkeeper's corrections.

A correction on a PDF or a scan is located on the page (`kontera.interpret.fields.layout`), and the
hint is kept per company under every identity of the seller (VAT id, org.nr, name), which is
how the interpreter looks hints up on the supplier's next invoice.

Scans are not read again for that: the words OCR found when the document was interpreted are
kept beside its page images (`pages/<sha256>/words.json` in the document store), so a
correction on a scan teaches as quickly as one on a text PDF.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from sqlmodel import Session
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.domain.errors import NotFound
from kontera.domain.invoice import Invoice
from kontera.interpret.base import Interpretation
from kontera.interpret.fields.layout import learn_from_correction
from kontera.interpret.pages.corrections import read_pages as read_document_pages
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import pages_from_json
from kontera.interpret.textpage import scan_words
from kontera.services.context import AppContext
from kontera.store.blobs import original_key
from kontera.store.tables import Document
from kontera.store.tables_interpret import SupplierLayout
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
LEARNABLE_INTERPRETERS = {"pdf_text", "image_ocr"}
WORDS_FILE = "words.json"


def words_key(sha256: str) -> str:
    original_key(sha256)  # refuses anything but a sha256
    return f"pages/{sha256}/{WORDS_FILE}"


def keep_scan_words(ctx: AppContext, sha256: str, result: Interpretation) -> None:
    """Keep what OCR read on a scanned document, for learning from its corrections later."""
    if result.scan_words is not None:
        ctx.blobs.write(words_key(sha256), result.scan_words)


def read_pages(ctx: AppContext, sha256: str) -> list[Page]:
    """The document's pages: the kept OCR words of a scan, else read again (a text layer is
    read in milliseconds; a scan whose words were not kept is read by OCR once more and its
    words kept)."""
    try:
        return pages_from_json(json.loads(ctx.blobs.read(words_key(sha256))))
    except NotFound:
        pass
    pages = read_document_pages(ctx.blobs.get(sha256), ctx.interpret_context())
    words = scan_words(pages)
    if words is not None:
        ctx.blobs.write(words_key(sha256), words)
    return pages


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
        pages = read_pages(ctx, document.sha256)
    except KonteraError:
        log.warning(
            "cannot re-read the document to learn its layout", extra={"document": document.id}
        )
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
