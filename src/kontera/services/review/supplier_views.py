"""The suppliers page: each known supplier with its documents, usual account, bank accounts
(confirmed by an approval or not) and the fields whose place on the page Kontera learned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import PostingHistory
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_interpret import SupplierBankAccount
from kontera.store.tables_interpret import SupplierLayout


@dataclass(frozen=True, slots=True)
class SupplierView:
    key: str
    name: str
    org_number: str | None
    documents: int
    default_account: str | None
    history_lines: int
    bank_accounts: list[tuple[str, bool]]  # (account, confirmed by an approval)
    layout_fields: list[str]


def suppliers(ctx: AppContext, *, company_id: str, limit: int = 300) -> list[SupplierView]:
    """The company's known suppliers (registered as their invoices arrive), busiest first."""
    with session_scope(ctx.engine) as session:
        known = session.exec(
            select(Supplier).where(Supplier.company_id == company_id).limit(limit)
        ).all()
        counts = _count_by(session, Document.supplier_key, Document.company_id, company_id)
        history = _count_by(
            session, PostingHistory.supplier_key, PostingHistory.company_id, company_id
        )
        banks = _bank_accounts(session, [s.id for s in known])
        layouts = _layout_fields(session, company_id)
        found = [
            SupplierView(
                key=s.key,
                name=s.name or s.key,
                org_number=s.org_number,
                documents=counts.get(s.key, 0),
                default_account=s.default_account or _usual_account(session, company_id, s.key),
                history_lines=history.get(s.key, 0),
                bank_accounts=banks.get(s.id, []),
                layout_fields=_fields_of(layouts, (s.vat_id, s.org_number, s.name)),
            )
            for s in known
        ]
    return sorted(found, key=lambda v: (-v.documents, v.name))


def _count_by(session: Any, key: Any, company: Any, company_id: str) -> dict[str, int]:
    query = select(key, func.count()).where(company == company_id).group_by(key)
    return {k: n for k, n in session.exec(query).all() if k}


def _bank_accounts(session: Any, supplier_ids: list[str]) -> dict[str, list[tuple[str, bool]]]:
    rows = session.exec(
        select(SupplierBankAccount).where(col(SupplierBankAccount.supplier_id).in_(supplier_ids))
    ).all()
    found: dict[str, list[tuple[str, bool]]] = {}
    for row in sorted(rows, key=lambda r: r.account):
        found.setdefault(row.supplier_id, []).append((row.account, row.confirmed))
    return found


def _layout_fields(session: Any, company_id: str) -> dict[str, set[str]]:
    rows = session.exec(
        select(SupplierLayout.identity, SupplierLayout.field).where(
            SupplierLayout.company_id == company_id
        )
    ).all()
    found: dict[str, set[str]] = {}
    for identity, field in rows:
        found.setdefault(identity, set()).add(field)
    return found


def _fields_of(layouts: dict[str, set[str]], identities: tuple[str | None, ...]) -> list[str]:
    return sorted({f for identity in identities if identity for f in layouts.get(identity, ())})


def _usual_account(session: Any, company_id: str, key: str) -> str | None:
    query = (
        select(PostingHistory.account, func.count())
        .where(PostingHistory.company_id == company_id, PostingHistory.supplier_key == key)
        .group_by(PostingHistory.account)
        .order_by(func.count().desc())
        .limit(1)
    )
    row = session.exec(query).first()
    return row[0] if row else None
