"""Read a PDF's visible content: the text layer where there is one, OCR page by page where not.

pypdfium2 gives the text layer as positioned runs in a few milliseconds per page (pdfplumber
is ten times slower for the same words). A page whose text layer is missing or unusable
(a scan, or glyphs without a Unicode map) is rendered and handed to `ocr.py`. Embedded XML is
deliberately ignored here: the e-invoice backend outranks this one when XML is present.
"""

from __future__ import annotations

import time

import pypdfium2 as pdfium

from kontera.domain.errors import InterpretationFailed
from kontera.domain.fields import Source
from kontera.domain.filetypes import FileKind
from kontera.interpret.assemble import assemble_invoice
from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.ocr import OcrSettings
from kontera.interpret.ocr import PageImage
from kontera.interpret.ocr import ocr_pages
from kontera.interpret.pdf_limits import check_pdf
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import build_page

# A page needs this many letters or digits in its text layer to be read without OCR.
_MIN_USABLE_CHARS = 25
_MIN_USABLE_RATIO = 0.5


class PdfTextInterpreter:
    name = "pdf_text"

    def score(self, kind: FileKind, data: bytes) -> int:
        return 50 if kind is FileKind.PDF else 0

    def interpret(self, data: bytes, ctx: InterpretContext) -> Interpretation:
        pages = read_pdf_pages(data, ctx)
        invoice = assemble_invoice(pages, ctx)
        return Interpretation(invoice, self.name, rendering=data, page_count=len(pages))


def read_pdf_pages(data: bytes, ctx: InterpretContext) -> list[Page]:
    """Every page as positioned words: text layer first, OCR for the pages without one."""
    deadline = time.monotonic() + ctx.timeout_seconds
    check_pdf(
        data, max_pages=ctx.max_pages, max_pixels_per_page=ctx.max_pixels_per_page, dpi=ctx.ocr_dpi
    )
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise InterpretationFailed(f"The PDF cannot be opened ({e}).") from e
    try:
        pages = [_text_page(document, index) for index in range(len(document))]
        _check_deadline(deadline, ctx)
        scans = [i for i, page in enumerate(pages) if not _usable(page)]
        if scans:
            images = [_render(document, i, ctx.ocr_dpi) for i in scans]
            _check_deadline(deadline, ctx)
            remaining = max(1.0, deadline - time.monotonic())
            for index, page in zip(
                scans, ocr_pages(images, _settings(ctx, remaining)), strict=True
            ):
                pages[index] = page
    finally:
        document.close()
    return pages


def _settings(ctx: InterpretContext, remaining: float) -> OcrSettings:
    return OcrSettings(
        languages=ctx.ocr_languages, workers=ctx.ocr_workers, timeout_seconds=remaining
    )


def _text_page(document: pdfium.PdfDocument, index: int) -> Page:
    page = document[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        words: list[Word] = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            words += _split_run(text, left, height - top, right, height - bottom)
        textpage.close()
    finally:
        page.close()
    return build_page(index + 1, width, height, Source.PDF_TEXT, words)


def _split_run(text: str, x0: float, top: float, x1: float, bottom: float) -> list[Word]:
    """A text run split into words, each given its share of the run's width."""
    text = text.replace("\r", " ").replace("\n", " ").replace("\x02", "-").replace("\xa0", " ")
    if not text.strip():
        return []
    per_char = (x1 - x0) / max(len(text), 1)
    words, position = [], 0
    for token in text.split(" "):
        if token:
            start = x0 + position * per_char
            words.append(Word(token, start, top, start + len(token) * per_char, bottom))
        position += len(token) + 1
    return words


def _usable(page: Page) -> bool:
    text = "".join(w.text for w in page.words)
    good = sum(c.isalnum() for c in text)
    return good >= _MIN_USABLE_CHARS and good >= _MIN_USABLE_RATIO * len(text)


def _render(document: pdfium.PdfDocument, index: int, dpi: int) -> PageImage:
    page = document[index]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image = bitmap.to_pil()
    finally:
        page.close()
    return PageImage(index + 1, image, float(dpi))


def _check_deadline(deadline: float, ctx: InterpretContext) -> None:
    if time.monotonic() > deadline:
        raise InterpretationFailed(
            f"Reading the document took longer than {ctx.timeout_seconds:.0f} seconds."
        )
