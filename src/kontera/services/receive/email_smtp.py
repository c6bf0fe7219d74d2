"""The SMTP receiver wired to companies: `<slug>@<KONTERA_MAIL_DOMAIN>` → that company's mail.

`start_smtp_in_background(ctx, host, port)` is what `kontera serve` and `kontera smtp` call.
"""

from __future__ import annotations

import logging

from sqlmodel import select

from kontera.ingest.mailauth import SmtpClient
from kontera.ingest.settings import MailSettings
from kontera.ingest.smtp import InboundHandler
from kontera.ingest.smtp import SmtpReceiver
from kontera.ingest.smtp import server_tls_context
from kontera.ingest.smtp import start_receiver
from kontera.services.context import AppContext
from kontera.services.receive.email_in import MailReceipt
from kontera.services.receive.email_in import authenticate
from kontera.services.receive.email_in import receive_mail
from kontera.store.db import session_scope
from kontera.store.tables import Company

log = logging.getLogger(__name__)


def company_for_address(ctx: AppContext, address: str) -> str | None:
    """`<slug>@<mail domain>` (or `<slug>+anything@…`) → the company's id, else None."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not local or domain.lower() != ctx.settings.mail_domain.lower():
        return None
    slug = local.split("+", 1)[0].lower()
    with session_scope(ctx.engine) as session:
        company = session.exec(select(Company).where(Company.slug == slug)).first()
        return company.id if company else None


def deliver(
    ctx: AppContext,
    raw: bytes,
    client: SmtpClient,
    recipients: tuple[str, ...],
    mail: MailSettings,
) -> list[MailReceipt]:
    """One message, authenticated once, one import per company it was addressed to."""
    company_ids = {c for r in recipients if (c := company_for_address(ctx, r)) is not None}
    verdict = authenticate(raw, client, mail, ctx.settings.mail_domain) if company_ids else None
    return [
        receive_mail(
            ctx,
            company_id=c,
            raw=raw,
            envelope_from=client.mail_from,
            mail=mail,
            client=client,
            verdict=verdict,
        )
        for c in sorted(company_ids)
    ]


def start_smtp_in_background(
    ctx: AppContext, host: str, port: int, mail: MailSettings | None = None
) -> SmtpReceiver:
    """Start the receiver in a background thread; the returned object's `.stop()` ends it."""
    settings = mail or MailSettings()
    handler = InboundHandler(
        resolve=lambda address: company_for_address(ctx, address) is not None,
        deliver=lambda raw, sender, rcpts: _deliver_logged(ctx, raw, sender, rcpts, settings),
    )
    tls = None
    if settings.tls_cert_file:
        tls = server_tls_context(settings.tls_cert_file, settings.tls_key_file)
    return start_receiver(
        handler,
        host=host,
        port=port,
        max_message_bytes=settings.max_message_bytes,
        tls=tls,
        require_tls=settings.require_tls,
    )


def _deliver_logged(
    ctx: AppContext, raw: bytes, client: SmtpClient, rcpts: tuple[str, ...], mail: MailSettings
) -> None:
    receipts = deliver(ctx, raw, client, rcpts, mail)
    for receipt in receipts:
        log.info(
            "mail received",
            extra={
                "mail_id": receipt.mail_id,
                "duplicate": receipt.duplicate,
                "documents": len(receipt.document_ids),
                "status": receipt.status,
            },
        )
