"""Posting history into the store: imports and approvals feed the suggestions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kontera.domain.invoice import Party
from kontera.domain.suppliers import supplier_key
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory

BATCH = 5_000


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    account: str
    entry_date: date | None = None
    supplier_id: str | None = None
    supplier_name: str | None = None
    supplier_org_number: str | None = None
    description: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    vat_code: str | None = None


def entry_supplier_key(entry: HistoryEntry) -> str:
    party = Party(name=entry.supplier_name, org_number=entry.supplier_org_number)
    return supplier_key(party) or f"id:{entry.supplier_id or 'unknown'}"


def import_history(
    ctx: AppContext, *, company_id: str, entries: Iterable[HistoryEntry], source: str = "import"
) -> int:
    """Store history lines in batches; returns how many were stored."""
    count = 0
    batch: list[PostingHistory] = []
    for entry in entries:
        batch.append(_row(company_id, entry, source))
        if len(batch) >= BATCH:
            count += _flush(ctx, batch)
    count += _flush(ctx, batch)
    return count


def _row(company_id: str, entry: HistoryEntry, source: str) -> PostingHistory:
    return PostingHistory(
        company_id=company_id,
        entry_date=entry.entry_date,
        supplier_id=entry.supplier_id,
        supplier_name=entry.supplier_name,
        supplier_org_number=entry.supplier_org_number,
        supplier_key=entry_supplier_key(entry),
        description=entry.description,
        amount=entry.amount,
        currency=entry.currency,
        account=entry.account,
        vat_code=entry.vat_code,
        source=source,
    )


def _flush(ctx: AppContext, batch: list[PostingHistory]) -> int:
    if not batch:
        return 0
    with session_scope(ctx.engine) as session:
        session.add_all(batch)
    stored = len(batch)
    batch.clear()
    return stored
