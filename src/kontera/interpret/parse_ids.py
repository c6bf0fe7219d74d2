"""Find identifiers in text by pattern AND check digit (`kontera.domain.identifiers`).

A pattern alone finds too much on an invoice (phone numbers, order numbers, postcodes); the
check digit is what makes an IBAN, a VAT id or an org.nr believable.
"""

from __future__ import annotations

import re

from kontera.domain import identifiers as ids
from kontera.interpret.parse_text import Found
from kontera.interpret.parse_text import find_digit_runs

_IBAN = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]){10,30})")


def find_ibans(text: str) -> list[Found[str]]:
    found = []
    for match in _IBAN.finditer(text.upper()):
        raw = match.group(1)
        # The pattern is greedy: shrink from the right until the check digits agree.
        for end in range(len(raw), 13, -1):
            candidate = raw[:end].rstrip()
            if ids.valid_iban(candidate.replace(" ", "")):
                value = ids.normalise_iban(candidate.replace(" ", ""))
                found.append(Found(value, match.start(1), match.start(1) + len(candidate)))
                break
    return found


_VAT_PREFIX = re.compile(
    r"(?<![A-Z0-9])(NO|SE|DK|FI|DE|AT|BE|FR|NL|IT|ES|PL|CZ|GB|IE|LU|PT|CHE|EE|LV|LT)\s?(?=[0-9])"
)


def find_vat_ids(text: str) -> list[Found[str]]:
    found = []
    upper = text.upper()
    for match in _VAT_PREFIX.finditer(upper):
        tail = re.match(r"[0-9A-Z .\-]{2,20}", upper[match.end() :])
        if tail is None:
            continue
        body = tail.group(0)
        for end in range(len(body), 1, -1):
            candidate = match.group(1) + body[:end]
            if candidate[-1] in " .-":
                continue
            if ids.valid_vat_id(candidate):
                value = ids.normalise_vat_id(candidate)
                found.append(Found(value, match.start(), match.end() + end))
                break
    return found


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
        if ids.valid_se_ocr_reference(digits):
            found.append(Found(f"{match.group(1)}-{match.group(2)}", match.start(), match.end()))
    return found


def find_plusgiro(text: str) -> list[Found[str]]:
    """Plusgiro numbers: 2–8 digits with a dash before the Luhn check digit."""
    found = []
    for match in re.finditer(r"(?<![\d-])((?:\d{1,2}\s?){1,4}\d)-(\d)(?![\d-])", text):
        digits = re.sub(r"\D", "", match.group(1)) + match.group(2)
        if 2 <= len(digits) <= 8 and ids.valid_se_ocr_reference(digits):
            found.append(Found(f"{digits[:-1]}-{digits[-1]}", match.start(), match.end()))
    return found


def find_bics(text: str) -> list[Found[str]]:
    found = []
    for match in re.finditer(r"(?<![A-Z0-9])([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Z0-9])", text):
        if ids.valid_bic(match.group(1)):
            found.append(Found(match.group(1), match.start(), match.end()))
    return found
