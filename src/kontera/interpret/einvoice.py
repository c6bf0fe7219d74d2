"""The steps every e-invoice interpretation ends with, whichever syntax it came in.

1. recognise documents that are not ordinary supplier invoices (`doc_kinds`),
2. run the EN 16931 / Peppol / national checks (`checks`),
3. choose the human-readable rendering: an embedded PDF when the e-invoice carries one,
   otherwise a PDF rendered by Kontera (`render`).
"""

from __future__ import annotations

from kontera.domain.invoice import Attachment
from kontera.domain.invoice import Invoice
from kontera.interpret.base import Interpretation
from kontera.interpret.checks import check_invoice

PDF_MIME = "application/pdf"


def finish_interpretation(
    invoice: Invoice, interpreter: str, rendering: bytes | None = None
) -> Interpretation:
    check_invoice(invoice)
    extracted = [a for a in invoice.attachments if a.content is not None]
    if rendering is None:
        rendering = _embedded_pdf(extracted)
    return Interpretation(
        invoice=invoice, interpreter=interpreter, rendering=rendering, extracted=extracted
    )


def _embedded_pdf(attachments: list[Attachment]) -> bytes | None:
    for attachment in attachments:
        content = attachment.content
        if content is not None and (attachment.mime_type == PDF_MIME or content[:5] == b"%PDF-"):
            return content
    return None
