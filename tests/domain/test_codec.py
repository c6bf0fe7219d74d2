from __future__ import annotations

from datetime import date
from decimal import Decimal

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import invoice_to_json
from kontera.domain.fields import Box
from kontera.domain.fields import Source
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.invoice import VatBreakdown


def sample_invoice() -> Invoice:
    invoice = Invoice(document_type=DocumentType.CREDIT_NOTE, currency="NOK")
    invoice.set_field(
        "invoice_number",
        "K-17",
        confidence=0.97,
        source=Source.PDF_TEXT,
        page=1,
        box=Box(10, 20, 60, 30),
    )
    invoice.set_field("issue_date", date(2026, 3, 1), confidence=1.0, source=Source.XML)
    invoice.set_field("totals.payable", Decimal("-1250.50"), confidence=1.0, source=Source.XML)
    invoice.lines.append(
        InvoiceLine(
            description="Kaffe",
            quantity=Decimal("-2"),
            unit_price=Decimal("500.20"),
            net=Decimal("-1000.40"),
        )
    )
    invoice.vat_breakdown.append(
        VatBreakdown("S", Decimal(25), Decimal("-1000.40"), Decimal("-250.10"))
    )
    invoice.add_note(Note("VAT 25 % but total implies 15 %", Severity.WARNING, rule_id="BR-CO-17"))
    return invoice


def test_the_interpretation_json_has_the_documented_keys() -> None:
    data = invoice_to_json(sample_invoice())
    for key in (
        "document_type",
        "invoice_number",
        "issue_date",
        "due_date",
        "currency",
        "seller",
        "buyer",
        "totals",
        "vat_breakdown",
        "lines",
        "payment",
        "fields",
        "notes",
    ):
        assert key in data
    assert set(data["seller"]) >= {"name", "org_number", "vat_id", "country"}
    assert set(data["payment"]) >= {"kid", "bank_account", "iban", "bic"}
    assert data["totals"]["payable"] == "-1250.50"
    assert data["fields"]["invoice_number"] == {
        "value": "K-17",
        "confidence": 0.97,
        "source": "pdf_text",
        "page": 1,
        "box": [10.0, 20.0, 60.0, 30.0],
    }


def test_json_round_trip_is_exact() -> None:
    invoice = sample_invoice()
    again = invoice_from_json(invoice_to_json(invoice))
    assert again.totals.payable == Decimal("-1250.50")
    assert again.lines[0].unit_price == Decimal("500.20")
    assert again.document_type is DocumentType.CREDIT_NOTE
    assert again.fields["invoice_number"].box == Box(10, 20, 60, 30)
    assert invoice_to_json(again) == invoice_to_json(invoice)
