"""Read a PDF's visible content: the text layer where there is one, OCR page by page where not.

pypdfium2 gives the text layer as positioned characters in about 8 CPU ms per page (pdfplumber
took 55 ms for the same words on the corpus). A page whose text layer is missing or unusable
(a scan, or glyphs without a Unicode map) is rendered and handed to `ocr.py`. Embedded XML is
deliberately ignored here: the e-invoice backend outranks this one when XML is present.
"""

from __future__ import annotations

import ctypes
import math
import time

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from kontera.domain.errors import InterpretationFailed
from kontera.domain.fields import Source
from kontera.domain.filetypes import FileKind
from kontera.domain.messages import msg
from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.assemble import assemble_invoice
from kontera.interpret.pages.ocr import OcrSettings
from kontera.interpret.pages.ocr import PageImage
from kontera.interpret.pages.ocr import ocr_pages
from kontera.interpret.pages.pdf_limits import check_pdf
from kontera.interpret.pages.pdfium_lock import PDFIUM
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import build_page
from kontera.interpret.textpage import page_turns
from kontera.interpret.textpage import scan_words

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
        return Interpretation(
            invoice,
            self.name,
            rendering=data,
            page_count=len(pages),
            page_turns=page_turns(pages),
            scan_words=scan_words(pages),
        )


def read_pdf_pages(data: bytes, ctx: InterpretContext) -> list[Page]:
    """Every page as positioned words: text layer first, OCR for the pages without one."""
    deadline = time.monotonic() + ctx.timeout_seconds
    check_pdf(
        data, max_pages=ctx.max_pages, max_pixels_per_page=ctx.max_pixels_per_page, dpi=ctx.ocr_dpi
    )
    pages, scans, images = _read_text_and_scans(data, ctx, deadline)
    if scans:
        _check_deadline(deadline, ctx)
        remaining = max(1.0, deadline - time.monotonic())
        for index, page in zip(scans, ocr_pages(images, _settings(ctx, remaining)), strict=True):
            pages[index] = page
    return pages


def _read_text_and_scans(
    data: bytes, ctx: InterpretContext, deadline: float
) -> tuple[list[Page], list[int], list[PageImage]]:
    """Text pages, and images of the pages without text; PDFium is left before OCR starts."""
    with PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            raise InterpretationFailed(msg("The PDF cannot be opened ({e}).", e=str(e))) from e
        try:
            pages = [_text_page(document, index) for index in range(len(document))]
            _check_deadline(deadline, ctx)
            scans = [i for i, page in enumerate(pages) if not _usable(page)]
            images = [_render(document, i, ctx.ocr_dpi) for i in scans]
        except pdfium.PdfiumError as e:
            raise InterpretationFailed(
                msg("A page of the PDF cannot be read ({e}).", e=str(e))
            ) from e
        finally:
            document.close()
    return pages, scans, images


def _settings(ctx: InterpretContext, remaining: float) -> OcrSettings:
    return OcrSettings(
        languages=ctx.ocr_languages, workers=ctx.ocr_workers, timeout_seconds=remaining
    )


def _text_page(document: pdfium.PdfDocument, index: int) -> Page:
    page = document[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            words = _words_from_chars(textpage, height)
        finally:
            textpage.close()
    finally:
        page.close()
    return build_page(index + 1, width, height, Source.PDF_TEXT, words)


_SPACES = {" ", "\r", "\n", "\t", "\xa0", "\x00"}


def _words_from_chars(textpage: pdfium.PdfTextPage, height: float) -> list[Word]:
    """Words from the characters' own boxes. (pdfium's text "rects" are quicker but give a run
    padded for alignment the width of its whole table cell, which misplaces columns.)"""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    words: list[Word] = []
    chars: list[tuple[str, float, float, float, float]] = []
    bold = False
    for i, char in enumerate(text[:count]):
        if char in _SPACES or _rotated(textpage, i):
            # Text set sideways (a margin imprint, a watermark) runs across lines: not read.
            _flush(chars, words, bold)
            continue
        # Loose boxes (advance widths) abut, so a gap between them is real; tight boxes (the
        # glyphs' ink) keep neighbouring lines from overlapping.
        left, _, right, _ = textpage.get_charbox(i, loose=True)
        _, bottom, _, top = textpage.get_charbox(i)
        if chars and left - chars[-1][3] > 0.25 * max(top - bottom, 3.0):
            _flush(chars, words, bold)  # a gap with no space character: still two words
        if not chars:
            bold = _bold(textpage, i)  # a word's face is its first character's
        chars.append(("-" if char == "\x02" else char, left, height - top, right, height - bottom))
    _flush(chars, words, bold)
    return words


_FORCE_BOLD = 1 << 18


def _bold(textpage: pdfium.PdfTextPage, index: int) -> bool:
    """Is the character set in a bold face? pdfium's font weight is unset for most fonts, so
    the font's name and flags decide."""
    name = ctypes.create_string_buffer(96)
    flags = ctypes.c_int(0)
    size = pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, name, 96, ctypes.byref(flags))
    face = name.value.lower() if 0 < size <= 96 else b""
    return b"bold" in face or b"black" in face or bool(flags.value & _FORCE_BOLD)


def _rotated(textpage: pdfium.PdfTextPage, index: int) -> bool:
    angle = float(pdfium_c.FPDFText_GetCharAngle(textpage.raw, index))
    return 0.05 < angle < 2 * math.pi - 0.05


def _flush(
    chars: list[tuple[str, float, float, float, float]], words: list[Word], bold: bool
) -> None:
    if chars:
        words.append(
            Word(
                "".join(c[0] for c in chars),
                min(c[1] for c in chars),
                min(c[2] for c in chars),
                max(c[3] for c in chars),
                max(c[4] for c in chars),
                bold=bold,
            )
        )
        chars.clear()


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
            msg(
                "Reading the document took longer than {seconds} seconds.",
                seconds=round(ctx.timeout_seconds),
            )
        )
