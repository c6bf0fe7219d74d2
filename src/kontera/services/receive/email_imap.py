"""Polling companies' own mailboxes over IMAP.

Per message, in this order: import it (`receive_mail`: raw stored, Message-ID claimed), then
remember its UID, then move or flag it on the server. A crash between any two steps is
harmless: an imported-but-not-remembered message is fetched again and recognised by its
Message-ID; a remembered-but-not-moved one is never fetched again. When the folder's
UIDVALIDITY changes (the server renumbered it), polling starts from UID 0 and the Message-IDs
keep anything from being imported twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from dataclasses import field

from sqlmodel import select

from kontera.domain.errors import ExternalServiceError
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.messages import msg
from kontera.ingest.imap import SECURITY
from kontera.ingest.imap import ImapAccount
from kontera.ingest.imap import ImapConnection
from kontera.ingest.imap import connect
from kontera.ingest.settings import MailSettings
from kontera.services.admin.secrets import mailbox_cipher
from kontera.services.context import AppContext
from kontera.services.receive.email_in import receive_mail
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_mail import ImapMailbox
from kontera.store.types import utcnow

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PollReport:
    mailbox_id: str
    fetched: int = 0
    imported: int = 0
    duplicates: int = 0
    documents: int = 0
    error: str | None = None
    mail_ids: list[str] = field(default_factory=list)


def add_mailbox(
    ctx: AppContext,
    *,
    company_id: str,
    host: str,
    username: str,
    password: str,
    port: int = 993,
    security: str = "ssl",
    folder: str = "INBOX",
    after_import: str = "move",
    processed_folder: str = "Kontera",
) -> ImapMailbox:
    if security not in SECURITY:
        raise InvalidInput(
            msg("IMAP security must be one of {SECURITY}.", SECURITY=tuple(SECURITY))
        )
    if after_import not in ("move", "flag"):
        raise InvalidInput("After import, mail is either moved ('move') or flagged ('flag').")
    with session_scope(ctx.engine) as session:
        repo.get_company(session, company_id=company_id)
        mailbox = ImapMailbox(
            company_id=company_id,
            host=host,
            port=port,
            security=security,
            username=username,
            password_sealed=mailbox_cipher(ctx.settings).encrypt(password),
            folder=folder,
            after_import=after_import,
            processed_folder=processed_folder,
        )
        session.add(mailbox)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor="admin",
            action="mail:mailbox_added",
            detail={"mailbox_id": mailbox.id, "host": host, "username": username},
        )
    return mailbox


def mailboxes(ctx: AppContext, company_id: str | None = None) -> list[ImapMailbox]:
    with session_scope(ctx.engine) as session:
        query = select(ImapMailbox).where(ImapMailbox.enabled == True)  # noqa: E712
        if company_id is not None:
            query = query.where(ImapMailbox.company_id == company_id)
        return list(session.exec(query).all())


def poll_company(
    ctx: AppContext, company_id: str, mail: MailSettings | None = None
) -> list[PollReport]:
    return [poll_mailbox(ctx, m.id, mail) for m in mailboxes(ctx, company_id)]


def poll_all(ctx: AppContext, mail: MailSettings | None = None) -> list[PollReport]:
    return [poll_mailbox(ctx, m.id, mail) for m in mailboxes(ctx)]


def poll_mailbox(ctx: AppContext, mailbox_id: str, mail: MailSettings | None = None) -> PollReport:
    """Import what is new in one mailbox; a failure is reported, recorded and not raised."""
    mail = mail or MailSettings()
    mailbox = _load(ctx, mailbox_id)
    report = PollReport(mailbox_id)
    account = ImapAccount(
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        password=mailbox_cipher(ctx.settings).decrypt(mailbox.password_sealed),
        folder=mailbox.folder,
    )
    try:
        with connect(account, timeout=mail.imap_timeout_seconds) as connection:
            last_uid = _check_uidvalidity(ctx, mailbox, connection.uidvalidity())
            for uid in connection.uids_after(last_uid):
                _import_one(ctx, mailbox, connection, uid, report, mail)
    except ExternalServiceError as e:
        report.error = e.message
        log.warning("IMAP poll failed", extra={"mailbox_id": mailbox_id, "error": e.message})
    _record_poll(ctx, mailbox_id, report.error)
    return report


def _import_one(
    ctx: AppContext,
    mailbox: ImapMailbox,
    connection: ImapConnection,
    uid: int,
    report: PollReport,
    mail: MailSettings,
) -> None:
    raw = connection.fetch_raw(uid)
    if raw is not None:
        report.fetched += 1
        receipt = receive_mail(
            ctx,
            company_id=mailbox.company_id,
            raw=raw,
            channel="imap",
            mailbox_id=mailbox.id,
            mail=mail,
        )
        report.duplicates += receipt.duplicate
        report.imported += not receipt.duplicate
        report.documents += 0 if receipt.duplicate else len(receipt.document_ids)
        report.mail_ids.append(receipt.mail_id)
    _remember_uid(ctx, mailbox.id, uid)
    if raw is None:
        return
    if mailbox.after_import == "move":
        connection.move(uid, mailbox.processed_folder)
    else:
        connection.flag(uid)


def _check_uidvalidity(ctx: AppContext, mailbox: ImapMailbox, uidvalidity: int) -> int:
    """The UID to continue after; 0 when the server renumbered the folder."""
    if mailbox.uidvalidity == uidvalidity:
        return mailbox.last_uid
    with session_scope(ctx.engine) as session:
        stored = session.get(ImapMailbox, mailbox.id)
        assert stored is not None
        if stored.uidvalidity is not None:
            log.info("IMAP UIDVALIDITY changed; rescanning", extra={"mailbox_id": mailbox.id})
        stored.uidvalidity, stored.last_uid = uidvalidity, 0
        session.add(stored)
    return 0


def _remember_uid(ctx: AppContext, mailbox_id: str, uid: int) -> None:
    with session_scope(ctx.engine) as session:
        stored = session.get(ImapMailbox, mailbox_id)
        assert stored is not None
        stored.last_uid = max(stored.last_uid, uid)
        session.add(stored)


def _record_poll(ctx: AppContext, mailbox_id: str, error: str | None) -> None:
    with session_scope(ctx.engine) as session:
        stored = session.get(ImapMailbox, mailbox_id)
        assert stored is not None
        stored.last_polled_at, stored.last_error = utcnow(), error
        session.add(stored)


def _load(ctx: AppContext, mailbox_id: str) -> ImapMailbox:
    with session_scope(ctx.engine) as session:
        mailbox = session.get(ImapMailbox, mailbox_id)
        if mailbox is None:
            raise NotFound("No such mailbox.")
        return mailbox


class ImapPoller:
    """Polls every enabled mailbox every `every_seconds` in a daemon thread until `stop()`."""

    def __init__(self, ctx: AppContext, every_seconds: float, mail: MailSettings) -> None:
        self._ctx, self._every, self._mail = ctx, every_seconds, mail
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kontera-imap", daemon=True)

    def start(self) -> ImapPoller:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stopped.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                poll_all(self._ctx, self._mail)
            except Exception:  # one bad round must not end polling for everyone
                log.exception("IMAP polling round failed")
            self._stopped.wait(self._every)


def start_imap_polling_in_background(
    ctx: AppContext, every_seconds: float = 300.0, mail: MailSettings | None = None
) -> ImapPoller:
    return ImapPoller(ctx, every_seconds, mail or MailSettings()).start()
