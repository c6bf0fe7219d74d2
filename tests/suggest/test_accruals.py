"""Which lines are proposed as accruals, over which months, and the schedule's arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kontera.domain.accrual import Accrual
from kontera.domain.accrual import by_months
from kontera.domain.accrual import month_count
from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.suggest.accruals import period_in_text
from kontera.suggest.accruals import propose_accruals

ISSUED = date(2026, 12, 14)


def proposed(
    description: str,
    *,
    account: str = "6900",
    amount: str = "1200.00",
    invoice: Invoice | None = None,
) -> dict[str, object] | None:
    invoice = invoice or Invoice(issue_date=ISSUED, lines=[InvoiceLine(description=description)])
    line = LineSuggestion(0, account, "1", 0.9, Decimal(amount), description)
    propose_accruals(Suggestion([line], "test"), invoice, "1700")
    return line.accrual


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Abonnement 01.01–31.12", date(2026, 1, 1), date(2026, 12, 31)),
        ("Periode 01.01.2027 - 31.12.2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("Leie 01.07-30.06.2027", date(2026, 7, 1), date(2027, 6, 30)),
        ("Årsavgift 2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("Medlemskap årsavgift for 2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("Abonnemang period 2027-01-01 – 2027-06-30", date(2027, 1, 1), date(2027, 6, 30)),
        ("Årsabonnemang 2027", date(2027, 1, 1), date(2027, 12, 31)),
    ],
)
def test_a_period_is_read_from_the_words(text: str, start: date, end: date) -> None:
    found = period_in_text(text, ISSUED)
    assert found is not None and (found.start, found.end) == (start, end)
    assert found.source == "text" and found.evidence


@pytest.mark.parametrize(
    "text", ["Kontorrekvisita", "Abonnement", "Ordre 12.03", "Telefon 2027 stk", "Faktura 31.02"]
)
def test_words_without_a_period_name_none(text: str) -> None:
    assert period_in_text(text, ISSUED) is None


def test_a_year_in_the_words_becomes_twelve_releases_that_sum_exactly() -> None:
    accrual = proposed("Årsavgift 2027", amount="1000.00")
    assert accrual is not None
    schedule = Accrual.from_json(dict(accrual))
    assert len(schedule.releases) == 12
    assert schedule.total == Decimal("1000.00")
    assert [r.amount for r in schedule.releases][-2:] == [Decimal("83.33"), Decimal("83.37")]
    assert schedule.releases[0].day == date(2027, 1, 31)
    assert (
        accrual["reason"] == "The text “Årsavgift 2027” names the period 2027-01-01 to 2027-12-31."
    )


def test_the_line_period_wins_over_the_invoice_period() -> None:
    invoice = Invoice(
        issue_date=ISSUED,
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        lines=[InvoiceLine(period_start=date(2027, 1, 1), period_end=date(2027, 3, 31))],
    )
    accrual = proposed("Support", invoice=invoice)
    assert accrual is not None
    assert accrual["source"] == "line_period"
    assert len(Accrual.from_json(dict(accrual)).releases) == 3


def test_one_month_a_balance_account_or_too_long_a_period_is_not_accrued() -> None:
    one_month = Invoice(issue_date=ISSUED, period_start=date(2027, 1, 1),
                        period_end=date(2027, 1, 31))  # fmt: skip
    assert proposed("Leie januar", invoice=one_month) is None
    assert proposed("Årsavgift 2027", account="1200") is None  # an asset, not a cost
    decade = Invoice(issue_date=ISSUED, period_start=date(2027, 1, 1),
                     period_end=date(2036, 12, 31))  # fmt: skip
    assert proposed("Lisens", invoice=decade) is None


def test_months_already_past_when_booked_are_released_together_on_the_invoice_date() -> None:
    invoice = Invoice(issue_date=date(2027, 3, 10), period_start=date(2027, 1, 1),
                      period_end=date(2027, 12, 31))  # fmt: skip
    accrual = proposed("Abonnement", invoice=invoice, amount="1200.00")
    assert accrual is not None
    releases = Accrual.from_json(dict(accrual)).releases
    assert releases[0].day == date(2027, 3, 10) and releases[0].amount == Decimal("200.00")
    assert len(releases) == 11 and sum(r.amount for r in releases) == Decimal("1200.00")


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2027, 1, 1), date(2027, 12, 31), 12),
        (date(2027, 1, 15), date(2028, 1, 14), 12),
        (date(2027, 1, 1), date(2027, 1, 31), 1),
        (date(2027, 1, 1), date(2027, 1, 10), 1),
        (date(2027, 7, 1), date(2027, 9, 30), 3),
    ],
)
def test_months_are_counted_as_a_bookkeeper_counts_them(
    start: date, end: date, months: int
) -> None:
    assert month_count(start, end) == months


def test_a_credit_note_schedule_is_negative_and_a_wrong_count_refused() -> None:
    schedule = by_months(Decimal("-100.00"), date(2027, 1, 1), 3, ISSUED, "1700")
    assert [r.amount for r in schedule.releases] == [Decimal("-33.33")] * 2 + [Decimal("-33.34")]
    with pytest.raises(InvalidInput):
        by_months(Decimal("100.00"), date(2027, 1, 1), 0, ISSUED, "1700")


def test_a_line_without_an_account_yet_is_still_proposed_as_an_accrual() -> None:
    invoice = Invoice(issue_date=ISSUED, lines=[InvoiceLine(description="Årsavgift 2027")])
    line = LineSuggestion(0, None, None, 0.0, Decimal("600.00"), "Årsavgift 2027", abstained=True)
    propose_accruals(Suggestion([line], "test"), invoice, "1790")
    assert line.accrual is not None and line.accrual["account"] == "1790"


def test_a_period_over_by_the_invoice_date_is_not_proposed() -> None:
    """A quarter invoiced after it ended: nothing is left to spread over later months."""
    invoice = Invoice(issue_date=date(2027, 4, 10), period_start=date(2027, 1, 1),
                      period_end=date(2027, 3, 31))  # fmt: skip
    assert proposed("Subscription fee 1st quarter", invoice=invoice) is None
