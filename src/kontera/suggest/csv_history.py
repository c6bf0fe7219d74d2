"""History from a table (CSV, CSV.gz or .xlsx) with a column mapping.

Canonical columns: date, supplier_id, supplier_name, supplier_org_number, description, amount,
currency, account, vat_code — plus the optional invoice_number, vat_rate, supplier_country and
item_classification, the buyer's and order reference and the dimensions (department,
project, cost_centre). Required: account, one supplier column, and a date (a file without dates
may map invoice_number instead: evaluation then orders by invoice number).

`--map column=name` says which of the file's columns holds a canonical one; unmapped canonical
columns are looked up by their own name. Several file columns may feed one canonical column
(`--map description=narrative --map description=details`): they are joined with a space.
`a|b` takes the first non-empty of a and b — for exports whose layout changed over the
years (`--map "account=expenditure_code_t|expenditure_code"`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.suggest.history import HistoryItem
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.parsing import parse_amount
from kontera.suggest.parsing import parse_date
from kontera.suggest.tables import read_rows

CANONICAL_COLUMNS = (
    "date",
    "supplier_id",
    "supplier_name",
    "supplier_org_number",
    "description",
    "amount",
    "currency",
    "account",
    "vat_code",
    "invoice_number",
    "vat_rate",
    "supplier_country",
    "item_classification",
    "buyer_reference",
    "order_reference",
    "department",
    "project",
    "cost_centre",
)
SUPPLIER_COLUMNS = ("supplier_id", "supplier_name", "supplier_org_number")
_ACCOUNT_WITH_NAME = re.compile(r"^\s*(\d{3,})\s+(\S.*?)\s*$")

ColumnMapping = Mapping[str, tuple[str, ...]]


def parse_mapping(pairs: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """['account=expense_code', 'description=narrative'] → {'account': ('expense_code',), …}."""
    mapping: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        canonical, sep, source = pair.partition("=")
        canonical, source = canonical.strip(), source.strip()
        if not sep or not source:
            raise InvalidInput(msg("--map needs column=name, got {pair}", pair=repr(pair)))
        if canonical not in CANONICAL_COLUMNS:
            known = ", ".join(CANONICAL_COLUMNS)
            raise InvalidInput(
                msg(
                    "unknown column {canonical} in --map; known columns: {known}",
                    canonical=repr(canonical),
                    known=known,
                )
            )
        mapping[canonical] = (*mapping.get(canonical, ()), source)
    return mapping


def read_csv_history(path: Path, mapping: ColumnMapping | None = None) -> Iterator[HistoryItem]:
    """Stream history lines (and problems for rows that cannot be read) from a table file."""
    rows = read_rows(path)
    resolved: dict[str, tuple[str, ...]] | None = None
    for number, row in enumerate(rows, start=2):
        if resolved is None:
            resolved = _resolve(mapping or {}, list(row))
        try:
            yield _line(row, resolved)
        except ValueError as e:
            yield ImportProblem(f"{path.name} row {number}", str(e))


def _resolve(mapping: ColumnMapping, header: list[str]) -> dict[str, tuple[str, ...]]:
    resolved = {name: mapping.get(name, (name,)) for name in CANONICAL_COLUMNS}
    resolved = {k: tuple(c for c in v if _present(c, header)) for k, v in resolved.items()}
    missing = [k for k, v in mapping.items() for c in v if not _present(c, header)]
    if missing:
        raise InvalidInput(
            msg(
                "the file has no column for {missing}; it has {header}",
                missing=tuple(missing),
                header=tuple(header),
            )
        )
    if not resolved["account"]:
        raise InvalidInput("the file needs an account column (use --map account=<column>)")
    if not any(resolved[c] for c in SUPPLIER_COLUMNS):
        raise InvalidInput("the file needs a supplier column: supplier_id, name or org number")
    if not resolved["date"] and not resolved["invoice_number"]:
        raise InvalidInput("the file needs a date column (or invoice_number when it has none)")
    return {k: v for k, v in resolved.items() if v}


def _line(row: Mapping[str, str | None], columns: Mapping[str, tuple[str, ...]]) -> HistoryLine:
    value = {name: _joined(row, sources) for name, sources in columns.items()}
    account_text = value.get("account") or ""
    if not account_text:
        raise ValueError("the row has no account")
    account, account_name = _split_account(account_text)
    fields: dict[str, Any] = {
        "account": account,
        "account_name": account_name,
        "date": parse_date(value["date"]) if value.get("date") else None,
        "amount": parse_amount(value["amount"]) if value.get("amount") else None,
        "vat_rate": _rate(value.get("vat_rate")),
        "description": value.get("description") or "",
    }
    for name in (
        *SUPPLIER_COLUMNS,
        "currency",
        "vat_code",
        "invoice_number",
        "supplier_country",
        "item_classification",
        "buyer_reference",
        "order_reference",
        "department",
        "project",
        "cost_centre",
    ):
        fields[name] = value.get(name) or None
    if not any(fields[c] for c in SUPPLIER_COLUMNS):
        raise ValueError("the row names no supplier")
    return HistoryLine(**fields)


def _present(spec: str, header: list[str]) -> bool:
    return all(column in header for column in spec.split("|"))


def _joined(row: Mapping[str, str | None], sources: tuple[str, ...]) -> str:
    return " ".join(text for spec in sources if (text := _first(row, spec)))


def _first(row: Mapping[str, str | None], spec: str) -> str:
    for column in spec.split("|"):
        text = (row.get(column) or "").strip()
        if text:
            return text
    return ""


def _split_account(text: str) -> tuple[str, str | None]:
    """'62100 El' → ('62100', 'El'): some exports put the account's name beside its number."""
    match = _ACCOUNT_WITH_NAME.match(text)
    if match:
        return match.group(1), match.group(2)
    return text.strip(), None


def _rate(text: str | None) -> Decimal | None:
    return parse_amount(text.rstrip("% ")) if text else None
