"""The machinery behind `checks.py`: a rule registry, and the arithmetic EN 16931 prescribes.

A rule is a small function that looks at the domain `Invoice` and returns the problems it
finds as messages a bookkeeper can read (an empty list when the invoice is fine), made with
`msg(...)` so that the UI can say them in the reader's language. The
`@rule("BR-CO-10", …)` decorator records it with its official id and severity; `run_rules`
turns every message into a `Note` carrying that rule id.

Amounts in the domain are signed for the buyer's books (credit notes negative). Rules that
compare an amount with zero use `as_written()` to see the value the document itself carried.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR
from decimal import Decimal

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import Message
from kontera.domain.messages import msg

Problems = list[Message]
RuleFunction = Callable[[Invoice], Problems]


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    severity: Severity
    check: RuleFunction
    field: str | None = None


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity = Severity.ERROR, field: str | None = None
) -> Callable[[RuleFunction], RuleFunction]:
    def register(check: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, check, field)
        return check

    return register


def run_rules(invoice: Invoice, rules: Iterable[Rule]) -> list[Note]:
    notes = []
    for item in rules:
        for message in item.check(invoice):
            notes.append(
                note(
                    message,
                    item.severity,
                    note_code(item.rule_id),
                    rule_id=item.rule_id,
                    field=item.field,
                    english=f"{message} ({item.rule_id})",
                )
            )
    return notes


_CODES = (
    ("BR-CO-", "calculation"),
    ("BR-CL-", "code_list"),
    ("NO-R-", "national"),
    ("SE-R-", "national"),
    ("PEPPOL-", "peppol"),
    ("KONTERA-ID-", "identifier"),
)


def note_code(rule_id: str) -> str:
    """The note `code` for a rule family: calculation, code_list, national, peppol,
    identifier, vat (BR-S/Z/E/AE/IC/G/O) or missing (the BR-nn content rules)."""
    for prefix, code in _CODES:
        if rule_id.startswith(prefix):
            return code
    return "missing" if rule_id[3:4].isdigit() else "vat"


_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_HALF = Decimal("0.5")


def round2(value: Decimal) -> Decimal:
    """XPath's `round(x * 100) div 100` as the official Schematron uses: halves go up."""
    return (value * _HUNDRED + _HALF).to_integral_value(ROUND_FLOOR) / _HUNDRED


def total(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def as_written(invoice: Invoice, amount: Decimal | None) -> Decimal | None:
    """The amount with the document's own sign (credit notes carry positive amounts)."""
    return None if amount is None else amount * invoice.sign


def money(value: Decimal | None) -> Decimal | Message:
    """An amount for a message: two decimals, or the word "missing" in the reader's language."""
    return msg("missing") if value is None else value.quantize(_CENT)


def only_if(condition: bool, message: Message) -> Problems:
    return [message] if condition else []
