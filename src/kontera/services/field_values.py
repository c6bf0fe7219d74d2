"""Turn a person's typed text into the domain value of a field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from kontera.domain.money import to_decimal

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


def parse_field_value(path: str, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    leaf = path.rsplit(".", 1)[-1]
    if leaf in DATE_FIELDS:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    if leaf in AMOUNT_LEAVES:
        return (
            raw
            if isinstance(raw, Decimal)
            else to_decimal(str(raw).replace(" ", "").replace(",", "."))
        )
    return str(raw).strip()
