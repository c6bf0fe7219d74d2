"""The workers' schedule for attestation e-mail: the day's reminders, then every mail due.

A request still waiting on the day `remind_days_before_due` days before the invoice's due
date, and on every day after until someone acts, gets one reminder a day — at most one per
request and (Nordic) day, which the table's unique key holds even when two workers run the
schedule at once. Mails whose retry time has come, or whose task was lost, are sent too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.status import Status
from kontera.services.attest import settings as attest_settings
from kontera.services.attest.mail import PENDING
from kontera.services.attest.mail import REMINDER
from kontera.services.attest.mail import MailNotSent
from kontera.services.attest.mail import local_day
from kontera.services.attest.mail import record
from kontera.services.attest.mail import send
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables_attest import Attestation
from kontera.store.tables_attest import AttestMail


def run_schedule(ctx: AppContext, send_one: Callable[[str], object] | None = None) -> int:
    """What the workers do on their schedule: make today's reminders, then send every mail
    that is due (the new reminders, retries, and any whose task was lost). Returns how many
    mails were handed to `send_one` (default: sent here, one attempt each)."""
    queue_reminders(ctx)
    sender = send_one or (lambda mail_id: _send_quietly(ctx, mail_id))
    due = due_mails(ctx)
    for mail_id in due:
        sender(mail_id)
    return len(due)


def _send_quietly(ctx: AppContext, mail_id: str) -> str:
    try:
        return send(ctx, mail_id)
    except MailNotSent:
        return PENDING  # recorded, audited, and due again later


def queue_reminders(ctx: AppContext) -> list[str]:
    """Today's reminders for requests still waiting within their company's reminder days."""
    now = ctx.clock()
    today = local_day(now)
    made = []
    for request, document in _waiting(ctx):
        with session_scope(ctx.engine) as session:
            company = session.get(Company, request.company_id)
            days = attest_settings.settings_of(company.settings if company else {})
            due = document.due_date
            if days.remind_days_before_due <= 0 or due is None:
                continue
            if today < due - timedelta(days=days.remind_days_before_due):
                continue
            if local_day(request.requested_at) == today or _reminded(session, request.id, today):
                continue  # the request's own mail went today, or today's reminder exists
            try:
                with session.begin_nested():
                    mail = record(session, request, kind=REMINDER, now=now)
            except IntegrityError:  # another worker made today's reminder just now
                continue
            if mail is not None:
                made.append(mail.id)
    return made


def _waiting(ctx: AppContext) -> list[tuple[Attestation, Document]]:
    with session_scope(ctx.engine) as session:
        query = (
            select(Attestation, Document)
            .join(Document, col(Document.id) == col(Attestation.document_id))
            .where(
                Attestation.state == "pending",
                col(Attestation.attestant_id).is_not(None),
                Document.status == Status.ATTESTING.value,
                col(Document.due_date).is_not(None),
            )
        )
        rows = [(a, d) for a, d in session.exec(query).all()]
        for a, d in rows:
            session.expunge(a)
            session.expunge(d)
        return rows


def _reminded(session: Session, request_id: str, day: date) -> bool:
    query = select(AttestMail.id).where(
        AttestMail.request_id == request_id, AttestMail.kind == REMINDER, AttestMail.day == day
    )
    return session.exec(query).first() is not None


def due_mails(ctx: AppContext) -> list[str]:
    with session_scope(ctx.engine) as session:
        query = select(AttestMail.id).where(
            AttestMail.state == PENDING, col(AttestMail.next_attempt_at) <= ctx.clock()
        )
        return list(session.exec(query.order_by(col(AttestMail.next_attempt_at))).all())
