"""EHF invoices for reliability tests and benchmarks: the demo fixtures with varied numbers.

Varying the invoice number and the KID (as a supplier's next invoice does) gives distinct
bytes and distinct invoices, so neither the sha256 nor the invoice-level duplicate checks
(supplier + number, or amount + date + KID) merge them.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

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
