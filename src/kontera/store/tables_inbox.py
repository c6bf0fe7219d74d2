"""Where invoices wait before Kontera sees them: ledger inboxes and watched folders.

- `InboxItem`: one invoice found in a ledger's own inbox (Tripletex voucher reception and
  supplier invoices, Fortnox's unbooked supplier invoices and file inbox, PowerOffice Go's
  vouchers sent for approval) or dropped in a watched folder (a Peppol access point's inbound
  folder, a scanner's folder); the Kontera document it became, and — for a ledger item — the
  posting that completed it in place. One row per company, origin and the origin's own id,
  so an item is taken once whatever reads it again.
- `FolderClaim`: a file in a watched folder that one worker is taking now. The first worker
  to insert the row takes the file; a claim whose worker died is taken over.
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


def _ts(*, nullable: bool = False) -> Any:
    column: Column[Any] = Column(UtcDateTime(), nullable=nullable)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


class InboxItem(SQLModel, table=True):
    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint("company_id", "origin", "external_id", name="uq_inbox_item_origin"),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    # tripletex / fortnox / poweroffice (a ledger's inbox), access_point, folder
    origin: str
    # The origin's id: "voucher:<id>" (Tripletex), "supplierinvoice:<GivenNumber>" and
    # "file:<id>" (Fortnox), "voucher:<guid>" (PowerOffice Go), the transmission id or the
    # file's path in a folder.
    external_id: str
    kind: str = ""  # what it is at the origin: supplier_invoice, reception, inbox_file, …
    document_id: str | None = Field(default=None, foreign_key="document.id", index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # received → completed (posted onto the ledger's own invoice); gone (left the inbox
    # before Kontera completed it)
    state: str = "received"
    voucher_id: str | None = Field(default=None, foreign_key="voucher.id", index=True)
    received_at: datetime = _ts()
    completed_at: datetime | None = _ts(nullable=True)


class FolderClaim(SQLModel, table=True):
    __tablename__ = "inbox_folder_claim"

    key: str = Field(primary_key=True)  # "<folder>:<path inside it>"
    owner: str  # host:pid of the worker taking it
    claimed_at: datetime = _ts()
