"""Nordic and European identifiers, validated by the libraries made for them."""

from __future__ import annotations

import re

import norwegian_numbers
from bankkonto import clean_and_split
from bankkonto.account import expected_account_length
from bankkonto.account import validate as validate_se_account
from bankkonto.exceptions import BankkontoException
from bankkonto.exceptions import SwedbankBankkontoValidationError
from schwifty import BIC
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr as no_kontonr
from stdnum.no import mva as no_mva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.se import vat as se_vat
from stdnum.util import get_cc_module

_DIGITS = re.compile(r"\D")


def digits(text: str) -> str:
    return _DIGITS.sub("", text)


def valid_no_org_number(text: str) -> bool:
    return bool(no_orgnr.is_valid(text))


def valid_se_org_number(text: str) -> bool:
    return bool(se_orgnr.is_valid(text))


def valid_org_number(text: str, country: str | None) -> bool:
    if country == "SE":
        return valid_se_org_number(text)
    if country == "NO":
        return valid_no_org_number(text)
    return valid_no_org_number(text) or valid_se_org_number(text)


def normalise_vat_id(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text).upper()


def valid_vat_id(text: str) -> bool:
    """Validate a VAT id with its country prefix (NO…MVA, SE…01, DE…, GB…)."""
    value = normalise_vat_id(text)
    if len(value) < 4 or not value[:2].isalpha():
        return False
    country = value[:2].lower()
    if country == "no":
        return bool(no_mva.is_valid(value))
    if country == "se":
        return bool(se_vat.is_valid(value))
    module = get_cc_module("el" if country == "gr" else country, "vat")
    if module is None:
        return False
    try:
        return bool(module.is_valid(value))
    except ValidationError:
        return False


def org_number_from_no_vat_id(vat_id: str) -> str | None:
    value = normalise_vat_id(vat_id)
    if value.startswith("NO") and no_mva.is_valid(value):
        return digits(str(no_mva.compact(value)))[:9]
    return None


def no_vat_id_from_org_number(org_number: str) -> str:
    return f"NO{digits(org_number)}MVA"


def valid_kid(text: str) -> bool:
    """A Norwegian KID: 2–25 characters, the last a mod-10 (Luhn) or mod-11 check digit
    (mod 11 writes a remainder of 10 as "-"), checked by `norwegian-numbers`."""
    value = text.strip()
    body = value[:-1]
    if (
        not 2 <= len(value) <= 25
        or not body.isdigit()
        or not (value[-1].isdigit() or value[-1] == "-")
    ):
        return False
    return any(norwegian_numbers.verify_kid_number(value, mode) for mode in ("mod10", "mod11"))


def valid_se_ocr_reference(text: str) -> bool:
    """A Swedish OCR reference (Bankgirot): digits with a Luhn check digit."""
    value = text.strip()
    return value.isdigit() and 2 <= len(value) <= 25 and bool(luhn.is_valid(value))


def valid_bankgiro(text: str) -> bool:
    """A bankgiro number (Bankgirot): 7 or 8 digits, the last a Luhn check digit."""
    return _giro_number(text, 7, 8)


def valid_plusgiro(text: str) -> bool:
    """A plusgiro number (Plusgirot): 2 to 8 digits, the last a Luhn check digit."""
    return _giro_number(text, 2, 8)


def _giro_number(text: str, shortest: int, longest: int) -> bool:
    compact = re.sub(r"[\s\-]", "", text.strip())
    return compact.isdigit() and shortest <= len(compact) <= longest and luhn.is_valid(compact)


def valid_se_bank_account(text: str) -> bool:
    """A Swedish bank account: clearing number and account number, checked by `bankkonto`
    against the banks' rules (Bankgirot's "Bankernas kontonummeruppbyggnad": which clearing
    ranges use mod 11 over clearing + account, which mod 10 over the account alone).

    Some Swedbank accounts (clearing 8xxx) carry no valid check digit at all, as the banks'
    rules say; those are not called wrong.
    """
    if not re.fullmatch(r"[\d\s.\-,]+", text.strip()):
        return False
    clearing, account = clean_and_split(text)
    try:
        validate_se_account(clearing, account)
    except SwedbankBankkontoValidationError:
        return _swedbank_length_ok(clearing, account)
    except (BankkontoException, ValueError):
        return False
    return True


def _swedbank_length_ok(clearing: str, account: str) -> bool:
    try:
        return bool(expected_account_length(clearing) == len(account))
    except (BankkontoException, ValueError):
        return False


def valid_no_bank_account(text: str) -> bool:
    return bool(no_kontonr.is_valid(text))


def valid_iban(text: str) -> bool:
    try:
        IBAN(text)
    except (SchwiftyException, ValueError):
        return False
    return True


def normalise_iban(text: str) -> str:
    return str(IBAN(text).compact)


def valid_bic(text: str) -> bool:
    try:
        BIC(text)
    except (SchwiftyException, ValueError):
        return False
    return True


def no_bank_account_from_iban(text: str) -> str | None:
    """The 11-digit Norwegian account number inside a NO IBAN."""
    try:
        iban = IBAN(text)
    except (SchwiftyException, ValueError):
        return None
    return str(iban.bban) if iban.country_code == "NO" else None
