"""Checks a careful bookkeeper makes on a received e-invoice, each citing its official rule id.

The rules live in small modules by family and register themselves on import:
`calc` (EN 16931 BR-CO-*), `vat` (VAT categories BR-S/Z/E/AE/IC/G/O-*, the seven generated
from one table), `codes` (BR-CL-*), `national` (Peppol NO-R-*, SE-R-*), `peppol`
(PEPPOL-EN16931-*), `mandatory` (BR-01… that matter on reception) and `ids` (check digits of
org.nr, VAT ids, KID, account numbers, IBAN).
Failures become `Note`s on the invoice; a check never raises.
"""

from __future__ import annotations

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.interpret.checks import calc as checks_calc
from kontera.interpret.checks import codes as checks_codes
from kontera.interpret.checks import ids as checks_ids
from kontera.interpret.checks import mandatory as checks_mandatory
from kontera.interpret.checks import national as checks_national
from kontera.interpret.checks import peppol as checks_peppol  # noqa: F401  (registers its rules)
from kontera.interpret.checks import vat as checks_vat
from kontera.interpret.checks.base import RULES
from kontera.interpret.checks.base import run_rules

__all__ = ["RULES", "check_invoice", "fired_rules", "run_checks"]

_FAMILIES = (
    checks_calc,
    checks_codes,
    checks_ids,
    checks_mandatory,
    checks_national,
    checks_vat,
)


# EHF 2.0 (CEN BII 2) and ZUGFeRD 1.x predate EN 16931: their totals follow other rules (e.g.
# rounding inside the total with VAT), so only the sums that hold in every format are checked.
# (ZUGFeRD 1 BASIC may also give allowance totals without the allowances themselves.)
_ID_RULES = {f"KONTERA-ID-{n:02d}" for n in range(1, 11)}
LEGACY_RULES = frozenset({"BR-CO-10", "BR-CO-13", "BR-CO-14", "BR-CO-17", "NO-R-001", *_ID_RULES})
_LEGACY_PROFILES = ("ver2.0", "urn:ferd:")
# Factur-X/ZUGFeRD MINIMUM and BASIC WL carry totals only, by design: no lines to add up.
SUMMARY_RULES = frozenset(
    {"BR-CO-11", "BR-CO-12", "BR-CO-13", "BR-CO-14", "BR-CO-15", "BR-CO-16", "BR-CO-17", *_ID_RULES}
)
_SUMMARY_PROFILES = ("minimum", "basicwl")


def is_legacy(invoice: Invoice) -> bool:
    profile = invoice.profile or ""
    return any(marker in profile for marker in _LEGACY_PROFILES)


def is_summary(invoice: Invoice) -> bool:
    profile = (invoice.profile or "").lower()
    return not invoice.lines and any(marker in profile for marker in _SUMMARY_PROFILES)


def run_checks(invoice: Invoice) -> list[Note]:
    """Every applicable rule's findings for this invoice, as notes (not yet attached)."""
    rules = list(RULES.values())
    if is_legacy(invoice):
        rules = [r for r in rules if r.rule_id in LEGACY_RULES]
    if is_summary(invoice):
        rules = [r for r in rules if r.rule_id in SUMMARY_RULES]
    return run_rules(invoice, rules)


def check_invoice(invoice: Invoice) -> None:
    """Run every rule and attach the findings to the invoice as notes."""
    for note in run_checks(invoice):
        invoice.add_note(note)


def fired_rules(invoice: Invoice) -> set[str]:
    return {note.rule_id for note in run_checks(invoice) if note.rule_id}
