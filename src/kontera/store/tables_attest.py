"""Tables of attestation (attestering): who must attest which invoice, and what they did.

- `AttestRule`: a company's rules, tried in `position` order; the first that matches names
  the attestant (by the buyer's reference, a department or project, a supplier, an amount);
- `AttestLimit`: the largest amount a person may attest or approve for a company;
- `Attestation`: one request for one document — pending, attested or refused — with who
  acted, when, their comment, and when the attestant was told (e-mail) and reminded;
- `AttestMail`: the outbox of e-mails to attestants (the request, the reminders), written in
  the transaction that makes the request, sent and retried by the workers; one reminder per
  request and day (`uq_attest_mail_once`).

The company-wide switches (on/off, default attestant, two-person rule, reminders) live in
`Company.settings["attestation"]` (`kontera.services.attest.settings`). Migrations `attest_*`.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

from kontera.store.types import MinorUnits
from kontera.store.types import UtcDateTime
from kontera.store.types import new_id
from kontera.store.types import utcnow


def _ts(*, nullable: bool = False) -> Any:
    column: Column[Any] = Column(UtcDateTime(), nullable=nullable)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


def _money(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(MinorUnits(), nullable=nullable))


class AttestRule(SQLModel, table=True):
    __tablename__ = "attest_rule"

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    position: int = 0
    kind: str  # buyer_reference, department, project, supplier, amount
    value: str = ""  # what the kind must match (empty for `amount`)
    min_amount: Decimal | None = _money()  # and only from this amount up (any kind)
    attestant_id: str = Field(foreign_key="user.id")
    created_at: datetime = _ts()


class AttestLimit(SQLModel, table=True):
    __tablename__ = "attest_limit"

    company_id: str = Field(foreign_key="company.id", primary_key=True)
    user_id: str = Field(foreign_key="user.id", primary_key=True)
    max_amount: Decimal = _money(nullable=False)


class Attestation(SQLModel, table=True):
    __tablename__ = "attest_request"

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    document_id: str = Field(foreign_key="document.id", index=True)
    # Who must attest; None: anyone but the person who approves (the two-person rule).
    attestant_id: str | None = Field(default=None, foreign_key="user.id", index=True)
    rule_id: str | None = None
    why: str = ""  # the rule in words (English), or why two people must act
    why_text: dict[str, Any] = Field(  # the same as a message (`Message.to_json`)
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    state: str = Field(default="pending", index=True)  # pending, attested, refused, withdrawn
    requested_at: datetime = _ts()
    requested_by: str = "worker"
    acted_by: str | None = None  # e-mail (or actor) of who attested or refused
    acted_by_user_id: str | None = None
    acted_at: datetime | None = _ts(nullable=True)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notified_at: datetime | None = _ts(nullable=True)
    reminded_on: date | None = None


class AttestMail(SQLModel, table=True):
    __tablename__ = "attest_mail"
    __table_args__ = (UniqueConstraint("request_id", "kind", "day", name="uq_attest_mail_once"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    request_id: str = Field(foreign_key="attest_request.id", index=True)
    kind: str  # request, reminder
    day: date  # the (Nordic) day it was made for
    recipient: str
    state: str = Field(default="pending", index=True)  # pending, sent, failed, cancelled
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
