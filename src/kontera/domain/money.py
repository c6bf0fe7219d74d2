"""Money is `Decimal` from the first parse to the last posting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

ZERO = Decimal("0")
CENT = Decimal("0.01")


def to_decimal(text: str | int | Decimal) -> Decimal:
    """Parse a plain machine-format number ("1234.50", "-3") exactly; raise ValueError."""
    if isinstance(text, Decimal):
        return text
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as e:
        raise ValueError(f"not a number: {text!r}") from e
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return value


def round_cents(value: Decimal) -> Decimal:
    """Round half up to two decimals, as EN 16931 prescribes for document amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal | None) -> str | None:
    """Serialise an amount as a plain decimal string with at least two decimals."""
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(CENT)
    return format(value, "f")


def home_currency(country: str) -> str:
    """The currency a Swedish or Norwegian company keeps its books in."""
    return "SEK" if country.upper() == "SE" else "NOK"
