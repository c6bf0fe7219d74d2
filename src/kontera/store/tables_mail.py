"""Tables owned by the mail area. Imported by `kontera.store.metadata`.

- `MailMessage`: one row per message per company, written right after the raw .eml is stored,
  so the same Message-ID is imported once and an interrupted import can be resumed.
- `TrustedSender`: addresses (or `@domain`) whose mail goes straight to the queue.
- `MailQuarantine`: documents from unknown senders, held back until someone releases them.
- `ImapMailbox`: a company's external mailbox, polled with IMAP; remembers where it stopped.
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


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class MailMessage(SQLModel, table=True):
    __tablename__ = "mail_message"
    __table_args__ = (UniqueConstraint("company_id", "message_key", name="uq_mail_company_key"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    # The normalised Message-ID, or "sha256:<raw digest>" for mail without one.
    message_key: str
    message_id: str | None = None
    raw_sha256: str
    size: int = 0
    channel: str = "smtp"
    mailbox_id: str | None = Field(default=None, foreign_key="mail_imap_mailbox.id")
    sender: str | None = Field(default=None, index=True)
    envelope_from: str | None = None
    subject: str | None = None
    received_at: datetime = _ts()
    status: str = Field(default="received", index=True)
    status_reason: str | None = None
    document_ids: list[str] = _json_list()
    skipped: list[Any] = _json_list()
    quarantined: bool = False
    replied: bool = False
    # SPF, DKIM and DMARC as judged on arrival (kontera.ingest.mailauth.AuthVerdict.to_json).
    authentication: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class TrustedSender(SQLModel, table=True):
    __tablename__ = "mail_trusted_sender"
    __table_args__ = (UniqueConstraint("company_id", "address", name="uq_trusted_company_address"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    # A lower-case address, or "@example.no" for a whole domain.
    address: str
    learnt_from: str = "manual"
    created_at: datetime = _ts()


class MailQuarantine(SQLModel, table=True):
    __tablename__ = "mail_quarantine"

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    document_id: str = Field(foreign_key="document.id", unique=True)
    mail_message_id: str = Field(foreign_key="mail_message.id", index=True)
    sender: str | None = Field(default=None, index=True)
    created_at: datetime = _ts()
    released_at: datetime | None = _ts(nullable=True)
    released_by: str | None = None


class ImapMailbox(SQLModel, table=True):
    __tablename__ = "mail_imap_mailbox"

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    host: str
    port: int = 993
    security: str = "ssl"  # ssl | starttls | none
    username: str
    password_sealed: str
    folder: str = "INBOX"
    after_import: str = "move"  # move | flag
    processed_folder: str = "Kontera"
    uidvalidity: int | None = None
    last_uid: int = 0
    enabled: bool = True
    last_polled_at: datetime | None = _ts(nullable=True)
    last_error: str | None = None
    created_at: datetime = _ts()
