"""E-mails to attestants: the request with its signed link and the reminders, from an outbox.

- **Recorded with the request.** `record(session, request, kind)` adds an `AttestMail` row in
  the transaction that makes the attestation request, so a request is never without its
  mail; once it commits, the row's id goes to the job queue (`kontera.store.mail_outbox`).
- **Sent by the workers** (`send`): one attempt per task through the configured SMTP server
  (`KONTERA_MAIL_RELAY_*`). A server that is down or refuses for now is tried again after
  1, 2, 4 … minutes (at most 6 hours apart) until `KONTERA_ATTEST_MAIL_MAX_ATTEMPTS`; every
  attempt is an audit event, and what is not delivered is listed with the server's answer
  on the company's attestation settings and the document's page.
- Reminders are made on the workers' schedule (`kontera.services.attest.reminders`); the
  link is `kontera.services.attest.links`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.errors import TransientError
from kontera.domain.messages import N_
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.i18n import render
from kontera.i18n import translator
from kontera.services.attest.links import make_link
from kontera.services.context import AppContext
from kontera.store import mail_outbox
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import User
from kontera.store.tables_attest import Attestation
from kontera.store.tables_attest import AttestMail

log = logging.getLogger(__name__)

REQUEST, REMINDER = "request", "reminder"
PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
NORDIC = ZoneInfo("Europe/Oslo")  # Norway and Sweden share the day's boundaries
CLAIM = timedelta(minutes=5)  # one worker's hold on a mail while it talks to the server
FIRST_RETRY = timedelta(minutes=1)
MAX_WAIT = timedelta(hours=6)
SMTP_TIMEOUT = 30.0
SIGNATURE = msg("This is an automatic message from Kontera.")
GREETING = msg("Hello,")


def local_day(moment: datetime) -> date:
    return moment.astimezone(NORDIC).date()


# -- recording -----------------------------------------------------------------------------


def record(
    session: Session, request: Attestation, *, kind: str, now: datetime
) -> AttestMail | None:
    """The mail for this request, due `now` (None when nobody in particular attests it)."""
    user = session.get(User, request.attestant_id) if request.attestant_id else None
    if user is None:
        return None
    session.flush()  # the request's row first: nothing orders inserts by a bare foreign key
    mail = AttestMail(
        company_id=request.company_id,
        request_id=request.id,
        kind=kind,
        day=local_day(now),
        recipient=user.email,
        next_attempt_at=now,
    )
    session.add(mail)
    mail_outbox.note_new(session, mail.id)
    return mail


# -- sending -------------------------------------------------------------------------------


class MailNotSent(TransientError):
    """The SMTP server could not take the mail now; it is tried again later."""

    code = "mail_not_sent"


@dataclass(frozen=True, slots=True)
class Claimed:
    mail_id: str
    attempt: int
    message: EmailMessage


def send(ctx: AppContext, mail_id: str) -> str:
    """One attempt. Returns the mail's state; raises MailNotSent (with the wait) to retry."""
    claimed = _claim(ctx, mail_id)
    if claimed is None:
        return "skipped"  # sent, given up, cancelled, not due yet, or another worker has it
    try:
        _deliver(ctx.settings, claimed.message)
    except smtplib.SMTPRecipientsRefused as e:
        permanent = all(code >= 500 for code, _ in e.recipients.values())
        return _failed(ctx, claimed, _smtp_error(e), permanent=permanent)
    except (OSError, smtplib.SMTPException) as e:
        return _failed(ctx, claimed, _smtp_error(e), permanent=False)
    return _sent(ctx, claimed)


def _claim(ctx: AppContext, mail_id: str) -> Claimed | None:
    now = ctx.clock()
    with session_scope(ctx.engine) as session:
        taken = session.execute(
            update(AttestMail)
            .where(
                col(AttestMail.id) == mail_id,
                col(AttestMail.state) == PENDING,
                col(AttestMail.next_attempt_at) <= now,
            )
            .values(next_attempt_at=now + CLAIM)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        mail = session.get(AttestMail, mail_id)
        request = session.get(Attestation, mail.request_id) if mail else None
        if mail is None or request is None:
            return None
        document = repo.get_document(
            session, company_id=request.company_id, document_id=request.document_id
        )
        if request.state != "pending" or document.status != Status.ATTESTING.value:
            mail.state = CANCELLED  # someone acted, or it was sent elsewhere: nothing to say
            session.add(mail)
            return None
        if not ctx.settings.mail_relay_host:
            mail.last_error = "No SMTP server is configured (KONTERA_MAIL_RELAY_HOST)."
            mail.next_attempt_at = now + MAX_WAIT
            session.add(mail)
            return None
        message = compose(session, ctx.settings, mail, request, document)
        return Claimed(mail.id, mail.attempts + 1, message)


def _deliver(settings: Settings, message: EmailMessage) -> None:
    host = settings.mail_relay_host or ""
    with smtplib.SMTP(host, settings.mail_relay_port, timeout=SMTP_TIMEOUT) as relay:
        if settings.mail_relay_starttls:
            relay.starttls(context=ssl.create_default_context())
        if settings.mail_relay_username:
            relay.login(settings.mail_relay_username, settings.mail_relay_password or "")
        relay.send_message(message)


def _smtp_error(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(
            error.smtp_error, bytes) else str(error.smtp_error)  # fmt: skip
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{to}: {code} {reply.decode(errors='replace')}"
            for to, (code, reply) in error.recipients.items()
        )
    return str(error) or type(error).__name__


def _sent(ctx: AppContext, claimed: Claimed) -> str:
    now = ctx.clock()
    with session_scope(ctx.engine) as session:
        mail = session.get(AttestMail, claimed.mail_id)
        request = session.get(Attestation, mail.request_id) if mail else None
        if mail is None or request is None:
            return SENT
        mail.state, mail.sent_at, mail.attempts = SENT, now, claimed.attempt
        mail.last_error = None
        if mail.kind == REQUEST:
            request.notified_at = now
        else:
            request.reminded_on = mail.day
        session.add(mail)
        session.add(request)
        repo.add_event(
            session,
            company_id=mail.company_id,
            document_id=request.document_id,
            actor="worker",
            action="attest:reminded" if mail.kind == REMINDER else "attest:mailed",
            detail={"to": mail.recipient, "attempt": claimed.attempt, "day": str(mail.day)},
        )
    return SENT


def _failed(ctx: AppContext, claimed: Claimed, error: str, *, permanent: bool) -> str:
    now = ctx.clock()
    wait = min(FIRST_RETRY * 2 ** (claimed.attempt - 1), MAX_WAIT)
    give_up = permanent or claimed.attempt >= ctx.settings.attest_mail_max_attempts
    with session_scope(ctx.engine) as session:
        mail = session.get(AttestMail, claimed.mail_id)
        request = session.get(Attestation, mail.request_id) if mail else None
        if mail is None or request is None:
            return FAILED
        mail.attempts, mail.last_error = claimed.attempt, error[:1000]
        mail.state = FAILED if give_up else PENDING
        mail.next_attempt_at = now + wait
        session.add(mail)
        repo.add_event(
            session,
            company_id=mail.company_id,
            document_id=request.document_id,
            actor="worker",
            action="attest:mail_failed",
            detail={"kind": mail.kind, "to": mail.recipient, "attempt": claimed.attempt,
                    "error": mail.last_error, "given_up": give_up,
                    "next_attempt_at": None if give_up else mail.next_attempt_at.isoformat()},
        )  # fmt: skip
    log.warning("attestation e-mail not sent", extra={"mail": claimed.mail_id, "error": error})
    if give_up:
        return FAILED
    raise MailNotSent(
        msg("The e-mail to the attestant could not be sent: {error}", error=error),
        retry_after=wait.total_seconds(),
    )


# -- the words -----------------------------------------------------------------------------


def compose(
    session: Session,
    settings: Settings,
    mail: AttestMail,
    request: Attestation,
    document: Document,
) -> EmailMessage:
    user = session.get(User, request.attestant_id) if request.attestant_id else None
    company = session.get(Company, request.company_id)
    locale = user.locale if user is not None else "nb"
    supplier = document.supplier_name or document.filename or "?"
    company_name = company.name if company is not None else ""
    if mail.kind == REMINDER:
        subject = msg("Reminder: the invoice from {supplier} waits for your attestation",
                      supplier=supplier)  # fmt: skip
        opening = msg("Reminder: {company} still waits for your attestation of this invoice.",
                      company=company_name)  # fmt: skip
    else:
        subject = msg("Invoice from {supplier} waits for your attestation", supplier=supplier)
        opening = msg("{company} asks you to attest this invoice.", company=company_name)
    link = make_link(settings, request.id)
    invitation = msg(
        "Open it to attest or refuse it. You sign in with your Kontera account; the link "
        "works for {days} days:", days=settings.attest_link_days
    )  # fmt: skip
    parts = [
        render(GREETING, locale),
        render(opening, locale),
        "\n".join(_facts(document, request, locale)),
        render(invitation, locale),
        link,
        f"-- \n{render(SIGNATURE, locale)}",
    ]
    body = "\n\n".join(parts) + "\n"
    message = EmailMessage()
    message["From"] = settings.mail_from or f"kontera@{settings.mail_domain}"
    message["To"] = mail.recipient
    message["Subject"] = render(subject, locale)
    message["Message-ID"] = make_msgid(idstring=mail.id, domain=settings.mail_domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _facts(document: Document, request: Attestation, locale: str) -> list[str]:
    """The invoice in a few lines, each "label: value" with the value as the reader writes it."""
    t = translator(locale)
    why = Message.from_json(request.why_text) if request.why_text else Message(request.why)
    facts = [
        (N_("Supplier"), document.supplier_name or document.filename or ""),
        (N_("Invoice number"), document.invoice_number or ""),
        (
            N_("Amount"),
            "" if document.gross is None else t.amount(document.gross, document.currency),
        ),
        (N_("Due date"), t.date(document.due_date) if document.due_date else ""),
        (N_("Why you"), t.text(why)),
    ]
    return [f"{t(label)}: {value}" for label, value in facts if value]


# -- what people see ---------------------------------------------------------------------


def latest_for(session: Session, request_id: str) -> AttestMail | None:
    query = (
        select(AttestMail)
        .where(AttestMail.request_id == request_id)
        .order_by(col(AttestMail.created_at).desc())
    )
    return session.exec(query).first()


def mail_view(session: Session, request_id: str) -> dict[str, Any] | None:
    """The latest e-mail to the attestant: sent, waiting to be tried again, or given up."""
    mail = latest_for(session, request_id)
    if mail is None:
        return None
    return {
        "kind": mail.kind,
        "state": mail.state,
        "to": mail.recipient,
        "attempts": mail.attempts,
        "last_error": mail.last_error,
        "sent_at": mail.sent_at.isoformat() if mail.sent_at else None,
        "next_attempt_at": mail.next_attempt_at.isoformat() if mail.state == PENDING else None,
    }
