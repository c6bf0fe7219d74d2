"""Tables owned by the review area. Imported by `kontera.store.metadata`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import utcnow


def _ts(*, index: bool = False) -> Any:
    return Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=index)
    )


class UiSession(SQLModel, table=True):
    """A signed-in browser. Server-side, so signing out (or removing a user) ends it at once.

    Only the SHA-256 of the cookie's token is stored: a copy of the database signs no one in.
    """

    __tablename__ = "ui_session"

    token_hash: str = Field(primary_key=True)
    user_id: str = Field(foreign_key="user.id", index=True)
    csrf_token: str
    created_at: datetime = _ts()
    expires_at: datetime = _ts(index=True)
