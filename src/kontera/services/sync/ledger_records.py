"""The ledger's supplier register and dimensions into Kontera's tables.

Suppliers land in the same `supplier` table invoices fill (one row per supplier and company):
a row the ledger knows gets its ledger id and number, org.nr, VAT id, active flag and default
account, and the bank accounts the ledger has on file (`source="ledger"`, confirmed — the
changed-bank-account warning compares an invoice's account with them). A supplier first seen
on an invoice and later found in the ledger is the same row, matched by ledger id, then by
org.nr / name key. Accounts the ledger no longer has are dropped; those seen on invoices stay.

Dimensions are upserted per (company, kind, code); one the ledger no longer lists is kept but
marked inactive, so old history that names it still reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.identifiers import no_vat_id_from_org_number
from kontera.domain.invoice import Party
from kontera.domain.ledger import LedgerDimension
from kontera.domain.ledger import LedgerSupplier
from kontera.domain.suppliers import supplier_key
from kontera.store.tables_dimensions import Dimension
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_interpret import SupplierBankAccount
from kontera.store.types import utcnow


@dataclass(frozen=True, slots=True)
class KnownToLedger:
    """What the history sync needs of a ledger supplier to name its lines."""

    name: str
    org_number: str | None


def store_suppliers(
    session: Session, *, company_id: str, country: str, suppliers: Iterable[LedgerSupplier]
) -> int:
    by_ledger, by_key = _existing(session, company_id)
    accounts = _bank_accounts(session, company_id)
    stored = 0
    for found in suppliers:
        vat_id = found.vat_id or _vat_id(country, found.org_number)
        party = Party(name=found.name, org_number=found.org_number, vat_id=vat_id)
        key = supplier_key(party) or f"ledger:{found.ledger_id}"
        row = by_ledger.get(found.ledger_id) or by_key.get(key)
        if row is None:
            row = Supplier(company_id=company_id, key=key)
            by_key[key] = row
        values = {
            "name": found.name or row.name,
            "org_number": found.org_number or row.org_number,
            "vat_id": vat_id or row.vat_id,
            "default_account": found.default_account or row.default_account,
            "ledger_id": found.ledger_id,
            "ledger_number": found.number,
            "active": found.active,
            "source": "ledger",
            "kid_required": row.kid_required if found.kid_required is None else found.kid_required,
        }
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            session.add(row)
        by_ledger[found.ledger_id] = row
        _store_accounts(session, row, found.bank_accounts, accounts.get(row.id, {}))
        stored += 1
    return stored


def ledger_suppliers(session: Session, *, company_id: str) -> dict[str, KnownToLedger]:
    rows = session.exec(
        select(Supplier).where(
            Supplier.company_id == company_id, col(Supplier.ledger_id).is_not(None)
        )
    ).all()
    return {str(r.ledger_id): KnownToLedger(r.name or "", r.org_number) for r in rows}


def mark_kid_habits(session: Session, *, company_id: str, habits: dict[str, bool]) -> int:
    """Set `kid_required` on the suppliers (by ledger id) whose invoices told us."""
    if not habits:
        return 0
    rows = session.exec(
        select(Supplier).where(
            Supplier.company_id == company_id, col(Supplier.ledger_id).in_(list(habits))
        )
    ).all()
    for row in rows:
        row.kid_required = habits[str(row.ledger_id)]
        session.add(row)
    return len(rows)


def _existing(session: Session, company_id: str) -> tuple[dict[str, Supplier], dict[str, Supplier]]:
    rows = session.exec(select(Supplier).where(Supplier.company_id == company_id)).all()
    return {r.ledger_id: r for r in rows if r.ledger_id}, {r.key: r for r in rows}


def _bank_accounts(session: Session, company_id: str) -> dict[str, dict[str, SupplierBankAccount]]:
    """Every bank account of the company's suppliers, by supplier id and account (one query)."""
    rows = session.exec(
        select(SupplierBankAccount)
        .join(Supplier, col(Supplier.id) == col(SupplierBankAccount.supplier_id))
        .where(Supplier.company_id == company_id)
    ).all()
    found: dict[str, dict[str, SupplierBankAccount]] = {}
    for row in rows:
        found.setdefault(row.supplier_id, {})[row.account] = row
    return found


def _store_accounts(
    session: Session,
    supplier: Supplier,
    accounts: Iterable[str],
    have: dict[str, SupplierBankAccount],
) -> None:
    wanted = {_compact(a) for a in accounts if _compact(a)}
    for account, row in have.items():
        if row.source == "ledger" and account not in wanted:
            session.delete(row)
        elif account in wanted and (not row.confirmed or row.source != "ledger"):
            row.confirmed, row.source = True, "ledger"
            session.add(row)
    for account in wanted - set(have):
        session.add(
            SupplierBankAccount(
                supplier_id=supplier.id, account=account, confirmed=True, source="ledger"
            )
        )


def _compact(account: str) -> str:
    """The form invoices' accounts are stored in (digits, or an IBAN without spaces)."""
    return re.sub(r"[\s.\-]", "", account).upper()


def _vat_id(country: str, org_number: str | None) -> str | None:
    if country == "NO" and org_number and len(re.sub(r"\D", "", org_number)) == 9:
        return no_vat_id_from_org_number(org_number)
    return None


def store_dimensions(
    session: Session, *, company_id: str, dimensions: Iterable[LedgerDimension]
) -> int:
    rows = session.exec(select(Dimension).where(Dimension.company_id == company_id)).all()
    existing = {(r.kind, r.code): r for r in rows}
    seen: set[tuple[str, str]] = set()
    for found in dimensions:
        key = (found.kind.value, found.code)
        seen.add(key)
        row = existing.get(key) or Dimension(company_id=company_id, kind=key[0], code=key[1])
        row.name, row.active, row.ledger_id = found.name, found.active, found.ledger_id
        row.source, row.updated_at = "ledger", utcnow()
        session.add(row)
    for key, row in existing.items():
        if key not in seen and row.source == "ledger" and row.active:
            row.active, row.updated_at = False, utcnow()
            session.add(row)
    return len(seen)
