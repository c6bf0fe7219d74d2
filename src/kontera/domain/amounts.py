"""Amounts as people and exports write them, read into `Decimal`: the project's one parser.

Norwegian and Swedish writing first (`1 234,56`, `1.234,56`, `kr 1 250,-`, `100,00-`, `−75`),
English `1,234.56` and the accountants' `(12.00)` as well. Finding amounts in running text is
`kontera.interpret.fields.parse_text.find_amounts`; this reads a value that is all amount (a cell, a
form field, a column).

The one shape that cannot be read without knowing who wrote it is a single `.` or `,` followed
by exactly three digits. A person writing Norwegian or Swedish groups thousands with a dot at
times (`1.234` is one thousand two hundred and thirty-four), an English writer with a comma;
a file (`locale=None`) writes one mark only as the decimal mark. A leading zero never starts a
thousands group (`0.125`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from decimal import InvalidOperation

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg

_CURRENCY = re.compile(r"(?i)\b(?:kr|nok|sek|dkk|eur|usd|gbp|chf)(?![a-z])\.?|[€$£]")
_GROUPING = "[ \u00a0\u202f.,']"
_SHAPE = re.compile(rf"\d{{1,3}}(?:{_GROUPING}?\d{{3}})*(?:[.,]\d+)?|\d+", re.ASCII)
_MINUS = str.maketrans({"−": "-", "–": "-", "\u2012": "-"})


class NotAnAmount(InvalidInput, ValueError):
    """The text is not an amount."""


def parse_amount(text: str, *, locale: str | None = None) -> Decimal:
    """`text` as a Decimal; `NotAnAmount` (a ValueError and an InvalidInput) when it is not one.

    `locale` ("nb", "sv", "en", …) is who typed it; None for a value read from a file.
    """
    negative, body = _signed(_CURRENCY.sub("", text).translate(_MINUS).strip())
    if not _SHAPE.fullmatch(body):
        raise NotAnAmount(msg("{text} is not an amount.", text=text))
    mark = _decimal_mark(body, locale)
    whole, fraction = body.rsplit(mark, 1) if mark else (body, "")
    if mark and mark in whole:
        raise NotAnAmount(msg("{text} is not an amount.", text=text))  # 1,234,56
    try:
        value = Decimal(f"{re.sub(r'[^0-9]', '', whole)}.{fraction}".rstrip("."))
    except InvalidOperation as e:
        raise NotAnAmount(msg("{text} is not an amount.", text=text)) from e
    return -value if negative else value


def _signed(text: str) -> tuple[bool, str]:
    """(negative, the digits part): `-75`, `- 75`, `+75`, `100,00-`, `(12.00)`, `1 250,-`."""
    if text.endswith(",-"):
        text = text[:-2]
    if text.startswith("(") and text.endswith(")"):
        return True, text[1:-1].strip()
    if text.endswith("-"):
        return True, text[:-1].strip()
    if text[:1] in {"-", "+"}:
        return text[0] == "-", text[1:].strip()
    return False, text


def _decimal_mark(body: str, locale: str | None) -> str | None:
    match = re.search(r"([.,])(\d+)$", body)
    if match is None:
        return None
    mark, tail = match.groups()
    if len(tail) != 3:
        return mark
    if body.count(mark) > 1:  # 1.234.567: grouping
        return None
    other = "," if mark == "." else "."
    if other in body or body.startswith(f"0{mark}") or locale is None:
        return mark  # 1.234,567 / 1,234.567: the last mark decides; 0.125; a file's 1.234
    grouping = "," if locale == "en" else "."
    return None if mark == grouping else mark
