"""Vouchers and postings. A voucher's postings balance to zero, always."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal

from kontera.domain.errors import UnbalancedVoucher
from kontera.domain.messages import msg
from kontera.domain.money import ZERO


@dataclass(slots=True)
class Posting:
    """One voucher line. `amount` is gross (incl. VAT) in the document currency, debit > 0."""

    account: str
    amount: Decimal
    vat_code: str | None = None
    description: str | None = None
    net_amount: Decimal | None = None
    vat_amount: Decimal | None = None
    is_payable: bool = False
    supplier_ref: str | None = None
    kid: str | None = None
    due_date: dt.date | None = None
    line_index: int | None = None
    dimensions: dict[str, str] = dc_field(default_factory=dict)


@dataclass(slots=True)
class Payee:
    """Who the invoice is paid to and how: what a ledger needs to put it in its payment
    proposal (and to create the supplier with the account to pay)."""

    name: str | None = None
    org_number: str | None = None
    vat_id: str | None = None
    country: str | None = None
    kid: str | None = None  # KID (NO) or OCR reference (SE)
    bank_account: str | None = None  # a domestic account number
    iban: str | None = None
    bic: str | None = None
    bankgiro: str | None = None
    plusgiro: str | None = None


@dataclass(slots=True)
class Voucher:
    date: dt.date
    description: str
    postings: list[Posting]
    currency: str = "NOK"
    external_id: str | None = None
    invoice_number: str | None = None
    due_date: dt.date | None = None
    payee: Payee = dc_field(default_factory=Payee)
    # A journal voucher has no supplier (an accrual's monthly release): connectors post it as
    # the ledger's plain/manual voucher, never as a supplier invoice.
    journal: bool = False
    # The day whose exchange rate converts it (a release is converted at its invoice's rate,
    # so the prepaid account empties exactly); None: its own date.
    rate_date: dt.date | None = None

    def balance(self) -> Decimal:
        return sum((p.amount for p in self.postings), ZERO)

    def check_balanced(self) -> None:
        off = self.balance()
        if off != ZERO:
            raise UnbalancedVoucher(
                msg("The postings are off by {off} {currency}.", off=off, currency=self.currency)
            )
