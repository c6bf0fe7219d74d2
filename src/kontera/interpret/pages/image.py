"""Scanned invoices as images: PNG, JPEG and TIFF (multi-page TIFF = one page per frame).

Pillow reads only the header before the limits are checked, so a decompression bomb is
refused before its pixels are decoded. The image's own resolution is used when it states a
plausible one; otherwise 200 dpi, the usual scanner setting, is assumed.
"""

from __future__ import annotations

import io
import time
import warnings
from decimal import Decimal

from PIL import Image
from PIL import ImageSequence
from PIL import UnidentifiedImageError

from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import UnsafeDocument
from kontera.domain.filetypes import FileKind
from kontera.domain.messages import msg
from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.assemble import assemble_invoice
from kontera.interpret.pages.ocr import OcrSettings
from kontera.interpret.pages.ocr import PageImage
from kontera.interpret.pages.ocr import ocr_pages
from kontera.interpret.textpage import page_turns
from kontera.interpret.textpage import scan_words

ASSUMED_DPI = 200.0


class ImageInterpreter:
    name = "image_ocr"

    def score(self, kind: FileKind, data: bytes) -> int:
        return 40 if kind.is_image else 0

    def interpret(self, data: bytes, ctx: InterpretContext) -> Interpretation:
        started = time.monotonic()
        images = load_pages(data, ctx)
        settings = OcrSettings(
            languages=ctx.ocr_languages,
            workers=ctx.ocr_workers,
            timeout_seconds=max(1.0, ctx.timeout_seconds - (time.monotonic() - started)),
        )
        pages = ocr_pages(images, settings)
        invoice = assemble_invoice(pages, ctx)
        mime = FileKind.TIFF.mime_type if data[:4] in (b"II*\x00", b"MM\x00*") else None
        return Interpretation(
            invoice,
            self.name,
            rendering=data,
            rendering_mime=mime or _mime(data),
            page_count=len(pages),
            page_turns=page_turns(pages),
            scan_words=scan_words(pages),
        )


def load_pages(data: bytes, ctx: InterpretContext) -> list[PageImage]:
    image = _open(data, ctx)
    pages = []
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        if number > ctx.max_pages:
            raise UnsafeDocument(
                msg("The image has more than {max_pages} pages.", max_pages=ctx.max_pages)
            )
        _check_pixels(frame.size, ctx, number)
        try:
            decoded = frame.convert("L")
        except (OSError, ValueError) as e:
            raise InterpretationFailed(
                msg("Page {number} of the image is damaged ({e}).", number=number, e=str(e))
            ) from e
        pages.append(PageImage(number, decoded, _dpi(frame)))
    return pages


def _open(data: bytes, ctx: InterpretContext) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns, then raises, on bombs; we check the size ourselves with a clear reason.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as e:
            raise UnsafeDocument("The image has far more pixels than any scanned page.") from e
        except (UnidentifiedImageError, OSError, ValueError) as e:
            raise InterpretationFailed(msg("The image cannot be read ({e}).", e=str(e))) from e
    _check_pixels(image.size, ctx, 1)
    return image


def _check_pixels(size: tuple[int, int], ctx: InterpretContext, number: int) -> None:
    width, height = size
    if width * height > ctx.max_pixels_per_page:
        raise UnsafeDocument(
            msg(
                "Page {number} of the image is {width} × {height} pixels, too large to be a "
                "scan of an invoice page (limit {limit} pixels).",
                number=number,
                width=width,
                height=height,
                limit=Decimal(ctx.max_pixels_per_page),
            )
        )
    if width < 50 or height < 50:
        raise InterpretationFailed(
            msg("Page {number} of the image is too small to read.", number=number)
        )


def _dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 70 <= value <= 1200 else ASSUMED_DPI


def _mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return FileKind.PNG.mime_type
    if data.startswith(b"\xff\xd8"):
        return FileKind.JPEG.mime_type
    return FileKind.TIFF.mime_type
