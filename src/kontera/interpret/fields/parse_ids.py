"""Find identifiers in text by pattern AND check digit (`kontera.domain.identifiers`).

A pattern alone finds too much on an invoice (phone numbers, order numbers, postcodes); the
check digit is what makes an IBAN, a VAT id or an org.nr believable.
"""

from __future__ import annotations

import re

from kontera.domain import identifiers as ids
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.fields.parse_text import find_digit_runs

# OCR often glues the label to the number ("IBANNO56 8082 …").
_IBAN = re.compile(r"(?:(?<![A-Z0-9])|(?<=IBAN))([A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]){10,30})")
# IBAN lengths of the countries Nordic invoices come from, for IBANs printed with a wrong
# check digit (specimen invoices, typos): read by shape, believed less.
_IBAN_LENGTHS = {
    "NO": 15,
    "SE": 24,
    "DK": 18,
    "FI": 18,
    "IS": 26,
    "DE": 22,
    "GB": 22,
    "FR": 27,
    "NL": 18,
    "BE": 16,
    "AT": 20,
    "CH": 21,
    "ES": 24,
    "IT": 27,
    "PL": 28,
    "IE": 22,
    "LU": 20,
    "EE": 20,
}


def find_ibans(text: str) -> list[Found[str]]:
    """IBANs with valid check digits, else of the right length for their country."""
    found = []
    for match in _IBAN.finditer(text.upper()):
        hit = _valid_iban_prefix(match.group(1), match.start(1)) or _iban_by_shape(match)
        if hit is not None:
            found.append(hit)
    return found


def _valid_iban_prefix(raw: str, start: int) -> Found[str] | None:
    # The pattern is greedy: shrink from the right until the check digits agree.
    for end in range(len(raw), 13, -1):
        candidate = raw[:end].rstrip()
        if ids.valid_iban(candidate.replace(" ", "")):
            return Found(
                ids.normalise_iban(candidate.replace(" ", "")), start, start + len(candidate)
            )
    return None


def _iban_by_shape(match: re.Match[str]) -> Found[str] | None:
    """An IBAN printed in groups of four, or unbroken at its country's length."""
    raw = match.group(1)
    grouped = re.match(r"[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?(?![A-Z0-9])", raw)
    if grouped:
        return Found(
            grouped.group(0).replace(" ", ""), match.start(1), match.start(1) + grouped.end()
        )
    length = _IBAN_LENGTHS.get(raw[:2])
    token = raw.split(" ")[0]
    if length is not None and (len(token) == length or 15 <= len(token) <= 34):
        # Unbroken and of the wrong length for its country: still an IBAN as printed, which
        # the failed check digit makes the reader believe less.
        return Found(token, match.start(1), match.start(1) + len(token))
    return None


_VAT_PREFIX = re.compile(
    r"(?<![A-Z0-9])(NO|SE|DK|FI|DE|AT|BE|FR|NL|IT|ES|PL|CZ|GB|IE|LU|PT|CHE|EE|LV|LT)\s?(?=[0-9U])"
)
_VAT_SHAPES = {
    "NO": r"\d{9}MVA",
    "SE": r"\d{10}01",
    "DK": r"\d{8}",
    "FI": r"\d{8}",
    "DE": r"\d{9}",
    "GB": r"\d{9}|\d{12}",
    "AT": r"U\d{8}",
    "NL": r"\d{9}B\d{2}",
    "FR": r"[0-9A-Z]{2}\d{9}",
    "BE": r"[01]\d{9}",
}


_NO_MVA = re.compile(r"(?<![\d\w])(\d{3}\s?\d{3}\s?\d{3})\s?MVA(?![A-Z])")


def find_vat_ids(text: str) -> list[Found[str]]:
    """VAT ids with valid check digits, else of their country's shape. The Norwegian
    "Org.nr. 923 609 016 MVA" (no NO prefix) is a VAT id too."""
    found = []
    for match in _NO_MVA.finditer(text.upper()):
        value = "NO" + match.group(1).replace(" ", "") + "MVA"
        if ids.valid_vat_id(value) and not text[
            max(0, match.start() - 3) : match.start()
        ].strip().upper().endswith("NO"):
            found.append(Found(value, match.start(), match.end()))
    upper = text.upper()
    for match in _VAT_PREFIX.finditer(upper):
        tail = re.match(r"[0-9A-Z .\-]{2,20}", upper[match.end() :])
        if tail is None:
            continue
        hit = _valid_vat_prefix(match, tail.group(0)) or _vat_by_shape(match, tail.group(0))
        if hit is not None:
            found.append(hit)
    return found


def _valid_vat_prefix(match: re.Match[str], body: str) -> Found[str] | None:
    for end in range(len(body), 1, -1):
        candidate = match.group(1) + body[:end]
        if candidate[-1] not in " .-" and ids.valid_vat_id(candidate):
            return Found(ids.normalise_vat_id(candidate), match.start(), match.end() + end)
    return None


def _vat_by_shape(match: re.Match[str], body: str) -> Found[str] | None:
    shape = _VAT_SHAPES.get(match.group(1))
    if shape is None:
        return None
    tokens = body.split(" ")
    for count in range(len(tokens), 0, -1):
        printed = " ".join(tokens[:count]).rstrip(" .-")
        if re.fullmatch(shape, re.sub(r"[ .\-]", "", printed)):
            value = match.group(1) + re.sub(r"[ .\-]", "", printed)
            return Found(value, match.start(), match.end() + len(printed))
    return None


def find_no_org_numbers(text: str) -> list[Found[str]]:
    return [
        f for f in find_digit_runs(text, min_len=9, max_len=9) if ids.valid_no_org_number(f.value)
    ]


def find_se_org_numbers(text: str) -> list[Found[str]]:
    found = []
    for match in re.finditer(r"(?<![\d-])(\d{6})\s?-\s?(\d{4})(?![\d-])", text):
        value = f"{match.group(1)}-{match.group(2)}"
        if ids.valid_se_org_number(value):
            found.append(Found(value, match.start(), match.end()))
    return found


def find_no_bank_accounts(text: str) -> list[Found[str]]:
    return [
        f
        for f in find_digit_runs(text, min_len=11, max_len=11)
        if ids.valid_no_bank_account(f.value)
    ]


def find_kids(text: str) -> list[Found[str]]:
    return [f for f in find_digit_runs(text, min_len=2, max_len=25) if ids.valid_kid(f.value)]


def find_bankgiro(text: str) -> list[Found[str]]:
    """Bankgiro numbers: 7–8 digits written NNN-NNNN or NNNN-NNNN, Luhn checked."""
    found = []
    for match in re.finditer(r"(?<![\d-])(\d{3,4})-(\d{4})(?![\d-])", text):
        digits = match.group(1) + match.group(2)
        if ids.valid_bankgiro(digits):
            found.append(Found(f"{match.group(1)}-{match.group(2)}", match.start(), match.end()))
    return found


def find_plusgiro(text: str) -> list[Found[str]]:
    """Plusgiro numbers: 2–8 digits with a dash before the Luhn check digit."""
    found = []
    for match in re.finditer(r"(?<![\d-])((?:\d{1,2}\s?){1,4}\d)-(\d)(?![\d-])", text):
        digits = re.sub(r"\D", "", match.group(1)) + match.group(2)
        if ids.valid_plusgiro(digits):
            found.append(Found(f"{digits[:-1]}-{digits[-1]}", match.start(), match.end()))
    return found


def find_bics(text: str) -> list[Found[str]]:
    found = []
    for match in re.finditer(
        r"(?<![A-Z0-9])([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Z0-9])", text
    ):
        if ids.valid_bic(match.group(1)):
            found.append(Found(match.group(1), match.start(), match.end()))
    return found
