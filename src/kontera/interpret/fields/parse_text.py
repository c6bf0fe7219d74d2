"""Find amounts, dates and codes in running text, in the formats of NO/SE/DA/EN/DE/FR invoices.

Every finder returns `Found(value, start, end)` with character offsets so that the caller can
map a value back to the words (and so the boxes) it came from. Money is parsed straight into
`Decimal`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation
from typing import Generic
from typing import TypeVar

from kontera.domain import amounts

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    value: T
    start: int
    end: int


# An amount: optional sign, digits with optional thousands groups (space, dot, comma,
# apostrophe, thin space), a decimal part of 1–4 digits or the Nordic ",-", optional trailing
# minus. Decimals are required unless the caller allows whole numbers.
_AMOUNT = re.compile(
    # OCR glues a currency code to the number ("NOK8 989,75"): a code may precede it directly.
    r"(?:(?<![\w.,/-])|(?<=NOK)|(?<=SEK)|(?<=DKK)|(?<=EUR)|(?<=kr))(?P<sign>[-−–]\s?)?"
    r"(?P<int>[1-9]\d{0,2}(?:[ .,'\u00a0\u202f]\d{3})+|\d+)"
    r"(?P<dec>[.,]\d{1,4}|,-)?"
    r"(?P<trail>-)?(?![\w/]|[.,]\d)"
)


def find_amounts(text: str, *, whole: bool = False) -> list[Found[Decimal]]:
    found = []
    for match in _AMOUNT.finditer(text):
        value = _amount_value(match, whole)
        if value is not None:
            found.append(Found(value, match.start(), match.end()))
    return found


def parse_amount(text: str) -> Decimal | None:
    """The single amount that makes up `text` (ignoring currency marks), or None.

    This is the project's one parser (`kontera.domain.amounts`), reading text as a person
    writing Norwegian would mean it; `find_amounts` finds amounts in running text instead.
    """
    try:
        return amounts.parse_amount(text, locale="nb")
    except amounts.NotAnAmount:
        return None


def _amount_value(match: re.Match[str], whole: bool) -> Decimal | None:
    integer, decimals = match.group("int"), match.group("dec")
    if decimals is None:
        if not whole:
            return None  # a total without decimals is more often a phone or customer number
        decimals = ""
    if decimals == ",-":
        decimals = ""
    separators = set(re.findall(r"[ .,'\u00a0\u202f]", integer))
    if decimals and decimals[0] in separators:
        return None  # "1,234,56": the decimal mark cannot also group thousands
    if len(separators) > 1:
        return None
    digits = re.sub(r"\D", "", integer)
    try:
        value = Decimal(f"{digits}.{decimals[1:]}" if decimals else digits)
    except InvalidOperation:
        return None
    negative = bool(match.group("sign")) or bool(match.group("trail"))
    return -value if negative else value


_MONTHS = {
    **dict.fromkeys(["januar", "januari", "january", "janvier", "jan", "janv"], 1),
    **dict.fromkeys(["februar", "februari", "february", "février", "fevrier", "feb", "févr"], 2),
    **dict.fromkeys(["mars", "march", "märz", "marz", "marts", "mar", "mär", "mrz"], 3),
    **dict.fromkeys(["april", "avril", "apr", "avr"], 4),
    **dict.fromkeys(["mai", "maj", "may"], 5),
    **dict.fromkeys(["juni", "june", "juin", "jun"], 6),
    **dict.fromkeys(["juli", "july", "juillet", "jul", "juil"], 7),
    **dict.fromkeys(["august", "augusti", "août", "aout", "aug"], 8),
    **dict.fromkeys(["september", "septembre", "sep", "sept"], 9),
    **dict.fromkeys(["oktober", "october", "octobre", "okt", "oct"], 10),
    **dict.fromkeys(["november", "novembre", "nov"], 11),
    **dict.fromkeys(
        ["desember", "december", "dezember", "décembre", "des", "dec", "dez", "déc"], 12
    ),
}
_MONTH_NAMES = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

_DATE_PATTERNS = [
    # 2018-03-05, 2018.03.05, 2018/03/05
    (re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)"), "ymd"),
    # 05.03.2018, 5/3/2018, 05-03-2018, 05.03.18
    (re.compile(r"(?<![\d.])(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?![\d])"), "dmy"),
    # 17. Dezember 2018, 17 dec. 2018, 1er janvier 2018
    (
        re.compile(rf"(?i)(?<!\d)(\d{{1,2}})(?:\.|er)?\s*({_MONTH_NAMES})\.?,?\s+(\d{{4}})"),
        "d_name_y",
    ),
    # December 17, 2018
    (re.compile(rf"(?i)\b({_MONTH_NAMES})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})"), "name_d_y"),
]


def find_dates(text: str) -> list[Found[date]]:
    found: list[Found[date]] = []
    taken: list[tuple[int, int]] = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            value = _date_value(match.groups(), order)
            if value is not None:
                found.append(Found(value, match.start(), match.end()))
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def _date_value(groups: tuple[str | None, ...], order: str) -> date | None:
    parts = [g or "" for g in groups]
    if order == "ymd":
        year, month, day = parts
    elif order == "dmy":
        day, month, year = parts
    elif order == "d_name_y":
        day, name, year = parts
        month = str(_MONTHS.get(name.lower(), 0))
    else:
        name, day, year = parts
        month = str(_MONTHS.get(name.lower(), 0))
    if len(year) == 2:
        year = f"20{year}"
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if 1990 <= value.year <= 2100 else None


_CURRENCY_CODES = (
    "NOK",
    "SEK",
    "DKK",
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "ISK",
    "PLN",
    "CZK",
    "JPY",
    "CAD",
    "AUD",
)
_CURRENCY = re.compile(r"(?<![A-Za-z])(" + "|".join(_CURRENCY_CODES) + r"|€|£|\$)(?![A-Za-z])")
_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD"}


def find_currencies(text: str) -> list[Found[str]]:
    return [
        Found(_SYMBOLS.get(m.group(1), m.group(1)), m.start(), m.end())
        for m in _CURRENCY.finditer(text)
    ]


# An invoice number: a token with at least one digit, letters/digits and -/._ inside.
_REFERENCE = re.compile(r"(?<![\w/.-])([A-Z0-9][A-Za-z0-9]*(?:[-/._#][A-Za-z0-9]+)*)(?![\w])")


def find_references(text: str) -> list[Found[str]]:
    found = []
    for match in _REFERENCE.finditer(text):
        token = match.group(1)
        wrapped = (
            text[match.start() - 1 : match.start()] == "("
            and text[match.end() : match.end() + 1] == ")"
        )
        if any(c.isdigit() for c in token) and 1 <= len(token) <= 35 and not wrapped:
            found.append(Found(token, match.start(), match.end()))
    return found


def find_digit_runs(text: str, *, min_len: int, max_len: int) -> list[Found[str]]:
    """Digit strings that may be written with spaces, dots or dashes between groups."""
    found = []
    # One separator at most between digits: a double space is a column gap, not a group gap.
    for match in re.finditer(r"(?<![\w.,-])\d(?:[ .\-]?\d)*(?![\w,]|\.\d)", text):
        raw = match.group(0).rstrip(" .-")
        digits = re.sub(r"\D", "", raw)
        if min_len <= len(digits) <= max_len:
            found.append(Found(digits, match.start(), match.start() + len(raw)))
    return found
