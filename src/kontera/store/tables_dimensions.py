"""Each company's dimensions — departments, projects, cost centres — as its ledger keeps them.

Written by the ledger sync (`source="ledger"`), read by the review page and, later, by the
attestation and dimension suggestions. One row per (company, kind, code); `kind` is a
`kontera.domain.ledger.DimensionKind` value and `code` the number or code the ledger shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class Dimension(SQLModel, table=True):
    __tablename__ = "dimension"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "code", name="uq_dimension_company_kind_code"),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    kind: str
    code: str
    name: str = ""
    active: bool = True
    ledger_id: str | None = None
    source: str = "ledger"
    updated_at: datetime = _ts()
