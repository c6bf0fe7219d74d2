"""An accrual on the review page: what is shown under a line, and what the form sends back.

The page shows the proposed schedule (why, the prepaid account, the first month, the number
of months and each release) and lets a person switch it off or change the account, the first
month or the number of months; the releases are computed again from those, so they always
add up to the line. An untouched schedule comes back as it was proposed, so approving what
Kontera suggested stays an unedited approval.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData

from kontera.domain.accrual import Accrual
from kontera.domain.accrual import accrual_reason
from kontera.domain.accrual import by_months
from kontera.domain.accrual import first_month_and_count
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.money import round_cents

_SCHEDULE_KEYS = ("account", "start", "end", "releases")


@dataclass(frozen=True, slots=True)
class AccrualView:
    account: str
    first_month: str  # "2027-01", as <input type="month"> takes it
    months: int
    booked: str  # the invoice's date: months before it are released on that day
    releases: list[tuple[date, Decimal]]
    reason: Message
    json: str  # the schedule as proposed, sent back untouched


def accrual_view(data: dict[str, Any] | None, booked: str | None) -> AccrualView | None:
    if not data:
        return None
    try:
        accrual = Accrual.from_json(data)
    except InvalidInput:
        return None
    first, months = first_month_and_count(accrual)
    return AccrualView(
        account=accrual.account,
        first_month=f"{first:%Y-%m}",
        months=months,
        booked=booked or accrual.releases[0].day.isoformat(),
        releases=[(r.day, r.amount) for r in accrual.releases],
        reason=accrual_reason(data, accrual),
        json=json.dumps(data, sort_keys=True),
    )


def accrual_from_form(form: FormData, i: int, amount: Decimal | None) -> dict[str, Any] | None:
    """The schedule line `i` is approved with, or None when it is not accrued."""
    if not form.get(f"accrual_on_{i}"):
        return None
    proposed = _json(form.get(f"accrual_json_{i}"))
    account = str(form.get(f"accrual_account_{i}") or proposed.get("account") or "").strip()
    try:
        first = date.fromisoformat(str(form.get(f"accrual_start_{i}") or "") + "-01")
        months = int(str(form.get(f"accrual_months_{i}") or ""))
        booked = date.fromisoformat(str(form.get(f"accrual_booked_{i}") or ""))
    except ValueError as e:
        raise InvalidInput(
            msg("Line {n}: give the accrual's first month and its number of months.", n=i + 1)
        ) from e
    if amount is None:
        raise InvalidInput(msg("Line {n}: an accrued line needs its amount.", n=i + 1))
    chosen = by_months(round_cents(amount), first, months, booked, account).to_json()
    if proposed and all(proposed.get(k) == chosen[k] for k in _SCHEDULE_KEYS):
        return proposed
    return {**chosen, "source": "person"}


def _json(value: Any) -> dict[str, Any]:
    try:
        data = json.loads(str(value or "{}"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
