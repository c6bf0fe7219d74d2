"""What a connected ledger knows besides its chart: suppliers, dimensions, posted cost lines.

The ledger sync (`kontera.post.sync_*`) reads these from Tripletex, Fortnox and PowerOffice Go
and `kontera.services.sync.ledger_sync` stores them; the chart of accounts and VAT codes travel as
`kontera.domain.chart` values. Amounts are Decimal; ids are the ledger's own, as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class DimensionKind(StrEnum):
    DEPARTMENT = "department"
    PROJECT = "project"
    COST_CENTRE = "cost_centre"


@dataclass(frozen=True, slots=True)
class LedgerDimension:
    kind: DimensionKind
    code: str
    name: str
    active: bool = True
    ledger_id: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerSupplier:
    """A supplier in the ledger's register. `kid_required` is None where the ledger does not
    say (none of the three APIs has the flag; the sync derives it from the postings)."""

    ledger_id: str
    name: str
    number: str | None = None
    org_number: str | None = None
    vat_id: str | None = None
    bank_accounts: tuple[str, ...] = ()
    default_account: str | None = None
    active: bool = True
    kid_required: bool | None = None


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One cost line of a supplier invoice posted in the ledger (net of VAT)."""

    external_id: str  # unique per company and system: the sync stores each line once
    day: date
    account: str
    amount: Decimal
    vat_code: str | None = None
    text: str = ""
    supplier_id: str | None = None  # the ledger's supplier id
    supplier_name: str | None = None
    supplier_org_number: str | None = None
    invoice_number: str | None = None
    voucher: str | None = None
    kid: str | None = None
    currency: str | None = None
    department: str | None = None
    project: str | None = None
    cost_centre: str | None = None


_KID = re.compile(r"\b(?:KID|OCR):?\s*(\d{2,25})\b", re.IGNORECASE)


def kid_in_text(text: str | None) -> str | None:
    """A KID / OCR reference written into a posting's text ("… KID 1234567890"), as Kontera
    posts it: no API of the three has a field for it on a posted line."""
    found = _KID.search(text or "")
    return found.group(1) if found else None
