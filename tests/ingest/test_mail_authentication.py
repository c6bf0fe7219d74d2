"""A trusted supplier's address is not enough: the message must prove where it comes from.

GIVEN a company that trusts faktura@fjellkraft.no, whose domain publishes SPF (its own mail
      server only), a DKIM key and DMARC p=reject in DNS (a real DNS server on loopback)
WHEN  invoices arrive through the real SMTP receiver with that From address
THEN  a forged one (no DKIM signature, SPF fail from this IP) is held in quarantine with the
      reason and the verdict; the same invoice DKIM-signed by fjellkraft.no goes through; the
      verdict (an Authentication-Results header) is kept with the message and its documents.
The receiver offers STARTTLS with a configured certificate, and can require it.
"""

from __future__ import annotations

import datetime
import ipaddress
import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kontera.ingest.mailauth import MailAuthenticator
from kontera.ingest.mailauth import SmtpClient
from kontera.ingest.mailauth import make_resolver
from kontera.ingest.settings import MailSettings
from kontera.services.context import AppContext
from kontera.services.receive import email_senders
from kontera.services.receive.email_in import receive_mail
from kontera.services.receive.email_smtp import start_smtp_in_background
from kontera.store.tables import Company
from tests.conftest import FIXTURES
from tests.dnsserver import Zone
from tests.ingest.helpers import DkimSigner
from tests.ingest.helpers import as_bytes
from tests.ingest.helpers import documents
from tests.ingest.helpers import mail_rows
from tests.ingest.helpers import message
from tests.ingest.helpers import send
from tests.servers import free_port

SUPPLIER = "faktura@fjellkraft.no"
EHF = sorted((FIXTURES / "demo").glob("ehf-*.xml"))


@pytest.fixture
def supplier_dns(mail_dns: Zone) -> Iterator[DkimSigner]:
    mail_dns.txt("fjellkraft.no", "v=spf1 ip4:192.0.2.25 -all")  # not this machine
    mail_dns.txt("_dmarc.fjellkraft.no", "v=DMARC1; p=reject; rua=mailto:d@fjellkraft.no")
    signer = DkimSigner(mail_dns, "fjellkraft.no")
    yield signer
    for name in ("fjellkraft.no", "_dmarc.fjellkraft.no", "k1._domainkey.fjellkraft.no"):
        mail_dns.remove(name)


@pytest.fixture
def trusted_supplier(ctx: AppContext, company: Company) -> str:
    email_senders.trust_sender(ctx, company.id, SUPPLIER)
    return SUPPLIER


def invoice(address: str, n: int, sender: str = SUPPLIER) -> bytes:
    mail = message(sender=sender, to=address, subject=f"Faktura {n}")
    mail.add_attachment(EHF[n].read_bytes(), "application", "xml", filename=f"f{n}.xml")
    return as_bytes(mail)


def test_a_forged_trusted_sender_is_held_and_a_dkim_signed_one_is_not(
    ctx: AppContext,
    company: Company,
    address: str,
    smtp_port: int,
    trusted_supplier: str,
    supplier_dns: DkimSigner,
) -> None:
    send(smtp_port, invoice(address, 0), address, mail_from=SUPPLIER)
    send(smtp_port, supplier_dns.sign(invoice(address, 1)), address, mail_from=SUPPLIER)

    forged, signed = sorted(mail_rows(ctx, company.id), key=lambda r: r.subject or "")
    assert forged.quarantined and not signed.quarantined
    assert forged.authentication["spf"] == "fail"
    assert forged.authentication["dkim"] == []
    assert forged.authentication["dmarc"] == "fail"
    assert forged.authentication["dmarc_policy"] == "reject"
    assert signed.authentication["dkim"] == [
        {"domain": "fjellkraft.no", "selector": "k1", "result": "pass"}
    ]
    assert signed.authentication["dmarc"] == "pass"
    assert signed.authentication["aligned_by"] == ["dkim"]
    assert signed.authentication["header"].startswith(
        "Authentication-Results: inbox.kontera.local; spf=fail"
    )
    held = email_senders.quarantined(ctx, company.id)
    assert [h.document_id for h in held] == forged.document_ids
    assert held[0].authentication == "SPF fail, DKIM none, DMARC fail"
    by_id = {d.id: d for d in documents(ctx, company.id)}
    assert by_id[forged.document_ids[0]].status == "received"  # held, not read
    assert by_id[signed.document_ids[0]].status != "received"  # went through the pipeline
    assert "aligned by DKIM" in by_id[signed.document_ids[0]].provenance["authentication"]


def test_spf_from_the_suppliers_own_server_is_enough(
    ctx: AppContext, company: Company, trusted_supplier: str, supplier_dns: DkimSigner
) -> None:
    authorised = SmtpClient(ip="192.0.2.25", helo="mx.fjellkraft.no", mail_from=SUPPLIER)
    receipt = receive_mail(ctx, company_id=company.id, raw=invoice("x@y", 2), client=authorised)
    assert not receipt.quarantined
    (row,) = mail_rows(ctx, company.id)
    assert (row.authentication["spf"], row.authentication["aligned_by"]) == ("pass", ["spf"])


@pytest.mark.parametrize(
    "case", ["signed by someone else", "changed after signing", "signed for a look-alike"]
)
def test_signatures_that_prove_nothing_are_held(
    ctx: AppContext,
    company: Company,
    trusted_supplier: str,
    supplier_dns: DkimSigner,
    mail_dns: Zone,
    case: str,
) -> None:
    raw = invoice("x@y", 3)
    if case == "signed by someone else":
        raw = DkimSigner(mail_dns, "bulkmailer.example").sign(raw)
    elif case == "changed after signing":
        raw = supplier_dns.sign(raw).replace(b"Vedlagt faktura.", b"Ny kontonummer!!")
    else:
        raw = DkimSigner(mail_dns, "fjellkraft-no.example").sign(raw)
    receipt = receive_mail(ctx, company_id=company.id, raw=raw)
    assert receipt.quarantined
    (row,) = mail_rows(ctx, company.id)
    assert row.authentication["aligned_by"] == []


def test_mail_fetched_by_imap_is_judged_by_dkim(
    ctx: AppContext, company: Company, trusted_supplier: str, supplier_dns: DkimSigner
) -> None:
    """No connecting IP is known for a polled mailbox: SPF is `none`, DKIM decides."""
    signed = receive_mail(
        ctx, company_id=company.id, raw=supplier_dns.sign(invoice("x@y", 4)), channel="imap"
    )
    unsigned = receive_mail(ctx, company_id=company.id, raw=invoice("x@y", 0), channel="imap")
    assert not signed.quarantined and unsigned.quarantined


def test_dns_trouble_is_a_temporary_error_not_a_crash(ctx: AppContext) -> None:
    dead = make_resolver(f"127.0.0.1:{free_port()}", timeout=0.3)
    client = SmtpClient(ip="192.0.2.25", helo="mx.fjellkraft.no", mail_from=SUPPLIER)
    verdict = MailAuthenticator(dead).verify(invoice("x@y", 0), client)
    assert verdict.spf == "temperror" and verdict.dmarc == "temperror"
    assert not verdict.aligned


# --- STARTTLS ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for this test."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mx.kontera.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def tls_receiver(ctx: AppContext, certificate: tuple[Path, Path], *, require: bool) -> object:
    settings = MailSettings(
        tls_cert_file=str(certificate[0]), tls_key_file=str(certificate[1]), require_tls=require
    )
    return start_smtp_in_background(ctx, "127.0.0.1", free_port(), settings)


def test_the_receiver_offers_starttls_with_a_certificate(
    ctx: AppContext, company: Company, address: str, certificate: tuple[Path, Path]
) -> None:
    receiver = tls_receiver(ctx, certificate, require=False)
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    try:
        with smtplib.SMTP("127.0.0.1", receiver.port, timeout=30) as client:  # type: ignore[attr-defined]
            client.ehlo("mx.sender.example")
            assert client.has_extn("starttls")
            client.starttls(context=trust)
            client.ehlo("mx.sender.example")
            cipher = client.sock.cipher()  # type: ignore[union-attr]
            client.sendmail(SUPPLIER, [address], invoice(address, 0))
    finally:
        receiver.stop()  # type: ignore[attr-defined]
    assert cipher is not None and cipher[1] in ("TLSv1.2", "TLSv1.3")
    assert len(mail_rows(ctx, company.id)) == 1


def test_tls_can_be_required(
    ctx: AppContext, company: Company, address: str, certificate: tuple[Path, Path]
) -> None:
    receiver = tls_receiver(ctx, certificate, require=True)
    try:
        with smtplib.SMTP("127.0.0.1", receiver.port, timeout=30) as client:  # type: ignore[attr-defined]
            client.ehlo("mx.sender.example")
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                client.sendmail(SUPPLIER, [address], invoice(address, 0))
    finally:
        receiver.stop()  # type: ignore[attr-defined]
    assert refused.value.smtp_code == 530
    assert mail_rows(ctx, company.id) == []
