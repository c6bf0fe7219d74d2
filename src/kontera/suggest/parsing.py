"""Reading amounts and dates the way bookkeeping exports write them.

Amounts are `kontera.domain.amounts.parse_amount` with no locale: a file writes one `.` or `,`
only as the decimal mark.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

from kontera.domain.amounts import parse_amount as parse_amount

_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")
_EXCEL_EPOCH = date(1899, 12, 30)


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
