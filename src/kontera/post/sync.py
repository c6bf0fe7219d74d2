"""Reading a connected ledger: what every system's reader offers the sync.

A reader (`sync_tripletex`, `sync_fortnox`, `sync_poweroffice`) turns one system's published
API into the same values: the chart (`ChartAccount`, `ChartVatCode`), the supplier register,
dimensions, and the posting history of supplier invoices as pages. Each `HistoryPage` carries
the cursor to resume *after* it, so that the service can store a page's lines and its cursor
in one transaction: a sync killed at any point resumes from the last stored cursor, and a line
it sees twice (the page around the cut) is stored once, by its external id.

Cursors are small JSON objects whose meaning belongs to the reader; the service only keeps
them. The readers share each connector's authenticated HTTP client, and with it the
connection's rate limiter, so syncing and posting draw on one quota.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any
from typing import Protocol

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartVatCode
from kontera.domain.chart import VatDirection
from kontera.domain.ledger import LedgerDimension
from kontera.domain.ledger import LedgerLine
from kontera.domain.ledger import LedgerSupplier
from kontera.domain.ledger import kid_in_text

Cursor = dict[str, Any]
# SAF-T standard tax codes for sales (utgående): a supplier invoice never takes them.
NO_OUTPUT_CODES = frozenset({"3", "31", "32", "33", "5", "51", "52", "6"})


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Posted cost lines (or, for Fortnox, a SIE 4 file to read them from) and the cursor
    to resume after them. `fetched` counts every posting the system returned (not only the
    cost lines), for the sync's progress and its calls-per-line figure."""

    cursor: Cursor
    lines: tuple[LedgerLine, ...] = ()
    sie: str | None = None
    sie_name: str = ""
    fetched: int = 0
    done: bool = False  # the last page of this run


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """What to read: history from `since`, up to and including `today`; `full` ignores the
    cursors of earlier runs (a full resync), `changed_since` is the last complete run."""

    since: date
    today: date
    full: bool = False
    changed_since: datetime | None = None


@dataclass(slots=True)
class ReadStats:
    calls: int = 0
    by_resource: dict[str, int] = field(default_factory=dict)

    def count(self, resource: str) -> None:
        self.calls += 1
        self.by_resource[resource] = self.by_resource.get(resource, 0) + 1


class LedgerReader(Protocol):
    """One company's ledger, read through its system's API."""

    system: str
    stats: ReadStats

    def accounts(self) -> list[ChartAccount]: ...

    def vat_codes(self) -> list[ChartVatCode]: ...

    def suppliers(self, window: SyncWindow) -> list[LedgerSupplier]: ...

    def dimensions(self) -> list[LedgerDimension]: ...

    def history(self, cursor: Cursor | None, window: SyncWindow) -> Iterator[HistoryPage]: ...


def kid_in(text: str | None) -> str | None:
    return kid_in_text(text)


def is_cost_account_no(number: str) -> bool:
    """NS 4102: not bank (19xx), supplier debt (24xx) or VAT (27xx) — what a cost line may use."""
    return bool(number) and not number.startswith(("19", "24", "27"))


def vat_direction(code: str, rate: Decimal) -> VatDirection:
    """Which side of trade a Norwegian (SAF-T) VAT code is for."""
    if code in NO_OUTPUT_CODES:
        return VatDirection.OUTPUT
    return VatDirection.INPUT if rate else VatDirection.NONE
