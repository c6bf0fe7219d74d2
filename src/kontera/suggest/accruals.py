"""Which invoice lines pay for a period, and the accrual Kontera proposes for them.

The period is read, most specific first, from the line's own period (BG-26), the invoice
period (BT-73/BT-74), or the words of the line and the invoice: a date range
("abonnement 01.01–31.12", "periode 01.01.2027 - 31.12.2027"), or a yearly word with a year
("årsavgift 2027", "årsabonnemang 2027"). A period of more than one month is proposed as an
accrual: booked to prepaid expenses and released month by month to the line's account. Lines
on balance-sheet accounts (classes 1 and 2: assets bought, debts paid) are never accrued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kontera.domain.accrual import accrual_reason
from kontera.domain.accrual import by_months
from kontera.domain.accrual import month_count
from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import Invoice
from kontera.domain.money import round_cents
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion

_DAY = r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?"
_DASH = r"\s*(?:-|–|—|til|till|to)\s*"
_DOTTED_RANGE = re.compile(rf"(?<![\d.]){_DAY}{_DASH}{_DAY}(?![\d])")
_ISO_RANGE = re.compile(r"(\d{4})-(\d{2})-(\d{2})" + _DASH + r"(\d{4})-(\d{2})-(\d{2})")
_YEARLY = re.compile(
    r"\b(?:års\w*|helårs\w*|annual|yearly)\b\D{0,30}?\b(20\d\d)\b|\b(20\d\d)\b\D{0,3}"
    r"(?:årsavgift|årsabonnement|årsabonnemang|årslisens|årslicens)",
    re.IGNORECASE,
)
# Balance-sheet classes in NS 4102 and BAS alike: never a cost to spread.
_BALANCE_CLASSES = ("1", "2")


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    source: str  # "line_period" (BG-26), "invoice_period" (BT-73/74) or "text"
    evidence: str = ""  # the words that named it, for "text"


def line_period(invoice: Invoice, line_index: int, description: str | None) -> Period | None:
    """The period one suggested line pays for, if the invoice says so."""
    if 0 <= line_index < len(invoice.lines):
        line = invoice.lines[line_index]
        if line.period_start and line.period_end:
            return Period(line.period_start, line.period_end, "line_period")
    if invoice.period_start and invoice.period_end:
        return Period(invoice.period_start, invoice.period_end, "invoice_period")
    texts = [description or ""]
    if 0 <= line_index < len(invoice.lines):
        item = invoice.lines[line_index]
        texts += [item.description or "", item.item_name or "", item.note or ""]
    texts.append(invoice.note or "")
    for text in texts:
        found = period_in_text(text, invoice.issue_date)
        if found is not None:
            return found
    return None


def period_in_text(text: str, issued: date | None) -> Period | None:
    """A period named in words: a date range, or a yearly fee with its year."""
    if not text:
        return None
    for finder in (_iso_range, _dotted_range, _yearly):
        found = finder(text, issued)
        if found is not None:
            return found
    return None


def _iso_range(text: str, issued: date | None) -> Period | None:
    match = _ISO_RANGE.search(text)
    if match is None:
        return None
    numbers = [int(g) for g in match.groups()]
    try:
        start, end = date(*numbers[:3]), date(*numbers[3:])
    except ValueError:
        return None
    return Period(start, end, "text", match.group(0)) if start < end else None


def _dotted_range(text: str, issued: date | None) -> Period | None:
    match = _DOTTED_RANGE.search(text)
    if match is None:
        return None
    d1, m1, y1, d2, m2, y2 = match.groups()
    end_year = _year(y2) or _year(y1) or (issued.year if issued else None)
    if end_year is None:
        return None
    start_year = _year(y1) or end_year
    try:
        start, end = date(start_year, int(m1), int(d1)), date(end_year, int(m2), int(d2))
    except ValueError:
        return None
    if end < start and not y1:
        start = date(start_year - 1, start.month, start.day)  # "01.07–30.06.2027"
    return Period(start, end, "text", match.group(0)) if start < end else None


def _yearly(text: str, issued: date | None) -> Period | None:
    match = _YEARLY.search(text)
    if match is None:
        return None
    year = int(match.group(1) or match.group(2))
    return Period(date(year, 1, 1), date(year, 12, 31), "text", match.group(0).strip())


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def propose_accruals(suggestion: Suggestion, invoice: Invoice, prepaid_account: str) -> Suggestion:
    """Give every line that pays for more than one month its proposed schedule."""
    if invoice.issue_date is None:
        return suggestion
    alone = len(suggestion.lines) == 1
    for line in suggestion.lines:
        amount = line.amount if line.amount is not None else _net_of(line, invoice, alone)
        proposed = _proposal(line, amount, invoice, prepaid_account, invoice.issue_date)
        if proposed is not None:
            line.accrual = proposed
    return suggestion


def _net_of(line: LineSuggestion, invoice: Invoice, alone: bool) -> Decimal | None:
    """The amount a line without one is posted with: its invoice line's net, or, for the
    one line of the whole invoice, the invoice's net (as approval takes it)."""
    if 0 <= line.line_index < len(invoice.lines) and invoice.lines[line.line_index].net:
        return invoice.lines[line.line_index].net
    return invoice.totals.net if alone else None


def _proposal(
    line: LineSuggestion,
    amount: Decimal | None,
    invoice: Invoice,
    prepaid_account: str,
    issued: date,
) -> dict[str, object] | None:
    # A line without an account yet is proposed too: the period does not depend on it.
    if amount is None or (line.account or "").startswith(_BALANCE_CLASSES):
        return None
    period = line_period(invoice, line.line_index, line.description)
    if period is None:
        return None
    months = month_count(period.start, period.end)
    if months < 2:
        return None
    try:
        accrual = by_months(round_cents(amount), period.start, months, issued, prepaid_account)
    except InvalidInput:  # longer than an accrual may be: an asset, a person's decision
        return None
    if len(accrual.releases) < 2:  # the period is over when booked: nothing left to spread
        return None
    proposal: dict[str, object] = {
        **accrual.to_json(),
        "source": period.source,
        "evidence": period.evidence,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
    }
    proposal["reason"] = str(accrual_reason(proposal, accrual))  # English, for the API
    return proposal
