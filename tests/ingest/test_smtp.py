"""Real mail through the running SMTP receiver (aiosmtpd on a loopback port, sent with smtplib)."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest

from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.receive import email_senders
from kontera.services.receive.email_in import recent_mail
from kontera.store.tables import Company
from tests.conftest import FIXTURES
from tests.ingest.conftest import SMALL_LIMIT
from tests.ingest.helpers import as_bytes
from tests.ingest.helpers import documents
from tests.ingest.helpers import mail_rows
from tests.ingest.helpers import message
from tests.ingest.helpers import send

EHF = sorted((FIXTURES / "demo").glob("ehf-*.xml"))
TRUSTED = "faktura@lev.example"


@pytest.fixture
def trusted(ctx: AppContext, company: Company) -> str:
    email_senders.trust_sender(ctx, company.id, TRUSTED)
    return TRUSTED


def test_each_attachment_becomes_a_processed_document_with_provenance(
    ctx: AppContext, company: Company, address: str, smtp_port: int, trusted: str
) -> None:
    """GIVEN a trusted supplier WHEN they mail two EHF invoices and a note THEN two documents
    are stored with where they came from, and are processed (not left waiting)."""
    mail = message(sender=trusted, to=address, subject="Fakturaer november")
    for path in EHF[:2]:
        mail.add_attachment(path.read_bytes(), "application", "xml", filename=path.name)
    mail.add_attachment(b"just a note", "text", "plain", filename="note.txt")
    send(smtp_port, as_bytes(mail), address, mail_from=trusted)

    stored = documents(ctx, company.id)
    assert sorted(d.filename for d in stored) == [p.name for p in EHF[:2]]
    for document in stored:
        assert document.source == "email"
        assert document.sender == trusted
        assert document.provenance["message_id"] == mail["Message-ID"].strip("<>")
        assert document.message_id == mail["Message-ID"].strip("<>")
        assert document.provenance["subject"] == "Fakturaer november"
        assert document.provenance["received_at"]
        assert document.status != Status.RECEIVED.value  # it went through the pipeline
    (row,) = mail_rows(ctx, company.id)
    assert row.status == "imported"
    assert [s["filename"] for s in row.skipped] == ["note.txt"]
    assert ctx.blobs.get(row.raw_sha256).startswith(b"Received:") is False  # stored as sent
    assert mail["Message-ID"].encode() in ctx.blobs.get(row.raw_sha256)


@pytest.mark.parametrize("scenario", ["nested-eml", "eml-file", "zip", "inline-pdf", "ehf-xml"])
def test_generated_scenarios_give_exactly_their_documents(
    ctx: AppContext,
    company: Company,
    address: str,
    smtp_port: int,
    scenario_mails: dict[str, Any],
    scenario: str,
) -> None:
    """Unknown sender, so documents are stored but held (and not interpreted here)."""
    mail = scenario_mails[scenario]
    send(smtp_port, mail.raw, address, mail_from=mail.sender)
    stored = documents(ctx, company.id)
    assert sorted(d.sha256 for d in stored) == sorted(mail.expected)


def test_unknown_recipient_is_refused_at_rcpt_time(
    ctx: AppContext, company: Company, address: str, smtp_port: int
) -> None:
    domain = ctx.settings.mail_domain
    for wrong in (f"nobody@{domain}", f"{company.slug}@elsewhere.example"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(smtp_port, as_bytes(message(to=wrong)), wrong)
        assert refused.value.recipients[wrong][0] == 550
    assert mail_rows(ctx) == []


def test_plus_addressing_reaches_the_company(
    ctx: AppContext, company: Company, smtp_port: int
) -> None:
    to = f"{company.slug}+scanner@{ctx.settings.mail_domain.upper()}"
    mail = message(to=to)
    mail.add_attachment(EHF[0].read_bytes(), "application", "xml", filename="a.xml")
    send(smtp_port, as_bytes(mail), to)
    assert len(documents(ctx, company.id)) == 1


def test_an_oversize_message_is_refused_with_552(
    ctx: AppContext, address: str, smtp_port: int
) -> None:
    mail = message(to=address)
    mail.add_attachment(
        b"%PDF-1.4\n" + b"0" * SMALL_LIMIT, "application", "pdf", filename="big.pdf"
    )
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(smtp_port, as_bytes(mail), address)
    assert refused.value.smtp_code == 552
    assert mail_rows(ctx) == []


def test_the_same_message_id_twice_is_imported_once(
    ctx: AppContext, company: Company, address: str, smtp_port: int
) -> None:
    """A relay retry adds a Received line: other bytes, same Message-ID."""
    mail = message(to=address)
    mail.add_attachment(EHF[1].read_bytes(), "application", "xml", filename="b.xml")
    raw = as_bytes(mail)
    send(smtp_port, raw, address)
    send(
        smtp_port,
        b"Received: from relay.example; Sun, 22 Nov 2026 10:00:00 +0000\r\n" + raw,
        address,
    )
    assert len(mail_rows(ctx, company.id)) == 1
    assert len(documents(ctx, company.id)) == 1


def test_malformed_mime_is_accepted_and_its_raw_message_kept(
    ctx: AppContext, company: Company, address: str, smtp_port: int
) -> None:
    raw = (
        b"From: x@lev.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\n'
        b'--nope\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
    )
    send(smtp_port, raw, address)
    (row,) = recent_mail(ctx, company.id)
    assert row.status == "empty"
    assert row.status_reason and "No invoice document" in row.status_reason
    assert ctx.blobs.get(row.raw_sha256) == raw
    assert row.message_key == f"sha256:{row.raw_sha256}"  # no Message-ID: the bytes identify it
    assert documents(ctx, company.id) == []


def test_a_message_for_two_companies_reaches_both(
    ctx: AppContext, company: Company, address: str, smtp_port: int
) -> None:
    from kontera.services.admin import companies

    other = companies.create_company(ctx, name="Bravo AS")
    other_address = f"{other.slug}@{ctx.settings.mail_domain}"
    mail = message(to=address)
    mail.add_attachment(EHF[2].read_bytes(), "application", "xml", filename="c.xml")
    send(smtp_port, as_bytes(mail), [address, other_address])
    assert len(documents(ctx, company.id)) == 1
    assert len(documents(ctx, other.id)) == 1


def test_a_storage_failure_answers_451_so_the_sender_retries() -> None:
    """Fault injected through the handler's `deliver` seam: the client must not get 250."""
    from kontera.ingest.smtp import InboundHandler
    from kontera.ingest.smtp import start_receiver
    from tests.servers import free_port

    def broken_disk(raw: bytes, mail_from: str | None, rcpts: tuple[str, ...]) -> None:
        raise OSError("No space left on device")

    handler = InboundHandler(resolve=lambda address: True, deliver=broken_disk)
    receiver = start_receiver(handler, host="127.0.0.1", port=free_port(), max_message_bytes=10_000)
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            send(receiver.port, as_bytes(message()), "a@b.example")
    finally:
        receiver.stop()
    assert refused.value.smtp_code == 451


def test_the_same_message_sent_concurrently_is_imported_once(
    ctx: AppContext, company: Company, address: str, smtp_port: int
) -> None:
    import threading

    mail = message(to=address)
    mail.add_attachment(EHF[3].read_bytes(), "application", "xml", filename="d.xml")
    raw = as_bytes(mail)
    threads = [threading.Thread(target=send, args=(smtp_port, raw, address)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mail_rows(ctx, company.id)) == 1
    assert len(documents(ctx, company.id)) == 1


def test_an_html_only_invoice_is_read_from_its_rendered_body(
    ctx: AppContext, company: Company, address: str, smtp_port: int, trusted: str
) -> None:
    """GIVEN a supplier who sends the invoice as the mail text WHEN it arrives THEN the body
    becomes a PDF document that Kontera reads like any other invoice."""
    mail = message(sender=trusted, to=address, subject="Faktura HB-20417")
    mail.set_content(
        "<h2>Faktura HB-20417</h2><table><tr><td>Abonnement</td><td>800,00</td></tr>"
        "<tr><td>MVA 25 %</td><td>200,00</td></tr><tr><td>Totalt å betale</td><td>1 000,00</td>"
        "</tr></table><p>Forfallsdato 15.12.2026</p>",
        subtype="html",
    )
    send(smtp_port, as_bytes(mail), address, mail_from=trusted)
    (document,) = documents(ctx, company.id)
    assert (document.filename, document.provenance["origin"]) == ("message-body.pdf", "body")
    assert document.invoice_number == "HB-20417"
    assert str(document.gross) == "1000.00"


def test_a_sender_with_a_non_ascii_address_is_accepted(
    ctx: AppContext, company: Company, address: str, smtp_port: int
) -> None:
    sender = "faktura@blåbær.example"
    mail = message(sender=sender, to=address)
    mail.add_attachment(EHF[4].read_bytes(), "application", "xml", filename="e.xml")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        client.send_message(mail, from_addr=sender, to_addrs=[address], mail_options=["SMTPUTF8"])
    (document,) = documents(ctx, company.id)
    assert document.sender == sender
