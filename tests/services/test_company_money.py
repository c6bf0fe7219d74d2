"""Amount limits are in the company's currency: a foreign invoice at the stored central-bank
rate of the company's own bank, published on or before the invoice date; none stored, none
guessed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kontera.domain.invoice import Invoice
from kontera.services.admin.company_money import invoice_rate
from kontera.services.admin.company_money import stored_rate
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables_post import ExchangeRateRow


def _rates(ctx: AppContext) -> None:
    with session_scope(ctx.engine) as session:
        for source, day, rate in (
            ("Norges Bank", date(2026, 11, 2), "11.70"),
            ("Norges Bank", date(2026, 11, 9), "11.80"),
            ("Sveriges Riksbank", date(2026, 11, 9), "10.95"),
        ):
            session.add(
                ExchangeRateRow(source=source, currency="EUR", day=day, rate=rate, rate_date=day)
            )


def test_a_foreign_invoice_takes_the_newest_rate_of_its_company_bank(ctx: AppContext) -> None:
    _rates(ctx)
    norwegian, swedish = Company(name="N", country="NO"), Company(name="S", country="SE")
    with session_scope(ctx.engine) as session:
        assert stored_rate(session, norwegian, "eur", date(2026, 11, 5)) == Decimal("11.70")
        assert stored_rate(session, norwegian, "EUR", date(2026, 11, 30)) == Decimal("11.80")
        assert stored_rate(session, swedish, "EUR", date(2026, 11, 30)) == Decimal("10.95")
        assert stored_rate(session, swedish, "EUR", date(2026, 11, 5)) is None  # not before
        assert stored_rate(session, norwegian, "USD", date(2026, 11, 30)) is None
        assert stored_rate(session, norwegian, "NOK", None) == Decimal(1)
        invoice = Invoice(currency="EUR", issue_date=date(2026, 11, 10))
        money = invoice_rate(session, norwegian, invoice)
    assert (money.currency, money.invoice_currency, money.rate) == ("NOK", "EUR", Decimal("11.80"))
    assert money.convert(Decimal("100")) == Decimal("1180.00")
