"""Voucher rows as systems without VAT fields want them, and amounts in the base currency.

Fortnox voucher rows, SIE4 `#TRANS` lines and the CSV export have no VAT code: the VAT is a
row of its own on a VAT account. `explicit_vat_rows` turns the gross voucher into net cost
rows plus one row per VAT account (and, for reverse charge, the computed output VAT), still
balancing to zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.domain.money import ZERO
from kontera.domain.money import round_cents
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatKind
from kontera.post.vat import VatTable

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Row:
    """A plain ledger row: account and signed amount (debit > 0), no VAT code."""

    account: str
    amount: Decimal
    description: str | None = None
    # The posting's department / project / cost centre (kind → code); none on VAT rows.
    dimensions: tuple[tuple[str, str], ...] = ()


def explicit_vat_rows(voucher: Voucher, vat_table: VatTable = DEFAULT_VAT_TABLE) -> list[Row]:
    """Net cost rows, one row per VAT account, and the payable row; sums to zero."""
    rows: list[Row] = []
    payable: list[Row] = []
    vat_rows: dict[str, Decimal] = {}
    for posting in voucher.postings:
        if posting.is_payable or posting.vat_code is None:
            target = payable if posting.is_payable else rows
            target.append(Row(posting.account, posting.amount, posting.description, _dims(posting)))
            continue
        _split(posting, vat_table, rows, vat_rows)
    for account, amount in sorted(vat_rows.items()):
        if amount != ZERO:
            rows.append(Row(account, amount, "Moms" if account.startswith("26") else "Mva"))
    rows.extend(payable)  # cost, VAT, then the supplier: the order a bookkeeper reads
    total = sum((row.amount for row in rows), ZERO)
    if total != ZERO:
        raise InvalidInput(msg("The VAT rows do not balance (off by {total}).", total=total))
    return rows


def _split(
    posting: Posting, table: VatTable, rows: list[Row], vat_rows: dict[str, Decimal]
) -> None:
    vat = table.get(posting.vat_code)
    tax = posting.vat_amount or ZERO
    net = posting.amount - tax
    if vat.kind is VatKind.INPUT and vat.input_account:
        rows.append(Row(posting.account, net, posting.description, _dims(posting)))
        vat_rows[vat.input_account] = vat_rows.get(vat.input_account, ZERO) + tax
        return
    rows.append(Row(posting.account, posting.amount, posting.description, _dims(posting)))
    if vat.kind is VatKind.REVERSE_CHARGE and vat.output_account:
        computed = round_cents(net * vat.rate / _HUNDRED)
        # Deductible: debit input VAT; not deductible: the VAT is a cost on the same account.
        debit_account = vat.input_account or posting.account
        vat_rows[debit_account] = vat_rows.get(debit_account, ZERO) + computed
        vat_rows[vat.output_account] = vat_rows.get(vat.output_account, ZERO) - computed


def _dims(posting: Posting) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(posting.dimensions.items()))


def base_currency_amounts(voucher: Voucher, rate: Decimal) -> list[Decimal]:
    """Each posting's amount × rate, rounded, with the residual on the payable posting.

    Rounding each line separately can leave a cent or two; the payable line absorbs it so
    the voucher balances in the base currency as well as in the document currency.
    """
    if rate <= ZERO:
        raise InvalidInput(msg("The exchange rate must be positive, got {rate}.", rate=rate))
    amounts = [round_cents(p.amount * rate) for p in voucher.postings]
    residual = sum(amounts, ZERO)
    payable = next((i for i, p in enumerate(voucher.postings) if p.is_payable), len(amounts) - 1)
    amounts[payable] -= residual
    return amounts
