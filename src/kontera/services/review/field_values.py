"""Turn a person's typed text into the domain value of a field, or say in words why not.

People type as they write: `15.12.2017`, `1 234,56`, `−1 234,56` (a real minus sign),
`1.234,56`; machines send ISO dates and `1234.56`. Both are accepted. Identifiers are checked
with the libraries made for them (a KID's check digit, an account number's, an IBAN's), so a
typo is caught while the person still has the invoice in front of them.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from stdnum import iso11649

from kontera.domain import identifiers as ids
from kontera.domain.amounts import NotAnAmount
from kontera.domain.amounts import parse_amount
from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import DocumentType
from kontera.domain.messages import Message
from kontera.domain.messages import msg

DATE_FIELDS = {"issue_date", "due_date", "delivery_date", "period_start", "period_end"}
AMOUNT_LEAVES = {
    "net",
    "vat",
    "gross",
    "payable",
    "prepaid",
    "rounding",
    "line_total",
    "allowances",
    "charges",
    "quantity",
    "unit_price",
    "vat_rate",
    "rate",
    "taxable",
    "tax",
}
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")


class FieldValueError(InvalidInput):
    """A typed value that does not fit its field; `field` is the field's path."""

    code = "invalid_field"
    status = 422

    def __init__(self, field: str, message: str | Message) -> None:
        super().__init__(message)
        self.field = field


def parse_field_value(path: str, raw: Any, *, country: str | None = None) -> Any:
    """The value for `path` from what was typed; None for an emptied field."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        return raw  # already a domain value (a date, a Decimal)
    text = raw.strip()
    leaf = path.rsplit(".", 1)[-1]
    if leaf in DATE_FIELDS:
        return _date(path, text)
    if leaf in AMOUNT_LEAVES:
        return parse_amount_text(text, field=path)
    parse = _SPECIAL.get(path)
    return parse(path, text, country) if parse else text


def parse_amount_text(text: str, *, field: str = "amount") -> Decimal:
    """`1 234,56`, `1.234,56`, `1,234.56`, `1234.56`, `−75` → Decimal, else a clear error.

    The project's one parser (`kontera.domain.amounts`); a single mark is the decimal mark."""
    try:
        return parse_amount(text)
    except NotAnAmount as e:
        raise FieldValueError(
            field, msg("{text} is not an amount: write it as 1 234,56.", text=text)
        ) from e


def _date(path: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            pass
    raise FieldValueError(path, msg("{text} is not a date: write it as 15.12.2017.", text=text))


def _document_type(path: str, text: str, _: str | None) -> DocumentType:
    try:
        return DocumentType(text)
    except ValueError as e:
        raise FieldValueError(path, "Choose invoice or credit note.") from e


def _currency(path: str, text: str, _: str | None) -> str:
    code = text.upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise FieldValueError(
            path,
            msg(
                "{text} is not a currency code: write three letters such as NOK, SEK or EUR.",
                text=text,
            ),
        )
    return code


def _kid(path: str, text: str, _: str | None) -> str:
    value = re.sub(r"[\s.\-]", "", text).upper()
    if value.startswith("RF") and iso11649.is_valid(value):  # the international reference
        return value
    if not ids.valid_kid(value):
        raise FieldValueError(
            path,
            msg(
                "KID {text} is not valid: check the digits, the last one is a check digit.",
                text=text,
            ),
        )
    return value


def _bank_account(path: str, text: str, country: str | None) -> str:
    compact = re.sub(r"[\s.\-]", "", text).upper()
    if compact[:2].isalpha():
        return _iban(path, text, country)
    if (len(compact) == 11 and compact.isdigit()) or country == "NO":
        if not ids.valid_no_bank_account(compact):
            raise FieldValueError(
                path,
                msg(
                    "{text} is not a Norwegian account number: 11 digits, the last a check digit.",
                    text=text,
                ),
            )
        return compact
    return text


def _iban(path: str, text: str, _: str | None) -> str:
    if not ids.valid_iban(text):
        raise FieldValueError(
            path, msg("{text} is not a valid IBAN: check the letters and digits.", text=text)
        )
    return ids.normalise_iban(text)


def _org_number(path: str, text: str, _: str | None) -> str:
    """Norwegian (9 digits) and Swedish (10) numbers are checked; others kept as typed."""
    plain = re.sub(r"[\s.\-]", "", text)
    country = {9: "NO", 10: "SE"}.get(len(plain)) if plain.isdigit() else None
    if country and not ids.valid_org_number(plain, country):
        raise FieldValueError(path, msg("{text} is not a valid organisation number.", text=text))
    return plain if country == "NO" else text


def _vat_id(path: str, text: str, _: str | None) -> str:
    if not ids.valid_vat_id(text):
        raise FieldValueError(
            path, msg("{text} is not a valid VAT number (for example NO923609016MVA).", text=text)
        )
    return ids.normalise_vat_id(text)


_SPECIAL = {
    "document_type": _document_type,
    "currency": _currency,
    "payment.kid": _kid,
    "payment.bank_account": _bank_account,
    "payment.iban": _iban,
    "seller.org_number": _org_number,
    "buyer.org_number": _org_number,
    "seller.vat_id": _vat_id,
}
