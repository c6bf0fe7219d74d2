"""The webhook outbox. Imported by `kontera.store.metadata`.

`WebhookDelivery`: one row per event per subscribed endpoint, written in the same transaction
as the status change it reports (so no event is lost and none is sent for a change that was
rolled back), then sent by a queued task, one attempt per task run.
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

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    column: Column[Any] = Column(UtcDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"

    # Sent as `Kontera-Delivery`: the same on every attempt, so receivers deduplicate on it.
    id: str = Field(default_factory=new_id, primary_key=True)
    endpoint_id: str = Field(index=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    event_id: str
    event_type: str
    document_id: str | None = Field(default=None, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=PENDING, index=True)
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    next_attempt_at: datetime | None = _ts(nullable=True)
    # One sender at a time: a copy of the task that finds the claim unexpired leaves it alone.
    claimed_until: datetime | None = _ts(nullable=True)
    delivered_at: datetime | None = _ts(nullable=True)
