"""Reading amounts and dates the way bookkeeping exports write them."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from decimal import InvalidOperation

_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_amount(text: str) -> Decimal:
    """'1 234,50', '1,234.50', '-75000', '(12.00)' → Decimal. Raises ValueError when not money."""
    raw = _SPACES.sub("", text.strip())
    negative = raw.startswith("(") and raw.endswith(")")
    raw = raw.strip("()").replace("£", "").replace("kr", "").replace("$", "").replace("€", "")
    if "," in raw and "." in raw:
        # Whichever separator comes last is the decimal one.
        raw = raw.replace(".", "") if raw.rfind(",") > raw.rfind(".") else raw.replace(",", "")
        raw = raw.replace(",", ".")
    elif "," in raw:
        raw = raw.replace(",", ".") if raw.count(",") == 1 else raw.replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation as e:
        raise ValueError(f"{text!r} is not an amount") from e
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    return -value if negative else value


def parse_date(text: str) -> date:
    """ISO, compact (SIE), Nordic and British day-first dates, or an Excel serial number."""
    raw = text.strip()[:10] if len(text.strip()) >= 10 else text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    if raw.isdigit() and 20000 < int(raw) < 80000:
        return _EXCEL_EPOCH + timedelta(days=int(raw))
    raise ValueError(f"{text!r} is not a date")
