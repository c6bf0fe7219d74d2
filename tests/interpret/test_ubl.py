"""UBL 2.1 reading: EHF / Peppol BIS 3, EHF 2.0 and EN 16931 UBL, on the real published examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kontera.domain.fields import Source
from kontera.domain.filetypes import sniff
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import read_path
from kontera.interpret.base import Interpretation
from kontera.interpret.registry import choose_interpreter
from kontera.interpret.registry import interpret_bytes


def _read(corpus: Path, relative: str) -> Interpretation:
    return interpret_bytes((corpus / relative).read_bytes())


def test_base_example_header_parties_and_totals(corpus: Path) -> None:
    """GIVEN the Peppol BIS 3 base example WHEN interpreted THEN every header term is exact."""
    result = _read(corpus, "ehf/peppol-bis3/examples/base-example.xml")
    invoice = result.invoice
    assert result.interpreter == "ubl"
    assert invoice.invoice_number == "Snippet1"
    assert invoice.issue_date == date(2017, 11, 13)
    assert invoice.due_date == date(2017, 12, 1)
    assert invoice.currency == "EUR"
    assert invoice.seller.vat_id == "GB1232434"
    assert invoice.seller.org_number == "GB983294"
    assert invoice.seller.name == "SupplierOfficialName Ltd"
    assert invoice.buyer.vat_id == "SE4598375937"
    assert invoice.references.buyer_reference == "0150abc"
    assert invoice.references.accounting_reference == "4025:123:4343"
    totals = invoice.totals
    assert (totals.line_total, totals.charges, totals.net) == (1300, 25, 1325)
    assert (totals.vat, totals.gross, totals.payable) == (Decimal("331.25"), 1656.25, 1656.25)
    assert all(isinstance(v, Decimal) for v in (totals.vat, totals.gross, totals.payable))


def test_every_value_read_has_xml_provenance(corpus: Path) -> None:
    invoice = _read(corpus, "ehf/peppol-bis3/examples/base-example.xml").invoice
    assert invoice.fields["seller.vat_id"].value == "GB1232434"
    assert invoice.fields["lines.1.net"].value == Decimal(-1500)
    assert {f.source for f in invoice.fields.values()} == {Source.XML}
    assert {f.confidence for f in invoice.fields.values()} == {1.0}
    assert len(invoice.fields) > 60


def test_recorded_fields_read_back_from_the_invoice(corpus: Path) -> None:
    """The provenance map and the invoice agree for every path (what `set_field` promises)."""
    for name in ("Norwegian-example-1.xml",):
        path = corpus / "ehf/peppol-bis3/national-examples/NO" / name
        invoice = interpret_bytes(path.read_bytes()).invoice
        for field_path, field in invoice.fields.items():
            assert read_path(invoice, field_path) == field.value, field_path


def test_lines_keep_negative_quantities_and_item_details(corpus: Path) -> None:
    lines = _read(corpus, "ehf/peppol-bis3/examples/base-example.xml").invoice.lines
    assert [(line.quantity, line.unit_price, line.net) for line in lines] == [
        (7, 400, 2800),
        (-3, 500, -1500),
    ]
    assert lines[0].classifications[0].code == "09348023"
    assert lines[0].classifications[0].scheme == "SRV"
    assert lines[0].order_line_reference == "123"
    assert (lines[0].vat_category, lines[0].vat_rate) == ("S", 25)


def test_credit_note_is_negative_in_the_domain(corpus: Path) -> None:
    """A UBL CreditNote carries positive amounts; the domain books it as negative."""
    invoice = _read(corpus, "ehf/peppol-bis3/examples/base-creditnote-correction.xml").invoice
    assert invoice.document_type is DocumentType.CREDIT_NOTE
    assert invoice.type_code == "381"
    assert invoice.totals.payable == Decimal("-1656.25")
    assert invoice.vat_breakdown[0].tax == Decimal("-331.25")
    line = invoice.lines[0]
    assert line.net == -2800 and line.quantity == -7 and line.unit_price == 400
    assert line.quantity * line.unit_price == line.net


def test_negative_invoice_keeps_its_sign(corpus: Path) -> None:
    invoice = _read(corpus, "ehf/peppol-bis3/examples/base-negative-inv-correction.xml").invoice
    assert invoice.document_type is DocumentType.INVOICE
    assert invoice.totals.payable == Decimal("-1656.25")


def test_norwegian_example_ids_payment_and_rates(corpus: Path) -> None:
    """Foretaksregisteret is a tax registration, not the VAT id; KID comes from PaymentID."""
    invoice = _read(corpus, "ehf/peppol-bis3/national-examples/NO/Norwegian-example-1.xml").invoice
    assert invoice.seller.vat_id == "NO123456785MVA"
    assert invoice.seller.org_number == "123456785"
    assert invoice.seller.tax_registration == "Foretaksregisteret"
    assert invoice.payment.kid == "0003434323213231"
    assert invoice.payment.iban == "NO9386011117947"
    assert invoice.payment.bic == "DNBANOKK"
    assert {(v.category, v.rate) for v in invoice.vat_breakdown} == {("S", 25), ("S", 15), ("E", 0)}
    assert (invoice.totals.prepaid, invoice.totals.rounding) == (1000, Decimal("0.22"))
    assert invoice.lines[0].period_start == date(2013, 6, 1)
    assert [a.is_charge for a in invoice.lines[0].allowances_charges] == [False, True]


def test_norwegian_example_passes_the_official_rules(corpus: Path) -> None:
    """The national example passes every EN 16931 / Peppol / NO rule; only its made-up KID
    is warned about (see test_checks)."""
    invoice = _read(corpus, "ehf/peppol-bis3/national-examples/NO/Norwegian-example-1.xml").invoice
    assert [n.rule_id for n in invoice.notes] == ["KONTERA-ID-03"]


def test_ehf2_invoice_embedded_pdf_becomes_rendering(corpus: Path) -> None:
    """EHF 2.0: VAT id without NO prefix is normalised; the attached PDF is the rendering."""
    result = _read(corpus, "ehf/ehf-g2/rules/ehf-invoice-2.0/example/T10 BII05 gyldig faktura.xml")
    invoice = result.invoice
    assert invoice.seller.vat_id == "NO123456785MVA"
    assert result.rendering is not None and result.rendering.startswith(b"%PDF-")
    pdf = [a for a in invoice.attachments if a.content]
    assert pdf and pdf[0].mime_type == "application/pdf" and pdf[0].sha256
    assert result.extracted == pdf
    uris = [a.uri for a in invoice.attachments if a.uri]
    assert uris == ["http://www.suppliersite.eu/sheet001.html"]


def test_ehf2_credit_note(corpus: Path) -> None:
    path = "ehf/ehf-g2/rules/ehf-creditnote-2.0/example/T14 BII05 gyldig kreditnota.xml"
    invoice = _read(corpus, path).invoice
    assert invoice.document_type is DocumentType.CREDIT_NOTE
    assert invoice.totals.payable == Decimal("-1471.00")
    assert sum(line.net or 0 for line in invoice.lines) == invoice.totals.line_total


def test_swedish_bankgiro_is_not_a_bank_account(corpus: Path) -> None:
    """Swedish BIS marks giro numbers with branch SE:BANKGIRO / SE:PLUSGIRO."""
    invoice = _read(corpus, "en16931/test/testfiles/BIS_Billing_30-Elhandel.xml").invoice
    assert invoice.payment.bankgiro == "22224444"
    assert invoice.payment.bank_account is None and invoice.payment.bic is None
    assert invoice.payment.kid == "8220278"


def test_ubl_behind_a_long_comment_is_still_recognised(corpus: Path) -> None:
    data = (corpus / "ehf/peppol-bis3/examples/base-example.xml").read_bytes()
    header, body = data.split(b"\n", 1)
    padded = header + b"\n<!--" + b" licence text" * 1000 + b" -->\n" + body
    kind = sniff(padded)
    assert choose_interpreter(kind, padded).name == "ubl"
    assert interpret_bytes(padded).invoice.invoice_number == "Snippet1"


def test_unreadable_values_become_notes_not_crashes(corpus: Path) -> None:
    """GIVEN a base example with a comma decimal and an impossible date
    WHEN interpreted THEN the invoice is still read and both problems are notes."""
    data = (corpus / "ehf/peppol-bis3/examples/base-example.xml").read_bytes()
    data = data.replace(b">1656.25</cbc:PayableAmount>", b">1656,25</cbc:PayableAmount>")
    data = data.replace(b"<cbc:IssueDate>2017-11-13<", b"<cbc:IssueDate>2017-13-45<")
    invoice = interpret_bytes(data).invoice
    unreadable = {n.field for n in invoice.notes if n.code == "unreadable_value"}
    assert unreadable == {"totals.payable", "issue_date"}
    assert invoice.totals.payable is None and invoice.issue_date is None
    assert invoice.invoice_number == "Snippet1"
    # Present but unreadable is not "missing": BR-03 / BR-15 stay silent.
    assert not {"BR-03", "BR-15"} & {n.rule_id for n in invoice.notes}


def test_xml_that_is_not_an_invoice_is_unsupported() -> None:
    from kontera.domain.errors import UnsupportedDocument

    with pytest.raises(UnsupportedDocument):
        interpret_bytes(b'<?xml version="1.0"?><catalog><book id="1"/></catalog>')


@pytest.mark.parametrize("amount", [b"1E+50", b"NaN", b"-Infinity", b"9" * 40])
def test_absurd_amounts_are_refused_with_a_note(corpus: Path, amount: bytes) -> None:
    data = (corpus / "ehf/peppol-bis3/examples/base-example.xml").read_bytes()
    data = data.replace(b">1656.25</cbc:PayableAmount>", b">" + amount + b"</cbc:PayableAmount>")
    result = interpret_bytes(data)
    assert result.invoice.totals.payable is None
    assert [n.field for n in result.invoice.notes if n.code == "unreadable_value"] == [
        "totals.payable"
    ]
