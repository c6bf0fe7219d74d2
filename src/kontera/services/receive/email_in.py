"""Mail in: a raw message for a company → its stored original → one document per attachment.

Reads top to bottom like what happens to a message:
1. the raw bytes are stored (content-addressed) before anything else looks at them;
2. a `MailMessage` row claims its Message-ID for the company: the same Message-ID twice
   (a resend, a second poll, an SMTP retry) is imported once;
3. the MIME tree is read (`kontera.ingest.mime`) and every usable file goes through
   `receive_document(source="email")` with its provenance;
4. documents from trusted senders whose mail is authenticated (SPF/DKIM/DMARC, judged on
   arrival and kept with the message) are queued; the others are held in quarantine;
5. the row is marked imported (or empty/failed, with a reason), and optionally the sender is
   told that nothing usable was found.
A crash between 2 and 5 leaves the row `received`; `resume_unfinished_mail` finishes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera import telemetry
from kontera.domain.errors import KonteraError
from kontera.domain.status import Status
from kontera.ingest.headers import MailHeaders
from kontera.ingest.headers import read_headers
from kontera.ingest.mailauth import NOT_CHECKED
from kontera.ingest.mailauth import AuthVerdict
from kontera.ingest.mailauth import MailAuthenticator
from kontera.ingest.mailauth import SmtpClient
from kontera.ingest.mailauth import make_resolver
from kontera.ingest.mime import MailContent
from kontera.ingest.mime import MailPart
from kontera.ingest.mime import extract
from kontera.ingest.settings import MailSettings
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.receive.email_reply import LOCALE_OF_COUNTRY
from kontera.services.receive.email_reply import reply_nothing_found
from kontera.services.receive.email_senders import NOT_TRUSTED_YET
from kontera.services.receive.email_senders import judge_sender
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables_mail import MailMessage
from kontera.store.tables_mail import MailQuarantine

log = logging.getLogger(__name__)

ACTOR = "email"
RECEIVED, IMPORTED, EMPTY, FAILED = "received", "imported", "empty", "failed"
UNREADABLE = "The message could not be read; the original is kept for support."


@dataclass(slots=True)
class MailReceipt:
    mail_id: str
    duplicate: bool
    status: str
    document_ids: list[str] = field(default_factory=list)
    quarantined: bool = False


class _HoldingQueue:
    """Collects the documents `receive_document` would queue, so we decide afterwards."""

    def __init__(self) -> None:
        self.document_ids: list[str] = []

    def process_document(self, document_id: str) -> None:
        self.document_ids.append(document_id)

    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None:
        raise AssertionError("mail import never posts vouchers")  # pragma: no cover

    def train_company(self, company_id: str) -> None:
        raise AssertionError("mail import never trains models")  # pragma: no cover

    def refresh_company(self, company_id: str, supplier_key: str | None) -> None:
        raise AssertionError("mail import never approves")  # pragma: no cover

    def deliver_webhook(self, delivery_id: str) -> None:
        raise AssertionError("webhooks go through the outbox's dispatcher")  # pragma: no cover

    def sync_company(self, company_id: str, full: bool = False, trigger: str = "connect") -> None:
        raise AssertionError("mail import syncs no ledger")  # pragma: no cover


def receive_mail(
    ctx: AppContext,
    *,
    company_id: str,
    raw: bytes,
    channel: str = "smtp",
    envelope_from: str | None = None,
    mailbox_id: str | None = None,
    mail: MailSettings | None = None,
    client: SmtpClient | None = None,
    verdict: AuthVerdict | None = None,
) -> MailReceipt:
    raw_sha = ctx.blobs.put(raw)  # 1. before anything else: nothing can be lost after this
    headers = read_headers(raw)
    if verdict is None:
        verdict = authenticate(raw, client, mail or MailSettings(), ctx.settings.mail_domain)
    row = MailMessage(
        company_id=company_id,
        message_key=headers.message_id or f"sha256:{raw_sha}",
        message_id=headers.message_id,
        raw_sha256=raw_sha,
        size=len(raw),
        channel=channel,
        mailbox_id=mailbox_id,
        sender=headers.sender or _address(envelope_from),
        envelope_from=envelope_from,
        subject=headers.subject,
        authentication=verdict.to_json(),
    )
    existing = _claim(ctx, row)
    if existing is not None:
        return MailReceipt(existing.id, True, existing.status, list(existing.document_ids))
    return import_message(ctx, row.id, mail=mail)


def import_message(
    ctx: AppContext, mail_id: str, *, mail: MailSettings | None = None
) -> MailReceipt:
    """Steps 3–5 for a claimed message; safe to run again after a crash."""
    mail = mail or MailSettings()
    with session_scope(ctx.engine) as session:
        row = _get(session, mail_id)
    raw = ctx.blobs.get(row.raw_sha256)
    try:
        content = extract(raw, mail.limits(max_document_bytes=ctx.settings.max_upload_bytes))
    except Exception:  # a parser bug must not lose the message: it stays stored, marked failed
        log.exception("reading a mail message failed", extra={"mail_id": mail_id})
        return _finish(ctx, row, status=FAILED, reason=UNREADABLE, documents=[], skipped=[])
    documents, skipped = _receive_parts(ctx, row, content)
    status = IMPORTED if documents else EMPTY
    reason = None if documents else _nothing_usable(content)
    receipt = _finish(ctx, row, status=status, reason=reason, documents=documents, skipped=skipped)
    if status == EMPTY and mail.reply_when_empty:
        _reply(ctx, row, content.headers, mail)
    return receipt


def resume_unfinished_mail(ctx: AppContext, mail: MailSettings | None = None) -> int:
    """After a crash or restart: finish every message stored but not yet imported."""
    with session_scope(ctx.engine) as session:
        ids = list(session.exec(select(MailMessage.id).where(MailMessage.status == RECEIVED)))
    for mail_id in ids:
        import_message(ctx, mail_id, mail=mail)
    return len(ids)


def recent_mail(ctx: AppContext, company_id: str, *, limit: int = 50) -> list[MailMessage]:
    """The company's latest messages with their outcome and skip reasons, newest first
    (for "what happened to the invoice I mailed?")."""
    with session_scope(ctx.engine) as session:
        query = (
            select(MailMessage)
            .where(MailMessage.company_id == company_id)
            .order_by(col(MailMessage.received_at).desc())
            .limit(limit)
        )
        return list(session.exec(query).all())


def _claim(ctx: AppContext, row: MailMessage) -> MailMessage | None:
    """Insert the row, or return the earlier message with the same key."""
    try:
        with session_scope(ctx.engine) as session:
            earlier = _by_key(session, row.company_id, row.message_key)
            if earlier is not None:
                return earlier
            session.add(row)
            repo.add_event(
                session,
                company_id=row.company_id,
                document_id=None,
                actor=ACTOR,
                action="mail:received",
                detail={"mail_id": row.id, "message_id": row.message_id, "from": row.sender},
            )
    except IntegrityError:  # the same message arrived concurrently; the first one won
        with session_scope(ctx.engine) as session:
            earlier = _by_key(session, row.company_id, row.message_key)
            assert earlier is not None
            return earlier
    return None


def _receive_parts(
    ctx: AppContext, row: MailMessage, content: MailContent
) -> tuple[list[str], list[dict[str, str | None]]]:
    holding = _HoldingQueue()
    held_ctx = ctx.with_queue(holding)
    documents: list[str] = []
    skipped = [{"filename": s.filename, "reason": s.reason} for s in content.skipped]
    for part in content.parts:
        try:
            received = receive_document(
                held_ctx,
                company_id=row.company_id,
                data=part.data,
                filename=part.filename,
                content_type=part.content_type,
                source="email",
                # Not external_id: that is an integrator's idempotency key, one per document,
                # while one message brings several; the Message-ID is in the provenance.
                sender=row.sender,
                provenance=_provenance(row, content.headers, part),
                actor=ACTOR,
            )
        except KonteraError as e:
            skipped.append({"filename": part.filename, "reason": e.message})
            continue
        if received.document.id not in documents:
            documents.append(received.document.id)
    return documents, skipped


def _provenance(row: MailMessage, headers: MailHeaders, part: MailPart) -> dict[str, str | None]:
    return {
        "mail_id": row.id,
        "message_id": row.message_id,
        "from": row.sender,
        "from_name": headers.sender_name,
        "subject": row.subject,
        "received_at": row.received_at.isoformat(),
        "sent_at": headers.date.isoformat() if headers.date else None,
        "filename": part.filename,
        "origin": part.origin,
        "channel": row.channel,
        "authentication": row.authentication.get("summary"),
        "authentication_results": row.authentication.get("header"),
    }


def _finish(
    ctx: AppContext,
    row: MailMessage,
    *,
    status: str,
    reason: str | None,
    documents: list[str],
    skipped: list[dict[str, str | None]],
) -> MailReceipt:
    """Hold or queue this message's new documents, then record the outcome."""
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=row.company_id)
        verdict = AuthVerdict.from_json(row.authentication) if row.authentication else NOT_CHECKED
        judgement = judge_sender(session, company, row.sender, verdict)
        trusted = judgement.trusted
        waiting = _own_waiting_documents(session, row, documents)
        if not trusted:
            _hold(session, company, row, waiting, judgement.reason or NOT_TRUSTED_YET)
        stored = _get(session, row.id)
        stored.status, stored.status_reason = status, reason
        stored.document_ids, stored.skipped = documents, skipped
        stored.quarantined = bool(waiting) and not trusted
        session.add(stored)
    if trusted:
        for document_id in waiting:
            ctx.queue.process_document(document_id)
    outcome = "quarantined" if stored.quarantined else "accepted" if documents else "nothing_usable"
    telemetry.MAIL_MESSAGES.labels(outcome).inc()
    return MailReceipt(row.id, False, status, documents, stored.quarantined)


def _own_waiting_documents(session: Session, row: MailMessage, documents: list[str]) -> list[str]:
    """Documents first received from this message and not yet processed.

    A document that arrived earlier another way (same bytes by API, say) is left alone.
    """
    waiting = []
    for document_id in documents:
        document = session.get(Document, document_id)
        if document is None or document.provenance.get("mail_id") != row.id:
            continue
        if document.message_id is None:
            document.message_id = row.message_id
            session.add(document)
        if document.status == Status.RECEIVED.value:
            waiting.append(document_id)
    return waiting


def _hold(
    session: Session, company: Company, row: MailMessage, documents: list[str], reason: str
) -> None:
    for document_id in documents:
        if session.exec(
            select(MailQuarantine).where(MailQuarantine.document_id == document_id)
        ).first():
            continue
        session.add(
            MailQuarantine(
                company_id=company.id,
                document_id=document_id,
                mail_message_id=row.id,
                sender=row.sender,
            )
        )
        repo.add_event(
            session,
            company_id=company.id,
            document_id=document_id,
            actor=ACTOR,
            action="mail:quarantined",
            detail={
                "sender": row.sender,
                "reason": reason,
                "authentication": row.authentication.get("summary"),
            },
        )


def authenticate(
    raw: bytes, client: SmtpClient | None, mail: MailSettings, authserv_id: str
) -> AuthVerdict:
    """SPF, DKIM and DMARC for one message; a failure of the check itself holds the mail."""
    resolver = make_resolver(mail.dns_server, timeout=mail.dns_timeout_seconds)
    try:
        return MailAuthenticator(resolver, authserv_id=authserv_id).verify(raw, client)
    except Exception:  # never lose a message to a bug in the check: it is only not trusted
        log.exception("mail authentication failed")
        return NOT_CHECKED


def _nothing_usable(content: MailContent) -> str:
    if content.skipped:
        reasons = "; ".join(f"{s.filename or 'a part'}: {s.reason}" for s in content.skipped[:5])
        return f"No invoice document was found in the message ({reasons})."
    return "No invoice document was found in the message (no attachments)."


def _reply(ctx: AppContext, row: MailMessage, headers: MailHeaders, mail: MailSettings) -> None:
    if headers.auto_submitted or not row.sender or not mail.relay_host:
        return
    sent = reply_nothing_found(
        to=row.sender,
        original_subject=row.subject,
        message_id=row.message_id,
        sender=mail.reply_from or f"no-reply@{ctx.settings.mail_domain}",
        relay_host=mail.relay_host,
        relay_port=mail.relay_port,
        locale=LOCALE_OF_COUNTRY.get(_company_country(ctx, row.company_id), "en"),
    )
    if sent:
        with session_scope(ctx.engine) as session:
            stored = _get(session, row.id)
            stored.replied = True
            session.add(stored)


def _company_country(ctx: AppContext, company_id: str) -> str:
    with session_scope(ctx.engine) as session:
        return repo.get_company(session, company_id=company_id).country


def _get(session: Session, mail_id: str) -> MailMessage:
    row = session.get(MailMessage, mail_id)
    assert row is not None, mail_id
    return row


def _by_key(session: Session, company_id: str, key: str) -> MailMessage | None:
    query = select(MailMessage).where(
        MailMessage.company_id == company_id, MailMessage.message_key == key
    )
    return session.exec(query).first()


def _address(value: str | None) -> str | None:
    if not value or "@" not in value:
        return None
    return value.strip().strip("<>").lower()
