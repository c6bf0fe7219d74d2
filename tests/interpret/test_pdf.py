"""The PDF backend: text layer with positions, OCR only for pages without one, registry rank."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from kontera.domain.fields import Source
from kontera.domain.filetypes import FileKind
from kontera.interpret.base import InterpretContext
from kontera.interpret.pages.image import ImageInterpreter
from kontera.interpret.pages.pdf import PdfTextInterpreter
from kontera.interpret.pages.pdf import read_pdf_pages
from kontera.interpret.registry import choose_interpreter

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "pdf"
CORPUS = ROOT / ".." / "shared" / "corpus" / "pdf" / "zugferd"


def _fixture(name: str) -> tuple[bytes, dict[str, object]]:
    truth = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))["fields"]
    return (FIXTURES / f"{name}.pdf").read_bytes(), truth


def test_every_field_carries_source_page_and_box() -> None:
    data, truth = _fixture("se-swedish-005")
    result = PdfTextInterpreter().interpret(data, InterpretContext())
    assert result.interpreter == "pdf_text" and result.page_count == 1
    assert result.rendering == data  # the PDF itself is the human-readable attachment
    invoice = result.invoice
    assert invoice.payment.bankgiro == truth["payment.bankgiro"]
    for path, field in invoice.fields.items():
        assert field.source is Source.PDF_TEXT, path
        if field.box is not None:
            assert field.page == 1, path
            assert (
                0 <= field.box.x0 < field.box.x1 <= 595.3
                and 0 <= field.box.top < field.box.bottom <= 842
            )
            assert 0.0 <= field.confidence <= 1.0


def test_credit_note_amounts_are_negative_and_linked_to_the_credited_invoice() -> None:
    data, truth = _fixture("no-labels_above-000")
    invoice = PdfTextInterpreter().interpret(data, InterpretContext()).invoice
    assert invoice.document_type.value == "credit_note" == truth["document_type"]
    assert invoice.totals.payable is not None and invoice.totals.payable < 0
    assert invoice.references.preceding_invoices == truth["references.preceding_invoices"]


def test_missing_fields_leave_a_note_for_the_bookkeeper() -> None:
    """GIVEN a thank-you letter, not an invoice WHEN read THEN notes say what is missing."""
    canvas_buffer = io.BytesIO()
    canvas = Canvas(canvas_buffer)
    canvas.drawString(40, 780, "Takk for handelen! Vi ønsker deg en fin dag videre i butikken.")
    canvas.showPage()
    canvas.save()
    invoice = PdfTextInterpreter().interpret(canvas_buffer.getvalue(), InterpretContext()).invoice
    missing = {n.field for n in invoice.notes if n.code == "missing_field"}
    assert {"invoice_number", "totals.gross"} <= missing


def test_text_pages_are_read_as_text_and_scanned_pages_by_ocr() -> None:
    """GIVEN a PDF whose first page is born-digital and whose second is a scan
    WHEN read THEN page 1 comes from the text layer and only page 2 from OCR."""
    text_pdf = pikepdf.open(FIXTURES / "no-english-001.pdf")
    scan = Image.open(FIXTURES / "se-swedish-005.scan.jpg")
    scan_buffer = io.BytesIO()
    scan.save(scan_buffer, format="PDF", resolution=200)
    scan_pdf = pikepdf.open(io.BytesIO(scan_buffer.getvalue()))
    text_pdf.pages.extend(scan_pdf.pages)
    mixed = io.BytesIO()
    text_pdf.save(mixed)
    pages = read_pdf_pages(mixed.getvalue(), InterpretContext(ocr_dpi=200))
    assert [p.source for p in pages] == [Source.PDF_TEXT, Source.OCR]
    _, truth = _fixture("se-swedish-005")
    assert str(truth["invoice_number"]) in pages[1].text


def test_pdf_text_ranks_below_xml_and_above_nothing() -> None:
    data, _ = _fixture("no-english-001")
    backend = PdfTextInterpreter()
    assert backend.score(FileKind.PDF, data) == 50
    assert backend.score(FileKind.PNG, data) == 0
    assert choose_interpreter(FileKind.PDF, data).name == "pdf_text"
    assert ImageInterpreter().score(FileKind.TIFF, b"") > 0


def test_corpus_zugferd_pdf_read_from_its_visible_text_only() -> None:
    """The embedded XML is never consulted: numbers come from the printed page."""
    path = CORPUS / "XML-Rechnung" / "FX" / "EN16931_Einfach.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    invoice = PdfTextInterpreter().interpret(path.read_bytes(), InterpretContext()).invoice
    assert invoice.invoice_number == "471102"
    assert str(invoice.totals.gross) == "529.87"
    assert invoice.seller.vat_id == "DE123456789"
    assert all(f.source is Source.PDF_TEXT for f in invoice.fields.values())
