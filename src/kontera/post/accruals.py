"""The follow-up vouchers of an accrued invoice: one journal voucher per release day.

The invoice's own voucher moves each accrued line's net amount to prepaid expenses
(`voucher_builder.accrual_transfer`); each release voucher then debits the line's cost
account (with its dimensions) and credits prepaid expenses with that month's share. Lines
released on the same day share one voucher.

Each voucher carries an idempotency key of its own, derived from the invoice's
(`<key>.accrual-<YYYY-MM-DD>`), looked up before it is sent, as the invoice's voucher is.
It is converted at the invoice's exchange rate, so the prepaid account empties exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kontera.domain.accrual import Accrual
from kontera.domain.invoice import Invoice
from kontera.domain.money import ZERO
from kontera.domain.vat_rules import no_vat_code
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions

JOURNAL_MARK = ".accrual-"


@dataclass(frozen=True, slots=True)
class Accrued:
    """One approved line and its schedule."""

    posting: ApprovedPosting
    schedule: Accrual


@dataclass(frozen=True, slots=True)
class JournalVoucher:
    key: str
    voucher: Voucher


def is_journal_key(key: str) -> bool:
    """Whether an idempotency key is an accrual's follow-up voucher (never a supplier
    invoice: a ledger that books invoices elsewhere looks for it among its vouchers)."""
    return JOURNAL_MARK in key


def follow_up_vouchers(
    invoice: Invoice,
    accrued: Sequence[Accrued],
    options: VoucherOptions,
    *,
    key: str,
    currency: str,
) -> list[JournalVoucher]:
    """The release vouchers, one per release day, in date order."""
    if not accrued or invoice.issue_date is None:
        return []
    booked = invoice.issue_date
    planned: list[JournalVoucher] = []
    for day in sorted({r.day for item in accrued for r in item.schedule.releases}):
        rows = [row for item in accrued for row in _release_rows(item, day, options)]
        if rows:
            title = f"Periodisering {day:%Y-%m}"
            voucher = _journal(day, title, invoice, rows, currency, booked)
            planned.append(JournalVoucher(f"{key}{JOURNAL_MARK}{day.isoformat()}", voucher))
    return planned


def _release_rows(item: Accrued, day: date, options: VoucherOptions) -> list[Posting]:
    amount = sum((r.amount for r in item.schedule.releases if r.day == day), ZERO)
    if amount == ZERO:
        return []
    p, no_vat = item.posting, no_vat_code(options.country)
    text = (p.description or "")[:200]
    return [
        Posting(p.account, amount, no_vat, text, amount, ZERO, line_index=p.line_index,
                dimensions=dict(p.dimensions)),
        Posting(item.schedule.account, -amount, no_vat, text, -amount, ZERO,
                line_index=p.line_index),
    ]  # fmt: skip


def _journal(
    day: date, title: str, invoice: Invoice, rows: list[Posting], currency: str, booked: date
) -> Voucher:
    supplier = invoice.seller.name or invoice.seller.org_number or ""
    number = f" {invoice.invoice_number}" if invoice.invoice_number else ""
    voucher = Voucher(
        date=day,
        description=f"{title}: faktura{number} {supplier}".strip()[:250],
        postings=rows,
        currency=currency,
        invoice_number=None,
        journal=True,
        rate_date=booked,
    )
    voucher.check_balanced()
    return voucher
