"""Numbers, amounts and dates as a reader in each locale writes them, and back.

Norwegian and Swedish write `1 234,56` (a no-break space between thousands, so an amount never
breaks across lines); English `1,234.56`. Dates follow CLDR's short date of each language:
`15.12.2017` in Norwegian, `2017-12-15` in Swedish (the form Swedes use), and ISO in English,
which Kontera has always shown and which nobody misreads. Parsing accepts every one of these
forms in every locale, since a Norwegian bookkeeper may paste an ISO date.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal as _babel_decimal

from kontera.domain import amounts
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg

BABEL_LOCALE = {"nb": "nb_NO", "sv": "sv_SE", "en": "en_GB"}
NBSP = "\u00a0"


def babel_locale(locale: str) -> str:
    return BABEL_LOCALE.get(locale, "en_GB")


def format_amount(
    value: Decimal | int | str | None, locale: str, currency: str | None = None
) -> str:
    """Two decimals, grouped: `1 234,56 NOK` in nb/sv, `1,234.56 NOK` in en; None is "–"."""
    number = _decimal_or_none(value)
    if number is None:
        return "–" if value in (None, "") else str(value)
    text = _babel_decimal(number, format="#,##0.00", locale=babel_locale(locale))
    return f"{text} {currency}" if currency else text


def format_number(value: Decimal | int | float | str | None, locale: str) -> str:
    """A number with the decimals it has (a VAT rate `12,5`, a quantity `3`)."""
    number = _decimal_or_none(value)
    if number is None:
        return "–" if value in (None, "") else str(value)
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return _babel_decimal(number, format=pattern, locale=babel_locale(locale))


def format_date(value: date | datetime | str | None, locale: str) -> str:
    day = _date_or_none(value)
    if day is None:
        return "–" if value in (None, "") else str(value)
    if locale == "en":
        return day.isoformat()
    return _babel_date(day, format="short", locale=babel_locale(locale))


def format_datetime(value: datetime | str | None, locale: str) -> str:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value[:16].replace("T", " ")
    elif value is None:
        return "–"
    else:
        moment = value
    return f"{format_date(moment.date(), locale)} {moment:%H:%M}"


def parse_amount(text: str, locale: str) -> Decimal:
    """`1 234,56`, `1234.56`, `1,234.56`, `-75` → Decimal; anything else is a clear error.

    `1.234` in nb/sv is one thousand two hundred and thirty-four (a Norwegian groups with a dot
    at times), in en one point two three four: see `kontera.domain.amounts`.
    """
    return amounts.parse_amount(text, locale=locale)


_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})$")


def parse_date(text: str, locale: str = "nb") -> date:
    """`15.12.2017`, `15/12/2017`, `15.12.17` and ISO `2017-12-15` → date."""
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    match = _DMY.match(cleaned)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise InvalidInput(msg("{text} is not a date: write it as 15.12.2017.", text=text))


def _decimal_or_none(value: Decimal | int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date_or_none(value: date | datetime | str | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
