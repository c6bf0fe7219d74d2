"""Tables owned by the security area. Imported by `kontera.store.metadata`.

- `AuditChainHead`: the last link of each audit hash chain (one per company, one for events
  of no company), locked while a transaction appends to that chain.
- `ApiRateCount`: requests per API key per minute, for the rate limit when there is no Redis.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import utcnow


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class AuditChainHead(SQLModel, table=True):
    __tablename__ = "sec_audit_chain"

    # The company's id, or "" for events that belong to no company (sign-ins of new users …).
    chain: str = Field(primary_key=True)
    seq: int = 0
    hash: str = ""
    updated_at: datetime = _ts()


class ApiRateCount(SQLModel, table=True):
    __tablename__ = "sec_api_rate"

    key_id: str = Field(primary_key=True)
    minute: int = Field(primary_key=True)  # unix time // 60
    count: int = 0
