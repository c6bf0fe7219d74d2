"""SIE 4 (Sweden): accounts, vouchers (#VER) and their transactions (#TRANS), streamed.

SIE files are CP437 text; each record is a line starting with a #label followed by fields,
where a field is a bare word, a "quoted string" (backslash escapes a quote) or an {object
list} of dimension/object pairs. A voucher's transactions sit between braces on the lines
after its #VER. A voucher whose transactions do not sum to zero, or one with a transaction
that cannot be read, is reported as an `ImportProblem` naming its line ("line 214: #TRANS
without amount") and not imported: it is a broken export, not history to learn from.

SIE carries no supplier field. Supplier invoices are recognised by a credit on a
leverantörsskulder account (BAS 244x); the voucher text stands in for the supplier name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from kontera.domain.messages import Message
from kontera.domain.messages import msg
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
    line: int = 0  # where it stands in the file, for problems a person can find

    @property
    def placeholder(self) -> bool:
        """Not an account number: some programs (SoftOne) post what they could not place on
        `FEL` ("error") and move it to a real account with a later voucher."""
        return not self.account.isdigit()


@dataclass(slots=True)
class SieVoucher:
    series: str
    number: str
    date: date | None
    text: str
    transactions: list[SieTransaction] = field(default_factory=list)
    line: int = 0

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
    """Accounts and balanced vouchers; whatever cannot be read as a problem with its line."""
    voucher: SieVoucher | None = None
    problems: list[ImportProblem] = []
    for number, line in enumerate(lines, start=1):
        fields = tokens(line.strip())
        if not fields:
            continue
        label = fields[0].upper()
        if label == "#KONTO" and len(fields) >= 3:
            yield SieAccount(fields[1], fields[2])
        elif label == "#VER":
            if voucher is not None:
                yield _problem(voucher.line, name, msg("#VER without its closing }}"))
            voucher, problems = _voucher(fields, number), []
        elif label == "#TRANS" and voucher is None:
            yield _problem(number, name, msg("#TRANS outside a voucher (#VER)"))
        elif label == "#TRANS" and voucher is not None:
            try:
                voucher.transactions.append(_transaction(fields, number))
            except SieLineError as e:
                problems.append(_problem(number, name, e.text))
        elif label == "}" and voucher is not None:
            yield from _finished(voucher, problems, name)
            voucher = None
    if voucher is not None:
        yield _problem(voucher.line, name, msg("#VER without its closing }}"))


class SieLineError(ValueError):
    def __init__(self, text: Message) -> None:
        super().__init__(str(text))
        self.text = text


def _problem(line: int, name: str, text: Message) -> ImportProblem:
    return ImportProblem(f"{name} line {line}", text, line=line)


def _voucher(fields: list[str], line: int) -> SieVoucher:
    padded = [*fields[1:], "", "", "", ""]
    return SieVoucher(padded[0], padded[1], _maybe_date(padded[2]), padded[3], line=line)


def _transaction(fields: list[str], line: int) -> SieTransaction:
    """`#TRANS account {objects} amount [date] [text] …`; the object list may be absent in
    older files, so the amount is the field after the braces when there are any."""
    padded = [*fields[1:], "", "", "", "", ""]
    if not padded[0] or padded[0].startswith("{"):
        raise SieLineError(msg("#TRANS without account"))
    objects = tuple(_objects(padded[1])) if padded[1].startswith("{") else ()
    amount_at = 2 if padded[1].startswith("{") else 1
    raw = padded[amount_at]
    if not raw:
        raise SieLineError(msg("#TRANS without amount"))
    try:
        amount = parse_amount(raw)
    except ValueError as e:
        raise SieLineError(msg("#TRANS amount {amount} is not a number", amount=repr(raw))) from e
    return SieTransaction(
        account=padded[0],
        amount=amount,
        objects=objects,
        date=_maybe_date(padded[amount_at + 1]),
        text=padded[amount_at + 2],
        line=line,
    )


def _objects(braces: str) -> Iterator[tuple[str, str]]:
    inner = tokens(braces.strip("{}"))
    for index in range(0, len(inner) - 1, 2):
        yield inner[index], inner[index + 1]


def _finished(voucher: SieVoucher, problems: list[ImportProblem], name: str) -> Iterator[SieRecord]:
    if problems:
        yield from problems
        yield _problem(
            voucher.line,
            name,
            msg(
                "voucher {series} {number} was not imported: {count} of its transactions "
                "could not be read",
                series=voucher.series,
                number=voucher.number,
                count=len(problems),
            ),
        )
    elif voucher.balance != 0:
        yield _problem(
            voucher.line,
            name,
            msg(
                "voucher {series} {number} does not balance (off by {off}); not imported",
                series=voucher.series,
                number=voucher.number,
                off=voucher.balance,
            ),
        )
    else:
        yield voucher


def _maybe_date(text: str) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def read_sie_history(path: Path) -> Iterator[HistoryItem]:
    """Cost lines of supplier-invoice vouchers (a credit on 244x), plus every problem.

    A cost line on a placeholder account (`FEL`) takes the account a later voucher moved that
    amount to; one that nobody moved is a problem, never an account called "FEL"."""
    names: dict[str, str] = {}
    waiting: list[tuple[SieVoucher, SieTransaction]] = []
    moves: list[Move] = []
    for record in iter_sie(read_sie_lines(path), path.name):
        if isinstance(record, SieAccount):
            names[record.account] = record.name
        elif isinstance(record, ImportProblem):
            yield record
        elif _is_supplier_invoice(record):
            for transaction in _cost_transactions(record):
                if transaction.placeholder:
                    waiting.append((record, transaction))
                else:
                    yield _history_line(record, transaction, names)
        else:
            moves += _moves_out_of_placeholders(record)
    for voucher, transaction in waiting:
        target = _moved_to(transaction, voucher, moves)
        if target is None:
            yield _problem(
                transaction.line,
                path.name,
                msg(
                    "#TRANS on account {account}, which is not an account number, and no "
                    "later voucher moved it to one; the line was not imported",
                    account=transaction.account,
                ),
            )
        else:
            yield _history_line(voucher, replace(transaction, account=target.account), names)


@dataclass(frozen=True, slots=True)
class Move:
    """A correction voucher moving `amount` from a placeholder account to `account`."""

    placeholder: str
    amount: Decimal
    account: str
    text: str


def _moves_out_of_placeholders(voucher: SieVoucher) -> list[Move]:
    real = [t for t in voucher.transactions if not t.placeholder]
    return [
        Move(t.account, -t.amount, r.account, voucher.text.strip())
        for t in voucher.transactions
        if t.placeholder
        for r in real
        if r.amount == -t.amount
    ]


def _moved_to(transaction: SieTransaction, voucher: SieVoucher, moves: list[Move]) -> Move | None:
    same = [
        m for m in moves if m.placeholder == transaction.account and m.amount == transaction.amount
    ]
    by_text = [m for m in same if m.text and m.text == voucher.text.strip()]
    chosen = by_text or (same if len(same) == 1 else [])
    if not chosen:
        return None
    moves.remove(chosen[0])  # one correction settles one line
    return chosen[0]


def _is_supplier_invoice(voucher: SieVoucher) -> bool:
    return any(t.account.startswith(_PAYABLES) and t.amount < 0 for t in voucher.transactions)


def _cost_transactions(voucher: SieVoucher) -> Iterator[SieTransaction]:
    return (t for t in voucher.transactions if not t.account.startswith(_NOT_COST))


def _history_line(
    voucher: SieVoucher, transaction: SieTransaction, names: dict[str, str]
) -> HistoryLine:
    return HistoryLine(
        account=transaction.account,
        account_name=names.get(transaction.account),
        date=transaction.date or voucher.date,
        supplier_name=voucher.text or None,
        description=transaction.text or voucher.text,
        amount=transaction.amount,
        currency="SEK",
        invoice_number=f"{voucher.series}{voucher.number}",
        # SIE 4's standard dimensions: 1 is the cost centre, 6 the project.
        cost_centre=dict(transaction.objects).get("1"),
        project=dict(transaction.objects).get("6"),
    )
