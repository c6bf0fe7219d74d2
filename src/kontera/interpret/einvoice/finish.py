"""The steps every e-invoice interpretation ends with, whichever syntax it came in.

1. recognise documents that are not ordinary supplier invoices (`doc_kinds`),
2. run the EN 16931 / Peppol / national checks (`checks`),
3. choose the human-readable rendering: the PDF the invoice came in (ZUGFeRD), else an
   embedded PDF attachment, else a PDF rendered by Kontera (`render`).
"""

from __future__ import annotations

import logging
from abc import ABC
from abc import abstractmethod
from typing import ClassVar

from kontera.domain.filetypes import FileKind
from kontera.domain.invoice import Attachment
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.checks.invoice import check_invoice
from kontera.interpret.einvoice.doc_kinds import ORDER
from kontera.interpret.einvoice.doc_kinds import flag_document_kind
from kontera.interpret.einvoice.xmlfields import Element
from kontera.interpret.einvoice.xmlsafe import parse_xml
from kontera.interpret.pages.pdfium_lock import PDFIUM

log = logging.getLogger(__name__)


class XmlInvoiceInterpreter(ABC):
    """One XML e-invoice syntax: `looks_like` decides by namespace, `read` builds the invoice.

    The namespace decides, not the root name or the generic sniffer's kind: ZUGFeRD's 2014
    draft also says <Invoice>, and long licence comments push the root past the sniffer's
    window. `render_missing=False` skips drawing a PDF view (bulk re-checks, benchmarks).
    """

    name: str
    kinds: ClassVar[tuple[FileKind, ...]]

    def __init__(self, render_missing: bool = True) -> None:
        self.render_missing = render_missing

    def score(self, kind: FileKind, data: bytes) -> int:
        return 100 if kind in self.kinds and self.looks_like(data) else 0

    def interpret(self, data: bytes, ctx: InterpretContext) -> Interpretation:
        invoice = self.read(parse_xml(data, ctx.max_xml_bytes))
        return finish_interpretation(
            invoice, self.name, render_missing=self.render_missing and ctx.render_missing
        )

    @abstractmethod
    def looks_like(self, data: bytes) -> bool: ...

    @abstractmethod
    def read(self, root: Element) -> Invoice: ...


def finish_interpretation(
    invoice: Invoice,
    interpreter: str,
    rendering: bytes | None = None,
    *,
    render_missing: bool = True,
) -> Interpretation:
    if flag_document_kind(invoice) is not ORDER:  # an order has no invoice rules to meet
        check_invoice(invoice)
    extracted = [a for a in invoice.attachments if a.content is not None]
    if rendering is None:
        rendering = _embedded_pdf(extracted)
    if rendering is None and render_missing:
        rendering = _render(invoice)
    return Interpretation(
        invoice=invoice,
        interpreter=interpreter,
        rendering=rendering,
        extracted=extracted,
        page_count=_page_count(rendering),
    )


def _page_count(pdf: bytes | None) -> int:
    """Pages of the rendering, which the review screen shows in place of the XML."""
    if pdf is None:
        return 0
    import pypdfium2 as pdfium

    with PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            return 0
        try:
            return len(document)
        finally:
            document.close()


def _embedded_pdf(attachments: list[Attachment]) -> bytes | None:
    for attachment in attachments:
        content = attachment.content
        # Trust the bytes, not the declared MIME type: examples in the wild carry placeholder
        # text declared as application/pdf.
        if content is not None and b"%PDF-" in content[:1024]:
            return content
    return None


def _render(invoice: Invoice) -> bytes | None:
    from kontera.interpret.render.pdf import render_invoice_pdf  # reportlab loads only when needed

    try:
        return render_invoice_pdf(invoice)
    except Exception:  # a layout failure must not lose the invoice; the XML is the original
        log.exception("rendering invoice %s failed", invoice.invoice_number)
        invoice.add_note(
            note(msg("Kontera could not draw a PDF view of this e-invoice."), code="no_rendering")
        )
        return None
