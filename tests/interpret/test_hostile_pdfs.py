"""Corrupt, encrypted, empty, enormous and bomb-like files fail cleanly, with a reason."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from kontera.domain.errors import EmptyDocument
from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import KonteraError
from kontera.domain.errors import UnsafeDocument
from kontera.interpret.base import InterpretContext
from kontera.interpret.pages.image import ImageInterpreter
from kontera.interpret.pages.pdf import PdfTextInterpreter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"


def _pdf(build: object) -> bytes:
    pdf = pikepdf.new()
    build(pdf)  # type: ignore[operator]
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def _read(data: bytes, ctx: InterpretContext | None = None) -> None:
    PdfTextInterpreter().interpret(data, ctx or InterpretContext())


def test_truncated_pdf_is_reported_as_damaged() -> None:
    data = (FIXTURES / "no-english-001.pdf").read_bytes()[:700]
    with pytest.raises(KonteraError) as caught:
        _read(data)
    assert isinstance(caught.value, InterpretationFailed | EmptyDocument)


def test_garbage_after_the_pdf_header_is_reported_as_damaged() -> None:
    with pytest.raises(InterpretationFailed, match=r"damaged|cannot be opened"):
        _read(b"%PDF-1.7\n" + bytes(range(256)) * 40)


def test_encrypted_pdf_asks_for_an_unprotected_copy() -> None:
    source = pikepdf.open(FIXTURES / "no-english-001.pdf")
    buffer = io.BytesIO()
    source.save(buffer, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    with pytest.raises(InterpretationFailed, match="password-protected"):
        _read(buffer.getvalue())


def test_zero_page_pdf_is_empty() -> None:
    with pytest.raises(EmptyDocument, match="no pages"):
        _read(_pdf(lambda pdf: None))


def test_two_thousand_pages_are_refused_before_reading_any() -> None:
    def pages(pdf: pikepdf.Pdf) -> None:
        for _ in range(2000):
            pdf.add_blank_page(page_size=(595, 842))

    with pytest.raises(UnsafeDocument, match="2000 pages"):
        _read(_pdf(pages))


def test_a_page_the_size_of_a_football_field_is_refused() -> None:
    with pytest.raises(UnsafeDocument, match="too large"):
        _read(_pdf(lambda pdf: pdf.add_blank_page(page_size=(14400, 14400))))


def test_an_image_with_absurd_pixel_dimensions_is_refused() -> None:
    def huge_image(pdf: pikepdf.Pdf) -> None:
        page = pdf.add_blank_page(page_size=(595, 842))
        image = pikepdf.Stream(pdf, zlib.compress(b"\x00" * 1000))
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = 60000, 60000, 8
        image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))

    with pytest.raises(UnsafeDocument, match="60000 × 60000"):
        _read(_pdf(huge_image))


def test_a_decompression_bomb_is_caught_at_the_ceiling() -> None:
    """GIVEN a 300 kB stream that inflates to 300 MB WHEN read THEN refused, memory spared."""
    # Full flushes make every 1 MB segment compress to the same bytes: built in milliseconds.
    compressor = zlib.compressobj(6)
    chunk = b"\x00" * (1024 * 1024)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    steady = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    packed = first + steady * 299 + compressor.flush()

    def bomb(pdf: pikepdf.Pdf) -> None:
        page = pdf.add_blank_page(page_size=(595, 842))
        stream = pikepdf.Stream(pdf, packed)
        stream.Filter = pikepdf.Name.FlateDecode
        page.Contents = stream

    data = _pdf(bomb)
    assert len(data) < 1_000_000
    with pytest.raises(UnsafeDocument, match=r"expands|far more data"):
        _read(data)


def test_time_limit_per_document_is_enforced() -> None:
    """A scanned PDF with no time left fails with the limit in the message."""
    scan = Image.open(FIXTURES / "no-left_labels-006.scan.jpg")
    buffer = io.BytesIO()
    scan.save(buffer, format="PDF", resolution=200)
    with pytest.raises(InterpretationFailed, match="longer than"):
        _read(buffer.getvalue(), InterpretContext(timeout_seconds=0.0))


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def test_an_image_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(UnsafeDocument, match="pixels"):
        ImageInterpreter().interpret(_png_header(100_000, 100_000), InterpretContext())


def test_a_truncated_jpeg_is_reported_as_damaged() -> None:
    data = (FIXTURES / "se-swedish-005.scan.jpg").read_bytes()[:2000]
    with pytest.raises(InterpretationFailed, match=r"damaged|cannot be read"):
        ImageInterpreter().interpret(data, InterpretContext())


@pytest.mark.slow
def test_damaged_bytes_never_crash_the_reader() -> None:
    """GIVEN a real invoice PDF with bytes flipped at random places
    WHEN read THEN it is either read or refused with a Kontera error — never a crash.
    (Slow: a damaged content stream leaves a page without text, which then goes to OCR.)"""
    original = (FIXTURES / "no-english-001.pdf").read_bytes()
    rng = random.Random(4)
    for _ in range(25):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            damaged[rng.randrange(20, len(damaged))] = rng.randrange(256)
        try:
            _read(bytes(damaged), InterpretContext(timeout_seconds=20))
        except KonteraError:
            pass
