"""Each company's chart of accounts and VAT codes (read and written by `services.chart`).

Rows come from a chart import (SAF-T, SIE), a ledger sync, posting history or the demo; the
`source` column says which, and a ledger's own id sits beside Kontera's key so that a sync
can update in place.
"""

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


class ChartAccountRow(SQLModel, table=True):
    """`vat_codes` is a JSON list of Kontera VAT codes the account accepts; NULL = any."""

    __tablename__ = "chart_account"
    __table_args__ = (UniqueConstraint("company_id", "number", name="uq_chart_account_number"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    number: str
    name: str = ""
    active: bool = True
    vat_codes: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    supplier_invoices: bool = True
    standard_account: str | None = None
    sru: str | None = None
    source: str = "import"
    ledger_id: str | None = None
    updated_at: datetime = _ts()


class ChartVatCodeRow(SQLModel, table=True):
    """`rate` is the exact decimal text (percent), NULL where the code has no rate."""

    __tablename__ = "chart_vat_code"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_chart_vat_code"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    code: str
    name: str = ""
    rate: str | None = None
    direction: str = "input"
    active: bool = True
    ledger_number: str | None = None
    ledger_id: str | None = None
    source: str = "import"
    updated_at: datetime = _ts()
