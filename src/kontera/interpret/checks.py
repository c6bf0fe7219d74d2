"""Checks a careful bookkeeper makes on a received e-invoice, each citing its official rule id.

The rules live in small modules by family and register themselves on import:
`checks_calc` (EN 16931 BR-CO-*), `checks_vat` / `checks_vat_o` (VAT categories BR-S/Z/E/AE/
IC/G/O-*), `checks_national` (Peppol NO-R-*, SE-R-*), `checks_mandatory` (BR-01… that matter
on reception) and `checks_ids` (check digits of org.nr, VAT ids, KID, account numbers, IBAN).
Failures become `Note`s on the invoice; a check never raises.
"""

from __future__ import annotations

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.interpret import checks_calc as checks_calc
from kontera.interpret import checks_national as checks_national
from kontera.interpret import checks_vat as checks_vat
from kontera.interpret import checks_vat_o as checks_vat_o
from kontera.interpret.checks_base import RULES
from kontera.interpret.checks_base import run_rules

__all__ = ["RULES", "check_invoice", "fired_rules", "run_checks"]

_FAMILIES = (checks_calc, checks_national, checks_vat, checks_vat_o)


def run_checks(invoice: Invoice) -> list[Note]:
    """Every rule's findings for this invoice, as notes (not yet attached)."""
    return run_rules(invoice, RULES.values())


def check_invoice(invoice: Invoice) -> None:
    """Run every rule and attach the findings to the invoice as notes."""
    for note in run_checks(invoice):
        invoice.add_note(note)


def fired_rules(invoice: Invoice) -> set[str]:
    return {note.rule_id for note in run_checks(invoice) if note.rule_id}
