"""The company's own money: what an invoice's amount is in the company's currency.

Every amount limit a company sets (auto-approval, attestation, two-person rule) is in its
own currency (NOK for a Norwegian company, SEK for a Swedish one). A foreign invoice is
converted at the central bank's rate Kontera stored when it booked a voucher in that
currency (`kontera.post.exchange_rates`, the table `exchange_rate`): the newest stored rate
published on or before the invoice date. No rate is fetched here, and none is guessed: where
none is stored, the amount cannot be told, and each limit says so and holds the invoice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.invoice import Invoice
from kontera.domain.money import ZERO
from kontera.domain.money import home_currency
from kontera.post.exchange_rates import NorgesBank
from kontera.post.exchange_rates import Riksbank
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables_post import ExchangeRateRow
from kontera.suggest.policy import CompanyRate

# The bank whose rates a voucher in each base currency is booked at.
_BANKS = {bank.base_currency: bank.name for bank in (NorgesBank(), Riksbank())}
CENT = Decimal("0.01")


def company_currency(company: Company) -> str:
    return home_currency(company.country)


def stored_rate(
    session: Session, company: Company, currency: str, day: date | None
) -> Decimal | None:
    """Company currency per one unit of `currency`; None when no rate is stored for it."""
    base = company_currency(company)
    currency = currency.upper()
    if currency == base:
        return Decimal(1)
    query = select(ExchangeRateRow.rate).where(ExchangeRateRow.currency == currency)
    if base in _BANKS:
        query = query.where(ExchangeRateRow.source == _BANKS[base])
    if day is not None:
        query = query.where(col(ExchangeRateRow.day) <= day)
    rate = session.exec(query.order_by(col(ExchangeRateRow.day).desc())).first()
    return Decimal(rate) if rate else None


def invoice_rate(session: Session, company: Company, invoice: Invoice) -> CompanyRate:
    """What the auto-approval policy needs to hold an invoice's amounts against its limits."""
    base = company_currency(company)
    currency = (invoice.currency or base).upper()
    return CompanyRate(
        currency=base,
        invoice_currency=currency,
        rate=stored_rate(session, company, currency, invoice.issue_date),
    )


def amount_for_limits(session: Session, company: Company, document: Document) -> Decimal | None:
    """What the invoice asks to be paid, in the company's currency; None when it cannot be
    told (a foreign currency without a stored central-bank rate): the limits then treat it
    as above every limit. A credit note pays nothing out, so it counts as zero."""
    gross = document.gross
    if gross is None:
        return None
    if gross <= ZERO:
        return ZERO
    currency = document.currency or company_currency(company)
    rate = stored_rate(session, company, currency, document.issue_date)
    return (gross * rate).quantize(CENT) if rate is not None else None
