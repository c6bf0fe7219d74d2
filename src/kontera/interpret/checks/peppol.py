"""Peppol BIS Billing 3.0 rules (PEPPOL-EN16931-*) that a receiver can act on.

Rules about the transport envelope (endpoint ids, R010/R020) and about the buyer's own
references (R003) are left out: they do not change what is booked. They apply to Peppol and
EHF documents (and to documents that do not say what they are, as in
the official test sets), not to XRechnung or Factur-X, which have rules of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kontera.domain.invoice import AllowanceCharge
from kontera.domain.invoice import Invoice
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import RuleFunction
from kontera.interpret.checks.base import money
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import rule
from kontera.interpret.checks.base import total
from kontera.interpret.checks.national import party_country
from kontera.interpret.checks.national import supplier_country

_PEPPOL_MARKERS = ("peppol", "anskaffelser", "difi")
_SLACK = Decimal("0.02")  # Peppol's u:slack tolerance for computed amounts


def is_peppol(invoice: Invoice) -> bool:
    profile = (invoice.profile or "").lower()
    return not profile or any(marker in profile for marker in _PEPPOL_MARKERS)


def _peppol(rule_id: str, field: str | None = None) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule that runs only on Peppol / EHF documents."""

    def register(check: RuleFunction) -> RuleFunction:
        def guarded(invoice: Invoice) -> Problems:
            return check(invoice) if is_peppol(invoice) else []

        guarded.__doc__ = check.__doc__
        rule(rule_id, field=field)(guarded)
        return check

    return register


@_peppol("PEPPOL-EN16931-R005", field="tax_currency")
def tax_currency_differs(invoice: Invoice) -> Problems:
    same = invoice.tax_currency is not None and invoice.tax_currency == invoice.currency
    return only_if(same, msg("The VAT accounting currency must differ from the invoice currency"))


def _all_allowances(invoice: Invoice) -> list[AllowanceCharge]:
    items = list(invoice.allowances_charges)
    for line in invoice.lines:
        items.extend(line.allowances_charges)
    return items


@_peppol("PEPPOL-EN16931-R040", field="allowances_charges")
def allowance_is_base_times_percent(invoice: Invoice) -> Problems:
    problems = []
    for item in _all_allowances(invoice):
        if item.base_amount is None or item.percent is None:
            continue
        expected = item.base_amount * item.percent / 100
        if abs(item.amount - expected) > _SLACK:
            problems.append(
                msg(
                    "{percent} % of {base_amount} is {expected}, not {amount}",
                    percent=item.percent,
                    base_amount=money(item.base_amount),
                    expected=money(expected),
                    amount=money(item.amount),
                )
            )
    return problems


@_peppol("PEPPOL-EN16931-R041", field="allowances_charges")
def base_amount_with_percent(invoice: Invoice) -> Problems:
    bad = [a for a in _all_allowances(invoice) if a.percent is not None and a.base_amount is None]
    return only_if(bool(bad), msg("An allowance or charge gives a percentage but no base amount"))


@_peppol("PEPPOL-EN16931-R042", field="allowances_charges")
def percent_with_base_amount(invoice: Invoice) -> Problems:
    bad = [a for a in _all_allowances(invoice) if a.base_amount is not None and a.percent is None]
    return only_if(bool(bad), msg("An allowance or charge gives a base amount but no percentage"))


@_peppol("PEPPOL-EN16931-R055", field="totals.vat_accounting_currency")
def vat_totals_same_sign(invoice: Invoice) -> Problems:
    vat, other = invoice.totals.vat, invoice.totals.vat_accounting_currency
    if vat is None or other is None:
        return []
    return only_if(
        (vat < 0) != (other < 0), msg("The VAT totals in the two currencies have different signs")
    )


@_peppol("PEPPOL-EN16931-R110", field="lines")
def line_period_starts_inside(invoice: Invoice) -> Problems:
    start, end = invoice.period_start, invoice.period_end
    bad = [
        i + 1
        for i, line in enumerate(invoice.lines)
        if line.period_start is not None
        and (
            (start is not None and line.period_start < start)
            or (end is not None and line.period_start > end)
        )
    ]
    return [msg("Line {i}'s period starts outside the invoice period", i=i) for i in bad]


@_peppol("PEPPOL-EN16931-R111", field="lines")
def line_period_ends_inside(invoice: Invoice) -> Problems:
    start, end = invoice.period_start, invoice.period_end
    bad = [
        i + 1
        for i, line in enumerate(invoice.lines)
        if line.period_end is not None
        and (
            (end is not None and line.period_end > end)
            or (start is not None and line.period_end < start)
        )
    ]
    return [msg("Line {i}'s period ends outside the invoice period", i=i) for i in bad]


@_peppol("PEPPOL-EN16931-R120", field="lines")
def line_amount_is_quantity_times_price(invoice: Invoice) -> Problems:
    problems = []
    for i, line in enumerate(invoice.lines):
        if line.unit_price is None:
            continue
        if line.net is None or line.quantity is None:
            problems.append(
                msg("Line {i} has a price but no quantity or amount to check it by", i=i + 1)
            )
            continue
        charges = total(a.amount for a in line.allowances_charges if a.is_charge)
        allowances = total(a.amount for a in line.allowances_charges if not a.is_charge)
        expected = line.quantity * line.unit_price + charges - allowances
        if abs(line.net - expected) > _SLACK:
            problems.append(
                msg(
                    "Line {i}: quantity × price ± allowances/charges is {expected}, the line "
                    "says {net}",
                    i=i + 1,
                    expected=money(expected),
                    net=money(line.net),
                )
            )
    return problems


@_peppol("PEPPOL-EN16931-P0112", field="type_code")
def german_only_type_codes(invoice: Invoice) -> Problems:
    german = supplier_country(invoice) == "DE" and party_country(invoice.buyer) == "DE"
    return only_if(
        invoice.type_code in ("326", "384") and not german,
        msg("Type codes 326 and 384 are only for invoices between German companies"),
    )


# VATEX exemption reason codes that belong to one VAT category only (P0104 … P0111).
_VATEX_CATEGORY = (
    ("PEPPOL-EN16931-P0104", "VATEX-EU-G", "G"),
    ("PEPPOL-EN16931-P0105", "VATEX-EU-O", "O"),
    ("PEPPOL-EN16931-P0106", "VATEX-EU-IC", "K"),
    ("PEPPOL-EN16931-P0107", "VATEX-EU-AE", "AE"),
    ("PEPPOL-EN16931-P0108", "VATEX-EU-D", "E"),
    ("PEPPOL-EN16931-P0109", "VATEX-EU-F", "E"),
    ("PEPPOL-EN16931-P0110", "VATEX-EU-I", "E"),
    ("PEPPOL-EN16931-P0111", "VATEX-EU-J", "E"),
)


def _register_vatex(rule_id: str, code: str, category: str) -> None:
    @_peppol(rule_id, field="vat_breakdown")
    def vatex_matches_category(invoice: Invoice) -> Problems:
        bad = [
            v.category
            for v in invoice.vat_breakdown
            if (v.exemption_reason_code or "").upper() == code and v.category != category
        ]
        return [
            msg(
                "Exemption code {code} belongs to VAT category {category}, not {c}",
                code=code,
                category=category,
                c=c,
            )
            for c in bad
        ]


for _rule_id, _code, _category in _VATEX_CATEGORY:
    _register_vatex(_rule_id, _code, _category)
