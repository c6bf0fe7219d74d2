"""EHF invoices for reliability tests and benchmarks: the demo fixtures with varied numbers.

Varying the invoice number and the KID (as a supplier's next invoice does) gives distinct
bytes and distinct invoices, so neither the sha256 nor the invoice-level duplicate checks
(supplier + number, or amount + date + KID) merge them.
"""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from stdnum import luhn

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_FIRST_ID = re.compile(rb"<cbc:ID>[^<]*</cbc:ID>")
_KID = re.compile(rb"<cbc:PaymentID>[^<]*</cbc:PaymentID>")


def demo_invoices() -> list[bytes]:
    return [p.read_bytes() for p in sorted((FIXTURES / "demo").glob("ehf-*.xml"))]


def numbered(template: bytes, number: str) -> bytes:
    """The same invoice with another invoice number (the document-level cbc:ID) and KID."""
    digits = f"{zlib.crc32(number.encode()):010d}"
    kid = digits + luhn.calc_check_digit(digits)
    data = _FIRST_ID.sub(f"<cbc:ID>{number}</cbc:ID>".encode(), template, count=1)
    return _KID.sub(f"<cbc:PaymentID>{kid}</cbc:PaymentID>".encode(), data, count=1)


def invoice_batch(count: int, *, prefix: str = "R") -> list[bytes]:
    templates = demo_invoices()
    return [numbered(templates[i % len(templates)], f"{prefix}{i:06d}") for i in range(count)]


def text_pdf(number: str = "10000") -> bytes:
    """A small born-digital invoice PDF (a text layer, no embedded XML) with this number."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    lines = [
        "Fjellnett Telekom AS  Org.nr 912 345 688 MVA",
        f"Faktura nr {number}   Fakturadato 02.11.2026   Forfall 16.11.2026",
        "Sum eks. mva 4 383,20   MVA 25 % 1 095,80   Å betale NOK 5 479,00",
        "Konto 1503.02.12344",
    ]
    for y, line in enumerate(lines):
        sheet.drawString(60, 780 - 20 * y, line)
    sheet.save()
    return buffer.getvalue()
