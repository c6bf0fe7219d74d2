"""Who may mail invoices to a company: trusted senders, and the quarantine for everyone else.

Mail from an unknown sender is still stored (raw message and documents), but its documents
are held: not interpreted, not in the review queue, until someone releases them. Senders
become trusted when a person approves one of their documents (`on_document_approved`) or
trusts them by hand (`trust_sender`, also for a whole `@domain`). A `From:` header can say
anything, so mail from a trusted address passes only when SPF/DKIM/DMARC show it really comes
from that domain (`judge_sender`, verdict from `kontera.ingest.mailauth`); otherwise it is
held too, with the reason.
A company can switch the quarantine off with the setting `mail_quarantine_unknown: false`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.messages import msg
from kontera.ingest.mailauth import AuthVerdict
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables_mail import MailQuarantine
from kontera.store.tables_mail import TrustedSender
from kontera.store.types import utcnow


@dataclass(frozen=True, slots=True)
class QuarantinedDocument:
    document_id: str
    filename: str | None
    sender: str | None
    subject: str | None
    received_at: datetime
    authentication: str | None = None  # "SPF fail, DKIM none, DMARC fail"


def normalise_address(address: str) -> str:
    text = address.strip().lower()
    if text.count("@") != 1 or text.endswith("@") or " " in text:
        raise InvalidInput(
            msg("{address} is not an e-mail address or @domain.", address=repr(address))
        )
    return text


def trust_sender(
    ctx: AppContext, company_id: str, address: str, *, learnt_from: str = "manual"
) -> bool:
    """Trust an address (or `@domain`) for this company; False if it was trusted already."""
    normalised = normalise_address(address)
    try:
        with session_scope(ctx.engine) as session:
            repo.get_company(session, company_id=company_id)
            if _trusted_row(session, company_id, normalised) is not None:
                return False
            session.add(
                TrustedSender(company_id=company_id, address=normalised, learnt_from=learnt_from)
            )
            repo.add_event(
                session,
                company_id=company_id,
                document_id=None,
                actor=learnt_from,
                action="mail:trusted_sender",
                detail={"address": normalised},
            )
    except IntegrityError:  # trusted concurrently by someone else
        return False
    return True


@dataclass(frozen=True, slots=True)
class SenderJudgement:
    trusted: bool
    reason: str | None = None  # why the message is held, for the person who releases it


NOT_TRUSTED_YET = "The sender is not a trusted sender yet."


def judge_sender(
    session: Session, company: Company, sender: str | None, verdict: AuthVerdict
) -> SenderJudgement:
    """Trusted only when the address (or its @domain) is trusted *and* the message proves it
    came from that domain: DMARC-aligned SPF or DKIM, or a DKIM signature of the domain."""
    if company.settings.get("mail_quarantine_unknown") is False:
        return SenderJudgement(True)
    if not sender or "@" not in sender:
        return SenderJudgement(False, NOT_TRUSTED_YET)
    domain = "@" + sender.rsplit("@", 1)[1]
    query = select(TrustedSender.id).where(
        TrustedSender.company_id == company.id, col(TrustedSender.address).in_([sender, domain])
    )
    if session.exec(query).first() is None:
        return SenderJudgement(False, NOT_TRUSTED_YET)
    if verdict.aligned or verdict.signed_by(domain):
        return SenderJudgement(True)
    return SenderJudgement(
        False,
        f"{sender} is a trusted sender, but this message does not prove that it comes from "
        f"{domain[1:]} ({verdict.summary()}): the sender address may be forged.",
    )


def on_document_approved(ctx: AppContext, document_id: str) -> None:
    """The approval hook: a person approved a mailed document, so its sender is trusted."""
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        if document is None or document.source != "email" or not document.sender:
            return
        company_id, sender = document.company_id, document.sender
    trust_sender(ctx, company_id, sender, learnt_from="approval")


def quarantined(ctx: AppContext, company_id: str) -> list[QuarantinedDocument]:
    """The company's held documents, oldest first."""
    with session_scope(ctx.engine) as session:
        query = (
            select(MailQuarantine, Document)
            .join(Document, col(Document.id) == col(MailQuarantine.document_id))
            .where(
                MailQuarantine.company_id == company_id,
                col(MailQuarantine.released_at).is_(None),
            )
            .order_by(col(MailQuarantine.created_at))
        )
        return [
            QuarantinedDocument(
                document_id=document.id,
                filename=document.filename,
                sender=entry.sender,
                subject=document.provenance.get("subject"),
                received_at=document.received_at,
                authentication=document.provenance.get("authentication"),
            )
            for entry, document in session.exec(query).all()
        ]


def held_document_ids(ctx: AppContext) -> set[str]:
    """Documents waiting in quarantine: crash recovery must not process these."""
    with session_scope(ctx.engine) as session:
        query = select(MailQuarantine.document_id).where(col(MailQuarantine.released_at).is_(None))
        return set(session.exec(query).all())


def release(ctx: AppContext, company_id: str, document_id: str, *, actor: str) -> None:
    """Let one held document into the queue (its sender is learnt when it is approved)."""
    with session_scope(ctx.engine) as session:
        entry = session.exec(
            select(MailQuarantine).where(
                MailQuarantine.company_id == company_id,
                MailQuarantine.document_id == document_id,
                col(MailQuarantine.released_at).is_(None),
            )
        ).first()
        if entry is None:
            raise NotFound("No such document in the mail quarantine.")
        entry.released_at, entry.released_by = utcnow(), actor
        session.add(entry)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document_id,
            actor=actor,
            action="mail:released",
            detail={"sender": entry.sender},
        )
    ctx.queue.process_document(document_id)


def release_sender(ctx: AppContext, company_id: str, address: str, *, actor: str) -> int:
    """Trust a sender and release everything they sent that is held; return how many."""
    normalised = normalise_address(address)
    trust_sender(ctx, company_id, normalised, learnt_from=actor)
    held = [
        item.document_id
        for item in quarantined(ctx, company_id)
        if item.sender == normalised
        or (normalised.startswith("@") and (item.sender or "").endswith(normalised))
    ]
    for document_id in held:
        release(ctx, company_id, document_id, actor=actor)
    return len(held)


def _trusted_row(session: Session, company_id: str, address: str) -> TrustedSender | None:
    query = select(TrustedSender).where(
        TrustedSender.company_id == company_id, TrustedSender.address == address
    )
    return session.exec(query).first()
