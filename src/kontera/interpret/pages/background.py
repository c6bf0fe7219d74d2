"""Tinted backgrounds flattened to white before OCR.

Tesseract binarises a page with one global threshold. A light grey or coloured band (a
sidebar, a shaded header, a tinted totals box) covering a good part of the page drags that
threshold up between the tint and the paper, and the band turns black with its text in it: a
sidebar family's invoice numbers were read on one scan in six. Dividing each pixel by the
paper's lightness around it (the page with the text closed over, at a quarter of the
resolution) makes the tint white and leaves the ink as dark as it was.

Only a page with enough tint pays for it: a tint is a region clearly darker than the page's
own paper but light enough to carry dark text; below `MIN_TINTED` of the page the image is
handed back untouched (the same object), so an ordinary scan reads exactly as before. Dark
regions (a logo, white text on a dark band) are left as they are: dividing by a dark
background would wash their text out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

MIN_TINTED = 0.05  # share of the page
_SCALE = 4  # the background is estimated at a quarter of the resolution
_CLOSE = 11  # at that scale: 44 pixels at full resolution, wider than a line of text's gaps
_DARKER = 12.0  # levels below the paper that count as a tint, above scanner noise
_DARKEST = 150.0  # darker than this is a dark region, not a tint: left alone

Grey = NDArray[np.float32]


def flattened(image: Image.Image) -> Image.Image:
    """The page with its tinted regions made white; the same object when it has none."""
    if min(image.size) < 8 * _SCALE:
        return image
    small = image.convert("L").reduce(_SCALE)
    pixels = np.asarray(small, dtype=np.float32)
    background = _closed(pixels)
    paper = float(np.percentile(background, 90))
    tinted = (background < paper - _DARKER) & (background >= _DARKEST)
    if tinted.mean() < MIN_TINTED:
        return image
    # The closing keeps the brightest noise of each area: the median excess over the pixels
    # themselves (mostly not ink) brings tint and paper back to their printed level.
    excess = background - pixels
    white = background >= paper - _DARKER
    tint = background - float(np.median(excess[tinted]))
    level = paper - float(np.median(excess[white])) if white.any() else paper
    # Only the tint is divided out: paper, and anything darker than a tint, keep their level.
    divisor = np.where(tinted, tint / level, 1.0).astype(np.float32)
    full = Image.fromarray(divisor, mode="F").resize(image.size, Image.Resampling.BILINEAR)
    pixels = np.clip(np.asarray(image.convert("L"), dtype=np.float32) / np.asarray(full), 0, 255)
    # Squared (in 0..1): the paper stays white, grey print darkens. A tint used to lift
    # Tesseract's threshold enough to keep grey labels; on white, they would fall under it.
    return Image.fromarray((pixels * pixels / 255.0).astype(np.uint8), mode="L")


def _closed(pixels: Grey) -> Grey:
    """Grey closing (max, then min, over a square): dark strokes narrower than the square go,
    light and tinted areas wider than it keep their edges."""
    return _slide(_slide(pixels, np.maximum), np.minimum)


def _slide(pixels: Grey, pick: np.ufunc) -> Grey:
    """`pick` (max or min) over a `_CLOSE`-wide window, rows then columns."""
    half = _CLOSE // 2
    padded = np.pad(pixels, ((half, half), (0, 0)), mode="edge")
    rows = padded[: pixels.shape[0]].copy()
    for shift in range(1, _CLOSE):
        pick(rows, padded[shift : shift + pixels.shape[0]], out=rows)
    padded = np.pad(rows, ((0, 0), (half, half)), mode="edge")
    out = padded[:, : pixels.shape[1]].copy()
    for shift in range(1, _CLOSE):
        pick(out, padded[:, shift : shift + pixels.shape[1]], out=out)
    return out
