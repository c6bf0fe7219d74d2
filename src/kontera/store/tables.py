"""The spine's tables. Other areas keep theirs in `tables_<area>.py`; `metadata.py` joins them."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import MinorUnits
from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts(*, index: bool = False, nullable: bool = False) -> Any:
    column: Column[Any] = Column(UtcDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


def _money() -> Any:
    return Field(default=None, sa_column=Column(MinorUnits(), nullable=True))


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Bureau(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = _ts()


class Company(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(index=True)
    slug: str = Field(unique=True)
    org_number: str | None = Field(default=None, index=True)
    country: str = "NO"
    chart: str = "NS4102"
    bureau_id: str | None = Field(default=None, foreign_key="bureau.id", index=True)
    settings: dict[str, Any] = _json()
    created_at: datetime = _ts()


class User(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    email: str = Field(unique=True)
    password_hash: str
    role: str = "bookkeeper"
    locale: str = "nb"
    bureau_id: str | None = Field(default=None, foreign_key="bureau.id", index=True)
    is_active: bool = True
    created_at: datetime = _ts()


class UserCompany(SQLModel, table=True):
    user_id: str = Field(foreign_key="user.id", primary_key=True)
    company_id: str = Field(foreign_key="company.id", primary_key=True)


class ApiKey(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    name: str = "default"
    prefix: str = Field(index=True)
    key_hash: str = Field(unique=True)
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


class Document(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("company_id", "sha256", name="uq_document_company_sha"),
        # The API's idempotency key (NULLs are distinct, so documents without one are free).
        Index("uq_document_company_external_id", "company_id", "external_id", unique=True),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    sha256: str = Field(index=True)
    filename: str | None = None
    content_type: str | None = None
    kind: str = "unknown"
    size: int = 0
    source: str = "api"
    external_id: str | None = Field(default=None, index=True)
    sender: str | None = None
    message_id: str | None = Field(default=None, index=True)
    provenance: dict[str, Any] = _json()
    received_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()
    status: str = Field(default="received", index=True)
    status_reason: str | None = None  # English; `status_reason_text` is the catalogue message
    status_reason_text: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    duplicate_of_id: str | None = Field(default=None, foreign_key="document.id")
    related_document_id: str | None = Field(default=None, foreign_key="document.id")
    document_type: str | None = None
    supplier_name: str | None = Field(default=None, index=True)
    supplier_key: str | None = Field(default=None, index=True)
    invoice_number: str | None = Field(default=None, index=True)
    currency: str | None = None
    gross: Decimal | None = _money()
    issue_date: date | None = None
    due_date: date | None = Field(default=None, index=True)
    kid: str | None = None
    confidence: float | None = None
    warnings: int = 0
    attempts: int = 0


class Interpretation(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    created_at: datetime = _ts()
    interpreter: str
    payload: dict[str, Any] = _json()
    rendering_sha256: str | None = None
    page_count: int = 0


class SuggestionRecord(SQLModel, table=True):
    __tablename__ = "suggestion"

    id: str = Field(default_factory=new_id, primary_key=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    created_at: datetime = _ts()
    model: str
    payload: dict[str, Any] = _json()


class VoucherRecord(SQLModel, table=True):
    __tablename__ = "voucher"

    id: str = Field(default_factory=new_id, primary_key=True)
    document_id: str = Field(foreign_key="document.id", unique=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    created_at: datetime = _ts()
    approved_by: str
    payload: dict[str, Any] = _json()
    idempotency_key: str = Field(unique=True)
    target: str = "none"
    state: str = "pending"
    external_id: str | None = None
    attachment_id: str | None = None
    attempts: int = 0
    last_error: str | None = None
    job: dict[str, Any] = _json()
    next_attempt_at: datetime | None = _ts(nullable=True)
    # One runner per posting job: whoever holds an unexpired lease may call the system.
    lease_until: datetime | None = _ts(nullable=True)
    posted_at: datetime | None = _ts(nullable=True)


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: str | None = Field(default=None, index=True)
    document_id: str | None = Field(default=None, index=True)
    at: datetime = _ts(index=True)
    actor: str
    action: str
    from_status: str | None = None
    to_status: str | None = None
    detail: dict[str, Any] = _json()
    # The tamper-evident chain (kontera.store.audit_chain): position in its company's chain,
    # the hash of the event before it, and this event's own hash.
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


class PostingHistory(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("company_id", "source", "external_id", name="uq_history_external"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    entry_date: date | None = Field(default=None, index=True)
    supplier_id: str | None = None
    supplier_name: str | None = None
    supplier_org_number: str | None = None
    supplier_key: str = Field(index=True)
    description: str | None = None
    amount: Decimal | None = _money()
    currency: str | None = None
    account: str
    vat_code: str | None = None
    source: str = "import"
    document_id: str | None = Field(default=None, index=True)
    created_at: datetime = _ts()
    # The ledger sync's lines: their id in the ledger (one row each) and dimensions.
    external_id: str | None = None
    department: str | None = None
    project: str | None = None
    cost_centre: str | None = None
    # The invoice's buyer's reference and order reference (BT-10, BT-13): evidence for the
    # account and the dimensions (approvals keep them; `attest_0001`).
    buyer_reference: str | None = None
    order_reference: str | None = None
