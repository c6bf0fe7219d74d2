"""The project's own invoice generators (`fixtures/`), importable from the benchmarks.

`fixtures/` is a folder of scripts, not a package: its directory goes on the path once, here.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))

from generate import degrade
from generate import rasterise
from generate import render_pdf
from pdf_invoice_data import InvoiceData
from pdf_invoice_data import Line
from pdf_invoice_data import luhn_number
from pdf_invoice_data import no_account
from pdf_invoice_data import no_org_number
from pdf_invoice_data import se_org_number
from pdf_layouts import FONTS

__all__ = [
    "FONTS",
    "InvoiceData",
    "Line",
    "degrade",
    "luhn_number",
    "no_account",
    "no_org_number",
    "rasterise",
    "render_pdf",
    "se_org_number",
]
