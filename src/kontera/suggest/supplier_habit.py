"""A supplier's habit in the books: its last invoices in a row went to one account.

The account model weighs a supplier's whole past and, where one supplier goes to several
accounts, is rightly unsure. The newest invoices say more than the average: a supplier whose
last six invoices all went to 4601 will very likely go to 4601 again. How likely is measured,
not assumed: in a company's own books every invoice of a supplier that had a run before it is
one observation (the run is counted from earlier invoices only, so each is out of sample in
time), and the share that continued the run, per run length, is the probability
(`RunCalibration`). It is fitted when the company's model is trained, on its books up to then,
and used on the invoices that arrive later.

The amount is checked too: a run earns trust for the supplier's usual invoices, not for one
ten times larger (`within_usual_range`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kontera.domain.suggestion import Suggestion

# Run lengths pooled into one estimate: 1, 2, 3, 4–5, 6–9, 10–19, 20 and more.
RUN_BINS = (1, 2, 3, 4, 6, 10, 20)
MIN_OBSERVATIONS = 30  # fewer in a bin: no estimate (no evidence rather than a noisy one)
RANGE_WINDOW = 12  # the supplier's newest invoices whose totals make its usual range


@dataclass(frozen=True, slots=True)
class BookedLine:
    """One cost line of the books (history, ledger or an approval)."""

    day: date | None
    invoice: str  # lines with one key belong to one invoice (a document's id, else the day)
    account: str
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BookedInvoice:
    account: str | None  # None when its lines went to several accounts
    total: Decimal | None


@dataclass(frozen=True, slots=True)
class Habit:
    """The newest invoices in a row that went entirely to one account."""

    account: str | None = None
    run: int = 0
    totals: tuple[Decimal, ...] = ()  # the supplier's newest invoices' totals, newest first


def invoices_of(lines: Iterable[BookedLine]) -> list[BookedInvoice]:
    """The lines grouped into invoices, oldest first."""
    groups: dict[tuple[date, str], list[BookedLine]] = {}
    for line in lines:
        groups.setdefault((line.day or date.min, line.invoice), []).append(line)
    invoices = []
    for key in sorted(groups):
        group = groups[key]
        accounts = {line.account for line in group}
        amounts = [line.amount for line in group if line.amount is not None]
        total = sum(amounts, Decimal(0)) if len(amounts) == len(group) else None
        invoices.append(
            BookedInvoice(account=accounts.pop() if len(accounts) == 1 else None, total=total)
        )
    return invoices


def habit(invoices: Sequence[BookedInvoice]) -> Habit:
    """The run at the end of `invoices` (oldest first), and the supplier's usual amounts."""
    totals = usual_totals(invoices)
    if not invoices or invoices[-1].account is None:
        return Habit(totals=totals)
    account = invoices[-1].account
    run = 0
    for invoice in reversed(invoices):
        if invoice.account != account:
            break
        run += 1
    return Habit(account=account, run=run, totals=totals)


def usual_totals(invoices: Sequence[BookedInvoice]) -> tuple[Decimal, ...]:
    """The totals of the newest RANGE_WINDOW invoices (oldest first in), newest first."""
    recent = invoices[-RANGE_WINDOW:]
    return tuple(invoice.total for invoice in reversed(recent) if invoice.total is not None)


def within_usual_range(amount: Decimal | None, totals: Sequence[Decimal], margin: Decimal) -> bool:
    """Between the supplier's smallest and largest recent invoice, widened by `margin`
    (0.25 = 25 %). A credit note is usual only where the supplier has sent credit notes."""
    if amount is None or not totals:
        return False
    low, high = min(totals), max(totals)
    return low - abs(low) * margin <= amount <= high + abs(high) * margin


def run_bin(run: int) -> int:
    """The bin (its smallest run length) a run falls in."""
    return max(start for start in RUN_BINS if start <= run) if run >= 1 else 0


@dataclass(frozen=True, slots=True)
class RunCalibration:
    """Per run-length bin: how many runs were observed and how many the next invoice continued."""

    continued: tuple[tuple[int, int], ...] = ()  # per RUN_BINS: (continued, observed)

    def probability(self, run: int) -> float | None:
        """P(the next invoice goes to the run's account), or None without enough evidence."""
        if run < 1 or len(self.continued) != len(RUN_BINS):
            return None
        hits, seen = self.continued[RUN_BINS.index(run_bin(run))]
        if seen < MIN_OBSERVATIONS:
            return None
        return (hits + 1) / (seen + 2)  # Laplace: a bin that was always right is not 100 %

    def to_json(self) -> dict[str, Any]:
        return {"bins": list(RUN_BINS), "continued": [list(pair) for pair in self.continued]}

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> RunCalibration:
        if not raw or list(raw.get("bins") or []) != list(RUN_BINS):
            return cls()
        return cls(tuple((int(hits), int(seen)) for hits, seen in raw.get("continued") or []))


@dataclass(frozen=True, slots=True)
class RunObservation:
    """One invoice after a run: how long the run was and whether it continued."""

    run: int
    continued: bool
    position: int  # the invoice's index in its supplier's sequence
    usual: bool = True  # its amount was within the supplier's usual range before it


def observations(
    invoices: Sequence[BookedInvoice], margin: Decimal = Decimal("0.25")
) -> list[RunObservation]:
    """Each invoice of one supplier (oldest first) that had a run before it."""
    found = []
    account: str | None = None
    run = 0
    for position, invoice in enumerate(invoices):
        if account is not None and run >= 1:
            before = usual_totals(invoices[max(0, position - RANGE_WINDOW) : position])
            usual = within_usual_range(invoice.total, before, margin)
            found.append(RunObservation(run, invoice.account == account, position, usual))
        if invoice.account is not None and invoice.account == account:
            run += 1
        else:
            account, run = invoice.account, (1 if invoice.account is not None else 0)
    return found


def fit_runs(per_supplier: Iterable[Sequence[RunObservation]]) -> RunCalibration:
    """The share of runs the next invoice continued, over the invoices of a usual amount (the
    only ones the evidence is used for)."""
    counts = {start: [0, 0] for start in RUN_BINS}
    for found in per_supplier:
        for observation in found:
            if not observation.usual:
                continue
            pair = counts[run_bin(observation.run)]
            pair[0] += int(observation.continued)
            pair[1] += 1
    return RunCalibration(tuple((counts[s][0], counts[s][1]) for s in RUN_BINS))


@dataclass(frozen=True, slots=True)
class HabitEvidence:
    """A run that vouches for the suggested account, with its calibrated probability."""

    account: str
    run: int
    probability: float


def habit_evidence(
    suggestion: Suggestion, habit: Habit, runs: RunCalibration, *, after: int
) -> HabitEvidence | None:
    """The run's evidence when it is long enough and every line is proposed to its account.

    Where the model proposes another account (the line's text points elsewhere), the run says
    nothing about that choice and is left out."""
    if after <= 0 or habit.account is None or habit.run < after or not suggestion.lines:
        return None
    if any(line.abstained or line.account != habit.account for line in suggestion.lines):
        return None
    probability = runs.probability(habit.run)
    if probability is None:
        return None
    return HabitEvidence(account=habit.account, run=habit.run, probability=probability)


def strengthen(suggestion: Suggestion, evidence: HabitEvidence) -> None:
    """Each line's account confidence becomes the better calibrated of model and run."""
    for line in suggestion.lines:
        line.confidence = max(line.confidence, evidence.probability)
