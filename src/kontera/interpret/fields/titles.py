"""Credit note or invoice, from the title a page prints."""

from __future__ import annotations

import re

from kontera.domain.invoice import DocumentType
from kontera.interpret.fields.labels import CREDIT_NOTE
from kontera.interpret.fields.labels import fold
from kontera.interpret.textpage import Page

_INVOICE_TITLE = re.compile(r"(?<![a-z])(?:faktura|invoice|rechnung|facture|factuur|nota)(?![a-z])")


def document_kind(pages: list[Page]) -> tuple[DocumentType, float]:
    """Credit note or invoice, and how plainly the page says so (an uncalibrated score): a
    credit-note title, an invoice title, or neither (then an invoice is only the likelier)."""
    if not pages:
        return DocumentType.INVOICE, 0.5
    first = pages[0]
    head = fold(
        " ".join(line.text for line in first.lines if line.top < first.height * 0.45).lower()
    )
    if CREDIT_NOTE.search(head):
        return DocumentType.CREDIT_NOTE, 0.95
    return DocumentType.INVOICE, 0.9 if _INVOICE_TITLE.search(head) else 0.5
