"""After a person corrects fields: the notes that followed from the old values go, the checks
run again on the new ones.

A note about a corrected field ("could not find the total", "unsure of the KID") is no longer
true once a person typed the value. The sums are checked again, and an e-invoice's rule
checks (the notes that cite a rule id) are rerun as a whole, since one corrected amount can
make several rules pass or fail. Notes about other things (the supplier, an embedded file)
stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.interpret.checks.invoice import run_checks

TOTALS_MISMATCH = "totals_mismatch"
# Notes that describe the reading of one field; a person's value replaces the reading.
_ABOUT_THE_READING = {"missing_field", "low_confidence", "unreadable_value", TOTALS_MISMATCH}
_TOLERANCE = Decimal("0.02")


def recheck(invoice: Invoice, corrected: Iterable[str]) -> None:
    """Replace the notes that depend on the corrected fields with fresh findings."""
    paths = set(corrected)
    rule_based = any(note.rule_id for note in invoice.notes)
    invoice.notes = [note for note in invoice.notes if _still_true(note, paths, rule_based)]
    if rule_based:
        for note in run_checks(invoice):
            invoice.add_note(note)
    else:
        _check_totals(invoice)


def _still_true(note: Note, corrected: set[str], rule_based: bool) -> bool:
    if rule_based and note.rule_id:
        return False
    if note.code == TOTALS_MISMATCH:
        return False
    return not (note.field in corrected and note.code in _ABOUT_THE_READING)


def _check_totals(invoice: Invoice) -> None:
    """Net + VAT = total, the one sum a PDF or scan must satisfy (as when it was read)."""
    totals = invoice.totals
    gross = totals.gross if totals.gross is not None else totals.payable
    if totals.net is None or totals.vat is None or gross is None:
        return
    if abs(totals.net + totals.vat - gross) > _TOLERANCE:
        invoice.add_note(
            Note(
                f"Net {totals.net} + VAT {totals.vat} does not equal the total {gross}.",
                Severity.WARNING,
                TOTALS_MISMATCH,
                field="totals.gross",
            )
        )
