"""Check digits of the identifiers a payment or a supplier match depends on.

EN 16931 and Peppol do not verify these (NO-R-001 and SE-R-013 aside), but a wrong digit in
a KID or an account number sends money astray, so Kontera checks them with python-stdnum and
schwifty (`kontera.domain.identifiers`). The rule ids are Kontera's own (KONTERA-ID-*); all
are warnings: the document is still read, a person decides.
"""

from __future__ import annotations

import re

from kontera.domain.identifiers import digits
from kontera.domain.identifiers import valid_bankgiro
from kontera.domain.identifiers import valid_bic
from kontera.domain.identifiers import valid_iban
from kontera.domain.identifiers import valid_kid
from kontera.domain.identifiers import valid_no_bank_account
from kontera.domain.identifiers import valid_no_org_number
from kontera.domain.identifiers import valid_plusgiro
from kontera.domain.identifiers import valid_se_bank_account
from kontera.domain.identifiers import valid_se_ocr_reference
from kontera.domain.identifiers import valid_vat_id
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import rule
from kontera.interpret.checks.national import supplier_country

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{10,}$")
_ACCOUNT_NOISE = re.compile(r"[\s.]")
WARNING = Severity.WARNING


@rule("KONTERA-ID-01", WARNING, field="seller.org_number")
def norwegian_org_number(invoice: Invoice) -> Problems:
    org = invoice.seller.org_number
    if supplier_country(invoice) != "NO" or not org or len(digits(org)) != 9:
        return []
    return only_if(
        not valid_no_org_number(digits(org)),
        msg("The organisation number {org} has a wrong check digit", org=org),
    )


@rule("KONTERA-ID-02", WARNING, field="seller.vat_id")
def seller_vat_id(invoice: Invoice) -> Problems:
    vat_id = invoice.seller.vat_id
    # Norwegian VAT ids are NO-R-001's; ids without a country prefix are BR-CO-09's.
    if not vat_id or vat_id[:2].upper() == "NO" or not vat_id[:2].isalpha():
        return []
    return only_if(
        not valid_vat_id(vat_id), msg("The VAT id {vat_id} fails its check digits", vat_id=vat_id)
    )


def _norwegian_account(invoice: Invoice) -> bool:
    payment = invoice.payment
    return bool(
        (payment.iban and payment.iban.startswith("NO"))
        or (payment.bank_account and len(_compact(payment.bank_account)) == 11)
    )


def _compact(account: str) -> str:
    return _ACCOUNT_NOISE.sub("", account)


@rule("KONTERA-ID-03", WARNING, field="payment.kid")
def norwegian_kid(invoice: Invoice) -> Problems:
    kid = (invoice.payment.kid or "").strip()
    if not kid.isdigit() or supplier_country(invoice) != "NO" or not _norwegian_account(invoice):
        return []
    return only_if(not valid_kid(kid), msg("The KID {kid} has a wrong check digit", kid=kid))


@rule("KONTERA-ID-04", WARNING, field="payment.bank_account")
def norwegian_bank_account(invoice: Invoice) -> Problems:
    """An 11-digit account from a supplier that is not Swedish: the Norwegian mod-11 rule.
    (A Swedish clearing number and account can be 11 digits too: KONTERA-ID-08's.)"""
    account = invoice.payment.bank_account
    if not account or supplier_country(invoice) == "SE":
        return []
    compact = _compact(account)
    if not compact.isdigit() or len(compact) != 11:
        return []
    return only_if(
        not valid_no_bank_account(compact),
        msg("The account number {account} has a wrong check digit", account=account),
    )


@rule("KONTERA-ID-05", WARNING, field="payment.bank_account")
def broken_iban(invoice: Invoice) -> Problems:
    account = (invoice.payment.bank_account or "").upper()
    looks_like_iban = bool(_IBAN_SHAPE.match(account))
    return only_if(
        looks_like_iban and not valid_iban(account),
        msg("The account {account} looks like an IBAN but its checksum is wrong", account=account),
    )


@rule("KONTERA-ID-06", WARNING, field="payment.bic")
def bic(invoice: Invoice) -> Problems:
    code = invoice.payment.bic
    return only_if(
        bool(code) and not valid_bic(code or ""), msg("The BIC {code} is not valid", code=code)
    )


@rule("KONTERA-ID-07", WARNING, field="payment.kid")
def swedish_ocr_reference(invoice: Invoice) -> Problems:
    reference = (invoice.payment.kid or "").strip()
    giro = invoice.payment.bankgiro or invoice.payment.plusgiro
    if not giro or not reference.isdigit() or len(reference) < 2:
        return []
    return only_if(
        not valid_se_ocr_reference(reference),
        msg("The OCR reference {reference} has a wrong check digit", reference=reference),
    )


@rule("KONTERA-ID-08", WARNING, field="payment.bank_account")
def swedish_bank_account(invoice: Invoice) -> Problems:
    """A Swedish supplier's domestic account (clearing number + account number), by the
    banks' own rules for each clearing range."""
    account = invoice.payment.bank_account
    if not account or supplier_country(invoice) != "SE" or _IBAN_SHAPE.match(account.upper()):
        return []
    if not 8 <= len(digits(account)) <= 15:
        return []
    return only_if(
        not valid_se_bank_account(account),
        msg(
            "The Swedish account number {account} does not follow its bank's check-digit rule",
            account=account,
        ),
    )


@rule("KONTERA-ID-09", WARNING, field="payment.bankgiro")
def bankgiro_check_digit(invoice: Invoice) -> Problems:
    number = (invoice.payment.bankgiro or "").strip()
    if not number or not 7 <= len(digits(number)) <= 8:
        return []  # the length is SE-R-009's
    return only_if(
        not valid_bankgiro(number),
        msg("The bankgiro number {number} has a wrong check digit", number=number),
    )


@rule("KONTERA-ID-10", WARNING, field="payment.plusgiro")
def plusgiro_check_digit(invoice: Invoice) -> Problems:
    number = (invoice.payment.plusgiro or "").strip()
    if not number or not 2 <= len(digits(number)) <= 8:
        return []  # the length is SE-R-010's
    return only_if(
        not valid_plusgiro(number),
        msg("The plusgiro number {number} has a wrong check digit", number=number),
    )
