"""Tables owned by the review area. Imported by `kontera.store.metadata`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy import Index
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.tables import Document
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


# The review queue filters by status and company and sorts by due date (then arrival); the
# other filters and sorts (warnings, confidence, amount, supplier) are in the index too, so a
# count, the counts per status and the ids of a page come from the index without reading the
# table. Declared here, by the area that needs it, on the spine's `document` table.
_DOCUMENT = Document.__table__  # type: ignore[attr-defined]
QUEUE_INDEX = Index(
    "ix_review_queue",
    *(
        _DOCUMENT.c[name]
        for name in (
            "status",
            "company_id",
            "due_date",
            "received_at",
            "id",
            "warnings",
            "confidence",
            "gross",
            "supplier_name",
        )
    ),
)
