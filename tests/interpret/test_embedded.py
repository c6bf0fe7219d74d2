"""PDFs carrying their invoice as XML (ZUGFeRD / Factur-X / XRechnung): the XML is the truth."""

from __future__ import annotations

from pathlib import Path

from kontera.domain.filetypes import FileKind
from kontera.domain.invoice import Invoice
from kontera.interpret.base import InterpretContext
from kontera.interpret.einvoice.embedded import EmbeddedXmlInterpreter
from kontera.interpret.einvoice.embedded import embedded_files
from kontera.interpret.einvoice.embedded import read_embedded_xml
from kontera.interpret.einvoice.embedded import split_payload
from kontera.interpret.einvoice.visible import MISMATCH
from kontera.interpret.registry import interpret_bytes
from kontera.interpret.render.pdf import render_invoice_pdf

ZUGFERD = "pdf/zugferd"


def test_every_zugferd_pdf_is_read_from_its_xml(corpus: Path) -> None:
    """GIVEN each of the 77 sample PDFs WHEN interpreted
    THEN the embedded-XML backend wins, the PDF itself is the rendering, and the invoice
    carries the number and amount of its own XML."""
    pdfs = sorted((corpus / ZUGFERD).rglob("*.pdf"))
    assert len(pdfs) == 77
    for path in pdfs:
        data = path.read_bytes()
        result = interpret_bytes(data)
        assert result.interpreter == "pdf_xml", path.name
        assert result.rendering is data
        assert result.page_count >= 1
        assert result.invoice.invoice_number, path.name
        assert result.invoice.totals.gross is not None or result.invoice.totals.payable is not None


def test_xml_reading_equals_reading_the_extracted_file(corpus: Path) -> None:
    path = (
        corpus
        / ZUGFERD
        / "ZUGFeRDv2/correct/Mustangproject/MustangGnuaccountingBeispielRE-20201121_508.pdf"
    )
    data = path.read_bytes()
    payload = split_payload(embedded_files(data))
    assert payload.xml is not None and payload.xml.name.lower() in {
        "factur-x.xml",
        "zugferd-invoice.xml",
    }
    standalone = interpret_bytes(payload.xml.content).invoice
    embedded = interpret_bytes(data).invoice
    assert _core(embedded) == _core(standalone)


def _core(invoice: Invoice) -> tuple[object, ...]:
    return (invoice.invoice_number, invoice.seller.vat_id, invoice.totals, invoice.lines)


def test_visible_text_disagreeing_with_the_xml_becomes_a_note(corpus: Path) -> None:
    """This sample prints 406.82 as its total while its XML says 571.04."""
    path = (
        corpus
        / ZUGFERD
        / "ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20150613_503.pdf"
    )
    invoice = interpret_bytes(path.read_bytes()).invoice
    mismatches = [n for n in invoice.notes if n.code == MISMATCH]
    assert len(mismatches) == 1 and "571.04" in mismatches[0].message


def test_consistent_sample_has_no_mismatch_note(corpus: Path) -> None:
    path = (
        corpus
        / ZUGFERD
        / "ZUGFeRDv2/correct/Mustangproject/MustangGnuaccountingBeispielRE-20190610_507.pdf"
    )
    invoice = interpret_bytes(path.read_bytes()).invoice
    assert not [n for n in invoice.notes if n.code == MISMATCH]


def test_pdf_without_invoice_xml_is_left_to_the_pdf_readers(corpus: Path) -> None:
    plain = interpret_bytes((corpus / "ehf/peppol-bis3/examples/base-example.xml").read_bytes())
    pdf = render_invoice_pdf(plain.invoice, "en")
    backend = EmbeddedXmlInterpreter()
    assert backend.score(FileKind.PDF, pdf) == 0
    assert backend.score(FileKind.PDF, b"%PDF-1.7 not really a pdf") == 0
    assert backend.score(FileKind.UBL, pdf) == 0


def test_zugferd_1_release_candidate_dialect(corpus: Path) -> None:
    """The 2014 pre-release format (rsm:Invoice, no ram namespace) is read as well."""
    path = (
        corpus
        / ZUGFERD
        / "ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20140519_499.pdf"
    )
    payload = split_payload(embedded_files(path.read_bytes()))
    assert payload.xml is not None
    invoice = read_embedded_xml(payload.xml, InterpretContext())
    assert invoice.invoice_number == "RE-20140519/499"
    assert invoice.issue_date is not None and invoice.issue_date.isoformat() == "2014-05-19"
    assert str(invoice.totals.payable) == "559.84"
    assert len(invoice.lines) == 3
