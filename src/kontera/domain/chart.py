"""A company's chart of accounts and VAT codes, as plain values.

`ChartAccount` and `ChartVatCode` are what importers (SAF-T, SIE, CSV), the ledger sync and
the demo produce and what `kontera.services.suggest.chart` stores and answers with. VAT codes are
named by *Kontera's* code (`kontera.post.vat`: the SAF-T standard code in Norway, `SE25` …
in Sweden); a ledger's own id or number for the same code sits beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ChartSource(StrEnum):
    """Where a chart row came from. `HISTORY` rows are only the accounts a posting history
    used (a CSV export has no chart): they do not make the chart complete."""

    LEDGER = "ledger"  # synced from the accounting system: the truth
    IMPORT = "import"  # a chart in a file (SAF-T MasterFiles, SIE #KONTO)
    DEMO = "demo"  # the demo company's own small chart
    HISTORY = "history"  # seen in imported posting history only
    STANDARD = "standard"  # the statutory VAT code list Kontera ships (never stored)


COMPLETE_SOURCES = frozenset({ChartSource.LEDGER, ChartSource.IMPORT, ChartSource.DEMO})


class VatDirection(StrEnum):
    INPUT = "input"  # purchases (inngående / ingående)
    OUTPUT = "output"  # sales (utgående / utgående)
    NONE = "none"  # no VAT treatment either way


@dataclass(frozen=True, slots=True)
class ChartAccount:
    """One GL account of a company.

    `vat_codes` is the set of Kontera VAT codes the account accepts; `None` means any (most
    charts do not restrict). `supplier_invoices=False` marks an account the ledger does not
    allow on a supplier invoice's cost lines.
    """

    number: str
    name: str = ""
    active: bool = True
    vat_codes: frozenset[str] | None = None
    supplier_invoices: bool = True
    standard_account: str | None = None  # SAF-T grouping / standard account
    sru: str | None = None  # Swedish SRU code (tax return mapping)
    ledger_id: str | None = None
    source: ChartSource = ChartSource.IMPORT

    def accepts_vat(self, code: str) -> bool:
        return self.vat_codes is None or code in self.vat_codes


@dataclass(frozen=True, slots=True)
class ChartVatCode:
    """One VAT code a company may post with.

    `code` is Kontera's code; `ledger_number` the code the company (or its ledger) shows for it
    and `ledger_id` the ledger's internal id where it has one (Tripletex vatType id).
    """

    code: str
    name: str = ""
    rate: Decimal | None = None
    direction: VatDirection = VatDirection.INPUT
    active: bool = True
    ledger_number: str | None = None
    ledger_id: str | None = None
    source: ChartSource = ChartSource.IMPORT


@dataclass(frozen=True, slots=True)
class ChartFile:
    """What a file says about a chart: accounts and VAT codes (either may be empty)."""

    accounts: tuple[ChartAccount, ...] = ()
    vat_codes: tuple[ChartVatCode, ...] = ()
