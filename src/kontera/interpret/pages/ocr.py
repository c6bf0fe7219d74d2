"""The only module that runs Tesseract (through pytesseract), and the one that translates its
failures into domain errors.

One Tesseract process per page, as many at once as `InterpretContext.ocr_workers` (one per
core), each single-threaded (`OMP_THREAD_LIMIT=1`): for a batch of pages, processes in parallel
beat Tesseract's own OpenMP threads. Orientation detection (`osd`) costs a second Tesseract
run, so it runs only when the first reading looks like a rotated page (few words, low
confidence) — an upright scan pays nothing for it. A page with a tinted band or sidebar has
the tint flattened to white first (`background.py`).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytesseract
from PIL import Image

from kontera import telemetry
from kontera.domain.errors import InterpretationFailed
from kontera.domain.fields import Source
from kontera.domain.messages import msg
from kontera.interpret.pages.background import flattened
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import build_page

_DOUBTFUL_MEAN_CONF = 0.55
_DOUBTFUL_WORDS = 15


@dataclass(frozen=True, slots=True)
class OcrSettings:
    languages: str = "swe+nor+eng"
    workers: int = 2
    timeout_seconds: float = 120.0
    detect_rotation: bool = True


@dataclass(frozen=True, slots=True)
class PageImage:
    """A page to read: the image, its 1-based number and its resolution (pixels per inch)."""

    number: int
    image: Image.Image
    dpi: float


def ocr_pages(images: Sequence[PageImage], settings: OcrSettings) -> list[Page]:
    """Read every page image, pages in parallel; results in page order."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if len(images) <= 1 or settings.workers <= 1:
        return [ocr_page(image, settings) for image in images]
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        return list(pool.map(lambda image: ocr_page(image, settings), images))


def ocr_page(page: PageImage, settings: OcrSettings) -> Page:
    with telemetry.timed("ocr_page"):
        return _read_page(page, settings)


def _read_page(page: PageImage, settings: OcrSettings) -> Page:
    image = page.image.convert("L") if page.image.mode not in ("L", "RGB") else page.image
    image = flattened(image)
    words = _words(image, page.dpi, settings)
    angle = 0
    if settings.detect_rotation and _doubtful(words):
        angle = _rotation(image, settings)
        if angle:
            image = image.rotate(-angle, expand=True)
            words = _words(image, page.dpi, settings)
    width, height = (image.width * 72 / page.dpi, image.height * 72 / page.dpi)
    read = build_page(page.number, width, height, Source.OCR, words)
    read.rotation = angle
    return read


def _words(image: Image.Image, dpi: float, settings: OcrSettings) -> list[Word]:
    with _as_file(image) as path:
        data: dict[str, list[Any]] = _run(  # type: ignore[assignment]
            pytesseract.image_to_data,
            path,
            lang=settings.languages,
            config=f"--psm 3 --dpi {round(dpi)}",
            output_type=pytesseract.Output.DICT,
            timeout=settings.timeout_seconds,
        )
    return _to_words(data, dpi)


@contextmanager
def _as_file(image: Image.Image) -> Iterator[str]:
    """The page as an uncompressed BMP for Tesseract. pytesseract would write a PNG, and a
    noisy 200 dpi scan takes two seconds to compress: as long as the OCR itself."""
    with tempfile.TemporaryDirectory(prefix="kontera-ocr-") as folder:
        path = str(Path(folder) / "page.bmp")
        try:
            image.save(path)
        except OSError as e:
            raise InterpretationFailed(
                msg("The page could not be handed to OCR ({e}).", e=str(e))
            ) from e
        yield path


def _to_words(data: dict[str, list[Any]], dpi: float) -> list[Word]:
    scale = 72.0 / dpi
    words, lines = [], []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if not text or not text.strip() or conf < 0:
            continue
        left, top = data["left"][i] * scale, data["top"][i] * scale
        words.append(
            Word(
                text.strip(),
                left,
                top,
                left + data["width"][i] * scale,
                top + data["height"][i] * scale,
                conf=conf / 100.0,
            )
        )
        lines.append((data["block_num"][i], data["par_num"][i], data["line_num"][i]))
    return _deskewed(words, lines)


def _deskewed(words: list[Word], lines: list[tuple[int, int, int]]) -> list[Word]:
    """Undo a scan's skew in the coordinates: a 2° tilt moves the end of a line 17 pt, enough
    to put a label and its value on different lines. The slope comes from Tesseract's own
    lines; the words' images are not touched."""
    slopes = []
    for key in set(lines):
        members = [w for w, k in zip(words, lines, strict=True) if k == key]
        if len(members) >= 3 and members[-1].x0 - members[0].x0 > 100:
            first, last = members[0], members[-1]
            run = (last.x0 + last.x1 - first.x0 - first.x1) / 2
            slopes.append(((last.top + last.bottom) - (first.top + first.bottom)) / 2 / run)
    if len(slopes) < 3:
        return words
    slope = statistics.median(slopes)
    if abs(slope) < 0.002:
        return words
    return [_shifted(w, -slope * (w.x0 + w.x1) / 2) for w in words]


def _shifted(word: Word, dy: float) -> Word:
    return Word(word.text, word.x0, word.top + dy, word.x1, word.bottom + dy, word.conf)


def _doubtful(words: list[Word]) -> bool:
    if len(words) < _DOUBTFUL_WORDS:
        return True
    return sum(w.conf for w in words) / len(words) < _DOUBTFUL_MEAN_CONF


def _rotation(image: Image.Image, settings: OcrSettings) -> int:
    try:
        with _as_file(image) as path:
            osd = pytesseract.image_to_osd(
                path,
                config="--psm 0",
                output_type=pytesseract.Output.DICT,
                timeout=settings.timeout_seconds,
            )
    except pytesseract.TesseractError:
        return 0  # too little text to tell the orientation: read the page as it is
    return int(osd.get("rotate", 0)) % 360


def _run(function: object, *args: object, **kwargs: object) -> object:
    try:
        return function(*args, **kwargs)  # type: ignore[operator]
    except pytesseract.TesseractNotFoundError as e:
        raise InterpretationFailed(
            "The OCR engine (Tesseract) is not installed on this server; scans cannot be read."
        ) from e
    except pytesseract.TesseractError as e:
        raise InterpretationFailed(
            msg("OCR failed on this page ({value}).", value=e.message or e.status)
        ) from e
    except RuntimeError as e:
        if "timeout" in str(e).lower():
            raise InterpretationFailed(
                msg(
                    "OCR of a page took longer than {value} seconds; the scan may be damaged or "
                    "far too large.",
                    value=str(kwargs.get("timeout")),
                )
            ) from e
        raise
