"""The common record every history importer produces, and the problems it may report.

A `HistoryLine` is one cost line a company has posted in the past: who the supplier was, what
the line said, how much, and the account (and VAT code) it went to. Parsers stream these;
anything they cannot import is yielded as an `ImportProblem` so that a person sees it instead
of it vanishing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kontera.domain.messages import Message
from kontera.domain.messages import as_message
from kontera.domain.messages import msg

HistoryFormat = str  # "saft" | "sie" | "csv" | "xlsx"

_LEGAL_SUFFIXES = re.compile(
    r"\b(AS|ASA|AB|HB|KB|LTD|LIMITED|PLC|LLP|GMBH|OY|APS|A/S|INC|CO|THE|SA|BV|NV|DA|ANS|ENK)\b"
)
_NON_WORD = re.compile(r"[^0-9A-ZÆØÅÄÖÜ]+")


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One posted cost line of the past, as every importer produces it (money as Decimal)."""

    account: str
    date: date | None = None
    supplier_id: str | None = None
    supplier_name: str | None = None
    supplier_org_number: str | None = None
    description: str = ""
    amount: Decimal | None = None
    currency: str | None = None
    vat_code: str | None = None
    vat_rate: Decimal | None = None
    supplier_country: str | None = None
    invoice_number: str | None = None
    account_name: str | None = None
    item_classification: str | None = None
    # Set by the ledger sync: the line's id in the ledger (stored once), and its dimensions.
    external_id: str | None = None
    kid: str | None = None
    department: str | None = None
    project: str | None = None
    cost_centre: str | None = None
    # The invoice's buyer's reference (BT-10, "Deres ref") and order reference (BT-13): they
    # often name the person or department that ordered, so they are evidence for the account
    # and the dimensions.
    buyer_reference: str | None = None
    order_reference: str | None = None

    @property
    def supplier_key(self) -> str:
        return supplier_key(self.supplier_id, self.supplier_org_number, self.supplier_name)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """Something in a history file that was not imported, with where and why.

    `line` is the file's line number where there is one ("line 214: #TRANS without amount");
    `text` says it all as a catalogue message, for the reader's language."""

    location: str
    message: str | Message
    line: int | None = None

    @property
    def text(self) -> Message:
        problem = as_message(self.message)
        if self.line is not None:
            return msg("line {line}: {problem}", line=self.line, problem=problem)
        return msg("{where}: {problem}", where=self.location, problem=problem)

    def __str__(self) -> str:
        return str(self.text)


HistoryItem = HistoryLine | ImportProblem


def normalise_name(name: str) -> str:
    """Upper-case, accents kept, punctuation and legal-form suffixes dropped.

    "Telenor Norge AS" and "TELENOR NORGE A/S " must be the same supplier.
    """
    text = unicodedata.normalize("NFC", name).upper().replace("A/S", " ")
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def supplier_key(supplier_id: str | None, org_number: str | None, name: str | None) -> str:
    """The most stable identity available: org.nr, then the company's own id, then the name."""
    if org_number and (digits := re.sub(r"\D", "", org_number)):
        return f"org:{digits}"
    if supplier_id and supplier_id.strip():
        return f"id:{supplier_id.strip()}"
    if name and (normalised := normalise_name(name)):
        return f"name:{normalised}"
    return "unknown"


def only_lines(
    items: Iterable[HistoryItem], on_problem: Callable[[ImportProblem], None] | None = None
) -> Iterator[HistoryLine]:
    """The lines of an item stream; problems go to `on_problem` (a report, a progress bar …)."""
    for item in items:
        if isinstance(item, HistoryLine):
            yield item
        elif on_problem is not None:
            on_problem(item)
