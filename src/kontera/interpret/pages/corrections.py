"""Turn a bookkeeper's correction of a PDF or scan into a layout hint (see `layout.py`).

The caller (services) keeps the hints per supplier, keyed by
`kontera.domain.suppliers.supplier_key(invoice.seller)`, and passes them back through
`InterpretContext.layout_hints` when that supplier's next document is read.
"""

from __future__ import annotations

from typing import Any

from kontera.domain.filetypes import FileKind
from kontera.domain.filetypes import sniff
from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.layout import learn_from_correction
from kontera.interpret.pages.image import load_pages
from kontera.interpret.pages.ocr import OcrSettings
from kontera.interpret.pages.ocr import ocr_pages
from kontera.interpret.pages.pdf import read_pdf_pages
from kontera.interpret.textpage import Page


def hint_from_document(
    data: bytes, field: str, corrected_value: Any, ctx: InterpretContext, page: int | None = None
) -> dict[str, Any] | None:
    """The hint for `field` = `corrected_value` on this document, or None when the value is
    not printed on it (then there is nothing to learn). `page` (1-based) narrows the search
    when the bookkeeper's correction says where it was."""
    for candidate in read_pages(data, ctx):
        if page is not None and candidate.number != page:
            continue
        hint = learn_from_correction(candidate, field, corrected_value)
        if hint is not None:
            return hint
    return None


def read_pages(data: bytes, ctx: InterpretContext) -> list[Page]:
    """The document's pages as the interpreters read them: text layer, or OCR for scans."""
    kind = sniff(data)
    if kind is FileKind.PDF:
        return read_pdf_pages(data, ctx)
    if kind.is_image:
        settings = OcrSettings(languages=ctx.ocr_languages, workers=ctx.ocr_workers)
        return ocr_pages(load_pages(data, ctx), settings)
    return []
