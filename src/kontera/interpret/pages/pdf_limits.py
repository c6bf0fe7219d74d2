"""Refuse hostile or broken PDFs before any renderer touches them, with a readable reason.

qpdf (through pikepdf) parses the file structure lazily; every Flate stream is inflated with a
ceiling so a decompression bomb is caught at the ceiling, not after it has eaten the memory.
Image XObjects are checked for their pixel count the same way.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import pikepdf

from kontera.domain.errors import EmptyDocument
from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import UnsafeDocument
from kontera.domain.messages import msg

# Ceiling on all inflated stream bytes in one document, and on one stream's inflation ratio.
MAX_INFLATED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 1000
# Blank page images compress extremely well too: only a big stream that also expands more
# than MAX_RATIO times is a bomb.
_MIN_RATIO_CHECK = 32 * 1024 * 1024
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PdfFacts:
    page_count: int
    page_sizes: tuple[tuple[float, float], ...]  # points


def check_pdf(data: bytes, *, max_pages: int, max_pixels_per_page: int, dpi: int) -> PdfFacts:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as e:
        raise InterpretationFailed(
            "The PDF is password-protected. Ask the supplier for an unprotected copy."
        ) from e
    except (pikepdf.PdfError, ValueError, OSError) as e:
        raise InterpretationFailed(
            msg("The PDF is damaged and cannot be read ({e}).", e=_short(e))
        ) from e
    with pdf:
        return _check_open(pdf, max_pages, max_pixels_per_page, dpi)


def _check_open(pdf: pikepdf.Pdf, max_pages: int, max_pixels: int, dpi: int) -> PdfFacts:
    try:
        count = len(pdf.pages)
    except pikepdf.PdfError as e:
        raise InterpretationFailed(msg("The PDF's page tree is damaged ({e}).", e=_short(e))) from e
    if count == 0:
        raise EmptyDocument("The PDF has no pages.")
    if count > max_pages:
        raise UnsafeDocument(
            msg(
                "The PDF has {count} pages; Kontera reads invoices of at most {max_pages} pages.",
                count=count,
                max_pages=max_pages,
            )
        )
    sizes = tuple(_page_size(page) for page in pdf.pages)
    for number, (width, height) in enumerate(sizes, start=1):
        pixels = (width / 72 * dpi) * (height / 72 * dpi)
        if pixels > max_pixels:
            raise UnsafeDocument(
                msg(
                    "Page {number} is {width} × {height} cm, too large to be an invoice page.",
                    number=number,
                    width=round(width / 72 * 2.54),
                    height=round(height / 72 * 2.54),
                )
            )
    _check_streams(pdf, max_pixels)
    return PdfFacts(count, sizes)


def _page_size(page: pikepdf.Page) -> tuple[float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    except (pikepdf.PdfError, ValueError, TypeError) as e:
        raise InterpretationFailed(
            msg("A page of the PDF has no valid size ({e}).", e=_short(e))
        ) from e
    return abs(x1 - x0), abs(y1 - y0)


def _check_streams(pdf: pikepdf.Pdf, max_pixels: int) -> None:
    budget = MAX_INFLATED_BYTES
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        if obj.get("/Subtype") == pikepdf.Name.Image:
            _check_image(obj, max_pixels)
        budget -= _inflated_size(obj, budget)
        if budget < 0:
            raise UnsafeDocument("The PDF unpacks to far more data than any invoice needs.")


def _check_image(stream: pikepdf.Stream, max_pixels: int) -> None:
    try:
        width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
    except (TypeError, ValueError):
        return
    if width * height > max_pixels:
        raise UnsafeDocument(
            msg(
                "The PDF contains an image of {width} × {height} pixels, too large to process.",
                width=width,
                height=height,
            )
        )


def _inflated_size(stream: pikepdf.Stream, budget: int) -> int:
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
    try:
        raw = stream.read_raw_bytes()
    except pikepdf.PdfError as e:
        raise InterpretationFailed(msg("A stream in the PDF is damaged ({e}).", e=_short(e))) from e
    if not names or names[0] != "/FlateDecode":
        return len(raw)
    inflater, size, pending = zlib.decompressobj(), 0, raw
    try:
        # Inflate in chunks, never holding more than one chunk, and stop at the first sign.
        while pending and size <= budget:
            size += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
            if size > _MIN_RATIO_CHECK and size > MAX_RATIO * len(raw):
                raise UnsafeDocument(
                    "The PDF contains a compressed stream that expands absurdly (a zip bomb)."
                )
    except zlib.error:
        return len(raw)  # a broken stream: the renderer skips it; not our concern here
    return size


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
