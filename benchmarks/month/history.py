"""A client company's posting history, cut into its books (the past) and its month.

Any history Kontera imports (CSV/XLSX with `--map`, SAF-T, SIE) is read with the project's
own readers. Lines with dates: the newest calendar month is the month, everything before it
the books (the last `books_years` years of it, as a ledger sync pulls). Lines without dates
(Örebro): ordered by invoice number, the newest 20 % of invoices are the month, as
`evaluate-suggestions` splits such files, and they are given dates inside `undated_month`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from kontera.suggest.csv_history import parse_mapping
from kontera.suggest.history import HistoryLine
from kontera.suggest.importers import read_history
from kontera.suggest.model import time_order

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
HISTORIES = CORPUS / "posting-history"
SAFT_EXAMPLE = (
    CORPUS
    / "saft-no"
    / "Example Files"
    / "ExampleFile SAF-T Financial_888888888_20180228235959.xml"
)
UNDATED_SHARE = 0.2
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CompanySpec:
    """One client company of the bureau: its history file and where its books are kept."""

    name: str
    path: Path
    mapping: tuple[str, ...] = ()
    country: str = "NO"
    ledger: str = "tripletex"  # tripletex | fortnox | poweroffice

    @property
    def label(self) -> str:
        return self.name


# The public histories the figures in the README are measured on (tuned on: Harrogate, Örebro,
# the SAF-T example) and the ones kept apart (never tuned on: GLA, Calderdale).
TUNED = (
    CompanySpec(
        "Harrogate",
        HISTORIES / "harrogate-council" / "harrogate_spend_2015_2022.csv.gz",
        (
            "account=expenditure_code_t|expenditure_code",
            "description=narrative",
            "invoice_number=transaction_no",
        ),
        "NO",
        "tripletex",
    ),
    CompanySpec(
        "Örebro",
        HISTORIES / "orebro-kommun-sambruk" / "Orebro.2016-03.xlsx",
        (
            "supplier_name=LEVERANTÖR",
            "supplier_org_number=ORGANISATIO",
            "invoice_number=FAKT NR",
            "account=KONTO",
            "amount=UTFALL",
        ),
        "SE",
        "fortnox",
    ),
    CompanySpec("SAF-T 888888888", SAFT_EXAMPLE, (), "NO", "poweroffice"),
)
HELD_OUT = (
    CompanySpec(
        "Greater London",
        HISTORIES / "greater-london-authority" / "gla_spend_2013_2023.csv.gz",
        (
            "supplier_id=vendor_id",
            "supplier_name=vendor_name",
            "account=cost_element",
            "invoice_number=document_no",
        ),
        "NO",
        "poweroffice",
    ),
    CompanySpec(
        "Calderdale",
        HISTORIES / "calderdale-council" / "calderdale_ap_2010_2022.csv.gz",
        (
            "account=account",
            "supplier_id=supplier_id",
            "supplier_name=supplier_name",
            "description=extended_description",
            "invoice_number=invoice_number",
        ),
        "SE",
        "fortnox",
    ),
)


@dataclass(slots=True)
class MonthGroup:
    """One invoice of the month as the history holds it: a supplier's lines under one number."""

    supplier_key: str
    number: str | None
    issue: date
    lines: list[HistoryLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount or Decimal(0) for line in self.lines), Decimal(0))


@dataclass(slots=True)
class CompanyHistory:
    spec: CompanySpec
    books: list[HistoryLine]
    month: list[MonthGroup]
    month_start: date
    problems: int = 0
    warmup: list[MonthGroup] = field(default_factory=list)
    dated: bool = True
    skipped_lines: int = 0
    notes: list[str] = field(default_factory=list)


def load(spec: CompanySpec, *, books_years: int, month: date, warmup: int = 0) -> CompanyHistory:
    """The company's books, its `warmup` months and its month, moved in time so that the month
    is `month` (a first day): the books then sit where a ledger sync looks for them."""
    problems: list[object] = []
    lines = [
        line
        for line in read_history(spec.path, None, parse_mapping(spec.mapping), problems.append)
        if line.amount is not None and line.amount != 0
    ]
    lines.sort(key=time_order)
    lines = same_accounts(lines)
    dated = [line for line in lines if line.date is not None]
    if len(dated) >= len(lines) / 2:
        history = _split_by_month(spec, dated, books_years, month, warmup)
    else:
        history = _split_by_number(spec, lines, books_years, month, warmup)
    history.problems = len(problems)
    return history


def account_key(label: str) -> str:
    """An account's name as a ledger would know it, whatever spacing and case a published
    file gave it: "Spares / Consumables" and "Spares/consumables" are one account."""
    return re.sub(r"\s*([/&,;:()-])\s*", r"\1", " ".join(label.split())).casefold()


def same_accounts(lines: list[HistoryLine]) -> list[HistoryLine]:
    """Every spelling of an account under its oldest one.

    Transparency files name accounts by text, and Harrogate's 2022-08 file respells them
    ("Spares / Consumables Direct Purchase"): taken as they are, the month's truth would be
    an account the books never had, and a voucher booked as always would count as wrong.
    """
    first: dict[str, str] = {}
    unified = []
    for line in lines:
        if not line.account:
            unified.append(line)
            continue
        name = first.setdefault(account_key(line.account), line.account)
        unified.append(line if name == line.account else replace(line, account=name))
    return unified


def _split_by_month(
    spec: CompanySpec, lines: list[HistoryLine], years: int, target: date, warmup: int
) -> CompanyHistory:
    newest = max(line.date for line in lines if line.date)
    start = newest.replace(day=1)
    first_warm = months_before(start, warmup)
    oldest_book = first_warm.replace(year=first_warm.year - years)
    shift = target - start
    moved = [_moved(x, shift) for x in lines if x.date and x.date >= oldest_book]
    cut_warm, cut_month = first_warm + shift, start + shift
    books = [x for x in moved if x.date and x.date < cut_warm]
    warm = [x for x in moved if x.date and cut_warm <= x.date < cut_month]
    month = [x for x in moved if x.date and x.date >= cut_month]
    history = CompanyHistory(spec, books, group_month(month), target, warmup=group_month(warm))
    history.notes.append(f"{start:%Y-%m} moved to {target:%Y-%m}")
    return history


def _moved(line: HistoryLine, shift: timedelta) -> HistoryLine:
    assert line.date is not None
    return replace(line, date=line.date + shift)


def _split_by_number(
    spec: CompanySpec, lines: list[HistoryLine], years: int, target: date, warmup: int
) -> CompanyHistory:
    numbers = list(dict.fromkeys(line.invoice_number or "" for line in lines))
    share = int(len(numbers) * UNDATED_SHARE)
    cut_month = len(numbers) - share
    cut_warm = max(0, cut_month - share * warmup)
    first_warm = months_before(target, warmup)
    first_book = first_warm.replace(year=first_warm.year - years)
    # Invoices in number order, spread evenly: the books over the years before, the newest
    # fifth over the month and each fifth before it over a warm-up month.
    days_of = _spread(numbers[:cut_warm], first_book, first_warm)
    days_of.update(_spread(numbers[cut_warm:cut_month], first_warm, target))
    days_of.update(_spread(numbers[cut_month:], target, months_before(target, -1)))
    dated = [replace(line, date=days_of[line.invoice_number or ""]) for line in lines]
    month_numbers, warm_numbers = set(numbers[cut_month:]), set(numbers[cut_warm:cut_month])
    books = [x for x in dated if (x.invoice_number or "") not in month_numbers | warm_numbers]
    warm = [x for x in dated if (x.invoice_number or "") in warm_numbers]
    later = [x for x in dated if (x.invoice_number or "") in month_numbers]
    history = CompanyHistory(
        spec, books, group_month(later), target, dated=False, warmup=group_month(warm)
    )
    history.notes.append(
        f"no dates: invoices spread in number order, the newest {UNDATED_SHARE:.0%} the month"
    )
    return history


def months_before(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s (after it, when negative)."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _spread(numbers: list[str], first: date, end: date) -> dict[str, date]:
    span = max(1, (end - first).days)
    count = max(1, len(numbers))
    return {n: first + timedelta(days=i * span // count) for i, n in enumerate(numbers)}


def last_full_month(today: date) -> date:
    return months_before(today, 1)


def group_month(lines: Sequence[HistoryLine]) -> list[MonthGroup]:
    """One group per supplier and invoice number (per supplier and day without numbers).

    Transparency files sometimes publish a month twice (Harrogate: two source files): an
    identical line within one invoice is kept once.
    """
    groups: dict[tuple[str, str], MonthGroup] = {}
    seen: set[tuple[object, ...]] = set()
    for line in lines:
        assert line.date is not None
        number = (line.invoice_number or "").strip() or None
        key = (line.supplier_key, number or line.date.isoformat())
        identity = (*key, line.account, line.amount, line.description, line.date)
        if identity in seen:
            continue
        seen.add(identity)
        group = groups.setdefault(key, MonthGroup(line.supplier_key, number, line.date, []))
        group.lines.append(line)
        group.issue = min(group.issue, line.date)
    return [g for g in groups.values() if g.total != 0]


def sample_month(groups: list[MonthGroup], budget: int, rng: random.Random) -> list[MonthGroup]:
    chosen = groups if len(groups) <= budget else rng.sample(groups, budget)
    return sorted(chosen, key=lambda g: (g.issue, g.supplier_key, g.number or ""))


def sample_by_supplier(
    month: list[MonthGroup],
    warmup: list[MonthGroup],
    budget: int,
    rng: random.Random,
    *,
    most_per_supplier: float = 0.2,
) -> tuple[list[MonthGroup], list[MonthGroup]]:
    """A smaller client, not a thinned one: whole suppliers, drawn at random, until the
    month holds `budget` invoices; the warm-up month holds the same suppliers' invoices.

    Drawing invoices one by one keeps every supplier but few of its invoices (48 of
    Harrogate's 1 201 leave a supplier with ten invoices a month less than one), so nothing
    that learns per supplier (its track record, its habits) would ever see a second invoice.
    A company of that size has fewer suppliers, each billing as often as before. No supplier
    takes more than `most_per_supplier` of the month, so one utility does not fill it.
    Invoices are drawn from the month afterwards in history order, as `sample_month` does.
    """
    if len(month) <= budget:
        return sample_month(month, budget, rng), sample_month(warmup, budget, rng)
    cap = max(3, int(budget * most_per_supplier))
    in_month: dict[str, list[MonthGroup]] = {}
    for group in month:
        in_month.setdefault(group.supplier_key, []).append(group)
    in_warmup: dict[str, list[MonthGroup]] = {}
    for group in warmup:
        in_warmup.setdefault(group.supplier_key, []).append(group)
    # Every supplier equally likely to be the client's: each invoice is then in the sample
    # exactly when its supplier is, so frequent and one-off suppliers keep their share.
    suppliers = sorted(in_month)
    rng.shuffle(suppliers)
    chosen: list[MonthGroup] = []
    warm: list[MonthGroup] = []
    for key in suppliers:
        if len(chosen) >= budget:
            break
        chosen += sample_month(in_month[key], min(cap, budget - len(chosen)), rng)
        warm += sample_month(in_warmup.get(key, []), cap, rng)
    return sample_month(chosen, budget, rng), sample_month(warm, budget, rng)


def share_budget(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split `total` invoices evenly over the companies, a small company's share going to the
    others (Örebro's month is four times Harrogate's; the bureau's clients count alike)."""
    budget: dict[str, int] = {}
    left, names = total, sorted(sizes, key=lambda n: sizes[n])
    for i, name in enumerate(names):
        budget[name] = min(sizes[name], left // (len(names) - i))
        left -= budget[name]
    return budget


def clean_number(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = re.sub(r"\s+", "", text)
    return cleaned or None
