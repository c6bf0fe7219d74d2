"""Document pages as PNG images, rendered once with pypdfium2 and kept in the document store.

Layout: `pages/<sha256>/<n>.png` (1-based pages) and `pages/<sha256>/sizes.json` with each
page's size in PDF points, which the detail page uses as the SVG viewBox for field boxes
(boxes are PDF points from the top-left, so no scaling is needed in Python). A page is the
same whoever renders it, so two web processes rendering it at once write the same bytes.
"""

from __future__ import annotations

import io
import json
from typing import Any

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.interpret.pages.image import ASSUMED_DPI
from kontera.interpret.pages.pdfium_lock import PDFIUM
from kontera.services.context import AppContext
from kontera.services.review.pages import PageSource
from kontera.store.blobs import original_key

SCALE = 1.5  # 108 dpi: sharp at 1366×768 and on a tablet, small enough to load fast
MAX_PAGES_SHOWN = 30
_lock = PDFIUM  # PDFium is process-wide and not thread-safe


def cache_key(sha256: str, name: str) -> str:
    original_key(sha256)  # refuses anything but a sha256
    return f"pages/{sha256}/{name}"


def page_sizes(ctx: AppContext, source: PageSource) -> list[tuple[float, float]]:
    """Width and height in points of every page shown (at most MAX_PAGES_SHOWN)."""
    if source.sha256 is None or source.kind == "none":
        return []
    key = cache_key(source.sha256, "sizes.json")
    try:
        return [(w, h) for w, h in json.loads(ctx.blobs.read(key))]
    except NotFound:
        pass
    data = ctx.blobs.get(source.sha256)
    sizes = _image_size(data) if source.kind == "image" else _pdf_sizes(data)
    ctx.blobs.write(key, json.dumps(sizes).encode())
    return sizes


def page_png(ctx: AppContext, source: PageSource, number: int, turns: int = 0) -> bytes:
    """The page as a PNG, turned `turns` quarter turns clockwise (each turn kept as well)."""
    if source.sha256 is None or source.kind == "none":
        raise NotFound("This document has no pages to show.")
    if not 1 <= number <= min(len(page_sizes(ctx, source)), MAX_PAGES_SHOWN):
        raise NotFound("No such page.")
    if turns % 4:
        return _turned_png(ctx, source, number, turns % 4)
    key = cache_key(source.sha256, f"{number}.png")
    try:
        return ctx.blobs.read(key)
    except NotFound:
        pass
    data = ctx.blobs.get(source.sha256)
    png = _image_png(data, number) if source.kind == "image" else _pdf_page_png(data, number)
    ctx.blobs.write(key, png)
    return png


def turned_size(size: tuple[float, float], turns: int) -> tuple[float, float]:
    return (size[1], size[0]) if turns % 2 else size


def _turned_png(ctx: AppContext, source: PageSource, number: int, turns: int) -> bytes:
    from PIL import Image

    assert source.sha256 is not None
    key = cache_key(source.sha256, f"{number}-turned-{turns}.png")
    try:
        return ctx.blobs.read(key)
    except NotFound:
        pass
    with Image.open(io.BytesIO(page_png(ctx, source, number))) as image:
        out = io.BytesIO()
        image.rotate(-90 * turns, expand=True).save(out, format="PNG", optimize=True)
    ctx.blobs.write(key, out.getvalue())
    return out.getvalue()


def _pdf_sizes(data: bytes) -> list[tuple[float, float]]:
    import pypdfium2

    with _lock:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as e:
            raise InvalidInput("The PDF cannot be shown: it is damaged or encrypted.") from e
        try:
            count = min(len(pdf), MAX_PAGES_SHOWN)
            return [(pdf[i].get_size()[0], pdf[i].get_size()[1]) for i in range(count)]
        finally:
            pdf.close()


def _pdf_page_png(data: bytes, number: int) -> bytes:
    import pypdfium2

    with _lock:
        pdf = pypdfium2.PdfDocument(data)
        try:
            image = pdf[number - 1].render(scale=SCALE).to_pil()
        finally:
            pdf.close()
    return _png(image)


def _png(image: Any) -> bytes:
    # No `optimize`: its extra passes took seconds per scan page to save a few percent of
    # the bytes (benchmarks/page_views.py); a lighter compression level is the better trade.
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _image_size(data: bytes) -> list[tuple[float, float]]:
    """Every frame of a scan (TIFFs have several), in points at the DPI the reader assumed."""
    from PIL import Image
    from PIL import ImageSequence

    with Image.open(io.BytesIO(data)) as image:
        return [
            (frame.width * 72 / _dpi(frame), frame.height * 72 / _dpi(frame))
            for frame in ImageSequence.Iterator(image)
        ][:MAX_PAGES_SHOWN]


def _dpi(image: Any) -> float:
    # The same rule as `kontera.interpret.pages.image`: boxes land where the reader saw the words.
    try:
        value = float(image.info.get("dpi", (0,))[0])
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 70 <= value <= 1200 else ASSUMED_DPI


def _image_png(data: bytes, number: int) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.seek(number - 1)
        dpi = _dpi(image)
        mode = "L" if image.mode in ("1", "L", "LA") else "RGB"
        frame = image if image.mode == mode else image.convert(mode)
        return _png(_at_page_scale(frame, dpi))


def _at_page_scale(frame: Any, dpi: float) -> Any:
    """A scan at the scale PDF pages are shown at (SCALE), never enlarged.

    Its 200–600 dpi would only be scaled down by the browser after a download several
    times larger, and encoding all those pixels made the first view of a scan take seconds."""
    from PIL import Image

    shown = 72 * SCALE
    if dpi <= shown:
        return frame
    size = (max(1, round(frame.width * shown / dpi)), max(1, round(frame.height * shown / dpi)))
    return frame.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
