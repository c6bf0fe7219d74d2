"""Quarantine for unknown senders, trust learnt from approvals, resuming, the optional reply."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kontera.domain.status import Status
from kontera.ingest.settings import MailSettings
from kontera.services.context import AppContext
from kontera.services.receive import email_senders
from kontera.services.receive.email_in import receive_mail
from kontera.services.receive.email_in import resume_unfinished_mail
from kontera.services.review.approvals import ApprovedLine
from kontera.services.review.approvals import approve
from kontera.store.blobs import sha256_hex
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables_mail import MailMessage
from tests.conftest import FIXTURES
from tests.dnsserver import Zone
from tests.ingest.helpers import DkimSigner
from tests.ingest.helpers import as_bytes
from tests.ingest.helpers import documents
from tests.ingest.helpers import mail_rows
from tests.ingest.helpers import message
from tests.servers import free_port

EHF = sorted((FIXTURES / "demo").glob("ehf-*.xml"))
STRANGER = "billing@stranger.example"


_signers: dict[str, DkimSigner] = {}


@pytest.fixture(autouse=True)
def stranger_signs_its_mail(mail_dns: Zone) -> Iterator[None]:
    """stranger.example DKIM-signs its mail (key in the test DNS): once trusted, its mail
    proves where it comes from."""
    _signers["stranger.example"] = DkimSigner(mail_dns, "stranger.example")
    yield
    _signers.clear()
    mail_dns.remove("k1._domainkey.stranger.example")


def invoice_mail(sender: str, ehf_index: int) -> bytes:
    mail = message(sender=sender)
    path = EHF[ehf_index]
    mail.add_attachment(path.read_bytes(), "application", "xml", filename=path.name)
    signer = _signers.get(sender.rsplit("@", 1)[1])
    return signer.sign(as_bytes(mail)) if signer else as_bytes(mail)


def status_of(ctx: AppContext, company_id: str, document_id: str) -> str:
    return next(d.status for d in documents(ctx, company_id) if d.id == document_id)


def test_an_unknown_sender_is_held_until_released_then_trusted_on_approval(
    ctx: AppContext, company: Company
) -> None:
    """GIVEN no trusted senders WHEN a stranger mails an invoice THEN it is stored but held;
    released, it is processed; approved, its sender is trusted and the next one flows."""
    first = receive_mail(ctx, company_id=company.id, raw=invoice_mail(STRANGER, 0))
    (document_id,) = first.document_ids
    assert first.quarantined
    assert status_of(ctx, company.id, document_id) == Status.RECEIVED.value
    held = email_senders.quarantined(ctx, company.id)
    assert [(h.document_id, h.sender) for h in held] == [(document_id, STRANGER)]
    assert email_senders.held_document_ids(ctx) == {document_id}

    email_senders.release(ctx, company.id, document_id, actor="kari")
    assert status_of(ctx, company.id, document_id) in (Status.SUGGESTED, Status.NEEDS_REVIEW)
    assert email_senders.quarantined(ctx, company.id) == []

    lines = [ApprovedLine(account="6900", amount=Decimal("5479.00"), vat_code="1")]
    approve(ctx, company_id=company.id, document_id=document_id, actor="kari", lines=lines)
    email_senders.on_document_approved(ctx, document_id)

    second = receive_mail(ctx, company_id=company.id, raw=invoice_mail(STRANGER, 1))
    assert not second.quarantined
    assert status_of(ctx, company.id, second.document_ids[0]) != Status.RECEIVED.value


def test_a_trusted_domain_covers_every_address_in_it(ctx: AppContext, company: Company) -> None:
    email_senders.trust_sender(ctx, company.id, "@stranger.example")
    receipt = receive_mail(ctx, company_id=company.id, raw=invoice_mail(STRANGER, 2))
    assert not receipt.quarantined


def test_release_sender_lets_all_their_documents_in(ctx: AppContext, company: Company) -> None:
    for index in (0, 1):
        receive_mail(ctx, company_id=company.id, raw=invoice_mail(STRANGER, index))
    assert len(email_senders.quarantined(ctx, company.id)) == 2
    assert email_senders.release_sender(ctx, company.id, STRANGER, actor="kari") == 2
    assert email_senders.quarantined(ctx, company.id) == []
    assert all(d.status != Status.RECEIVED.value for d in documents(ctx, company.id))


def test_a_company_can_switch_the_quarantine_off(ctx: AppContext, company: Company) -> None:
    with session_scope(ctx.engine) as session:
        stored = session.get(Company, company.id)
        assert stored is not None
        stored.settings = {**stored.settings, "mail_quarantine_unknown": False}
        session.add(stored)
    assert not receive_mail(ctx, company_id=company.id, raw=invoice_mail(STRANGER, 3)).quarantined


def test_an_import_interrupted_after_storing_is_finished_on_resume(
    ctx: AppContext, company: Company
) -> None:
    """A crash right after the raw message and its row were stored loses nothing."""
    raw = invoice_mail(STRANGER, 4)
    sha = ctx.blobs.put(raw)
    with session_scope(ctx.engine) as session:
        session.add(
            MailMessage(company_id=company.id, message_key="crash@x", raw_sha256=sha, size=len(raw))
        )
    assert resume_unfinished_mail(ctx) == 1
    (row,) = mail_rows(ctx, company.id)
    assert row.status == "imported"
    assert len(documents(ctx, company.id)) == 1
    assert resume_unfinished_mail(ctx) == 0


def test_the_same_bytes_by_api_and_by_mail_stay_one_document(
    ctx: AppContext, company: Company
) -> None:
    from kontera.services.pipeline.documents import receive_document

    data = EHF[0].read_bytes()
    uploaded = receive_document(ctx, company_id=company.id, data=data, filename="up.xml")
    receipt = receive_mail(ctx, company_id=company.id, raw=invoice_mail(STRANGER, 0))
    assert receipt.document_ids == [uploaded.document.id]
    assert not receipt.quarantined  # the upload was not the stranger's to hold back
    assert documents(ctx, company.id)[0].sha256 == sha256_hex(data)


class Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[int, Collector]]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, collector
    finally:
        controller.stop()


def test_a_reply_is_sent_when_nothing_usable_was_found_if_enabled(
    ctx: AppContext, company: Company, relay: tuple[int, Collector]
) -> None:
    port, collector = relay
    mail = message(sender="someone@lev.example", subject="Hei")
    raw = as_bytes(mail)
    off = receive_mail(ctx, company_id=company.id, raw=raw)
    assert off.status == "empty" and collector.messages == []

    settings = MailSettings(reply_when_empty=True, relay_host="127.0.0.1", relay_port=port)
    again = message(sender="someone@lev.example", subject="Hei igjen")
    receive_mail(ctx, company_id=company.id, raw=as_bytes(again), mail=settings)
    (reply,) = [message_from_bytes(m) for m in collector.messages]
    assert reply["To"] == "someone@lev.example"
    assert reply["In-Reply-To"] == again["Message-ID"]
    assert reply["Auto-Submitted"] == "auto-replied"

    robot = message(sender="mailer-daemon@lev.example", subject="Undelivered")
    receive_mail(ctx, company_id=company.id, raw=as_bytes(robot), mail=settings)
    assert len(collector.messages) == 1  # never answer a robot
