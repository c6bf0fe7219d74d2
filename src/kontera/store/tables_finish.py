"""Tables of the "finishing invoices" area: what people add to a document beyond approving it.

Imported by `kontera.store.metadata`; migrations `finish_*`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class DuplicateDismissal(SQLModel, table=True):
    """A person said `document_id` is not a duplicate of `other_id`: never flag the pair again."""

    __tablename__ = "finish_duplicate_dismissal"
    __table_args__ = (UniqueConstraint("document_id", "other_id", name="uq_finish_dismissal"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    other_id: str = Field(foreign_key="document.id")
    actor: str
    at: datetime = _ts()


class DocumentComment(SQLModel, table=True):
    """A note a person wrote on a document ("asked Hansen about the freight", "paid in cash")."""

    __tablename__ = "finish_document_comment"

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    author: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts()


class PageTurn(SQLModel, table=True):
    """How a page is turned for viewing, in quarter turns clockwise from the original.

    `reader_turns`: what the reader turned before reading (OCR of a sideways scan), which is
    the frame its field boxes are in; `person_turns`: what a person turned it by on top.
    """

    __tablename__ = "finish_page_turn"

    document_id: str = Field(foreign_key="document.id", primary_key=True)
    page: int = Field(primary_key=True)
    reader_turns: int = 0
    person_turns: int = 0
    updated_at: datetime = _ts()


class SearchText(SQLModel, table=True):
    """What the archive search looks in besides the queue's columns, lower-cased: supplier,
    org.nr, invoice number, KID, references, line texts, file name and people's notes."""

    __tablename__ = "finish_search_text"

    document_id: str = Field(foreign_key="document.id", primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))


class NotificationsSeen(SQLModel, table=True):
    """When a user last opened the notifications: what came after is new to them."""

    __tablename__ = "finish_notifications_seen"

    user_id: str = Field(foreign_key="user.id", primary_key=True)
    seen_at: datetime = _ts()
