"""SIE 4 (Sweden): accounts, vouchers (#VER) and their transactions (#TRANS), streamed.

SIE files are CP437 text; each record is a line starting with a #label followed by fields,
where a field is a bare word, a "quoted string" (backslash escapes a quote) or an {object
list} of dimension/object pairs. A voucher's transactions sit between braces on the lines
after its #VER. A voucher whose transactions do not sum to zero is reported as an
`ImportProblem` and not imported: it is a broken export, not history to learn from.

SIE carries no supplier field. Supplier invoices are recognised by a credit on a
leverantörsskulder account (BAS 244x); the voucher text stands in for the supplier name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from pathlib import Path

from kontera.suggest.history import HistoryItem
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.parsing import parse_amount
from kontera.suggest.parsing import parse_date

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\{[^}]*\})|(\S+)')
_PAYABLES = ("244",)  # BAS leverantörsskulder
_NOT_COST = ("244", "264", "19", "26")  # payables, input VAT, cash/bank, other VAT


@dataclass(frozen=True, slots=True)
class SieTransaction:
    account: str
    amount: Decimal
    objects: tuple[tuple[str, str], ...] = ()
    date: date | None = None
    text: str = ""


@dataclass(slots=True)
class SieVoucher:
    series: str
    number: str
    date: date | None
    text: str
    transactions: list[SieTransaction] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return sum((t.amount for t in self.transactions), Decimal(0))


@dataclass(frozen=True, slots=True)
class SieAccount:
    account: str
    name: str


SieRecord = SieAccount | SieVoucher | ImportProblem


def tokens(line: str) -> list[str]:
    """Fields of one SIE line; quoted strings unescaped, object lists kept with braces."""
    found = []
    for quoted, braces, bare in _TOKEN.findall(line):
        if braces:
            found.append(braces)
        elif bare:
            found.append(bare)
        else:
            found.append(quoted.replace('\\"', '"'))
    return found


def read_sie_lines(path: Path) -> Iterator[str]:
    """Lines of a SIE file decoded as CP437 (the format's mandated "PC8" encoding)."""
    with path.open("rb") as handle:
        for raw in handle:
            yield raw.decode("cp437").rstrip("\r\n")


def iter_sie(lines: Iterable[str], name: str = "SIE file") -> Iterator[SieRecord]:
    """Accounts and balanced vouchers; an unbalanced or malformed voucher as a problem."""
    voucher: SieVoucher | None = None
    problem: str | None = None
    for number, line in enumerate(lines, start=1):
        fields = tokens(line.strip())
        if not fields:
            continue
        label = fields[0].upper()
        if label == "#KONTO" and len(fields) >= 3:
            yield SieAccount(fields[1], fields[2])
        elif label == "#VER":
            voucher, problem = _voucher(fields), None
        elif label == "#TRANS" and voucher is not None:
            try:
                voucher.transactions.append(_transaction(fields))
            except (ValueError, IndexError) as e:
                problem = f"line {number}: {e}"
        elif label == "}" and voucher is not None:
            yield _finished(voucher, problem, name)
            voucher = None


def _voucher(fields: list[str]) -> SieVoucher:
    padded = [*fields[1:], "", "", "", ""]
    return SieVoucher(padded[0], padded[1], _maybe_date(padded[2]), padded[3])


def _transaction(fields: list[str]) -> SieTransaction:
    padded = [*fields[1:], "", "", "", "", ""]
    objects = tuple(_objects(padded[1])) if padded[1].startswith("{") else ()
    amount_at = 2 if padded[1].startswith("{") else 1
    return SieTransaction(
        account=padded[0],
        amount=parse_amount(padded[amount_at]),
        objects=objects,
        date=_maybe_date(padded[amount_at + 1]),
        text=padded[amount_at + 2],
    )


def _objects(braces: str) -> Iterator[tuple[str, str]]:
    inner = tokens(braces.strip("{}"))
    for index in range(0, len(inner) - 1, 2):
        yield inner[index], inner[index + 1]


def _finished(voucher: SieVoucher, problem: str | None, name: str) -> SieRecord:
    where = f"{name} voucher {voucher.series} {voucher.number}".strip()
    if problem:
        return ImportProblem(where, f"a transaction could not be read ({problem})")
    if voucher.balance != 0:
        return ImportProblem(
            where, f"the voucher does not balance (off by {voucher.balance}); not imported"
        )
    return voucher


def _maybe_date(text: str) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def read_sie_history(path: Path) -> Iterator[HistoryItem]:
    """Cost lines of supplier-invoice vouchers (a credit on 244x), plus every problem."""
    names: dict[str, str] = {}
    for record in iter_sie(read_sie_lines(path), path.name):
        if isinstance(record, SieAccount):
            names[record.account] = record.name
        elif isinstance(record, ImportProblem):
            yield record
        elif _is_supplier_invoice(record):
            yield from _cost_lines(record, names)


def _is_supplier_invoice(voucher: SieVoucher) -> bool:
    return any(t.account.startswith(_PAYABLES) and t.amount < 0 for t in voucher.transactions)


def _cost_lines(voucher: SieVoucher, names: dict[str, str]) -> Iterator[HistoryLine]:
    for transaction in voucher.transactions:
        if transaction.account.startswith(_NOT_COST):
            continue
        yield HistoryLine(
            account=transaction.account,
            account_name=names.get(transaction.account),
            date=transaction.date or voucher.date,
            supplier_name=voucher.text or None,
            description=transaction.text or voucher.text,
            amount=transaction.amount,
            currency="SEK",
            invoice_number=f"{voucher.series}{voucher.number}",
        )
