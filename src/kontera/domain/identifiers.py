"""Nordic and European identifiers, validated by the libraries made for them."""

from __future__ import annotations

import re

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
    """A Norwegian KID: 2–25 digits, last digit a mod-10 (Luhn) or mod-11 check digit."""
    value = text.strip()
    if not value.isdigit() or not 2 <= len(value) <= 25:
        return False
    return bool(luhn.is_valid(value)) or _mod11_kid_valid(value)


def _mod11_kid_valid(value: str) -> bool:
    weights = [2, 3, 4, 5, 6, 7]
    body, check = value[:-1], value[-1]
    total = sum(int(d) * weights[i % 6] for i, d in enumerate(reversed(body)))
    remainder = 11 - total % 11
    expected = "0" if remainder == 11 else "-" if remainder == 10 else str(remainder)
    return check == expected


def valid_se_ocr_reference(text: str) -> bool:
    """A Swedish OCR reference (Bankgirot): digits with a Luhn check digit."""
    value = text.strip()
    return value.isdigit() and 2 <= len(value) <= 25 and bool(luhn.is_valid(value))


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
