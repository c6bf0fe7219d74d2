"""Shared plumbing for the XML readers (UBL and CII): element lookup and field writing.

Lookups walk children with `iterchildren(tag)` instead of XPath/ElementPath: it is the fastest
path in lxml and needs no namespace maps per call (issue 3 asks for ≥ 500 invoices/s/core).

`FieldWriter` sets each business term on the `Invoice` through `Invoice.set_field` with
`Source.XML` and confidence 1.0, applies the credit-note sign to amounts once, and turns values
that cannot be read into notes instead of exceptions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.money import to_decimal

Element = etree._Element

# UNCL 1001 codes for documents that credit the buyer (EN 16931 code list for BT-3).
CREDIT_NOTE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)


def child(parent: Element | None, tag: str) -> Element | None:
    if parent is None:
        return None
    for element in parent.iterchildren(tag):
        return element
    return None


def descend(parent: Element | None, *tags: str) -> Element | None:
    element = parent
    for tag in tags:
        element = child(element, tag)
        if element is None:
            return None
    return element


def text(parent: Element | None, *tags: str) -> str | None:
    """Stripped text of the element at the child path, None when absent or blank."""
    element = descend(parent, *tags) if tags else parent
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def children(parent: Element | None, tag: str) -> list[Element]:
    return [] if parent is None else list(parent.iterchildren(tag))


def attr(element: Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() if value and value.strip() else None


def parse_date(raw: str) -> date:
    """ISO dates (UBL, "2017-11-13") and UNTDID 2379 format 102 (CII, "20171113")."""
    if len(raw) == 8 and raw.isdigit():
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    return date.fromisoformat(raw[:10])


class FieldWriter:
    """Writes values read from XML onto an invoice, with provenance and the sign convention."""

    __slots__ = ("invoice", "sign")

    def __init__(self, invoice: Invoice) -> None:
        self.invoice = invoice
        self.sign = Decimal(1)

    def set(self, path: str, value: Any) -> Any:
        if value is not None:
            self.invoice.set_field(path, value, confidence=1.0, source=Source.XML)
        return value

    def amount(self, path: str, raw: str | None, *, signed: bool = True) -> Decimal | None:
        """A number; `signed` amounts flip for credit notes (domain sign convention)."""
        number = self._number(path, raw)
        if number is not None and signed and self.sign < 0:
            number = -number
        return self.set(path, number)  # type: ignore[no-any-return]

    def date(self, path: str, raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            value = parse_date(raw)
        except ValueError:
            self.problem(path, f"The date {raw!r} could not be read.")
            return None
        return self.set(path, value)  # type: ignore[no-any-return]

    def _number(self, path: str, raw: str | None) -> Decimal | None:
        if raw is None:
            return None
        try:
            return to_decimal(raw)
        except ValueError:
            self.problem(path, f"The number {raw!r} could not be read.")
            return None

    def problem(self, path: str, message: str) -> None:
        self.invoice.add_note(Note(message, Severity.ERROR, code="unreadable_value", field=path))
