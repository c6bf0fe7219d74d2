"""EHF invoices for reliability tests and benchmarks: the demo fixtures with varied numbers.

Varying the invoice number (and nothing else) gives distinct bytes and distinct invoices, so
neither the sha256 nor the supplier + number duplicate checks merge them.
"""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_FIRST_ID = re.compile(rb"<cbc:ID>[^<]*</cbc:ID>")


def demo_invoices() -> list[bytes]:
    return [p.read_bytes() for p in sorted((FIXTURES / "demo").glob("ehf-*.xml"))]


def numbered(template: bytes, number: str) -> bytes:
    """The same invoice with another invoice number (the document-level cbc:ID)."""
    return _FIRST_ID.sub(f"<cbc:ID>{number}</cbc:ID>".encode(), template, count=1)


def invoice_batch(count: int, *, prefix: str = "R") -> list[bytes]:
    templates = demo_invoices()
    return [numbered(templates[i % len(templates)], f"{prefix}{i:06d}") for i in range(count)]
