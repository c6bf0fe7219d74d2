"""What people see of the attestation e-mails, and what they can do about one that failed.

`undelivered` lists a company's mails given up, or waiting after a failed attempt, with the
SMTP server's last answer (the company's Attestation page); `send_again` tries one once more,
now, as an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import Forbidden
from kontera.services.attest.mail import FAILED
from kontera.services.attest.mail import PENDING
from kontera.services.context import AppContext
from kontera.store import mail_outbox
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_attest import Attestation
from kontera.store.tables_attest import AttestMail


@dataclass(frozen=True, slots=True)
class Undelivered:
    id: str
    document_id: str
    supplier: str
    kind: str
    recipient: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime


def undelivered(ctx: AppContext, *, company_id: str) -> list[Undelivered]:
    """Mails given up, or waiting after a failed attempt, newest first."""
    with session_scope(ctx.engine) as session:
        query = (
            select(AttestMail, Attestation, Document)
            .join(Attestation, col(Attestation.id) == col(AttestMail.request_id))
            .join(Document, col(Document.id) == col(Attestation.document_id))
            .where(
                AttestMail.company_id == company_id,
                (col(AttestMail.state) == FAILED)
                | ((col(AttestMail.state) == PENDING) & col(AttestMail.last_error).is_not(None)),
            )
            .order_by(col(AttestMail.created_at).desc())
            .limit(50)
        )
        return [
            Undelivered(
                m.id,
                d.id,
                d.supplier_name or d.filename or "",
                m.kind,
                m.recipient,
                m.state,
                m.attempts,
                m.last_error,
                m.next_attempt_at,
            )
            for m, _, d in session.exec(query).all()
        ]


def send_again(ctx: AppContext, *, company_id: str, mail_id: str, actor: str) -> None:
    """A person asks for a given-up (or waiting) mail to be tried once more, now."""
    with session_scope(ctx.engine) as session:
        mail = session.get(AttestMail, mail_id)
        if mail is None or mail.company_id != company_id or mail.state not in (PENDING, FAILED):
            raise Forbidden("This e-mail cannot be sent again.")
        mail.state, mail.next_attempt_at = PENDING, ctx.clock()
        session.add(mail)
        mail_outbox.note_new(session, mail.id)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="attest:mail_retried",
            detail={"mail_id": mail.id, "to": mail.recipient, "kind": mail.kind},
        )
