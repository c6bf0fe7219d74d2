"""Each company's link to its accounting system, its webhook subscribers, and the exchange
rates vouchers were booked at."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class AccountingConnection(SQLModel, table=True):
    """`secret` and `tokens` are encrypted with a key derived from KONTERA_SECRET_KEY."""

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", unique=True)
    system: str
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    secret: str | None = None
    tokens: str | None = None
    oauth_state: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class WebhookEndpoint(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    url: str
    secret: str
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()


class ExchangeRateRow(SQLModel, table=True):
    """A central bank's rate as used for one voucher date (a weekend's is Friday's).

    Only days that have passed are stored: their rate never changes. The rate is kept as
    its exact decimal text, so no database rounds it."""

    __tablename__ = "exchange_rate"

    source: str = Field(primary_key=True)
    currency: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    rate: str
    rate_date: date
    fetched_at: datetime = _ts()
