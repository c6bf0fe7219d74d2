"""Suppliers as each company knows them: identifiers, bank accounts, learned layouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class Supplier(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("company_id", "key", name="uq_supplier_company_key"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    key: str
    name: str | None = None
    org_number: str | None = None
    vat_id: str | None = None
    default_account: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # From the ledger sync: the supplier's id and number in the ledger, whether it is still
    # active there, and whether its invoices always carry a KID / OCR reference.
    ledger_id: str | None = None
    ledger_number: str | None = None
    active: bool = True
    kid_required: bool | None = None
    source: str = "documents"  # documents, ledger


class SupplierBankAccount(SQLModel, table=True):
    """An account a supplier asked to be paid into. `confirmed` once a person approved it."""

    __table_args__ = (UniqueConstraint("supplier_id", "account", name="uq_supplier_account"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    supplier_id: str = Field(foreign_key="supplier.id", index=True)
    account: str
    confirmed: bool = False
    first_seen: datetime = _ts()
    last_seen: datetime = _ts()
    times_seen: int = 1
    source: str = "invoice"  # invoice: seen on an invoice; ledger: on file in the ledger


class SupplierLayout(SQLModel, table=True):
    """Where a supplier puts a field, learned from a bookkeeper's correction."""

    __table_args__ = (UniqueConstraint("company_id", "identity", "field", name="uq_layout_field"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    identity: str
    field: str
    hint: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts()
