"""Small helpers shared by the mail tests: send with smtplib, read back what was stored."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_mail import MailMessage


def send(
    port: int, raw: bytes, to: str | list[str], mail_from: str = "faktura@lev.example"
) -> None:
    recipients = [to] if isinstance(to, str) else to
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(mail_from, recipients, raw)


def message(
    sender: str = "faktura@lev.example", to: str = "x@y", subject: str = "Faktura"
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Leverandør AS <{sender}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="lev.example")
    mail.set_content("Vedlagt faktura.")
    return mail


def as_bytes(mail: EmailMessage) -> bytes:
    return mail.as_bytes(policy=SMTP)


def documents(ctx: AppContext, company_id: str) -> list[Document]:
    with session_scope(ctx.engine) as session:
        query = select(Document).where(Document.company_id == company_id)
        return list(session.exec(query.order_by(Document.received_at)).all())


def mail_rows(ctx: AppContext, company_id: str | None = None) -> list[MailMessage]:
    with session_scope(ctx.engine) as session:
        query = select(MailMessage)
        if company_id is not None:
            query = query.where(MailMessage.company_id == company_id)
        return list(session.exec(query).all())
