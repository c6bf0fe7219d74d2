"""Accruals (periodisering): a cost that pays for a period is spread over that period.

The invoice's voucher moves the line's net amount from its cost account to prepaid expenses
(1700 in NS 4102, 1790 in BAS); one release voucher per month then moves that month's share
back to the cost account. The schedule is a value a person may change before approval: the
account, and the releases (day and amount), which must add up to the line's net amount.

Months are calendar months touched by the period, each given an equal share (the cents left
over go to the last). A release is dated the last day of its month, but never before the
invoice's own date: months that had already passed when the invoice was booked are released
together on that date, so nothing is posted into a period that may be closed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.money import ZERO
from kontera.domain.money import round_cents

MAX_MONTHS = 60  # five years: anything longer is not a prepaid cost but an asset


@dataclass(frozen=True, slots=True)
class Release:
    day: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Accrual:
    account: str  # the prepaid-expenses account
    start: date
    end: date
    releases: tuple[Release, ...]

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.releases), ZERO)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "releases": [
                {"date": r.day.isoformat(), "amount": str(r.amount)} for r in self.releases
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Accrual:
        """The schedule as JSON (from a suggestion, a person or the API); InvalidInput when it
        is not one."""
        try:
            account = str(data.get("account") or "").strip()
            start = _day(data["start"])
            end = _day(data["end"])
            releases = tuple(
                Release(_day(r["date"]), Decimal(str(r["amount"])))
                for r in data.get("releases") or []
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as e:
            raise InvalidInput(
                "An accrual needs an account, a start and end date, and its releases "
                "(date and amount)."
            ) from e
        if not account:
            raise InvalidInput("Choose the prepaid-expenses account for the accrual.")
        if end < start:
            raise InvalidInput("The accrual period ends before it starts.")
        if not releases:
            raise InvalidInput("The accrual has no releases.")
        return cls(account, start, end, releases)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def months_of(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) of every calendar month the period touches, in order."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly_releases(amount: Decimal, start: date, end: date, booked_on: date) -> list[Release]:
    """Equal monthly shares of `amount` (signed) over the months of the period."""
    months = months_of(start, end)
    if not months or len(months) > MAX_MONTHS:
        raise InvalidInput(msg("An accrual covers 1 to {n} months.", n=MAX_MONTHS))
    share = round_cents(amount / len(months))
    shares = [share] * (len(months) - 1) + [amount - share * (len(months) - 1)]
    releases: list[Release] = []
    for (year, month), part in zip(months, shares, strict=True):
        day = max(month_end(year, month), booked_on)
        if releases and releases[-1].day == day:  # months already past: one catch-up release
            releases[-1] = Release(day, releases[-1].amount + part)
        else:
            releases.append(Release(day, part))
    return releases


def schedule(amount: Decimal, start: date, end: date, booked_on: date, account: str) -> Accrual:
    return Accrual(account, start, end, tuple(monthly_releases(amount, start, end, booked_on)))


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_count(start: date, end: date) -> int:
    """Whole months a period pays for, counted as a bookkeeper does: 01.01–31.12 and
    15.01–14.01 are both twelve (from its start to the day after its end, rounded)."""
    after = date.fromordinal(end.toordinal() + 1)
    whole = (after.year - start.year) * 12 + after.month - start.month
    return max(1, round(whole + (after.day - start.day) / 30))


def by_months(
    amount: Decimal, first_month: date, months: int, booked_on: date, account: str
) -> Accrual:
    """The schedule a person chooses: `months` monthly releases from `first_month`."""
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(msg("An accrual covers 1 to {n} months.", n=MAX_MONTHS))
    start = date(first_month.year, first_month.month, 1)
    last = add_months(start, months - 1)
    return schedule(amount, start, month_end(last.year, last.month), booked_on, account)


def first_month_and_count(accrual: Accrual) -> tuple[date, int]:
    """What the review page edits: the first month and the number of months."""
    return date(accrual.start.year, accrual.start.month, 1), len(
        months_of(accrual.start, accrual.end)
    )


def accrual_reason(data: dict[str, Any], accrual: Accrual) -> Message:
    """Why the schedule is there, from where its period was read (`source`)."""
    start = _optional_day(data.get("period_start")) or accrual.start
    end = _optional_day(data.get("period_end")) or accrual.end
    source = data.get("source")
    if source == "line_period":
        return msg("The line covers {start} to {end} (its period on the e-invoice).",
                   start=start, end=end)  # fmt: skip
    if source == "invoice_period":
        return msg("The invoice covers {start} to {end} (its invoice period).",
                   start=start, end=end)  # fmt: skip
    if source == "text":
        return msg("The text “{words}” names the period {start} to {end}.",
                   words=str(data.get("evidence") or ""), start=start, end=end)  # fmt: skip
    return msg("A person chose this accrual.")


def _optional_day(value: Any) -> date | None:
    try:
        return _day(value) if value else None
    except ValueError:
        return None
