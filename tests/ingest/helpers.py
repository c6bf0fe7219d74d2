"""Small helpers shared by the mail tests: send with smtplib, read back what was stored."""

from __future__ import annotations

import base64
import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_mail import MailMessage
from tests.dnsserver import Zone


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


class DkimSigner:
    """A supplier's DKIM key: its public half published in the test DNS zone, as a real
    domain publishes it at `<selector>._domainkey.<domain>`."""

    def __init__(self, zone: Zone, domain: str, selector: str = "k1") -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.domain, self.selector = domain, selector
        zone.txt(
            f"{selector}._domainkey.{domain}",
            f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}",
        )

    def sign(self, raw: bytes) -> bytes:
        header = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.private_pem,
            include_headers=[b"from", b"to", b"subject", b"message-id", b"date"],
        )
        return bytes(header) + raw
