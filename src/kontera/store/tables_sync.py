"""The ledger sync's state: where each resource got to, each run, the shared request quotas.

- `SyncCursor`: per company and resource (`history`, `suppliers` …) the reader's resume point,
  written in the same transaction as the lines it covers;
- `SyncRun`: one run of `kontera sync` / the schedule / a button, with its counts and, when it
  failed, the reason in words;
- `RateBucket`: one request quota per connection (system + company), shared by every process
  that posts or syncs for it (`kontera.store.rate_limits`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts(*, nullable: bool = False) -> Any:
    column: Column[Any] = Column(UtcDateTime(), nullable=nullable)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SyncCursor(SQLModel, table=True):
    __tablename__ = "sync_cursor"

    company_id: str = Field(foreign_key="company.id", primary_key=True)
    resource: str = Field(primary_key=True)
    cursor: dict[str, Any] = _json()
    updated_at: datetime = _ts()


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    system: str
    full: bool = False
    trigger: str = "cli"
    state: str = "running"  # running, succeeded, failed
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    heartbeat_at: datetime = _ts()  # a running run touches it after every page
    owner: str = ""  # host:pid of the process running it
    counts: dict[str, Any] = _json()
    calls: int = 0
    error: str | None = None  # English; `error_text` is the catalogue message
    error_text: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    error_code: str | None = None


class RateBucket(SQLModel, table=True):
    """`sent`: epoch seconds of the calls in the current window (JSON list)."""

    __tablename__ = "rate_bucket"

    key: str = Field(primary_key=True)
    sent: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    paused_until: float = 0.0
    version: int = 0
