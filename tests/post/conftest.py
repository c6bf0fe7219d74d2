"""Shared builders for the posting tests: invoices as the interpreters produce them."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from reportlab.pdfgen import canvas

from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Party
from kontera.domain.invoice import Payment
from kontera.domain.invoice import Totals
from kontera.domain.invoice import VatBreakdown
from kontera.domain.money import ZERO
from kontera.domain.money import round_cents
from kontera.post.voucher_builder import ApprovedPosting


def make_invoice(
    lines: list[tuple[str, str, str]],
    *,
    credit: bool = False,
    currency: str = "NOK",
    number: str = "10001",
    org: str = "923609016",
    name: str = "Leverandør AS",
    kid: str | None = "1234567890128",
    rounding: str | None = None,
) -> tuple[Invoice, list[ApprovedPosting]]:
    """An invoice with (net, VAT rate %, account) lines, and postings that approve them.

    Totals and the VAT breakdown are computed per rate from the sum of nets, as EN 16931
    prescribes (BR-CO-17), so they can differ by a cent from the sum of per-line VAT.
    """
    sign = Decimal(-1) if credit else Decimal(1)
    inv_lines: list[InvoiceLine] = []
    approved: list[ApprovedPosting] = []
    by_rate: dict[Decimal, Decimal] = {}
    for i, (net_text, rate_text, account) in enumerate(lines):
        net, rate = sign * Decimal(net_text), Decimal(rate_text)
        inv_lines.append(InvoiceLine(description=f"Vare {i + 1}", net=net, vat_rate=rate))
        code = {"25": "1", "15": "11", "12": "13", "0": "0"}[rate_text]
        approved.append(ApprovedPosting(account, code, net, f"Vare {i + 1}", i))
        by_rate[rate] = by_rate.get(rate, ZERO) + net
    breakdown = [
        VatBreakdown("S" if r else "Z", r, base, round_cents(base * r / 100))
        for r, base in by_rate.items()
    ]
    net_total = sum(by_rate.values(), ZERO)
    vat_total = sum((b.tax for b in breakdown), ZERO)
    rounding_amount = Decimal(rounding) if rounding else None
    gross = net_total + vat_total
    invoice = Invoice(
        document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
        invoice_number=number,
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 11, 30),
        currency=currency,
        seller=Party(name=name, org_number=org, country="NO"),
        lines=inv_lines,
        vat_breakdown=breakdown,
        totals=Totals(
            net=net_total,
            vat=vat_total,
            gross=gross,
            rounding=rounding_amount,
            payable=gross + (rounding_amount or ZERO),
        ),
        payment=Payment(kid=kid),
    )
    return invoice, approved


def render_pdf(text: str) -> bytes:
    """A real one-page PDF, as a supplier would send."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return render_pdf("Faktura 10001 fra Leverandør AS")
