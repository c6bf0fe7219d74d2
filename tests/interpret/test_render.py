"""The PDF Kontera draws for an e-invoice that came without one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from kontera.domain.invoice import InvoiceLine
from kontera.interpret.registry import interpret_bytes
from kontera.interpret.render.pdf import render_invoice_pdf

NORWEGIAN = "ehf/peppol-bis3/national-examples/NO/Norwegian-example-1.xml"


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        pages = (document[i].get_textpage().get_text_range() for i in range(len(document)))
        return "\n".join(pages).replace("\u00a0", " ")
    finally:
        document.close()


def test_einvoice_without_pdf_gets_a_rendering(corpus: Path) -> None:
    """GIVEN an EHF invoice whose only attachment is not a PDF WHEN interpreted
    THEN a readable PDF is made, in Norwegian for a Norwegian buyer, with the XML's values."""
    data = (corpus / "ehf/ehf-g3/docs/billing-3.0/norway/files/ehf-3-faktura-1.xml").read_bytes()
    result = interpret_bytes(data)
    assert result.rendering is not None and result.rendering.startswith(b"%PDF-")
    assert result.page_count == len(pdfium.PdfDocument(result.rendering)) >= 1
    text = _text(result.rendering)
    invoice = result.invoice
    assert invoice.invoice_number and invoice.invoice_number in text
    assert "Faktura" in text and "Å betale" in text
    assert f"{invoice.totals.payable:,.2f}".replace(",", " ") in text


@pytest.mark.parametrize(
    ("language", "labels"),
    [("nb", ["Faktura", "Å betale", "Selger"]), ("sv", ["Att betala", "Säljare"]),
     ("en", ["Invoice", "Amount due", "Seller"])],
)  # fmt: skip
def test_labels_per_language(corpus: Path, language: str, labels: list[str]) -> None:
    invoice = interpret_bytes((corpus / NORWEGIAN).read_bytes()).invoice
    text = _text(render_invoice_pdf(invoice, language))
    assert all(label in text for label in labels)
    assert "TOSL108" in text and "NO123456785MVA" in text and "0003434323213231" in text


def test_language_follows_the_buyer_country(corpus: Path) -> None:
    swedish = interpret_bytes(
        (corpus / "en16931/test/testfiles/BIS_Billing_30-Elhandel.xml").read_bytes()
    )
    assert swedish.rendering is not None
    assert "Att betala" in _text(swedish.rendering)


def test_credit_note_reads_as_written(corpus: Path) -> None:
    """The domain stores credit notes negative; the rendering shows the document's amounts."""
    result = interpret_bytes(
        (corpus / "ehf/peppol-bis3/examples/base-creditnote-correction.xml").read_bytes()
    )
    assert result.invoice.totals.payable == Decimal("-1656.25")
    assert result.rendering is not None
    text = _text(result.rendering)
    assert "Kreditfaktura" in text  # Swedish buyer
    assert "1 656.25" in text and "-1 656.25" not in text


def test_markup_and_long_text_do_not_break_the_layout(corpus: Path) -> None:
    invoice = interpret_bytes((corpus / NORWEGIAN).read_bytes()).invoice
    invoice.lines.append(InvoiceLine(description="<b>Tom & Jerry</b> " * 300, net=Decimal(1)))
    pdf = render_invoice_pdf(invoice, "en")
    text = _text(pdf)
    assert "<b>Tom & Jerry</b>" in text
    assert "TOSL108" in text
