"""Real Tesseract on real scans: words with boxes and confidences, rotation, errors, TIFF."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from kontera.domain.errors import InterpretationFailed
from kontera.domain.fields import Source
from kontera.interpret.base import InterpretContext
from kontera.interpret.pages.image import ImageInterpreter
from kontera.interpret.pages.ocr import OcrSettings
from kontera.interpret.pages.ocr import PageImage
from kontera.interpret.pages.ocr import ocr_page

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"
SCAN = FIXTURES / "no-left_labels-006.scan.jpg"
TRUTH = json.loads((FIXTURES / "no-left_labels-006.json").read_text("utf-8"))["fields"]


@pytest.fixture(scope="module")
def scan() -> Image.Image:
    return Image.open(SCAN).convert("L")


@pytest.mark.slow
def test_words_come_with_boxes_in_points_and_confidences(scan: Image.Image) -> None:
    page = ocr_page(PageImage(1, scan, 200.0), OcrSettings())
    assert page.source is Source.OCR
    assert 580 < page.width < 620 and 830 < page.height < 870  # A4 in points, skew margin
    number = [w for w in page.words if w.text == TRUTH["invoice_number"]]
    assert number, "the invoice number is read"
    word = number[0]
    assert 0.5 < word.conf <= 1.0
    assert 0 < word.x0 < word.x1 < page.width and 0 < word.top < word.bottom < page.height * 0.3


def test_a_scan_read_end_to_end(scan: Image.Image) -> None:
    """GIVEN a degraded 200 dpi scan WHEN interpreted THEN the key fields match the truth."""
    buffer = io.BytesIO()
    scan.save(buffer, format="PNG", dpi=(200, 200))
    invoice = ImageInterpreter().interpret(buffer.getvalue(), InterpretContext()).invoice
    assert invoice.invoice_number == TRUTH["invoice_number"]
    assert str(invoice.totals.payable) == TRUTH["totals.payable"]
    assert invoice.payment.kid == TRUTH["payment.kid"]
    assert invoice.fields["totals.payable"].source is Source.OCR
    assert invoice.fields["totals.payable"].box is not None


@pytest.mark.slow
def test_a_page_scanned_upside_down_is_turned(scan: Image.Image) -> None:
    upside_down = scan.rotate(180, expand=True)
    page = ocr_page(PageImage(1, upside_down, 200.0), OcrSettings())
    assert TRUTH["invoice_number"] in page.text


def test_tesseract_failures_become_domain_errors(scan: Image.Image) -> None:
    with pytest.raises(InterpretationFailed, match="OCR failed"):
        ocr_page(PageImage(1, scan, 200.0), OcrSettings(languages="xxx_missing"))


@pytest.mark.slow
def test_multi_page_tiff_is_read_page_by_page(scan: Image.Image) -> None:
    """GIVEN a two-page TIFF (the invoice, then a blank page) WHEN interpreted THEN 2 pages."""
    blank = Image.new("L", scan.size, 255)
    buffer = io.BytesIO()
    scan.save(buffer, format="TIFF", save_all=True, append_images=[blank], dpi=(200, 200))
    result = ImageInterpreter().interpret(buffer.getvalue(), InterpretContext())
    assert result.page_count == 2
    assert result.invoice.invoice_number == TRUTH["invoice_number"]
    assert result.rendering_mime == "image/tiff"
