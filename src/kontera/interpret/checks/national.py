"""Peppol BIS Billing 3.0 national rules for Norway (NO-R-*) and Sweden (SE-R-*).

Who is Norwegian or Swedish follows the Peppol rules: the country prefix of the party's VAT id
when it has one, otherwise the country of its postal address. Swedish rules apply to Swedish
suppliers, SE-R-012 only to domestic Swedish trade (supplier and customer both in Sweden).
"""

from __future__ import annotations

import re
from decimal import Decimal

from kontera.domain.identifiers import valid_no_org_number
from kontera.domain.identifiers import valid_se_org_number
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.domain.invoice import Severity
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import rule

_NO_VAT = re.compile(r"^NO[0-9]{9}MVA$")
_SE_RATES = {Decimal(25), Decimal(12), Decimal(6)}


def party_country(party: Party) -> str | None:
    vat_id = (party.vat_id or "").strip()
    if len(vat_id) >= 2 and vat_id[:2].isalpha():
        return vat_id[:2].upper()
    return party.country


def supplier_country(invoice: Invoice) -> str | None:
    """Peppol's $supplierCountry: seller VAT prefix, else tax representative's, else address."""
    representative = invoice.tax_representative
    for vat_id in (invoice.seller.vat_id, representative.vat_id if representative else None):
        value = (vat_id or "").strip()
        if len(value) >= 2 and value[:2].isalpha():
            return value[:2].upper()
    return invoice.seller.country


def _swedish_supplier(invoice: Invoice) -> bool:
    return supplier_country(invoice) == "SE"


def _swedish_domestic(invoice: Invoice) -> bool:
    return supplier_country(invoice) == "SE" and party_country(invoice.buyer) == "SE"


@rule("NO-R-001", field="seller.vat_id")
def no_vat_id_format(invoice: Invoice) -> Problems:
    vat_id = invoice.seller.vat_id
    if supplier_country(invoice) != "NO" or vat_id is None:
        return []
    ok = bool(_NO_VAT.match(vat_id.strip())) and valid_no_org_number(vat_id.strip()[2:11])
    return only_if(
        not ok, msg("The Norwegian VAT id {vat_id} is not NO + a valid org.nr + MVA", vat_id=vat_id)
    )


# Peppol flags this as a warning; Kontera keeps it informational, because the missing word
# changes nothing in the booking and would otherwise stop auto-approval of sole proprietors.
@rule("NO-R-002", Severity.INFO, field="seller.tax_registration")
def no_foretaksregisteret(invoice: Invoice) -> Problems:
    if supplier_country(invoice) != "NO":
        return []
    registration = (invoice.seller.tax_registration or "").strip().lower()
    return only_if(
        registration != "foretaksregisteret",
        msg('A Norwegian seller should state "Foretaksregisteret" on the invoice'),
    )


def _se_vat_id(invoice: Invoice) -> str | None:
    return (
        invoice.seller.vat_id.strip()
        if _swedish_supplier(invoice) and invoice.seller.vat_id
        else None
    )


@rule("SE-R-001", field="seller.vat_id")
def se_vat_length(invoice: Invoice) -> Problems:
    vat_id = _se_vat_id(invoice)
    return only_if(
        vat_id is not None and len(vat_id) != 14,
        msg("The Swedish VAT id {vat_id} should have 14 characters", vat_id=vat_id),
    )


@rule("SE-R-002", field="seller.vat_id")
def se_vat_digits(invoice: Invoice) -> Problems:
    vat_id = _se_vat_id(invoice)
    return only_if(
        vat_id is not None and not _numeric(vat_id[2:14]),
        msg("The Swedish VAT id {vat_id} should end in 12 digits", vat_id=vat_id),
    )


def _se_org_number(invoice: Invoice) -> str | None:
    org = invoice.seller.org_number
    return org.strip() if _swedish_supplier(invoice) and org else None


@rule("SE-R-003", field="seller.org_number")
def se_org_numeric(invoice: Invoice) -> Problems:
    org = _se_org_number(invoice)
    return only_if(
        org is not None and not _numeric(org),
        msg("The Swedish organisation number {org} should be numeric", org=org),
    )


@rule("SE-R-004", field="seller.org_number")
def se_org_length(invoice: Invoice) -> Problems:
    org = _se_org_number(invoice)
    return only_if(
        org is not None and len(org) != 10,
        msg("The Swedish organisation number {org} should have 10 digits", org=org),
    )


@rule("SE-R-005", field="seller.tax_registration")
def se_f_skatt(invoice: Invoice) -> Problems:
    registration = invoice.seller.tax_registration
    if supplier_country(invoice) != "SE" or registration is None:
        return []
    return only_if(
        registration.strip().upper() != "GODKÄND FÖR F-SKATT",
        msg('A Swedish seller\'s tax registration should read "Godkänd för F-skatt"'),
    )


@rule("SE-R-006", field="vat_breakdown")
def se_standard_rates(invoice: Invoice) -> Problems:
    if not _swedish_supplier(invoice):
        return []
    rates = [line.vat_rate for line in invoice.lines if line.vat_category == "S"]
    rates += [a.vat_rate for a in invoice.allowances_charges if a.vat_category == "S"]
    rates += [v.rate for v in invoice.vat_breakdown if v.category == "S"]
    bad = sorted({str(r) for r in rates if r not in _SE_RATES})
    return only_if(
        bool(bad), msg("Swedish standard VAT rates are 25, 12 or 6 %, not {bad}", bad=tuple(bad))
    )


def _giro(invoice: Invoice, plusgiro: bool) -> str | None:
    if not _swedish_supplier(invoice) or invoice.payment.means_code != "30":
        return None
    number = invoice.payment.plusgiro if plusgiro else invoice.payment.bankgiro
    return number.strip() if number else None


@rule("SE-R-007", Severity.WARNING, field="payment.plusgiro")
def se_plusgiro_numeric(invoice: Invoice) -> Problems:
    number = _giro(invoice, plusgiro=True)
    return only_if(
        number is not None and not _numeric(number),
        msg("The plusgiro number {number} should be numeric", number=number),
    )


@rule("SE-R-008", Severity.WARNING, field="payment.bankgiro")
def se_bankgiro_numeric(invoice: Invoice) -> Problems:
    number = _giro(invoice, plusgiro=False)
    return only_if(
        number is not None and not _numeric(number),
        msg("The bankgiro number {number} should be numeric", number=number),
    )


@rule("SE-R-009", Severity.WARNING, field="payment.bankgiro")
def se_bankgiro_length(invoice: Invoice) -> Problems:
    number = _giro(invoice, plusgiro=False)
    return only_if(
        number is not None and not 7 <= len(number) <= 8,
        msg("The bankgiro number {number} should have 7 or 8 digits", number=number),
    )


@rule("SE-R-010", Severity.WARNING, field="payment.plusgiro")
def se_plusgiro_length(invoice: Invoice) -> Problems:
    number = _giro(invoice, plusgiro=True)
    return only_if(
        number is not None and not 2 <= len(number) <= 8,
        msg("The plusgiro number {number} should have 2 to 8 digits", number=number),
    )


@rule("SE-R-011", Severity.WARNING, field="payment.means_code")
def se_giro_means_code(invoice: Invoice) -> Problems:
    code = invoice.payment.means_code
    return only_if(
        _swedish_supplier(invoice) and code in ("50", "56"),
        msg("Bankgiro/plusgiro should be sent as payment means 30 with SE:BANKGIRO or SE:PLUSGIRO"),
    )


@rule("SE-R-012", Severity.WARNING, field="payment.means_code")
def se_credit_transfer_code(invoice: Invoice) -> Problems:
    code = invoice.payment.means_code
    return only_if(
        _swedish_domestic(invoice) and code == "31",
        msg("Domestic Swedish credit transfers should use payment means code 30"),
    )


@rule("SE-R-013", field="seller.org_number")
def se_org_luhn(invoice: Invoice) -> Problems:
    org = _se_org_number(invoice)
    if org is None or not _numeric(org) or len(org) != 10:
        return []
    return only_if(
        not valid_se_org_number(org),
        msg("The Swedish organisation number {org} has a wrong check digit", org=org),
    )


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+(\.[0-9]+)?", text))
